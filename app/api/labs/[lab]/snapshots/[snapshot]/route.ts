import { handler } from "@/server/api/route";
import { removeSnapshot } from "@/server/api/snapshot-service";

export const dynamic = "force-dynamic";

export const DELETE = handler<{ lab: string; snapshot: string }>(async (svc, _req, { lab, snapshot }, who) => removeSnapshot(svc, who, lab, snapshot));
