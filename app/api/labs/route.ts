import { handler, labBody } from "@/server/api/route";

export const dynamic = "force-dynamic";

export const GET = handler(async (svc) => svc.list());

/** Creates a lab from a lab.yaml (raw YAML body or JSON { yaml }) or from JSON { lab } (the lab file's form). */
export const POST = handler(async (svc, req) => {
  const file = new URL(req.url).searchParams.get("file") ?? "lab.yaml";
  const body = await labBody(req);
  return Response.json("lab" in body ? await svc.createRaw(body.lab) : await svc.importYaml(body.yaml, file), { status: 201 });
});
