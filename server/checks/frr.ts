/**
 * FRR's answers through vtysh, as JSON: `show ip ospf neighbor json` and
 * `show bgp summary json`. A vtysh that found no such daemon prints its
 * error as text: those read as null, and the caller says what it printed.
 */

export interface OspfNeighbor {
  routerId: string;
  /** The adjacency's state without the DR role: "Full", "2-Way", "Init". */
  state: string;
  iface: string | null;
}

const json = (text: string): unknown => {
  try {
    return JSON.parse(text.trim());
  } catch {
    return null;
  }
};
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * `{"neighbors": {"2.2.2.2": [{"converged": "Full", "nbrState": "Full/DR", "ifaceName": "eth1:10.0.0.1"}]}}`.
 * FRR 8 writes "nbrState" (and older ones "state") as "Full/DR"; newer ones add "converged": "Full".
 */
export function parseOspfNeighbors(output: string): OspfNeighbor[] | null {
  const data = json(output);
  if (!isObject(data) || !isObject(data.neighbors)) return isObject(data) ? [] : null;
  const out: OspfNeighbor[] = [];
  for (const [routerId, entries] of Object.entries(data.neighbors)) {
    for (const e of Array.isArray(entries) ? entries : [entries]) {
      if (!isObject(e)) continue;
      const raw = String(e.converged ?? e.nbrState ?? e.state ?? "");
      const iface = typeof e.ifaceName === "string" ? e.ifaceName.split(":")[0] : null;
      out.push({ routerId, state: raw.split("/")[0], iface });
    }
  }
  return out;
}

export interface BgpPeer {
  /** The peer as the summary names it: an address, or an interface for an unnumbered session. */
  peer: string;
  remoteAs: number | null;
  state: string;
  /** The address family it was listed under ("ipv4Unicast"). */
  family: string;
}

/** `{"ipv4Unicast": {"peers": {"10.0.0.2": {"remoteAs": 65002, "state": "Established"}}}, "ipv6Unicast": ...}`. */
export function parseBgpSummary(output: string): BgpPeer[] | null {
  const data = json(output);
  if (!isObject(data)) return null;
  const out: BgpPeer[] = [];
  for (const [family, v] of Object.entries(data)) {
    if (!isObject(v) || !isObject(v.peers)) continue;
    for (const [peer, p] of Object.entries(v.peers)) {
      if (!isObject(p)) continue;
      out.push({ peer, remoteAs: typeof p.remoteAs === "number" ? p.remoteAs : null, state: String(p.state ?? "unknown"), family });
    }
  }
  return out;
}
