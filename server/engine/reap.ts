import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runRel } from "./paths";
import { cwdOf, endProcess, endSession, isAlive, processesIn, signal, waitFor } from "./procs";

/** The pids a run's state.json lists (lab-run.ts writeState). */
interface RunState {
  nodes: Record<string, number | null>;
  switches: Record<string, number | null>;
  wirefilters?: Record<string, number | null>;
  gateways?: Record<string, number | null>;
}

/** A run's state.json, or null when it is missing or torn (not the shape writeState gives). */
export function readRunState(runDir: string): RunState | null {
  try {
    const state = JSON.parse(readFileSync(join(runDir, runRel.state), "utf8")) as RunState;
    const pidMap = (m: unknown) => typeof m === "object" && m !== null && Object.values(m).every((p) => p === null || Number.isInteger(p));
    if (!pidMap(state.nodes) || !pidMap(state.switches) || !pidMap(state.wirefilters ?? {}) || !pidMap(state.gateways ?? {})) return null;
    return state;
  } catch {
    return null;
  }
}

/**
 * Ends what an earlier server left running in a run directory: first by the
 * pids of its state.json, each checked to still work in that directory; then
 * whatever else still works there, found through /proc. The second step is
 * all there is when state.json is torn or missing (a server killed while
 * writing it, or before its first write). Returns whether anything of a run
 * was found.
 */
export async function reapRun(runDir: string): Promise<boolean> {
  const hadState = existsSync(join(runDir, runRel.state));
  const state = readRunState(runDir);
  const owned = (pid: number | null): pid is number => !!pid && cwdOf(pid) === runDir;
  if (state) {
    for (const pid of Object.values(state.nodes)) if (owned(pid)) await endSession(pid, 2000);
    for (const pid of [...Object.values(state.wirefilters ?? {}), ...Object.values(state.gateways ?? {})]) if (owned(pid)) await endProcess(pid, 2000);
    for (const pid of Object.values(state.switches)) if (owned(pid)) await endProcess(pid, 2000);
  }
  const rest = processesIn(runDir);
  await endProcesses(rest, 2000);
  return hadState || rest.length > 0;
}

/** Signal, wait, kill, for a set of processes at once. */
export async function endProcesses(pids: number[], graceMs: number): Promise<void> {
  const alive = () => pids.filter(isAlive);
  if (!alive().length) return;
  signal(alive(), "SIGTERM");
  if (await waitFor(() => alive().length === 0, graceMs)) return;
  signal(alive(), "SIGKILL");
  await waitFor(() => alive().length === 0, 2000);
}
