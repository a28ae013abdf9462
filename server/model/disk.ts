import type { Problem } from "./errors";
import type { Node } from "./lab";
import { formatMemory, parseMemory } from "./memory";

/**
 * A lab's extra disks. A disk is one raw file the lab owns; a node lists the
 * disks it boots with, and a disk two nodes list is shared: the same file in
 * both, of which UML's host lock lets one guest at a time open the device.
 * Slot 0 of a guest is its root COW, 1 its config disk and 2 its kernel's
 * modules, so a node's own disks take slots 3 and up, in the order it lists
 * them, and a disk plugged in while it runs the first slot free after those.
 */
export type DiskFormat = "none" | "ext4" | "ext2";

export interface Disk {
  name: string;
  sizeMiB: number;
  /** Made with this file system on it (labelled with the disk's name) when the file is made; "none": blank. */
  format: DiskFormat;
  pos: { x: number; y: number } | null;
}

export const DEFAULT_DISK_MIB = 256;
export const MIN_DISK_MIB = 1;
export const MAX_DISK_MIB = 16 * 1024;
/** UML's ubd slots: 16 a guest. */
export const FIRST_EXTRA_SLOT = 3;
export const LAST_SLOT = 15;
/** Disks a node boots with; the slots after them stay free for plugging in. */
export const MAX_NODE_DISKS = 8;

/** ubdN's device in the guest: /dev/ubda for 0, /dev/ubdd for 3. */
export const slotDevice = (slot: number) => `/dev/ubd${String.fromCharCode(97 + slot)}`;

export function parseDiskSize(raw: string | number): number | string {
  const m = parseMemory(raw);
  if (typeof m === "string") return m.replace(/memory/g, "disk size").replace("a memory size", "a disk size");
  if (m < MIN_DISK_MIB || m > MAX_DISK_MIB) return `a disk's size must be between ${formatMemory(MIN_DISK_MIB)} and ${formatMemory(MAX_DISK_MIB)}, not ${formatMemory(m)}`;
  return m;
}

/** The nodes that boot with a disk, in the lab's order. */
export const diskUsers = (nodes: readonly Node[], disk: string) => nodes.filter((n) => n.disks.includes(disk)).map((n) => n.name);

/** The disks only `node` boots with: its own, which a reset or snapshot of the node alone takes (a shared one is the lab's). */
export const ownDisks = (nodes: readonly Node[], disks: readonly Disk[], node: string) =>
  disks.map((d) => d.name).filter((d) => {
    const users = diskUsers(nodes, d);
    return users.length > 0 && users.every((u) => u === node);
  });

/** Each node's disks named against the lab's; problems at ["nodes", NODE, "disks", i]. */
export function checkNodeDisks(nodes: readonly Node[], disks: readonly Disk[], problems: Problem[]): void {
  const names = new Set(disks.map((d) => d.name));
  for (const n of nodes) {
    n.disks.forEach((d, i) => {
      if (!names.has(d)) problems.push({ path: ["nodes", n.name, "disks", i], message: `"${d}" is not a disk of this lab (lab-level disks: ${names.size ? [...names].join(", ") : "none"})` });
    });
    if (n.disks.length > MAX_NODE_DISKS) problems.push({ path: ["nodes", n.name, "disks"], message: `a node boots with at most ${MAX_NODE_DISKS} disks, not ${n.disks.length}` });
  }
}
