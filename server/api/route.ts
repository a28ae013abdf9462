import { z } from "zod";
import { UnauthorizedError, type Principal } from "../auth/permissions";
import { BadRequestError, PayloadTooLargeError, errorResponse } from "./http";
import { services, type Services } from "./registry";
import type { LabService } from "./lab-service";

type Params = Record<string, string>;

/** A lab definition, or any JSON request, is at most this large. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * One wrapper for every route handler: who is asking (401 when nobody
 * signed in), then the handler, then errors mapped to statuses. Nothing
 * reaches a handler without a principal.
 */
export function handler<P extends Params>(fn: (svc: LabService, req: Request, params: P, who: Principal, all: Services) => Promise<unknown>) {
  return async (req: Request, ctx: { params: Promise<P> }) => {
    try {
      const all = services();
      const who = await all.accounts.whoIs(req.headers);
      if (!who) throw new UnauthorizedError();
      const result = await fn(all.labs, req, await ctx.params, who, all);
      return result instanceof Response ? result : Response.json(result ?? { ok: true });
    } catch (e) {
      return errorResponse(e);
    }
  };
}

/** For the few routes anyone may call (first-run setup): no principal. */
export function publicHandler<P extends Params>(fn: (all: Services, req: Request, params: P) => Promise<unknown>) {
  return async (req: Request, ctx: { params: Promise<P> }) => {
    try {
      const result = await fn(services(), req, await ctx.params);
      return result instanceof Response ? result : Response.json(result ?? { ok: true });
    } catch (e) {
      return errorResponse(e);
    }
  };
}

/** The body's bytes, refused (413) past `limit` whether or not the client said its length; null without a body. */
export async function cappedBytes(req: Request, limit: number, what = "the request body"): Promise<Buffer | null> {
  const tooLarge = () => new PayloadTooLargeError(`${what} is larger than ${limit / 1024 / 1024} MiB`);
  if (Number(req.headers.get("content-length") ?? 0) > limit) throw tooLarge();
  const reader = req.body?.getReader();
  if (!reader) return null;
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** The body as text, at most `limit` bytes (413 beyond). */
export async function cappedText(req: Request, limit = MAX_BODY_BYTES): Promise<string> {
  return (await cappedBytes(req, limit))?.toString("utf8") ?? "";
}

export async function jsonBody(req: Request): Promise<unknown> {
  const text = await cappedText(req);
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequestError("the request body is not valid JSON");
  }
}

const labJson = z.union([z.strictObject({ yaml: z.string() }), z.strictObject({ lab: z.record(z.string(), z.unknown()) })]);

/**
 * A lab definition from the body: a lab file as raw YAML (application/yaml),
 * or JSON `{ "yaml": "..." }`, or JSON `{ "lab": {...} }` in the lab file's
 * form (RawLab). Only the envelope is checked here; the definition is the
 * service's.
 */
export async function labBody(req: Request): Promise<{ yaml: string } | { lab: unknown }> {
  const type = req.headers.get("content-type") ?? "";
  if (!type.includes("json")) return { yaml: await cappedText(req) };
  const body = labJson.safeParse(await jsonBody(req));
  if (!body.success) throw new BadRequestError('expected a JSON body { "yaml": "..." } or { "lab": { "name": ..., "nodes": ..., "switches": ... } }');
  return body.data;
}
