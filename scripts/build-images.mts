// Builds umlab's Debian guest images (router, host) into the data root when
// they are not built yet (`npm test` does this before the tests; the server
// does it in the background). Names on the command line pick some.
import { buildDebianImage, builtImages, debianPlan } from "../server/engine/image/debian";
import { debianRecipes } from "../server/engine/image/recipes";
import { dataRoot } from "../server/engine/paths";

const root = dataRoot();
const wanted = process.argv.slice(2);
for (const recipe of debianRecipes.filter((r) => !wanted.length || wanted.includes(r.name))) {
  const plan = debianPlan(root, recipe);
  if (builtImages(root, recipe.name).some((b) => b.id === plan.id)) continue;
  const t0 = Date.now();
  process.stdout.write(`provision: building the ${recipe.name} image (${plan.id}, log in ${plan.log})\n`);
  try {
    await buildDebianImage(root, recipe, (p) => {
      if (!p.line) process.stdout.write(`provision:   [${p.step}/${p.steps}] ${p.label}\n`);
    });
  } catch (e) {
    process.stderr.write(`provision: ${(e as Error).message}\n`);
    process.exit(1);
  }
  process.stdout.write(`provision: ${recipe.name} image built in ${Math.round((Date.now() - t0) / 1000)} s\n`);
}
