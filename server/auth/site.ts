/**
 * What a request must look like before anyone reads it: the Host header on
 * an allow-list (a DNS-rebinding page names its own host), and a state change
 * only from this site's own pages or from a client that is no browser page at
 * all (a bearer token). Pure: main.ts and socket.io apply it.
 */
export interface Site {
  /** "host:port" (lower case) this server answers to. */
  hosts: Set<string>;
  /** The URL people open, when set (UMLAB_PUBLIC_URL): it decides the cookies' Secure flag. */
  publicUrl: URL | null;
}

const LOOPBACK = ["localhost", "127.0.0.1", "[::1]"];

/**
 * The allow-list: the loopback names at the port, the bound name, the public
 * URL's host and UMLAB_ALLOWED_HOSTS (comma-separated host or host:port).
 */
export function siteFrom(env: { port: number; bind: string; publicUrl?: string; allowedHosts?: string }): Site {
  const hosts = new Set<string>();
  const add = (h: string) => {
    const v = h.trim().toLowerCase();
    if (!v) return;
    hosts.add(/:\d+$/.test(v) && !v.endsWith("]") ? v : `${v}:${env.port}`);
  };
  for (const h of LOOPBACK) add(h);
  if (!["0.0.0.0", "::", "[::]"].includes(env.bind)) add(env.bind.includes(":") && !env.bind.startsWith("[") ? `[${env.bind}]` : env.bind);
  let publicUrl: URL | null = null;
  if (env.publicUrl) {
    publicUrl = new URL(env.publicUrl);
    hosts.add(publicUrl.host.toLowerCase() + (publicUrl.port ? "" : `:${publicUrl.protocol === "https:" ? 443 : 80}`));
    hosts.add(publicUrl.host.toLowerCase());
  }
  for (const h of (env.allowedHosts ?? "").split(",")) add(h);
  return { hosts, publicUrl };
}

/** A Host header's problem, or null when this server answers to it. */
export function hostProblem(host: string | undefined, site: Site): string | null {
  if (!host) return "a request without a Host header";
  const h = host.toLowerCase();
  if (site.hosts.has(h)) return null;
  return `this server does not answer to the host "${host.slice(0, 100)}" (set UMLAB_PUBLIC_URL or UMLAB_ALLOWED_HOSTS to serve it)`;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/**
 * Bodies a page of another site can send without a CORS preflight are
 * text/plain, urlencoded and multipart. The first two we never accept; a
 * multipart upload is accepted only with this site's Origin, like every write.
 */
const SIMPLE_TYPES = ["text/plain", "application/x-www-form-urlencoded"];

export interface RequestFacts {
  method: string;
  host: string | undefined;
  origin: string | undefined;
  secFetchSite: string | undefined;
  contentType: string | undefined;
  /** True when the request carries a body (a length over 0, or chunked). */
  hasBody: boolean;
  /** True when it authenticates with Authorization: Bearer rather than a cookie. */
  bearer: boolean;
}

/** Why a request that would change something is refused (403), or null. */
export function writeProblem(r: RequestFacts, site: Site): string | null {
  if (SAFE_METHODS.has(r.method.toUpperCase())) return null;
  const type = (r.contentType ?? "").split(";")[0].trim().toLowerCase();
  if (r.hasBody && (!type || SIMPLE_TYPES.includes(type))) return `a request body of type "${type || "none"}" is not accepted: send application/json (or multipart/form-data for uploads)`;
  if (r.secFetchSite && !["same-origin", "none"].includes(r.secFetchSite.toLowerCase())) return `a ${r.secFetchSite} request may not change anything here`;
  if (r.origin !== undefined) {
    let origin: URL;
    try {
      origin = new URL(r.origin);
    } catch {
      return `the Origin "${r.origin.slice(0, 100)}" is not this site`;
    }
    const sameHost = origin.host.toLowerCase() === (r.host ?? "").toLowerCase();
    if (!sameHost && origin.origin !== site.publicUrl?.origin) return `the Origin "${r.origin.slice(0, 100)}" is not this site`;
    return null;
  }
  // No Origin: no browser sends a cross-site write without one, so this is a
  // script; cookies alone do not make it trusted, a bearer token does.
  if (!r.bearer && !r.secFetchSite) return "a request that changes something needs this site's Origin header or an Authorization: Bearer token";
  return null;
}
