import { isMap, isSeq, LineCounter, YAMLMap, YAMLSeq, Document, type Node as YamlNode } from "yaml";
import { LabDefinitionError, formatPath, type FieldPath } from "../model/errors";
import { resolveLab, toRawLab, type Lab } from "../model/lab";
import { parseDocumentSafely } from "./yaml-safe";

/** The lab.yaml format version this build writes; older ones are upgraded on load. */
export const LABFILE_VERSION = 1;

export interface LabFileProblem {
  line: number;
  column: number;
  path: FieldPath;
  message: string;
}

/** A lab file that cannot be loaded, with every problem at its line. */
export class LabFileError extends Error {
  readonly file: string;
  readonly problems: LabFileProblem[];
  constructor(file: string, problems: LabFileProblem[]) {
    super(
      problems
        .map((p) => `${file}:${p.line}:${p.column}: ${p.path.length ? `${formatPath(p.path)}: ` : ""}${p.message}`)
        .join("\n"),
    );
    this.name = "LabFileError";
    this.file = file;
    this.problems = problems;
  }
}

/**
 * Aliases a lab file may expand (yaml's maxAliasCount, set here rather than
 * left to the library's default): a "billion laughs" file, aliases of
 * aliases, is refused instead of filling the server's memory.
 */
export const MAX_ALIASES = 100;

/** Upgraders from version N to N+1, applied in turn to an older file's content. */
const upgraders: Record<number, (raw: Record<string, unknown>) => Record<string, unknown>> = {};

export function parseLabYaml(text: string, file = "lab.yaml"): Lab {
  const lineCounter = new LineCounter();
  const doc = parseDocumentSafely(text, lineCounter, { uniqueKeys: true });
  const at = (offset: number) => lineCounter.linePos(offset);
  if (doc.errors.length) {
    throw new LabFileError(
      file,
      doc.errors.map((e) => {
        const { line, col } = at(e.pos[0]);
        return { line, column: col, path: [], message: e.message.split("\n")[0] };
      }),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    // yaml throws a ReferenceError for an alias that expands too far (and for one it cannot resolve).
    if (!(e instanceof ReferenceError)) throw e;
    throw new LabFileError(file, [{ line: 1, column: 1, path: [], message: `${e.message}: a lab file may expand at most ${MAX_ALIASES} aliases` }]);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new LabFileError(file, [{ line: 1, column: 1, path: [], message: "a lab file is a mapping that starts with `umlab: 1`" }]);
  }
  let { umlab: version, ...raw } = data as Record<string, unknown>;
  if (version === undefined) {
    throw new LabFileError(file, [{ line: 1, column: 1, path: ["umlab"], message: `missing format version: add \`umlab: ${LABFILE_VERSION}\` as the first line` }]);
  }
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1 || version > LABFILE_VERSION) {
    const pos = positionOf(doc, ["umlab"], at);
    throw new LabFileError(file, [{ ...pos, path: ["umlab"], message: `unsupported format version ${JSON.stringify(version)} (this umlab reads versions 1 to ${LABFILE_VERSION})` }]);
  }
  for (; version < LABFILE_VERSION; version++) raw = upgraders[version](raw);
  try {
    return resolveLab(raw);
  } catch (e) {
    if (!(e instanceof LabDefinitionError)) throw e;
    throw new LabFileError(
      file,
      e.problems.map((p) => ({ ...positionOf(doc, p.path, at), path: p.path, message: p.message })),
    );
  }
}

/** The line of the deepest part of `path` that exists in the document. */
function positionOf(doc: Document, path: FieldPath, at: (offset: number) => { line: number; col: number }) {
  for (let n = path.length; n >= 0; n--) {
    const prefix = path.slice(0, n);
    const node = (prefix.length ? doc.getIn(prefix, true) : doc.contents) as YamlNode | undefined;
    const pair = n > 0 ? keyNode(doc, prefix) : undefined;
    const range = pair?.range ?? node?.range;
    if (range) {
      const { line, col } = at(range[0]);
      return { line, column: col };
    }
  }
  return { line: 1, column: 1 };
}

/** The key node of the last path step, so an error points at `mem:` rather than its value's end. */
function keyNode(doc: Document, path: FieldPath): YamlNode | undefined {
  const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
  const last = path[path.length - 1];
  if (isMap(parent)) {
    const pair = (parent as YAMLMap).items.find((it) => (it.key as { value?: unknown })?.value === last || it.key === last);
    return pair?.key as YamlNode | undefined;
  }
  if (isSeq(parent) && typeof last === "number") return (parent as YAMLSeq).items[last] as YamlNode | undefined;
  return undefined;
}

export function serializeLabYaml(lab: Lab): string {
  const doc = new Document({ umlab: LABFILE_VERSION, ...toRawLab(lab) });
  // Short collections read best inline: `eth: [sw1, sw2]`, `sw1: { mode: hub }`.
  const visit = (node: unknown) => {
    if (isSeq(node)) node.flow = true;
    if (isMap(node)) {
      if (node.items.length === 0 || isSwitchLike(node)) node.flow = true;
      for (const it of node.items) visit(it.value);
    }
  };
  visit(doc.contents);
  // A scenario reads best one step a line, and so do cables (each an inline pair).
  for (const key of ["scenario", "cables"]) {
    const list = doc.get(key, true);
    if (!isSeq(list)) continue;
    list.flow = false;
    for (const item of list.items) if (isSeq(item)) item.flow = true;
  }
  // A check a block of its own, its test on one line unless it holds a multi-line text.
  const checks = doc.get("checks", true);
  if (isSeq(checks)) {
    checks.flow = false;
    for (const c of checks.items) {
      if (!isMap(c)) continue;
      c.flow = false;
      for (const it of c.items) flowAll(it.value);
    }
    visitMultiline(checks);
  }
  return doc.toString({ lineWidth: 0 });
}

function flowAll(node: unknown): void {
  if (!isMap(node) && !isSeq(node)) return;
  node.flow = true;
  for (const it of (node as YAMLMap | YAMLSeq).items) flowAll(isMap(node) ? (it as { value: unknown }).value : it);
}

/** Collections holding a multi-line string are written as blocks, so the string is a block scalar. */
function visitMultiline(node: unknown): boolean {
  if (!isMap(node) && !isSeq(node)) return typeof (node as { value?: unknown })?.value === "string" && String((node as { value: string }).value).includes("\n");
  const items = (node as YAMLMap | YAMLSeq).items.map((it) => (isMap(node) ? (it as { value: unknown }).value : it));
  const multiline = items.map(visitMultiline).some(Boolean);
  if (multiline) (node as YAMLMap).flow = false;
  return multiline;
}

function isSwitchLike(node: YAMLMap): boolean {
  return node.items.every((i) => ["kind", "mode", "pos"].includes(String((i.key as { value?: unknown })?.value)));
}
