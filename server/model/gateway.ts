/**
 * The rules of a gateway the canvas checks as it wires, which the lab file's
 * gateways obey too (shape.ts); apart from the lab schema so the page can use
 * them without it.
 */

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
