/**
 * Maps errors to HTTP answers. Matching is by error name, not instanceof:
 * route handlers are bundled by Next and do not share class identities with
 * the server that created the error.
 */
const STATUS_BY_NAME: Record<string, number> = {
  LabFileError: 400,
  LabDefinitionError: 400,
  ZodError: 400,
  MconsoleError: 400,
  BadRequestError: 400,
  ArchiveError: 400,
  NotFoundError: 404,
  ConflictError: 409,
  LabRunError: 409,
  LinkFaultError: 409,
  CaptureError: 409,
  SerialError: 409,
  DiskError: 409,
  NodeError: 409,
  ExecError: 409,
  ImageError: 422,
  KernelError: 422,
  KernelNameError: 400,
  FragmentError: 400,
  HostError: 503,
  UnauthorizedError: 401,
  ForbiddenError: 403,
  QuotaError: 409,
  PayloadTooLargeError: 413,
  GoneError: 410,
  SwitchError: 500,
};

export interface ApiError {
  error: string;
  kind: string;
  problems?: unknown;
}

export function errorResponse(e: unknown): Response {
  const err = e instanceof Error ? e : new Error(String(e));
  const status = STATUS_BY_NAME[err.name] ?? 500;
  const body: ApiError = { error: err.message, kind: err.name };
  const problems = (err as { problems?: unknown; issues?: unknown }).problems ?? (err as { issues?: unknown }).issues;
  if (problems) body.problems = problems;
  if (status === 500) console.error(err);
  return Response.json(body, { status });
}

export class BadRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BadRequestError";
  }
}

export class PayloadTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PayloadTooLargeError";
  }
}

/** Was there and is no more: an expired share link. */
export class GoneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GoneError";
  }
}
