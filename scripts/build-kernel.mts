// Builds umlab's fast kernel into the data root when it is not built yet
// (`npm test` does this before the tests; the server does it in the background).
import { buildKernel, kernelPlan } from "../server/engine/kernel/build";
import { fastKernel } from "../server/engine/kernel/kernels";
import { dataRoot } from "../server/engine/paths";

const root = dataRoot();
if (!fastKernel(root)) {
  const plan = kernelPlan(root);
  const t0 = Date.now();
  let step = 0;
  process.stdout.write(`provision: building umlab's fast kernel (${plan.id}, log in ${plan.log})\n`);
  try {
    await buildKernel(root, (p) => {
      if (p.step === step) return;
      step = p.step;
      process.stdout.write(`provision:   [${p.step}/${p.steps}] ${p.label}\n`);
    });
  } catch (e) {
    process.stderr.write(`provision: ${(e as Error).message}\n`);
    process.exit(1);
  }
  process.stdout.write(`provision: fast kernel built in ${Math.round((Date.now() - t0) / 1000)} s\n`);
}
