import { normalizeIP, parsePrefix, prefixText } from "../model/address";

/** One route of a node's table: its prefix in normal form, and its next hops (addresses) and devices. */
export interface Route {
  prefix: string;
  via: string[];
  dev: string[];
  protocol: string | null;
}

interface JsonRoute {
  dst?: string;
  gateway?: string;
  via?: { host?: string };
  dev?: string;
  protocol?: string;
  type?: string;
  nexthops?: { gateway?: string; via?: { host?: string }; dev?: string }[];
}

/**
 * A routing table as `ip -j route` prints it (iproute2) or, where -j is not
 * known (busybox), as `ip route` does, one route a line with `nexthop`
 * lines under a multipath one. Only unicast routes: blackholes, unreachables
 * and prohibits send nothing anywhere.
 */
export function parseRoutes(output: string, family: 4 | 6): Route[] {
  const text = output.trim();
  return text.startsWith("[") ? jsonRoutes(text, family) : textRoutes(text, family);
}

function jsonRoutes(text: string, family: 4 | 6): Route[] {
  let list: JsonRoute[];
  try {
    list = JSON.parse(text) as JsonRoute[];
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  const routes: Route[] = [];
  for (const r of list) {
    const prefix = r.dst && parsePrefix(r.dst, family);
    if (!prefix || (r.type && r.type !== "unicast")) continue;
    const hops = r.nexthops ?? [r];
    const via = hops.map((h) => h.gateway ?? h.via?.host).flatMap((a) => (a && normalizeIP(a) ? [normalizeIP(a)!] : []));
    routes.push({ prefix: prefixText(prefix), via, dev: hops.flatMap((h) => (h.dev ? [h.dev] : [])), protocol: r.protocol ?? null });
  }
  return routes;
}

function textRoutes(text: string, family: 4 | 6): Route[] {
  const routes: Route[] = [];
  for (const line of text.split("\n")) {
    const words = line.trim().split(/\s+/);
    if (!words[0]) continue;
    const hop = (w: string[]) => ({ via: after(w, "via"), dev: after(w, "dev") });
    if (words[0] === "nexthop" && routes.length) {
      const { via, dev } = hop(words);
      const last = routes[routes.length - 1];
      if (via && normalizeIP(via)) last.via.push(normalizeIP(via)!);
      if (dev) last.dev.push(dev);
      continue;
    }
    if (["blackhole", "unreachable", "prohibit", "throw", "broadcast", "local", "multicast", "anycast"].includes(words[0])) continue;
    const dst = words[0] === "unicast" ? words[1] : words[0];
    const prefix = parsePrefix(dst, family);
    if (!prefix) continue;
    const { via, dev } = hop(words);
    routes.push({ prefix: prefixText(prefix), via: via && normalizeIP(via) ? [normalizeIP(via)!] : [], dev: dev ? [dev] : [], protocol: after(words, "proto") });
  }
  return routes;
}

const after = (words: string[], key: string): string | null => {
  const i = words.indexOf(key);
  return i >= 0 && i + 1 < words.length ? words[i + 1] : null;
};
