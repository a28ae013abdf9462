import { EventEmitter } from "node:events";
import type { Lab } from "../../model/lab";
import { impairmentProblem, type Impairment } from "../../model/link";
import type { SwitchProcess } from "./switch-process";
import { Wirefilter } from "./wirefilter";

export type { Impairment } from "../../model/link";

/** A link fault that cannot be applied (a hub, a uml_switch, a lab not running…): the request conflicts with the lab. */
export class LinkFaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LinkFaultError";
  }
}

/** One link: a node interface plugged into a switch, and what is done to it. */
export interface LinkStatus {
  node: string;
  iface: string;
  switch: string;
  /** Its port on the switch (vde switches, while the lab runs). */
  port: number | null;
  /** Frames stop both ways, as if the cable were pulled out. */
  pulled: boolean;
  impair: Impairment | null;
}

interface Fault {
  port: number;
  pulled: boolean;
  impair: Impairment | null;
  filter: Wirefilter | null;
}

export const linkName = (node: string, index: number) => `${node}.eth${index}`;

/** The switch a node's ethINDEX is plugged into, or why there is none (for link faults and link captures alike). */
export function pluggedInto(lab: Lab, node: string, index: number): { switch: string } | { error: string } {
  const def = lab.nodes.find((n) => n.name === node);
  if (!def) return { error: `lab ${lab.name} has no node "${node}"` };
  const iface = def.interfaces.find((i) => i.index === index);
  if (!iface) return { error: `node ${node} has no eth${index}` };
  if (iface.switch === null) return { error: `${node}.eth${index} is not plugged into a switch` };
  return { switch: iface.switch };
}

// In switch mode vde_switch passes untagged frames only between ports of one
// VLAN: a port alone in a VLAN of its own is cut off. Two VLANs per port, so
// a link can be impaired (node port + wirefilter's near end) and pulled.
const pullVlan = (port: number) => 2 * port;
const impairVlan = (port: number) => 2 * port + 1;
const MAX_PORT = 2046; // VLAN tags end at 4094
const EXISTS = 1017;

/** Every link of a lab, with nothing done to it (a lab that does not run). */
export function idleLinks(lab: Lab): LinkStatus[] {
  return lab.nodes.flatMap((n) =>
    n.interfaces.flatMap((i) => (i.switch === null ? [] : [{ node: n.name, iface: `eth${i.index}`, switch: i.switch, port: null, pulled: false, impair: null }])),
  );
}

/**
 * Link faults of a running lab, done on its vde switches from outside the
 * guests: pull / plug (the node's port into a VLAN of its own and back) and
 * impair / clear (a wirefilter between the node's port and the rest of the
 * switch). A fault belongs to the switch port, so it outlives a restart of
 * the node. Pulled wins while a link is both. Events: "change" (LinkStatus).
 */
export class LinkFaults extends EventEmitter {
  private readonly faults = new Map<string, Fault>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly switches: ReadonlyMap<string, SwitchProcess>, private readonly runDir: string) {
    super();
  }

  status(lab: Lab): LinkStatus[] {
    return idleLinks(lab).map((l) => this.linkStatus(l.switch, l.node, Number(l.iface.slice(3))));
  }

  /** Pids of the wirefilters, by link, for state.json. */
  pids(): Record<string, number | null> {
    return Object.fromEntries([...this.faults].filter(([, f]) => f.filter).map(([k, f]) => [k, f.filter!.pid]));
  }

  async pull(lab: Lab, node: string, index: number): Promise<LinkStatus> {
    return this.serial(lab, node, index, async (sw, f) => {
      if (f.pulled) return;
      const v = pullVlan(f.port);
      await sw.mgmt([`vlan/create ${v}`, `port/create ${f.port}`, `port/setvlan ${f.port} ${v}`], { 0: [EXISTS], 1: [EXISTS] });
      f.pulled = true;
    });
  }

  async plug(lab: Lab, node: string, index: number): Promise<LinkStatus> {
    return this.serial(lab, node, index, async (sw, f) => {
      if (!f.pulled) return;
      await sw.mgmt([`port/setvlan ${f.port} ${f.filter ? impairVlan(f.port) : 0}`]);
      f.pulled = false;
    });
  }

  async impair(lab: Lab, node: string, index: number, imp: Impairment): Promise<LinkStatus> {
    const problem = impairmentProblem(imp);
    if (problem) throw new LinkFaultError(problem);
    return this.serial(lab, node, index, async (sw, f, name) => {
      if (f.filter) await f.filter.set(imp);
      else f.filter = await this.startFilter(sw, f, name, imp);
      f.impair = { ...imp };
    });
  }

  async clear(lab: Lab, node: string, index: number): Promise<LinkStatus> {
    return this.serial(lab, node, index, async (sw, f, name) => {
      if (!f.filter) return;
      // The node's frames go straight to the switch first, then the filter goes.
      if (!f.pulled) await sw.mgmt([`port/setvlan ${f.port} 0`]);
      await this.endFilter(sw, f.filter, name);
      f.filter = null;
      f.impair = null;
    });
  }

  /** The lab stops: every wirefilter ends (the switches go next, with their VLANs). */
  async stop(): Promise<void> {
    await this.queue;
    await Promise.all([...this.faults.values()].map((f) => f.filter?.stop()));
    for (const [key, f] of this.faults) {
      const name = key.slice(key.indexOf("/") + 1);
      const sw = this.switches.get(key.slice(0, key.indexOf("/")));
      if (f.filter) for (const end of ["near", "far"]) sw?.ports.release(`${name}~${end}`);
    }
    this.faults.clear();
  }

  private async startFilter(sw: SwitchProcess, f: Fault, name: string, imp: Impairment): Promise<Wirefilter> {
    const near = sw.ports.allocate(`${name}~near`);
    const far = sw.ports.allocate(`${name}~far`);
    const filter = new Wirefilter(this.runDir, sw.sw.name, near, far, sw.sandbox);
    const v = impairVlan(f.port);
    try {
      await sw.fitPorts();
      // The filter's ends get their VLANs, and the node's port its own, before the filter plugs in. A frame of the
      // node's that met the filter's far end in the default VLAN would come out of its near end later, and the
      // switch would take the node to be there: vde_switch keeps where it learnt an address for at least 3 s (its
      // hash's minimum persistence), and every frame to the node was dropped meanwhile.
      await sw.mgmt([`vlan/create ${v}`, `port/create ${near}`, `port/setvlan ${near} ${v}`, `port/create ${far}`, `port/setvlan ${far} 0`], { 0: [EXISTS], 1: [EXISTS], 3: [EXISTS] });
      if (!f.pulled) await sw.mgmt([`port/create ${f.port}`, `port/setvlan ${f.port} ${v}`], { 0: [EXISTS] });
      await filter.start(imp);
      return filter;
    } catch (e) {
      await this.endFilter(sw, filter, name).catch(() => {});
      if (!f.pulled) await sw.mgmt([`port/setvlan ${f.port} 0`]).catch(() => {});
      throw e;
    }
  }

  /** Ends a wirefilter and frees its ports, back in the default VLAN for whoever gets them next. */
  private async endFilter(sw: SwitchProcess, filter: Wirefilter, name: string): Promise<void> {
    await filter.stop();
    await sw.mgmt([`port/setvlan ${filter.near} 0`, `port/setvlan ${filter.far} 0`], { 0: [1006], 1: [1006] });
    sw.ports.release(`${name}~near`);
    sw.ports.release(`${name}~far`);
  }

  private linkStatus(swName: string, node: string, index: number): LinkStatus {
    const name = linkName(node, index);
    const f = this.faults.get(`${swName}/${name}`);
    const port = this.switches.get(swName)?.ports.get(name) ?? null;
    return { node, iface: `eth${index}`, switch: swName, port, pulled: !!f?.pulled, impair: f?.impair ? { ...f.impair } : null };
  }

  /** One change at a time per lab, on a link checked first; "change" after it. */
  private serial(lab: Lab, node: string, index: number, fn: (sw: SwitchProcess, f: Fault, name: string) => Promise<void>): Promise<LinkStatus> {
    const { sw, name } = this.target(lab, node, index);
    const key = `${sw.sw.name}/${name}`;
    const run = async () => {
      const port = sw.ports.get(name) ?? sw.ports.allocate(name);
      const f = this.faults.get(key) ?? { port, pulled: false, impair: null, filter: null };
      const before = JSON.stringify(this.linkStatus(sw.sw.name, node, index));
      try {
        await fn(sw, f, name);
      } finally {
        if (f.pulled || f.filter) this.faults.set(key, f);
        else this.faults.delete(key);
      }
      const after = this.linkStatus(sw.sw.name, node, index);
      if (JSON.stringify(after) !== before) this.emit("change", after);
      return after;
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => {});
    return p;
  }

  private target(lab: Lab, node: string, index: number): { sw: SwitchProcess; port: number; name: string } {
    const plugged = pluggedInto(lab, node, index);
    if ("error" in plugged) throw new LinkFaultError(plugged.error);
    const sw = this.switches.get(plugged.switch);
    if (!sw) throw new LinkFaultError(`${node}.eth${index} is plugged into "${plugged.switch}", which the running lab was not started with: restart the lab`);
    if (sw.sw.kind !== "vde" || sw.sw.mode !== "switch")
      throw new LinkFaultError(`link faults need a vde switch in switch mode; ${sw.sw.name} is ${sw.sw.kind === "vde" ? "a hub" : sw.sw.mode === "hub" ? "a uml_switch hub" : "a uml_switch"}`);
    if (!sw.pid) throw new LinkFaultError(`switch ${sw.sw.name} is not running: start the lab`);
    if (sw.paused) throw new LinkFaultError(`switch ${sw.sw.name} is paused: resume it first`);
    const name = linkName(node, index);
    const port = sw.ports.allocate(name);
    if (port > MAX_PORT) throw new LinkFaultError(`${name} is on port ${port} of ${sw.sw.name}: link faults work on ports up to ${MAX_PORT}`);
    return { sw, port, name };
  }
}
