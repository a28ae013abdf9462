import { z } from "zod";
import { BadRequestError, errorResponse } from "./http";
import { services } from "./registry";
import type { LabService } from "./lab-service";

type Params = Record<string, string>;

/** One wrapper for every route handler: find the service, run, map errors. */
export function handler<P extends Params>(fn: (svc: LabService, req: Request, params: P) => Promise<unknown>) {
  return async (req: Request, ctx: { params: Promise<P> }) => {
    try {
      const result = await fn(services(), req, await ctx.params);
      return result instanceof Response ? result : Response.json(result ?? { ok: true });
    } catch (e) {
      return errorResponse(e);
    }
  };
}

export async function jsonBody(req: Request): Promise<unknown> {
  const text = await req.text();
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequestError("the request body is not valid JSON");
  }
}

const labJson = z.union([z.strictObject({ yaml: z.string() }), z.strictObject({ lab: z.record(z.string(), z.unknown()) })]);

/**
 * A lab definition from the body: a lab file as raw YAML (text/yaml), or JSON
 * `{ "yaml": "..." }`, or JSON `{ "lab": {...} }` in the lab file's form
 * (RawLab). Only the envelope is checked here; the definition is the service's.
 */
export async function labBody(req: Request): Promise<{ yaml: string } | { lab: unknown }> {
  const type = req.headers.get("content-type") ?? "";
  if (!type.includes("json")) return { yaml: await req.text() };
  const body = labJson.safeParse(await jsonBody(req));
  if (!body.success) throw new BadRequestError('expected a JSON body { "yaml": "..." } or { "lab": { "name": ..., "nodes": ..., "switches": ... } }');
  return body.data;
}
