import { z } from "zod";
import { importCheckerFile } from "@/server/api/check-service";
import { BadRequestError } from "@/server/api/http";
import { handler, jsonBody } from "@/server/api/route";

export const dynamic = "force-dynamic";

const body = z.strictObject({ text: z.string(), file: z.string().max(255).optional() });

/**
 * POST /api/labs/:lab/checks/import: `{ text, file? }`, a kathara-lab-checker
 * file (JSON or YAML), becomes the lab's checks → { lab, checks, warnings }.
 */
export const POST = handler<{ lab: string }>(async (svc, req, { lab }, who) => {
  const parsed = body.safeParse(await jsonBody(req));
  if (!parsed.success) throw new BadRequestError('send { "text": "the checker file", "file": "correction.yaml" }');
  return importCheckerFile(svc, who, lab, parsed.data.text, parsed.data.file);
});
