import type { Check } from "../model/check";
import { judge, probeOf, type Answer, type Probe, type Verdict } from "./probes";

/** One check's outcome: `points` is what it earned (0 when it failed) out of `maxPoints`. */
export interface CheckResult {
  id: string;
  description: string;
  passed: boolean;
  /** What was seen: "no route to 10.0.3.0/24 in node02's table", "ping 10.0.0.2 from pc1: 100% loss". */
  reason: string;
  points: number;
  maxPoints: number;
  /** The check's hint, when it failed and has one. */
  hint?: string;
}

/** What the runner needs of a running lab. */
export interface Guest {
  /** "running", or the node's state otherwise ("stopped", "booting", "crashed", "not running"). */
  nodeState(node: string): Promise<string>;
  exec(probe: Probe): Promise<Answer>;
}

export interface RunOptions {
  /** How many checks run at once (a node answers one command at a time anyway). */
  parallel?: number;
  /** Between two tries of a check that waits. */
  retryMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_PARALLEL = 4;
/** How long one read of a node is shared by the checks that need it. */
const SHARE_MS = 500;

/**
 * Runs checks on a running lab, `parallel` at a time, each in the order
 * given back. A check that waits is tried again until it passes or its
 * wait is over; a node that is not running fails its checks, saying so.
 */
export async function runChecks(checks: readonly Check[], guest: Guest, options: RunOptions = {}): Promise<CheckResult[]> {
  const { parallel = DEFAULT_PARALLEL, retryMs = 1000, now = Date.now, sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) } = options;
  const results: CheckResult[] = new Array(checks.length);
  // Checks that read the same thing in the same node (its routes, its processes, vtysh's JSON) share one
  // read while it is fresh; a retry, a second later, reads again. A command check always runs its own.
  const shared = new Map<string, { at: number; answer: Promise<Answer> }>();
  const read: Guest["exec"] = (p) => {
    const key = JSON.stringify([p.node, p.argv ?? null, p.script ?? null]);
    const hit = shared.get(key);
    if (hit && now() - hit.at < SHARE_MS) return hit.answer;
    const answer = guest.exec(p);
    shared.set(key, { at: now(), answer });
    return answer;
  };
  const reading: Guest = { nodeState: (n) => guest.nodeState(n), exec: read };
  let next = 0;
  const worker = async () => {
    while (next < checks.length) {
      const i = next++;
      const c = checks[i];
      const deadline = now() + c.wait * 1000;
      const through = c.test.kind === "command" ? guest : reading;
      let v = await attempt(c, through);
      while (!v.passed && now() < deadline) {
        await sleep(Math.min(retryMs, Math.max(0, deadline - now())));
        v = await attempt(c, through);
      }
      results[i] = {
        id: c.id,
        description: c.description,
        passed: v.passed,
        reason: v.reason,
        points: v.passed ? c.points : 0,
        maxPoints: c.points,
        ...(!v.passed && c.hint ? { hint: c.hint } : {}),
      };
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, checks.length)) }, worker));
  return results;
}

async function attempt(c: Check, guest: Guest): Promise<Verdict> {
  const probe = probeOf(c.test);
  try {
    const state = await guest.nodeState(probe.node);
    if (state !== "running") return { passed: false, reason: `${probe.node} is not running (${state})` };
    return judge(c.test, await guest.exec(probe));
  } catch (e) {
    return { passed: false, reason: `${probe.node}: ${(e as Error).message.split("\n")[0]}` };
  }
}
