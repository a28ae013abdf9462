import type { IncomingMessage, ServerResponse } from "node:http";
import { hostProblem, writeProblem, type Site } from "./site";

/** Uploads (a Kathará folder or archive) may be this large; every other body is capped by the route (1 MiB). */
export const MAX_UPLOAD_BYTES = 80 * 1024 * 1024;
export const MAX_REQUEST_BYTES = 1024 * 1024;
/** A whole-lab archive holds the written blocks of its disks (gzip): a lab's worth. */
export const MAX_ARCHIVE_BYTES = 8 * 1024 ** 3;

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** What a refused request may still send before it is cut off instead of read to its end. */
const DRAIN_MAX_BYTES = 128 * 1024 * 1024;

/**
 * Answers once the client has sent its body (read and thrown away): a client
 * still uploading when the connection closed would see a broken pipe, not
 * the answer. A body past DRAIN_MAX_BYTES is not waited for.
 */
function deny(req: IncomingMessage, res: ServerResponse, status: number, error: string): false {
  const answer = () => {
    if (res.headersSent) return;
    res.writeHead(status, { "content-type": "application/json", connection: "close" });
    res.end(JSON.stringify({ error, kind: status === 413 ? "PayloadTooLargeError" : "ForbiddenError" }));
  };
  let seen = 0;
  req.on("data", (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > DRAIN_MAX_BYTES) {
      answer();
      req.destroy();
    }
  });
  req.on("end", answer);
  req.on("error", () => req.destroy());
  req.resume();
  return false;
}

/**
 * Before Next or better-auth see a request: a Host on the allow-list (DNS
 * rebinding), and for the API a write only from this site or a bearer token,
 * with a body type no other site's page can send without asking, and a
 * declared length within the cap (413). False when it answered already.
 */
export function guardRequest(req: IncomingMessage, res: ServerResponse, site: Site): boolean {
  const host = first(req.headers.host);
  const bad = hostProblem(host, site);
  if (bad) return deny(req, res, 403, bad);
  const url = req.url ?? "/";
  if (!url.startsWith("/api/")) return true;
  const length = Number(first(req.headers["content-length"]) ?? 0);
  const chunked = /chunked/i.test(first(req.headers["transfer-encoding"]) ?? "");
  const problem = writeProblem(
    {
      method: req.method ?? "GET",
      host,
      origin: first(req.headers.origin),
      secFetchSite: first(req.headers["sec-fetch-site"]),
      contentType: first(req.headers["content-type"]),
      hasBody: length > 0 || chunked,
      bearer: /^Bearer\s/i.test(first(req.headers.authorization) ?? ""),
    },
    site,
  );
  if (problem) return deny(req, res, 403, problem);
  const limit = url.startsWith("/api/labs/import/archive") ? MAX_ARCHIVE_BYTES : url.startsWith("/api/labs/import/") ? MAX_UPLOAD_BYTES : MAX_REQUEST_BYTES;
  if (length > limit) return deny(req, res, 413, `the request body is larger than ${limit / 1024 / 1024} MiB`);
  return true;
}

/** The header better-auth reads a client's address from (rate limits, sessions); set by the server alone. */
export const CLIENT_IP_HEADER = "x-umlab-client-ip";

/**
 * The address a request came from, written over whatever the client sent
 * under CLIENT_IP_HEADER: the socket's peer, or behind a reverse proxy on
 * this machine (UMLAB_PUBLIC_URL set, peer on loopback) the last address in
 * X-Forwarded-For, which that proxy appended. Without this, sign-in limits
 * would be one bucket shared by a whole class.
 */
export function markClientIp(req: IncomingMessage, site: Site): void {
  const peer = req.socket.remoteAddress ?? "";
  const forwarded = first(req.headers["x-forwarded-for"])?.split(",").map((a) => a.trim()).filter(Boolean).at(-1);
  const viaProxy = site.publicUrl !== null && /^(127\.|::1$|::ffff:127\.)/.test(peer) && forwarded;
  req.headers[CLIENT_IP_HEADER] = viaProxy ? forwarded : peer;
}
