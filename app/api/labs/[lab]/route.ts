import { handler, labBody } from "@/server/api/route";

export const dynamic = "force-dynamic";
type P = { lab: string };

export const GET = handler<P>(async (svc, _req, { lab }) => svc.get(lab));
/** Replaces the definition: raw YAML, JSON { yaml } or JSON { lab }. */
export const PUT = handler<P>(async (svc, req, { lab }) => {
  const body = await labBody(req);
  return "lab" in body ? svc.updateRaw(lab, body.lab) : svc.updateYaml(lab, body.yaml);
});
export const DELETE = handler<P>(async (svc, _req, { lab }) => {
  await svc.remove(lab);
  return { ok: true };
});
