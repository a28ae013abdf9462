import type { BuildState } from "../engine/build/build-job";

/**
 * Waits for a background build the server runs (a kernel, an image),
 * printing each step once on stderr as it starts, and resolves with how it
 * ended. `poll` asks the server for the build's state again.
 */
export async function followBuild<S extends BuildState>(first: S, poll: () => Promise<S>, everyMs = 1000): Promise<S> {
  let build = first;
  let last = "";
  while (build.state === "building") {
    const p = build.progress;
    const line = p ? `[${p.step}/${p.steps}] ${p.label}` : "starting";
    if (line !== last) console.error(line);
    last = line;
    await new Promise((r) => setTimeout(r, everyMs));
    build = await poll();
  }
  return build;
}
