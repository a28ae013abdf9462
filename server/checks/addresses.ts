import { normalizeIP } from "../model/address";

/** A node's interfaces and their addresses ("10.0.0.1/24", IPv6 in normal form). */
export type Addresses = Map<string, string[]>;

interface JsonLink {
  ifname?: string;
  addr_info?: { local?: string; prefixlen?: number }[];
}

/**
 * `ip -j addr` (iproute2) or, where -j is not known (busybox), `ip addr`:
 * "2: eth0: <...>" starts an interface ("eth0.10@eth0": eth0.10), each
 * "inet ADDRESS/LEN" or "inet6 ADDRESS/LEN" line below it is one of its addresses.
 */
export function parseAddresses(output: string): Addresses {
  const text = output.trim();
  const out: Addresses = new Map();
  if (text.startsWith("[")) {
    let list: JsonLink[];
    try {
      list = JSON.parse(text) as JsonLink[];
    } catch {
      return out;
    }
    for (const l of Array.isArray(list) ? list : []) {
      if (!l.ifname) continue;
      out.set(l.ifname, (l.addr_info ?? []).flatMap((a) => (a.local && normalizeIP(a.local) ? [`${normalizeIP(a.local)}/${a.prefixlen}`] : [])));
    }
    return out;
  }
  let current: string[] | null = null;
  for (const line of text.split("\n")) {
    const link = /^\d+:\s+([^:@\s]+)(?:@\S+)?:/.exec(line);
    if (link) {
      current = [];
      out.set(link[1], current);
      continue;
    }
    const addr = /^\s+inet6?\s+([0-9a-fA-F.:]+)\/(\d+)/.exec(line);
    if (addr && current && normalizeIP(addr[1])) current.push(`${normalizeIP(addr[1])}/${addr[2]}`);
  }
  return out;
}
