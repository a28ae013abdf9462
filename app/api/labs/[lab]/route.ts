import { handler, yamlBody } from "@/server/api/route";

export const dynamic = "force-dynamic";
type P = { lab: string };

export const GET = handler<P>(async (svc, _req, { lab }) => svc.get(lab));
export const PUT = handler<P>(async (svc, req, { lab }) => svc.updateYaml(lab, await yamlBody(req)));
export const DELETE = handler<P>(async (svc, _req, { lab }) => {
  await svc.remove(lab);
  return { ok: true };
});
