import type { Problem } from "./errors";
import type { Gateway, Switch } from "./lab";
import { nameProblem } from "./names";
import { toPosition } from "./position";

/**
 * The rules of a gateway: the ones the canvas checks as it wires, and the
 * resolving of a lab file's gateways; apart from lab.ts so the page can use
 * them without the lab schema.
 */

/** A gateway as the lab file writes it. */
export interface RawGateway {
  switch?: string | null;
  dhcp?: boolean;
  forward?: string[];
  hostPorts?: number[];
  pos?: [number, number];
}

const FORWARD = /^(\d{1,5}):(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/;

/** Why a gateway cannot go on this switch (a uml_switch, or one with a gateway already), or null. */
export function gatewaySwitchProblem(sw: string, kind: "vde" | "uml_switch", otherGateway: string | null): string | null {
  if (kind !== "vde") return `a gateway needs a vde switch; "${sw}" is a uml_switch`;
  if (otherGateway !== null) return `switch "${sw}" already has gateway "${otherGateway}": one per switch`;
  return null;
}

/** Why a port forward is not HOSTPORT:GUESTADDR:GUESTPORT, or null. */
export function forwardProblem(f: string): string | null {
  const m = FORWARD.exec(f);
  const port = (s: string) => Number(s) >= 1 && Number(s) <= 65535;
  if (m && port(m[1]) && port(m[3]) && m[2].split(".").every((b) => Number(b) <= 255)) return null;
  return `"${f}" is not HOSTPORT:GUESTADDR:GUESTPORT (e.g. 8080:10.0.2.15:80)`;
}

/** The lab file's gateways, checked against its switches and node names; every problem goes to `problems`. */
export function resolveGateways(raw: Record<string, RawGateway | null>, switches: Switch[], nodeNames: Set<string>, problems: Problem[]): Gateway[] {
  const byName = new Map(switches.map((s) => [s.name, s]));
  const gateways: Gateway[] = [];
  for (const [name, g] of Object.entries(raw)) {
    const at = ["gateways", name];
    const p = nameProblem(name);
    if (p) problems.push({ path: at, message: p });
    if (byName.has(name) || nodeNames.has(name)) problems.push({ path: at, message: `"${name}" is already the name of a ${byName.has(name) ? "switch" : "node"}` });
    const sw = g?.switch ?? null;
    if (sw !== null) {
      const target = byName.get(sw);
      if (!target) problems.push({ path: [...at, "switch"], message: `"${sw}" is not a switch of this lab` });
      else if (target.kind !== "vde") problems.push({ path: [...at, "switch"], message: gatewaySwitchProblem(sw, target.kind, null)! });
    }
    for (const [i, f] of (g?.forward ?? []).entries()) {
      const bad = forwardProblem(f);
      if (bad) problems.push({ path: [...at, "forward", i], message: bad });
    }
    for (const [i, port] of (g?.hostPorts ?? []).entries()) {
      if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push({ path: [...at, "hostPorts", i], message: `${port} is not a port (1-65535)` });
    }
    gateways.push({ name, switch: sw, dhcp: g?.dhcp ?? true, forward: g?.forward ?? [], hostPorts: g?.hostPorts ?? [], pos: toPosition(g?.pos) });
  }
  const taken = new Map<string, string>();
  for (const g of gateways) {
    if (g.switch === null) continue;
    const other = taken.get(g.switch);
    if (other) problems.push({ path: ["gateways", g.name, "switch"], message: gatewaySwitchProblem(g.switch, "vde", other)! });
    else taken.set(g.switch, g.name);
  }
  return gateways;
}
