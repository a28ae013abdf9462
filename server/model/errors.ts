/** Where in a lab definition a problem is: a path of keys, as in the lab file. */
export type FieldPath = readonly (string | number)[];

export interface Problem {
  path: FieldPath;
  message: string;
  /** For a lab read from several files (a Kathará folder): the file, relative to the lab's folder, and its line. */
  file?: string;
  line?: number;
}

/** A lab definition that does not hold together; every problem found is listed. */
export class LabDefinitionError extends Error {
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super(problems.map(formatProblem).join("\n"));
    this.name = "LabDefinitionError";
    this.problems = problems;
  }
}

export function formatPath(path: FieldPath): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

export function formatProblem(p: Problem): string {
  const where = p.file ? `${p.file}${p.line ? `:${p.line}` : ""}: ` : "";
  return where + (p.path.length ? `${formatPath(p.path)}: ${p.message}` : p.message);
}
