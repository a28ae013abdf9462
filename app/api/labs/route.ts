import { handler, yamlBody } from "@/server/api/route";

export const dynamic = "force-dynamic";

export const GET = handler(async (svc) => svc.list());

/** Creates a lab from a lab.yaml (raw YAML body or JSON { yaml }). */
export const POST = handler(async (svc, req) => {
  const file = new URL(req.url).searchParams.get("file") ?? "lab.yaml";
  return Response.json(await svc.importYaml(await yamlBody(req), file), { status: 201 });
});
