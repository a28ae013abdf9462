import { handler } from "@/server/api/route";
import { boardCsv } from "@/server/api/class-csv";

export const dynamic = "force-dynamic";
type P = { assignment: string };

/** The pass/fail matrix, students × checks, as CSV. */
export const GET = handler<P>(async (_svc, _req, p, who, all) => {
  const board = await all.classes.board(who, p.assignment);
  return new Response(boardCsv(board), {
    headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="results.csv"` },
  });
});
