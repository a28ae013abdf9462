import type { Problem } from "./errors";
import type { Node, Switch } from "./lab";
import { impairmentProblem, type Impairment } from "./link";
import { parseLineRef } from "./serial";

/**
 * A fault timeline: steps such as `at 10s pull node04.eth0`, each done at its
 * time after the scenario is played. The lab file lists them as strings, in
 * any order; they run sorted by time (steps at the same time in file order).
 */
export type ScenarioAction =
  | { kind: "pull" | "plug" | "clear"; node: string; iface: number }
  | { kind: "impair"; node: string; iface: number; impair: Impairment }
  | { kind: "crash" | "start" | "stop" | "restart"; node: string }
  | { kind: "pause" | "resume"; switch: string }
  /** A serial cable, named by either of its lines. */
  | { kind: "cut" | "mend"; node: string; line: number };

export interface ScenarioStep {
  /** Its place in the lab file's list. */
  index: number;
  /** After how long, from the moment the scenario is played. */
  atMs: number;
  /** The step as written (trimmed), for the lab file. */
  text: string;
  /** The action part, for logs: "pull node04.eth0". */
  what: string;
  action: ScenarioAction;
}

/** No step later than a day. */
export const MAX_STEP_MS = 24 * 3600 * 1000;

const LINK_ACTIONS = ["pull", "plug", "clear", "impair"] as const;
const NODE_ACTIONS = ["crash", "start", "stop", "restart"] as const;
const SWITCH_ACTIONS = ["pause", "resume"] as const;
const CABLE_ACTIONS = ["cut", "mend"] as const;
export const SCENARIO_GRAMMAR =
  "at TIME ACTION: TIME like 10s, 1.5s, 500ms, 2m; ACTION one of pull|plug|clear NODE.ethN, impair NODE.ethN [loss=10%] [delay=50ms] [bandwidth=1000kbit] [dup=1%], crash|start|stop|restart NODE, pause|resume SWITCH, cut|mend NODE.ttySN (a serial cable, by either end)";

const UNIT_MS = { ms: 1, s: 1000, m: 60000 } as const;

/** "10s", "1.5s", "500ms", "2m" in milliseconds, or null. */
export function parseDuration(text: string, bare: "ms" | "s" | null = null): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
  const unit = (m?.[2] ?? bare) as keyof typeof UNIT_MS | null;
  if (!m || !unit) return null;
  return Math.round(Number(m[1]) * UNIT_MS[unit]);
}

/** A step parsed on its own (not yet checked against a lab), or why it cannot be. */
export function parseStep(text: string, index = 0): ScenarioStep | string {
  const words = text.trim().split(/\s+/);
  if (words[0] === "") return "an empty step";
  if (words[0] !== "at" || words.length < 3) return `"${text.trim()}" is not a step: ${SCENARIO_GRAMMAR}`;
  const atMs = parseDuration(words[1]);
  if (atMs === null) return `"${words[1]}" is not a time: use 10s, 1.5s, 500ms or 2m`;
  if (atMs > MAX_STEP_MS) return `${words[1]} is too late: a step is at most 24 h after the start`;
  const [verb, target, ...opts] = words.slice(2);
  const action = parseAction(verb, target, opts);
  if (typeof action === "string") return action;
  return { index, atMs, text: words.join(" "), what: words.slice(2).join(" "), action };
}

function parseAction(verb: string, target: string | undefined, opts: string[]): ScenarioAction | string {
  const isLink = (LINK_ACTIONS as readonly string[]).includes(verb);
  const isNode = (NODE_ACTIONS as readonly string[]).includes(verb);
  const isSwitch = (SWITCH_ACTIONS as readonly string[]).includes(verb);
  const isCable = (CABLE_ACTIONS as readonly string[]).includes(verb);
  if (!isLink && !isNode && !isSwitch && !isCable) return `unknown action "${verb}": ${SCENARIO_GRAMMAR}`;
  const what = isLink ? "NODE.ethN" : isNode ? "NODE" : isCable ? "NODE.ttySN" : "SWITCH";
  if (target === undefined) return `${verb} needs a ${what}`;
  if (verb !== "impair" && opts.length) return `unexpected "${opts[0]}": ${verb} takes a ${what} only`;
  if (isNode) return { kind: verb as (typeof NODE_ACTIONS)[number], node: target };
  if (isSwitch) return { kind: verb as (typeof SWITCH_ACTIONS)[number], switch: target };
  if (isCable) {
    const line = parseLineRef(target);
    return typeof line === "string" ? line : { kind: verb as (typeof CABLE_ACTIONS)[number], ...line };
  }
  const ref = /^(.+)\.eth(0|[1-9]\d?)$/.exec(target);
  if (!ref) return `"${target}" is not NODE.ethN (e.g. node1.eth0)`;
  const [node, iface] = [ref[1], Number(ref[2])];
  if (verb !== "impair") return { kind: verb as "pull" | "plug" | "clear", node, iface };
  const impair = parseImpairment(opts);
  return typeof impair === "string" ? impair : { kind: "impair", node, iface, impair };
}

const IMPAIR_OPTIONS: Record<string, { field: keyof Impairment; parse: (v: string) => number | null }> = {
  loss: { field: "lossPct", parse: (v) => number(/^(\d+(?:\.\d+)?)%?$/.exec(v)?.[1]) },
  dup: { field: "dupPct", parse: (v) => number(/^(\d+(?:\.\d+)?)%?$/.exec(v)?.[1]) },
  delay: { field: "delayMs", parse: (v) => (/^\d+(\.\d+)?(ms|s)?$/.test(v) ? parseDuration(v, "ms") : null) },
  bandwidth: {
    field: "bandwidthKbit",
    parse: (v) => {
      const m = /^(\d+(?:\.\d+)?)(kbit|mbit)?$/i.exec(v);
      return m ? Number(m[1]) * (m[2]?.toLowerCase() === "mbit" ? 1000 : 1) : null;
    },
  },
};
const number = (s: string | undefined) => (s === undefined ? null : Number(s));

/** `loss=10% delay=50ms bandwidth=1000kbit dup=1%` as an Impairment, range-checked. */
function parseImpairment(opts: string[]): Impairment | string {
  const imp: Impairment = { lossPct: 0, delayMs: 0, bandwidthKbit: null, dupPct: 0 };
  const seen = new Set<string>();
  for (const opt of opts) {
    const [key, value] = opt.split("=", 2);
    const o = IMPAIR_OPTIONS[key];
    if (!o || value === undefined) return `unexpected "${opt}": impair takes loss=PCT%, delay=MSms, bandwidth=KBITkbit, dup=PCT%`;
    if (seen.has(key)) return `${key} is given twice`;
    seen.add(key);
    const v = o.parse(value);
    if (v === null || !Number.isFinite(v)) return `"${opt}" is not a valid ${key}`;
    imp[o.field] = v as never;
  }
  return impairmentProblem(imp) ?? imp;
}

/** Parses and checks every step against the lab's nodes and switches; problems at ["scenario", i]. */
export function resolveScenario(raw: readonly string[], nodes: readonly Node[], switches: readonly Switch[], problems: Problem[]): ScenarioStep[] {
  const steps: ScenarioStep[] = [];
  raw.forEach((text, i) => {
    const step = parseStep(text, i);
    const problem = typeof step === "string" ? step : stepProblem(step.action, nodes, switches);
    if (problem) problems.push({ path: ["scenario", i], message: problem });
    else steps.push(step as ScenarioStep);
  });
  return steps;
}

function stepProblem(a: ScenarioAction, nodes: readonly Node[], switches: readonly Switch[]): string | null {
  if ("switch" in a) return switches.some((s) => s.name === a.switch) ? null : `"${a.switch}" is not a switch of this lab`;
  const node = nodes.find((n) => n.name === a.node);
  if (!node) return `"${a.node}" is not a node of this lab`;
  // Whether the line has a cable is checked with the lab's cables (lab.ts).
  if (!("iface" in a)) return null;
  const plugged = node.interfaces.find((i) => i.index === a.iface)?.switch;
  if (!plugged) return `${a.node}.eth${a.iface} is not plugged into a switch`;
  const sw = switches.find((s) => s.name === plugged);
  if (sw && (sw.kind !== "vde" || sw.mode !== "switch"))
    return `link faults need a vde switch in switch mode; ${sw.name} is ${sw.kind === "vde" ? "a hub" : sw.mode === "hub" ? "a uml_switch hub" : "a uml_switch"}`;
  return null;
}

/** The steps in the order they run: by time, steps at the same time in file order. */
export function timeline(steps: readonly ScenarioStep[]): ScenarioStep[] {
  return [...steps].sort((a, b) => a.atMs - b.atMs || a.index - b.index);
}

/** A step with a node or switch renamed (its target word: NODE, NODE.ethN, NODE.ttySN or SWITCH). */
export function renameInStep(text: string, from: string, to: string): string {
  const words = text.trim().split(/\s+/);
  if (words.length < 4 || words[0] !== "at") return text;
  const target = words[3];
  if (target === from) words[3] = to;
  else if (target.startsWith(`${from}.eth`) || target.startsWith(`${from}.ttyS`)) words[3] = to + target.slice(from.length);
  else return text;
  return words.join(" ");
}
