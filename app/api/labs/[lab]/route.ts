import { handler, labBody } from "@/server/api/route";

export const dynamic = "force-dynamic";
type P = { lab: string };

export const GET = handler<P>(async (svc, _req, { lab }, who) => svc.get(who, lab));
/** Replaces the definition: raw YAML, JSON { yaml } or JSON { lab }. */
export const PUT = handler<P>(async (svc, req, { lab }, who) => {
  const body = await labBody(req);
  return "lab" in body ? svc.updateRaw(who, lab, body.lab) : svc.updateYaml(who, lab, body.yaml);
});
export const DELETE = handler<P>(async (svc, _req, { lab }, who) => {
  await svc.remove(who, lab);
  return { ok: true };
});
