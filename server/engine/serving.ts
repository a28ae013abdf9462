import type { LocalEngine } from "./local-engine";

/**
 * What the one engine of a data root does when it takes the root over and
 * when it lets it go, as its own process (engine-main.ts) or inside the web
 * server (in-process.ts).
 */
export async function beginServing(local: LocalEngine, log: (line: string) => void): Promise<void> {
  // What a previous engine left running, it left by dying: ended, and each of those labs says so.
  const reaped = await local.engine.reapLeftovers();
  if (reaped.length) log(`ended what an engine before this one left running in labs ${reaped.join(", ")}`);
  // Nothing waits for the fast kernel or the Debian images: they build in the background
  // (UMLAB_KERNEL_BUILD=0 / UMLAB_IMAGE_BUILD=0 leave them to `umlab kernel build` / `umlab image build`).
  if (process.env.UMLAB_KERNEL_BUILD !== "0") local.kernels.start();
  if (process.env.UMLAB_IMAGE_BUILD !== "0") void local.images.buildMissing();
}

/** Cancels the builds (no compiler or mmdebstrap outlives the engine) and stops every lab. */
export async function endServing(local: LocalEngine): Promise<void> {
  await local.kernels.cancel();
  await local.images.cancel();
  await local.engine.stopAll();
}
