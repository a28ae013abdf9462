import { z } from "zod";
import { handler, jsonBody } from "@/server/api/route";
import { listSnapshots, takeSnapshot } from "@/server/api/snapshot-service";
import { snapshotNameSchema } from "@/server/model/snapshot";

export const dynamic = "force-dynamic";
type P = { lab: string };

const takeBody = z.strictObject({ name: snapshotNameSchema, node: z.string().max(64).nullable().optional() });

/** The lab's snapshots, oldest first. */
export const GET = handler<P>(async (svc, _req, { lab }, who) => listSnapshots(svc, who, lab));
/** Takes one (JSON { name, node? }): the lab's disks, or one node's, and its definition. */
export const POST = handler<P>(async (svc, req, { lab }, who) => {
  const { name, node } = takeBody.parse(await jsonBody(req));
  return Response.json(await takeSnapshot(svc, who, lab, name, node ?? null), { status: 201 });
});
