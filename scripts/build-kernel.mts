// Builds umlab's fast kernel into the data root when it is not built yet
// (`npm test` does this before the tests; the server does it in the background).
// With --test, also the custom kernel the tests boot (custom-kernel.int.test.ts).
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { buildKernel, kernelPlan, type CustomKernelRequest } from "../server/engine/kernel/build";
import { TEST_KERNEL } from "../server/engine/kernel/fixtures/test-kernel";
import { dataRoot, kernelsDir } from "../server/engine/paths";

const root = dataRoot();

async function build(custom: CustomKernelRequest | null, trees: { keepTree?: string; seedTree?: string } = {}): Promise<void> {
  const plan = kernelPlan(root, custom);
  const what = custom ? `the custom kernel ${custom.name}` : "umlab's fast kernel";
  if (plan.id === built(plan.dir)) return;
  const t0 = Date.now();
  let step = 0;
  process.stdout.write(`provision: building ${what} (${plan.id}, log in ${plan.log})\n`);
  try {
    const meta = await buildKernel(root, {
      custom,
      ...trees,
      onProgress: (p) => {
        if (p.step === step) return;
        step = p.step;
        process.stdout.write(`provision:   [${p.step}/${p.steps}] ${p.label}\n`);
      },
    });
    for (const w of meta.warnings ?? []) process.stdout.write(`provision:   warning: ${w}\n`);
  } catch (e) {
    process.stderr.write(`provision: ${(e as Error).message}\n`);
    process.exit(1);
  }
  process.stdout.write(`provision: ${what} built in ${Math.round((Date.now() - t0) / 1000)} s\n`);
}

/** The id of the kernel built in a plan's folder, if any. */
function built(dir: string): string | null {
  try {
    return (JSON.parse(readFileSync(join(dir, "kernel.json"), "utf8")) as { id: string }).id;
  } catch {
    return null;
  }
}

// The test kernel differs from the fast one by a few options: built from the
// fast kernel's compiled tree, kbuild remakes only what they touch (under a minute, not a whole build).
const tree = join(kernelsDir(root), ".tree-for-test-kernel");
const testKernel = process.argv.includes("--test") && built(kernelPlan(root, TEST_KERNEL).dir) !== kernelPlan(root, TEST_KERNEL).id;
try {
  await build(null, testKernel ? { keepTree: tree } : {});
  if (testKernel) await build(TEST_KERNEL, { seedTree: tree });
} finally {
  rmSync(tree, { recursive: true, force: true });
}
