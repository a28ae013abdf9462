import type { Problem } from "../../model/errors";
import { MAX_INTERFACES, type Lab, type Node, type RawNode } from "../../model/lab";
import { commentStart, type DeviceOption } from "./labconf";

/**
 * Kathará's `device[bridged]=true` gives a device one more interface, on
 * Docker's bridge, with an address from Docker and a way out to the host's
 * network. umlab's nearest is a gateway: every bridged device gets the next
 * ethN on one switch shared by all of them, a gateway (slirpvde: NAT, DHCP)
 * on that switch, and a startup that first asks it for an address.
 */
export const BRIDGED_SWITCH = "bridged";
export const BRIDGED_GATEWAY = "internet";

/** The startup's first line on a bridged interface: one quick try, so a boot never hangs on it. */
export const dhcpLine = (index: number) => `udhcpc -i eth${index} -q -n -t 5 -T 1`;

export interface BridgedDevice {
  device: string;
  node: RawNode;
  option: DeviceOption;
  /** Lines its startup begins with: the DHCP line goes first. */
  before: string[];
  /** Records where the interface came from, to report a model problem at its line. */
  at: (index: number) => void;
}

/**
 * Plugs each bridged device's next interface into one switch with a gateway
 * on it (named by `free`, which gives an unused name near the one asked
 * for), and puts the DHCP line first in its startup; null when no device is
 * bridged. A device that has every interface already is refused at its
 * option's line.
 */
export function bridgeDevices(devices: BridgedDevice[], free: (base: string) => string, problems: Problem[], warnings: string[]): { name: string; switch: string } | null {
  if (!devices.length) return null;
  const sw = free(BRIDGED_SWITCH);
  const gateway = free(BRIDGED_GATEWAY);
  for (const d of devices) {
    const eth = (d.node.eth ?? []) as (string | null)[];
    const o = d.option;
    if (eth.length >= MAX_INTERFACES) {
      problems.push({ path: [], file: o.file, line: o.line, message: `${d.device}[bridged]: ${d.device} has all ${MAX_INTERFACES} interfaces already, none is left for the bridged one` });
      continue;
    }
    const index = eth.length;
    d.node.eth = [...eth, sw];
    d.at(index);
    d.before.unshift(dhcpLine(index));
    warnings.push(
      `${d.device}[bridged]=${o.value} (${o.file}:${o.line}): eth${index} on switch ${sw}, where gateway ${gateway} is the way out to the host's network (NAT); its startup asks for an address first (udhcpc: 10.0.2.15 and up, not Docker's)`,
    );
  }
  return { name: gateway, switch: sw };
}

/**
 * The switches a gateway makes a Kathará bridge of: those with a gateway
 * where every interface plugged in is the last of its node (as Kathará's
 * bridged interface is), by switch name, with the gateway's name.
 */
export function bridgedSwitches(lab: Lab): Map<string, string> {
  const out = new Map<string, string>();
  for (const g of lab.gateways) {
    if (g.switch === null) continue;
    const plugged = lab.nodes.flatMap((n) => n.interfaces.filter((i) => i.switch === g.switch).map((i) => ({ n, i })));
    if (plugged.length && plugged.every(({ n, i }) => i === n.interfaces[n.interfaces.length - 1])) out.set(g.switch, g.name);
  }
  return out;
}

/** The node's bridged interface in an export (its last, on a bridged switch), or null. */
export function bridgedInterface(n: Node, bridged: Map<string, string>): number | null {
  const last = n.interfaces[n.interfaces.length - 1];
  return last?.switch != null && bridged.has(last.switch) ? last.index : null;
}

/** A startup without the DHCP line an import put first for the bridged interface. */
export function withoutDhcpLine(startup: string, index: number): string {
  const [first, ...rest] = startup.split("\n");
  return first.slice(0, commentStart(first)).trim() === dhcpLine(index) ? rest.join("\n") : startup;
}

/** What the export cannot say of the lab's gateways, for lab.conf's comments. */
export function gatewayNotes(lab: Lab, bridged: Map<string, string>): string[] {
  const notes: string[] = [];
  for (const g of lab.gateways) {
    if (g.switch === null) notes.push(`gateway ${g.name} is plugged into nothing and was left out`);
    else if (!bridged.has(g.switch))
      notes.push(`gateway ${g.name} on switch ${g.switch} was left out: Kathará's bridged interface is a device's last one, and ${g.switch} is not the last of every node on it`);
    else {
      if (!g.dhcp) notes.push(`gateway ${g.name} gives no addresses by DHCP`);
      if (g.forward.length) notes.push(`gateway ${g.name} forwards ${g.forward.join(", ")} (host port:guest address:port)`);
    }
  }
  if (bridged.size > 1) notes.push(`switches ${[...bridged.keys()].join(", ")} all become Kathará's one bridge`);
  return notes;
}
