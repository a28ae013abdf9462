import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { CheckReport } from "../api/check-service";
import type { ServerRequest } from "./kathara";
import { table } from "./status";

export const CHECK_USAGE = `  check LAB [--json] [--hidden]   run the lab's checks on the running lab: ID, PASS/FAIL,
                                  POINTS, REASON and the total (--json: the report); exit
                                  code 1 if one failed; --hidden: hidden ones too (teachers)
  check LAB --import FILE         set the lab's checks from a kathara-lab-checker file
                                  (JSON or YAML; prints what did not come over)`;

/** The report as a table, failed checks' hints under them, and the total. */
export function reportText(r: CheckReport): string {
  const rows = [["ID", "RESULT", "POINTS", "REASON"], ...r.results.map((x) => [x.id, x.passed ? "PASS" : "FAIL", `${x.points}/${x.maxPoints}`, x.reason])];
  const hints = r.results.filter((x) => x.hint).map((x) => `hint for ${x.id}: ${x.hint}`);
  return [table(rows), ...(hints.length ? ["", ...hints] : []), "", `${r.lab}: ${r.results.filter((x) => x.passed).length} of ${r.results.length} checks passed, ${r.points}/${r.maxPoints} points`].join("\n");
}

/** `umlab check LAB [--json] [--hidden]` and `umlab check LAB --import FILE`. */
export async function checkCommand(rest: string[], request: ServerRequest): Promise<number> {
  const [lab, ...opts] = rest;
  if (!lab || lab.startsWith("-")) throw new Error(`missing LAB\n${CHECK_USAGE}`);
  const path = `/api/labs/${encodeURIComponent(lab)}/checks`;
  const post = async <T>(p: string, body: unknown) => (await (await request(p, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } })).json()) as T;
  const imp = opts.indexOf("--import");
  if (imp >= 0) {
    const file = opts[imp + 1];
    if (!file || opts.length !== 2) throw new Error(`umlab check LAB --import FILE\n${CHECK_USAGE}`);
    const r = await post<{ checks: number; warnings: string[] }>(`${path}/import`, { text: readFileSync(file, "utf8"), file: basename(file) });
    for (const w of r.warnings) console.error(`warning: ${w}`);
    console.log(`${lab}: ${r.checks} checks from ${file}`);
    return 0;
  }
  const unknown = opts.find((o) => o !== "--json" && o !== "--hidden");
  if (unknown) throw new Error(`unexpected "${unknown}"\n${CHECK_USAGE}`);
  const r = await post<CheckReport>(`${path}/run`, opts.includes("--hidden") ? { hidden: true } : {});
  console.log(opts.includes("--json") ? JSON.stringify(r, null, 2) : reportText(r));
  return r.results.every((x) => x.passed) ? 0 : 1;
}
