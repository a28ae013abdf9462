import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";

/** The topology as a standalone SVG picture, shown inline, saved as <lab>.svg. */
export const GET = handler<{ lab: string }>(async (svc, _req, { lab }, who) => {
  const { name, svg } = await svc.diagram(who, lab);
  return new Response(svg, {
    headers: { "content-type": "image/svg+xml; charset=utf-8", "content-disposition": `inline; filename="${name}.svg"` },
  });
});
