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

/** A lab file from the body: raw YAML (text/yaml) or JSON `{ "yaml": "..." }`. */
export async function yamlBody(req: Request): Promise<string> {
  const type = req.headers.get("content-type") ?? "";
  if (type.includes("json")) {
    const body = (await jsonBody(req)) as { yaml?: unknown };
    if (typeof body.yaml !== "string") throw new BadRequestError('expected a JSON body { "yaml": "..." }');
    return body.yaml;
  }
  return req.text();
}
