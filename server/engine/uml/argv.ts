import { createHash } from "node:crypto";
import type { Node, Switch } from "../../model/lab";
import { runRel } from "../paths";

export interface UmlLaunch {
  kernel: string;
  lab: string;
  node: Node;
  /** The node's COW file and the image it lies over (absolute paths). */
  cow: string;
  image: string;
  /** The kernel's modules as a read-only disk, mounted on /lib/modules; null when it has none. */
  modulesDisk: string | null;
  /** The host pty the exec agent answers on (the guest's ttyS1). */
  agentTty: string;
  /** The host ptys of the node's serial lines (serial/serial-lines.ts): line number -> path. */
  serialTtys: ReadonlyMap<number, string>;
  /**
   * The lab's disks it boots with (absolute paths), each in its slot (model/disk.ts). A plain
   * `ubdN=FILE`: UML locks the file when the guest opens the device, which is what keeps a
   * shared disk to one guest at a time.
   */
  disks: readonly { slot: number; file: string }[];
  /** Loops per jiffy, so the kernel skips calibrating its delay loop (host.ts guestLoopsPerJiffy). */
  lpj: number;
  switches: ReadonlyMap<string, Switch>;
  /** The port of each interface (by index) on its vde switch; fixed, so switch-side settings of a port (link faults) outlive a restart. */
  ports: ReadonlyMap<number, number>;
}

/** A stable, locally administered MAC per lab, node and interface, so captures and ARP tables read the same every run. */
export function macAddress(lab: string, node: string, index: number): string {
  const h = createHash("sha256").update(`${lab}/${node}/eth${index}`).digest();
  const bytes = [0x02, h[0], h[1], h[2], h[3], h[4]];
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");
}

/**
 * The linux.uml command line of a node, run with the lab's run directory as
 * its working directory. Arguments UML does not know (umlab.node=) reach the
 * guest's /proc/cmdline, which is how init learns its name.
 */
export function buildUmlArgv(l: UmlLaunch): string[] {
  const { node } = l;
  const argv = [
    l.kernel,
    `ubd0=${l.cow},${l.image}`,
    `ubd1r=${runRel.configDisk(node.name)}`,
    ...(l.modulesDisk ? [`ubd2r=${l.modulesDisk}`] : []),
    ...l.disks.map((d) => `ubd${d.slot}=${d.file}`),
    "root=/dev/ubda",
    "rw",
    "init=/init",
    `mem=${node.memoryMiB}M`,
    `lpj=${l.lpj}`,
    "con=null",
    "con0=fd:0,fd:1",
    "ssl=null",
    `ssl1=tty:${l.agentTty}`,
    ...[...l.serialTtys].map(([n, tty]) => `ssl${n}=tty:${tty}`),
    `umid=${node.name}`,
    `uml_dir=${runRel.umlDir}`,
  ];
  for (const i of node.interfaces) {
    const mac = macAddress(l.lab, node.name, i.index);
    if (i.switch === null) {
      // Unplugged: the interface exists in the guest (names stay put, it can
      // be configured and brought up) but its frames go nowhere: libvdeplug's
      // null:// endpoint.
      argv.push(`eth${i.index}=vde,null://,${mac}`);
      continue;
    }
    const sw = l.switches.get(i.switch);
    if (!sw) throw new Error(`node ${node.name}: eth${i.index} names unknown switch ${i.switch}`);
    const port = l.ports.get(i.index);
    argv.push(
      sw.kind === "vde"
        ? `eth${i.index}=vde,${runRel.vdeDir(sw.name)},${mac}${port === undefined ? "" : `,${port}`}`
        : `eth${i.index}=daemon,${mac},unix,${runRel.umlSwitchSock(sw.name)}`,
    );
  }
  argv.push(`umlab.node=${node.name}`);
  return argv;
}

/**
 * The command line run without address-space randomisation (util-linux's
 * setarch -R, which then execs linux.uml in the same process). UML lays out
 * its physical memory around where the host put its heap ("Adding N bytes to
 * physical memory to account for exec-shield gap"); with randomisation about
 * 1 guest in 70 got a layout where it faulted on the same address forever
 * during boot, on Debian's kernel and ours alike (none in 300 without it).
 */
export function withoutAslr(argv: string[], setarch: string, machine: string): string[] {
  return [setarch, machine, "-R", ...argv];
}
