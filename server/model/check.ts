import { isIP, parseInterfaceAddress, parsePrefix } from "./address";
import { TEST_KINDS, type RawCheck, type TestKind } from "./check-schema";
import type { FieldPath, Problem } from "./errors";

/**
 * Checks: what a lab's author (a teacher) asks of the running lab, each a
 * typed test read in the guests over the exec channel (server/checks/), with
 * the points it is worth, a hint for a failed try and how long to retry.
 */

export type CheckTest =
  | { kind: "reach"; node: string; to: string; count: number; reachable: boolean }
  | { kind: "route"; node: string; to: string; via: string | null; dev: string | null; absent: boolean }
  | { kind: "ospf"; node: string; neighbor: string; state: string }
  | { kind: "bgp"; node: string; peer: string; asn: number | null; state: string }
  | { kind: "daemon"; node: string; name: string; running: boolean }
  | { kind: "address"; node: string; interface: string; address: string }
  | { kind: "file"; node: string; path: string; content: string | null; pattern: string | null }
  | { kind: "command"; node: string; argv: string[] | null; script: string | null; exit: number | null; stdout: string | null; pattern: string | null; timeout: number };

export interface Check {
  /** Unique in the lab: a safe name. */
  id: string;
  /** For students; by default said from the test ("h1 reaches 10.0.2.2"). */
  description: string;
  /** What passing it earns. */
  points: number;
  /** Shown after a failed try ("" for none). */
  hint: string;
  /** Seconds to retry a failing test before it counts as failed (0: one try). */
  wait: number;
  /** An exam's check: shown only to its author (and after the exam closes). */
  hidden: boolean;
  test: CheckTest;
}

export const CHECK_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const IFACE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;
const DAEMON = /^[A-Za-z0-9_][A-Za-z0-9_.:+-]{0,63}$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_][A-Za-z0-9_-]{0,62}(\.[A-Za-z0-9_-]{1,63})*\.?$/;
export const OSPF_STATES = ["Full", "2-Way", "Init", "ExStart", "Exchange", "Loading", "Attempt", "Down"];
export const BGP_STATES = ["Established", "Idle", "Connect", "Active", "OpenSent", "OpenConfirm"];

const DEFAULTS = { count: 3, timeout: 10, ospfState: "Full", bgpState: "Established" } as const;

/** Patterns are JavaScript regular expressions, ^ and $ at every line (the m flag). */
export function patternProblem(pattern: string): string | null {
  try {
    new RegExp(pattern, "m");
    return null;
  } catch (e) {
    return `not a regular expression: ${(e as Error).message}`;
  }
}

/** What the test looks for, in a sentence: a check's description unless it has its own. */
export function describeTest(t: CheckTest): string {
  switch (t.kind) {
    case "reach":
      return `${t.node} ${t.reachable ? "reaches" : "does not reach"} ${t.to}`;
    case "route":
      return t.absent ? `${t.node} has no route to ${t.to}` : `${t.node} has a route to ${t.to}${t.via ? ` via ${t.via}` : ""}${t.dev ? ` on ${t.dev}` : ""}`;
    case "ospf":
      return `${t.node} has OSPF neighbour ${t.neighbor} in state ${t.state}`;
    case "bgp":
      return `${t.node}'s BGP peer ${t.peer}${t.asn !== null ? ` (AS ${t.asn})` : ""} is ${t.state}`;
    case "daemon":
      return `${t.name} ${t.running ? "runs" : "does not run"} on ${t.node}`;
    case "address":
      return `${t.node}'s ${t.interface} has address ${t.address}`;
    case "file":
      return t.content !== null ? `${t.node}:${t.path} has the expected content` : `${t.node}:${t.path} matches /${t.pattern}/`;
    case "command": {
      const what = t.argv ? t.argv.join(" ") : (t.script ?? "").trim().split("\n")[0];
      return `${t.node}: \`${what.length > 60 ? `${what.slice(0, 57)}...` : what}\` ${t.exit === null ? "runs" : `exits ${t.exit}`}${t.pattern !== null ? ` and prints /${t.pattern}/` : t.stdout !== null ? " and prints the expected output" : ""}`;
    }
  }
}

type Env = { nodes: ReadonlySet<string> };

/** Reads a lab file's checks; every problem at its path (["checks", i, ...]). */
export function resolveChecks(raw: readonly RawCheck[], env: Env, problems: Problem[]): Check[] {
  const ids = new Set<string>();
  const checks: Check[] = [];
  raw.forEach((r, i) => {
    const at: FieldPath = ["checks", i];
    const problem = (path: FieldPath, message: string) => problems.push({ path: [...at, ...path], message });
    if (!CHECK_ID.test(r.id)) problem(["id"], `"${r.id}" is not a check id: 1-64 letters, digits, "-", "_" or ".", starting with a letter or digit`);
    else if (ids.has(r.id)) problem(["id"], `"${r.id}" is the id of another check`);
    ids.add(r.id);
    const kinds = TEST_KINDS.filter((k) => r[k] !== undefined);
    if (kinds.length !== 1) {
      problem([], kinds.length ? `a check has one test, not ${kinds.join(" and ")}` : `a check needs a test: one of ${TEST_KINDS.join(", ")}`);
      return;
    }
    const test = resolveTest(kinds[0], r[kinds[0]] as never, (path, message) => problem([kinds[0], ...path], message), env);
    checks.push({
      id: r.id,
      description: r.description ?? describeTest(test),
      points: r.points ?? 1,
      hint: r.hint ?? "",
      wait: r.wait ?? 0,
      hidden: r.hidden ?? false,
      test,
    });
  });
  return checks;
}

type Report = (path: FieldPath, message: string) => void;

function resolveTest(kind: TestKind, raw: Record<string, unknown> & { node: string }, problem: Report, env: Env): CheckTest {
  if (!env.nodes.has(raw.node)) problem(["node"], `"${raw.node}" is not a node of this lab`);
  const r = raw as never as Record<string, never>;
  const check = (key: string, ok: boolean, message: string) => {
    if (r[key] !== undefined && !ok) problem([key], message);
  };
  const pattern = (key: string) => {
    const p = r[key] === undefined ? null : patternProblem(r[key]);
    if (p) problem([key], p);
  };
  switch (kind) {
    case "reach":
      check("to", isIP(r.to) || HOSTNAME.test(r.to), `"${r.to}" is not an address or a host name`);
      return { kind, node: raw.node, to: r.to, count: r.count ?? DEFAULTS.count, reachable: r.reachable ?? true };
    case "route":
      check("to", r.to === "default" || parsePrefix(r.to) !== null, `"${r.to}" is not a prefix (10.0.3.0/24, 2001:db8::/64, a host address or default)`);
      check("via", isIP(r.via ?? ""), `"${r.via}" is not an address`);
      check("dev", IFACE.test(r.dev ?? ""), `"${r.dev}" is not an interface name`);
      return { kind, node: raw.node, to: r.to, via: r.via ?? null, dev: r.dev ?? null, absent: r.absent ?? false };
    case "ospf":
      check("neighbor", isIP(r.neighbor), `"${r.neighbor}" is not a router id (an IPv4 address)`);
      check("state", OSPF_STATES.some((s) => s.toLowerCase() === String(r.state).toLowerCase()), `"${r.state}" is not an OSPF neighbour state: ${OSPF_STATES.join(", ")}`);
      return { kind, node: raw.node, neighbor: r.neighbor, state: r.state ?? DEFAULTS.ospfState };
    case "bgp":
      check("peer", isIP(r.peer) || IFACE.test(r.peer), `"${r.peer}" is not a peer address or interface`);
      check("state", BGP_STATES.some((s) => s.toLowerCase() === String(r.state).toLowerCase()), `"${r.state}" is not a BGP state: ${BGP_STATES.join(", ")}`);
      return { kind, node: raw.node, peer: r.peer, asn: r.asn ?? null, state: r.state ?? DEFAULTS.bgpState };
    case "daemon":
      check("name", DAEMON.test(r.name), `"${r.name}" is not a process name`);
      return { kind, node: raw.node, name: r.name, running: r.running ?? true };
    case "address":
      check("interface", IFACE.test(r.interface), `"${r.interface}" is not an interface name`);
      check("address", parseInterfaceAddress(r.address) !== null, `"${r.address}" is not an address with its prefix length (10.0.0.1/24)`);
      return { kind, node: raw.node, interface: r.interface, address: r.address };
    case "file":
      check("path", /^\/[^\0\n]*$/.test(r.path), `"${r.path}" is not an absolute path`);
      if ((r.content === undefined) === (r.pattern === undefined)) problem([], "a file test has content (the exact text) or a pattern, one of them");
      pattern("pattern");
      return { kind, node: raw.node, path: r.path, content: r.content ?? null, pattern: r.pattern ?? null };
    case "command": {
      const argv = r.argv as string[] | undefined;
      if ((argv === undefined) === (r.script === undefined)) problem([], "a command test has an argv or a script, one of them");
      if (argv?.some((a) => a.includes("\0")) || String(r.script ?? "").includes("\0")) problem([], "a command holds no NUL character");
      if (argv && !argv[0]) problem(["argv", 0], "the program is missing");
      if (r.stdout !== undefined && r.pattern !== undefined) problem([], "a command test has an expected stdout or a pattern, not both");
      pattern("pattern");
      const exit = r.exit as number | "any" | undefined;
      return {
        kind,
        node: raw.node,
        argv: argv ? [...argv] : null,
        script: r.script ?? null,
        exit: exit === "any" ? null : (exit ?? 0),
        stdout: r.stdout ?? null,
        pattern: r.pattern ?? null,
        timeout: r.timeout ?? DEFAULTS.timeout,
      };
    }
  }
}

/** A check in the lab file's form, defaults left out. */
export function serializeCheck(c: Check): RawCheck {
  const { kind, ...t } = c.test;
  const test: Record<string, unknown> = {};
  const keep = (key: string, value: unknown, fallback: unknown) => {
    if (value !== fallback && value !== null) test[key] = value;
  };
  for (const [k, v] of Object.entries(t)) {
    if (kind === "command" && k === "exit") test.exit = v === null ? "any" : v === 0 ? undefined : v;
    else keep(k, v, { count: DEFAULTS.count, reachable: true, absent: false, running: true, timeout: DEFAULTS.timeout }[k]);
  }
  if (kind === "ospf" && c.test.kind === "ospf" && c.test.state === DEFAULTS.ospfState) delete test.state;
  if (kind === "bgp" && c.test.kind === "bgp" && c.test.state === DEFAULTS.bgpState) delete test.state;
  if (test.exit === undefined) delete test.exit;
  return {
    id: c.id,
    ...(c.description !== describeTest(c.test) ? { description: c.description } : {}),
    ...(c.points !== 1 ? { points: c.points } : {}),
    ...(c.hint ? { hint: c.hint } : {}),
    ...(c.wait ? { wait: c.wait } : {}),
    ...(c.hidden ? { hidden: true } : {}),
    [kind]: test,
  } as RawCheck;
}

/** The same checks? (Compared in their file form.) */
export const sameChecks = (a: readonly Check[], b: readonly Check[]) => JSON.stringify(a.map(serializeCheck)) === JSON.stringify(b.map(serializeCheck));

/** Checks of the lab file with a node renamed (the canvas renames nodes). */
export function renameInChecks(raw: readonly RawCheck[], from: string, to: string): RawCheck[] {
  return raw.map((c) => {
    const kind = TEST_KINDS.find((k) => c[k] !== undefined);
    const test = kind ? (c[kind] as { node: string }) : undefined;
    return test?.node === from ? { ...c, [kind!]: { ...test, node: to } } : c;
  });
}
