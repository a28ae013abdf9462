import type { Problem } from "./errors";
import type { Node } from "./lab";

/**
 * Serial lines and the null-modem cables between them. Every node has the
 * lines ttyS2 to ttyS5 (ttyS0 is not wired, ttyS1 is umlab's exec channel);
 * a cable joins two lines of two nodes, each line in at most one cable. The
 * lab file lists cables as pairs of line names, `[one.ttyS2, two.ttyS2]`,
 * the NODE.ttySN form scenarios and the CLI use too.
 */
export const FIRST_SERIAL_LINE = 2;
export const LAST_SERIAL_LINE = 5;
/** The exec channel's line (uml/agent.ts): never a cable's. */
export const EXEC_LINE = 1;

export interface LineRef {
  node: string;
  /** N of ttySN. */
  line: number;
}

export interface Cable {
  a: LineRef;
  b: LineRef;
}

/** The lines every node has, in order. */
export const SERIAL_LINES: readonly number[] = Array.from({ length: LAST_SERIAL_LINE - FIRST_SERIAL_LINE + 1 }, (_, i) => FIRST_SERIAL_LINE + i);

export const lineName = (r: LineRef) => `${r.node}.ttyS${r.line}`;
export const cableName = (c: Cable) => `${lineName(c.a)}—${lineName(c.b)}`;
export const sameLine = (x: LineRef, y: LineRef) => x.node === y.node && x.line === y.line;

const LINE_REF = /^([a-z][a-z0-9-]{0,30})\.ttyS(\d{1,2})$/;

/** Is this text a line's name (NODE.ttySN), whatever its number? */
export const looksLikeLine = (text: string) => LINE_REF.test(text);

/** "one.ttyS2" as a line, checked for its range but not against a lab, or why it is not one. */
export function parseLineRef(text: string): LineRef | string {
  const m = LINE_REF.exec(text);
  if (!m) return `"${text}" is not a serial line: NODE.ttySN, e.g. node1.ttyS${FIRST_SERIAL_LINE}`;
  const line = Number(m[2]);
  if (line === EXEC_LINE) return `${text}: ttyS${EXEC_LINE} is umlab's exec channel; cables and terminals use ttyS${FIRST_SERIAL_LINE} to ttyS${LAST_SERIAL_LINE}`;
  if (line < FIRST_SERIAL_LINE || line > LAST_SERIAL_LINE) return `${text}: a node's serial lines are ttyS${FIRST_SERIAL_LINE} to ttyS${LAST_SERIAL_LINE}`;
  return { node: m[1], line };
}

/** A line of one of these nodes, or why it is not. */
export function resolveLine(text: string, nodes: ReadonlySet<string>): LineRef | string {
  const ref = parseLineRef(text);
  if (typeof ref === "string") return ref;
  return nodes.has(ref.node) ? ref : `"${ref.node}" is not a node of this lab`;
}

/** The lab file's cables checked against its nodes; problems at ["cables", i] (and [i, 0|1] for an end). */
export function resolveCables(raw: readonly (readonly [string, string])[], nodes: readonly Node[], problems: Problem[]): Cable[] {
  const names = new Set(nodes.map((n) => n.name));
  const taken = new Map<string, number>();
  const cables: Cable[] = [];
  raw.forEach(([a, b], i) => {
    const ends = [a, b].map((text, end) => {
      const ref = resolveLine(text, names);
      if (typeof ref === "string") problems.push({ path: ["cables", i, end], message: ref });
      return ref;
    });
    const [ra, rb] = ends;
    if (typeof ra === "string" || typeof rb === "string") return;
    if (ra.node === rb.node) return void problems.push({ path: ["cables", i], message: `a cable joins two nodes: both ends are on ${ra.node}` });
    for (const [end, ref] of [ra, rb].entries()) {
      const other = taken.get(lineName(ref));
      if (other !== undefined) return void problems.push({ path: ["cables", i, end], message: `${lineName(ref)} is already in cable ${other + 1}: a line takes one cable` });
    }
    taken.set(lineName(ra), i);
    taken.set(lineName(rb), i);
    cables.push({ a: ra, b: rb });
  });
  return cables;
}

export const serializeCable = (c: Cable): [string, string] => [lineName(c.a), lineName(c.b)];

export function sameCables(x: readonly Cable[], y: readonly Cable[]): boolean {
  const key = (c: Cable) => [lineName(c.a), lineName(c.b)].sort().join(" ");
  const a = x.map(key).sort();
  const b = y.map(key).sort();
  return a.length === b.length && a.every((k, i) => k === b[i]);
}

/** The cable a line is in, if any. */
export function cableAt(cables: readonly Cable[], ref: LineRef): Cable | undefined {
  return cables.find((c) => sameLine(c.a, ref) || sameLine(c.b, ref));
}

/** The first line of a node that no cable takes, or null. */
export function freeLine(cables: readonly Cable[], node: string): number | null {
  return SERIAL_LINES.find((line) => !cableAt(cables, { node, line })) ?? null;
}

/** A line's name with its node renamed (unchanged when it is another node's). */
export function renameInLine(text: string, from: string, to: string): string {
  return text.startsWith(`${from}.ttyS`) ? to + text.slice(from.length) : text;
}

/**
 * Why a console name is not one of this lab's: a console is a node's, or the
 * terminal of a serial line with no cable (NODE.ttySN; a cable's line
 * carries its cable's bytes only).
 */
export function consoleProblem(lab: { name: string; nodes: readonly Node[]; cables: readonly Cable[] }, name: string): string | null {
  if (!looksLikeLine(name)) return lab.nodes.some((n) => n.name === name) ? null : `lab ${lab.name} has no node "${name}"`;
  const ref = resolveLine(name, new Set(lab.nodes.map((n) => n.name)));
  if (typeof ref === "string") return ref;
  const cable = cableAt(lab.cables, ref);
  return cable ? `${name} is in the cable ${cableName(cable)}: a terminal opens on a line with no cable` : null;
}
