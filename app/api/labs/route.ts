import { handler, labBody } from "@/server/api/route";

export const dynamic = "force-dynamic";

export const GET = handler(async (svc, _req, _p, who) => svc.list(who));

/** Creates a lab from a lab.yaml (raw YAML body or JSON { yaml }) or from JSON { lab } (the lab file's form). */
export const POST = handler(async (svc, req, _p, who) => {
  const file = new URL(req.url).searchParams.get("file") ?? "lab.yaml";
  const body = await labBody(req);
  return Response.json("lab" in body ? await svc.createRaw(who, body.lab) : await svc.importYaml(who, body.yaml, file), { status: 201 });
});
