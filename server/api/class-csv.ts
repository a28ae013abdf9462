import type { Board } from "./class-service";

/** A check report as the board keeps it: enough of it for the matrix. */
interface ReportLike {
  points?: number;
  maxPoints?: number;
  ranAt?: string;
  results?: { id: string; passed: boolean }[];
}

/** A CSV field: quoted when it must be, and never read as a formula by a spreadsheet. */
export function csvField(v: string | number): string {
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The board as CSV: one row per student, one column per check (pass/fail/blank), then points. */
export function boardCsv(board: Board): string {
  const reports = board.rows.map((r) => r.report as ReportLike | null);
  const ids = [...new Set(reports.flatMap((r) => r?.results?.map((x) => x.id) ?? []))];
  const lines = [["student", "email", "lab", "running", ...ids, "points", "max points", "checked at"]];
  board.rows.forEach((row, i) => {
    const r = reports[i];
    const verdict = new Map(r?.results?.map((x) => [x.id, x.passed ? "pass" : "fail"]) ?? []);
    lines.push([
      row.student.name,
      row.student.email,
      row.instance?.lab ?? "",
      row.instance ? (row.instance.running ? "yes" : "no") : "",
      ...ids.map((id) => verdict.get(id) ?? ""),
      r?.points !== undefined ? String(r.points) : "",
      r?.maxPoints !== undefined ? String(r.maxPoints) : "",
      r?.ranAt ?? "",
    ]);
  });
  return lines.map((l) => l.map(csvField).join(",")).join("\n") + "\n";
}
