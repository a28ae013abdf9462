import { handler } from "@/server/api/route";

export const dynamic = "force-dynamic";

export const GET = handler<{ lab: string }>(async (svc, _req, { lab }) => {
  const { name, yaml } = await svc.exportYaml(lab);
  return new Response(yaml, {
    headers: { "content-type": "application/yaml; charset=utf-8", "content-disposition": `attachment; filename="${name}.yaml"` },
  });
});
