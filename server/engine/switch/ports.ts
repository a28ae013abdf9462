/**
 * The numbered ports of one vde_switch, each held by a name ("node01.eth0",
 * or a wirefilter's end). A name keeps its port until released, so a node
 * restarted plugs back into the same port (and whatever the switch keeps
 * for that port, such as its VLAN). New names get the lowest free port ≥ 1
 * (port 0 is the switch's own).
 */
export class SwitchPorts {
  private readonly byName = new Map<string, number>();
  private readonly used = new Set<number>();

  get(name: string): number | null {
    return this.byName.get(name) ?? null;
  }

  allocate(name: string): number {
    const held = this.byName.get(name);
    if (held !== undefined) return held;
    let port = 1;
    while (this.used.has(port)) port++;
    this.byName.set(name, port);
    this.used.add(port);
    return port;
  }

  release(name: string): void {
    const port = this.byName.get(name);
    if (port === undefined) return;
    this.byName.delete(name);
    this.used.delete(port);
  }

  /** The highest port held (0 when none). */
  get highest(): number {
    return Math.max(0, ...this.used);
  }
}

/**
 * How many ports a switch is given (vde_switch --numports; valid ports are
 * 0…N-1): room for twice what is plugged plus some, because every impaired
 * link takes two more ports (its wirefilter's ends) and nodes may be added.
 */
export function numportsFor(highest: number): number {
  return Math.max(32, highest * 2 + 16);
}
