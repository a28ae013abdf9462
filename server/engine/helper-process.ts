import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { endProcess, waitFor } from "./procs";
import type { Spawnable } from "./sandbox";

export interface Helper {
  child: ChildProcess;
  /** The last 2,000 characters it wrote to stderr. */
  stderr(): string;
  /** Null once it is ready; else the spawn error, or "exited" / "timeout" (its stderr says why). */
  failure: Error | "exited" | "timeout" | null;
}

/**
 * Starts a host helper of a lab (vde_switch, uml_switch, wirefilter) in the
 * lab's run directory, as `Sandbox.wrap` made its command line, with its stdin a pipe from the engine (it ends when
 * the server does), and waits until it made `readyPath`, its socket.
 */
export async function startHelper({ argv, env }: Spawnable, cwd: string, readyPath: string, timeoutMs = 5000): Promise<Helper> {
  const child = spawn(argv[0], argv.slice(1), { cwd, env: env as NodeJS.ProcessEnv, stdio: ["pipe", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr = (stderr + d).slice(-2000)));
  let exited = false;
  child.on("exit", () => (exited = true));
  const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));
  const up = await Promise.race([waitFor(() => existsSync(readyPath) || exited, timeoutMs), spawnError]);
  const failure = up instanceof Error ? up : exited ? "exited" : existsSync(readyPath) ? null : "timeout";
  return { child, stderr: () => stderr, failure };
}

/** Ends a helper started with its stdin a pipe from the engine: the pipe closes (most helpers exit on it), then its pid. */
export async function endHelper(child: ChildProcess | null, graceMs = 1000): Promise<void> {
  if (!child?.pid) return;
  child.stdin?.destroy();
  await endProcess(child.pid, graceMs);
}
