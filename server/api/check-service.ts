import { can, type Principal } from "../auth/permissions";
import { runChecks as runOn, type CheckResult, type Guest } from "../checks/runner";
import { convertChecker, readCheckerText } from "../labfile/kathara/checker";
import type { Check } from "../model/check";
import { toRawLab } from "../model/lab";
import { isValidName } from "../model/names";
import { shellQuote, type LabDetail, type LabService } from "./lab-service";

export type { CheckResult } from "../checks/runner";

/** One run of a lab's checks: what each gave, and the points earned out of the most there were. */
export interface CheckReport {
  lab: string;
  ranAt: string;
  points: number;
  maxPoints: number;
  results: CheckResult[];
}

/** A check as a student may see it before running it: what it asks, not how it is tested. */
export interface CheckSummary {
  id: string;
  description: string;
  points: number;
  kind: Check["test"]["kind"];
  node: string;
  hidden: boolean;
}

export interface ChecksView {
  lab: string;
  checks: CheckSummary[];
  /** How many hidden checks were left out. */
  hidden: number;
  /** The lab's last run, its hidden results left out when its hidden checks are. */
  last: CheckReport | null;
}

/**
 * The last report of each lab, in memory (a restart of the console forgets
 * them). One map for the process, through globalThis: Next bundles each
 * route handler with its own copy of this module.
 */
const lastReports: Map<string, CheckReport> = ((globalThis as Record<symbol, unknown>)[Symbol.for("umlab.lastCheckReports")] ??= new Map<string, CheckReport>()) as Map<string, CheckReport>;

/** How long a node's state read for one run is trusted: a run of many checks reads it once, a retry anew. */
const STATE_MS = 500;

/** Who may ask for hidden checks over the API: those who teach (or see every lab), never a student in their own instance. */
export const mayRevealHidden = (who: Principal) => can(who, "Class.Teach") || can(who, "Lab.All");

const visible = (checks: readonly Check[], includeHidden: boolean) => checks.filter((c) => includeHidden || !c.hidden);

function report(lab: string, results: CheckResult[]): CheckReport {
  const sum = (f: (r: CheckResult) => number) => results.reduce((a, r) => a + f(r), 0);
  return { lab, ranAt: new Date().toISOString(), points: sum((r) => r.points), maxPoints: sum((r) => r.maxPoints), results };
}

/**
 * Runs a lab's checks on the running lab, over each node's exec channel:
 * read-only commands, quoted for the guest's sh. Hidden checks are left out
 * unless `includeHidden` (the caller decides who may: the classroom for a
 * teacher, the API by mayRevealHidden). A lab or node that is not running
 * fails its checks, saying so. `who` must be allowed the lab (svc.mine).
 */
export async function runChecks(svc: LabService, who: Principal, ref: string, opts: { includeHidden?: boolean } = {}): Promise<CheckReport> {
  const s = await svc.mine(who, ref);
  const checks = visible(s.lab.checks, !!opts.includeHidden);
  let states: { at: number; of: Map<string, string> } | null = null;
  const guest: Guest = {
    async nodeState(node) {
      if (!states || Date.now() - states.at > STATE_MS) {
        const status = await svc.engine.status(s.id, s.lab);
        states = { at: Date.now(), of: new Map(status.nodes.map((n) => [n.name, status.running ? n.state : "the lab is stopped"])) };
      }
      return states.of.get(node) ?? "not running";
    },
    exec: (p) => svc.engine.exec(s.id, p.node, p.script ?? shellQuote(p.argv ?? []), p.timeoutS),
  };
  const r = report(s.name, await runOn(checks, guest));
  const hidden = new Set(s.lab.checks.filter((c) => c.hidden).map((c) => c.id));
  const kept = lastReports.get(s.id);
  // A student's run does not forget the hidden results of the teacher's last one, and the other way round.
  if (opts.includeHidden || !kept || !kept.results.some((x) => hidden.has(x.id))) lastReports.set(s.id, r);
  return r;
}

export async function listChecks(svc: LabService, who: Principal, ref: string, opts: { includeHidden?: boolean } = {}): Promise<ChecksView> {
  const s = await svc.mine(who, ref);
  const shown = visible(s.lab.checks, !!opts.includeHidden);
  const ids = new Set(shown.map((c) => c.id));
  const kept = lastReports.get(s.id);
  const last = kept && { ...kept, results: kept.results.filter((r) => ids.has(r.id)) };
  if (last) [last.points, last.maxPoints] = [last.results.reduce((a, r) => a + r.points, 0), last.results.reduce((a, r) => a + r.maxPoints, 0)];
  return {
    lab: s.name,
    checks: shown.map((c) => ({ id: c.id, description: c.description, points: c.points, kind: c.test.kind, node: c.test.node, hidden: c.hidden })),
    hidden: s.lab.checks.length - shown.length,
    last: last ?? null,
  };
}

/**
 * Sets a lab's checks from a kathara-lab-checker file (JSON or YAML): its
 * device names are the lab's nodes (Kathará's upper case and "_" read as
 * umlab's import renames them). What was not carried over comes back as warnings.
 */
export async function importCheckerFile(svc: LabService, who: Principal, ref: string, text: string, file = "correction.yaml"): Promise<{ lab: LabDetail; checks: number; warnings: string[] }> {
  const s = await svc.mine(who, ref);
  const nodes = new Set(s.lab.nodes.map((n) => n.name));
  const nodeOf = (device: string) => {
    const renamed = device.toLowerCase().replace(/[^a-z0-9-]/g, "-");
    return nodes.has(device) ? device : nodes.has(renamed) && isValidName(renamed) ? renamed : null;
  };
  const { checks, warnings } = convertChecker(readCheckerText(text, file), file, nodeOf);
  const lab = await svc.updateRaw(who, ref, { ...toRawLab(s.lab), checks });
  return { lab, checks: checks.length, warnings };
}
