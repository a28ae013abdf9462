import { basename, dirname, resolve } from "node:path";
import { realpathSync } from "node:fs";
import { FIRST_EXTRA_SLOT, LAST_SLOT, slotDevice, type Disk } from "../../model/disk";
import { diskOfFileName, type ExtraDisks } from "../disk/extra-disks";
import type { Sandbox } from "../sandbox";
import { MconsoleError, type MconsoleCommand, type MconsoleReply } from "./mconsole";

/** A disk in one of a running guest's slots. */
export interface PluggedDisk {
  name: string;
  slot: number;
  /** Its device in the guest: /dev/ubdd for slot 3. */
  device: string;
}

export class DiskError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DiskError";
  }
}

export interface NodeDisksContext {
  node: string;
  files: ExtraDisks;
  /** The lab's disk of that name, as the run knows it now. */
  disk(name: string): Disk | undefined;
  sandbox: Sandbox;
  /** Sends one request to the guest's machine console (checked already). */
  mconsole(cmd: MconsoleCommand): Promise<MconsoleReply>;
  /** The guest failed to open a disk another process holds the lock of (a shared disk in use elsewhere). */
  lockedOut(name: string): void;
  /** What it has in its slots changed (a plug or an unplug): its state is told again. */
  changed(): void;
}

const LOCK_FAILED = /Failed to lock '([^'\n]{1,4096})', err = (\d+)/g;

/**
 * Which of the lab's disks sit in which of a guest's slots: those it boots
 * with (slots 3 and up, in its definition's order), and those plugged in or
 * out through the machine console while it runs (`config ubdN=FILE`,
 * `remove ubdN`), only ever the lab's own disk files.
 */
export class NodeDisks {
  private readonly slots = new Map<number, string>();
  /** The disks it booted with: a reboot from inside gives it those again (UML's command line), and nothing plugged since. */
  private boot: string[] = [];
  private tail = "";

  constructor(private readonly ctx: NodeDisksContext) {}

  /** The boot's disks, their files made if need be: slot and file each, for the command line. */
  async forBoot(names: readonly string[]): Promise<{ slot: number; file: string }[]> {
    this.slots.clear();
    this.boot = [...names];
    const out = await Promise.all(names.map(async (name, i) => ({ slot: FIRST_EXTRA_SLOT + i, file: await this.file(name) })));
    names.forEach((name, i) => this.slots.set(FIRST_EXTRA_SLOT + i, name));
    return out;
  }

  /** What the guest has now, by slot. */
  list(): PluggedDisk[] {
    return [...this.slots].sort(([a], [b]) => a - b).map(([slot, name]) => ({ name, slot, device: slotDevice(slot) }));
  }

  /** The guest went down: it holds nothing. */
  clear(): void {
    this.slots.clear();
    this.tail = "";
  }

  /** The guest rebooted from inside: it has its boot's disks again. */
  rebooted(): void {
    this.slots.clear();
    this.boot.forEach((name, i) => this.slots.set(FIRST_EXTRA_SLOT + i, name));
  }

  /** Console output: UML says so when a disk's lock is another's. */
  sawOutput(d: string): void {
    const text = this.tail + d;
    const fresh = this.tail.length;
    this.tail = text.slice(-4200);
    for (const m of text.matchAll(LOCK_FAILED)) {
      if (m.index + m[0].length <= fresh) continue;
      const name = this.diskOfFile(m[1]);
      if (name) this.ctx.lockedOut(name);
    }
  }

  /** Plugs one of the lab's disks into the first free slot (or `slot`). */
  async plug(name: string, slot?: number): Promise<PluggedDisk> {
    if (this.slotOf(name) !== undefined) throw new DiskError(`disk ${name} is already in ${this.ctx.node} (${slotDevice(this.slotOf(name)!)})`);
    const at = slot ?? this.freeSlot();
    if (at < FIRST_EXTRA_SLOT || at > LAST_SLOT) throw new DiskError(`ubd${at}: ${this.ctx.node}'s disks go in ubd${FIRST_EXTRA_SLOT} to ubd${LAST_SLOT} (ubd0-2 are its root, config and modules disks)`);
    if (this.slots.has(at)) throw new DiskError(`ubd${at} of ${this.ctx.node} already holds disk ${this.slots.get(at)}: unplug it first`);
    const file = await this.file(name);
    const reply = await this.ctx.mconsole({ op: "config", device: `ubd${at}`, value: file });
    if (!reply.ok) throw new DiskError(`${this.ctx.node} refused disk ${name} in ubd${at}: ${reply.text || "no reason given"}`);
    this.slots.set(at, name);
    this.ctx.changed();
    return { name, slot: at, device: slotDevice(at) };
  }

  /** Unplugs a disk by name; the guest refuses while its device is open (mounted). */
  async unplug(name: string): Promise<void> {
    const slot = this.slotOf(name);
    if (slot === undefined) throw new DiskError(`disk ${name} is not in ${this.ctx.node}`);
    await this.unplugSlot(slot);
  }

  async unplugSlot(slot: number): Promise<void> {
    const name = this.slots.get(slot);
    if (name === undefined) throw new DiskError(`ubd${slot} of ${this.ctx.node} holds none of the lab's disks`);
    const reply = await this.ctx.mconsole({ op: "remove", device: `ubd${slot}` });
    if (!reply.ok) {
      const busy = /busy|in use|open/i.test(reply.text);
      throw new DiskError(`${this.ctx.node} kept disk ${name} (${slotDevice(slot)}): ${reply.text || "no reason given"}${busy ? "; unmount it in the guest first" : ""}`);
    }
    this.slots.delete(slot);
    this.ctx.changed();
  }

  /**
   * A person's own machine console request about a disk slot: `config
   * ubdN=FILE` must name one of the lab's disk files, and both go through
   * plug and unplug so what the guest holds stays known. null: not such a
   * request.
   */
  async request(cmd: MconsoleCommand, runDir: string): Promise<MconsoleReply | null> {
    const slot = (device: string) => Number(/^ubd(\d{1,2})$/.exec(device)?.[1] ?? NaN);
    if (cmd.op === "remove" && /^ubd\d/.test(cmd.device)) {
      const n = slot(cmd.device);
      if (Number.isNaN(n)) throw new MconsoleError(`remove ${cmd.device}: a disk slot is ubdN`);
      await this.unplugSlot(n);
      return { ok: true, text: "" };
    }
    if (cmd.op !== "config" || cmd.value === undefined || !/^ubd/.test(cmd.device)) return null;
    const n = slot(cmd.device);
    if (Number.isNaN(n)) throw new MconsoleError(`config ${cmd.device}: a disk slot is ubdN, with no options`);
    const name = this.diskOfFile(resolve(runDir, cmd.value));
    if (!name) throw new MconsoleError(`config ${cmd.device}=${cmd.value}: not one of the lab's disks; a node may be given only its lab's disks (${this.ctx.files.dir}/NAME.img), e.g. with \`umlab disk LAB ${this.ctx.node} plug NAME\``);
    const plugged = await this.plug(name, n);
    return { ok: true, text: `${name} is ${plugged.device}` };
  }

  private diskOfFile(path: string): string | null {
    let real: string;
    let dir: string;
    try {
      real = realpathSync(path);
      dir = realpathSync(this.ctx.files.dir);
    } catch {
      return null;
    }
    const name = diskOfFileName(basename(real));
    return dirname(real) === dir && name && this.ctx.disk(name) ? name : null;
  }

  private slotOf(name: string): number | undefined {
    for (const [slot, n] of this.slots) if (n === name) return slot;
    return undefined;
  }

  private freeSlot(): number {
    for (let s = FIRST_EXTRA_SLOT; s <= LAST_SLOT; s++) if (!this.slots.has(s)) return s;
    throw new DiskError(`${this.ctx.node} has no free disk slot (ubd${FIRST_EXTRA_SLOT} to ubd${LAST_SLOT} all hold disks)`);
  }

  private async file(name: string): Promise<string> {
    const disk = this.ctx.disk(name);
    if (!disk) throw new DiskError(`"${name}" is not a disk of this lab`);
    const file = await this.ctx.files.ensure(disk);
    // The guest runs as the sandbox's user, which must write its disks.
    this.ctx.sandbox.own(this.ctx.files.dir);
    this.ctx.sandbox.own(file);
    return file;
  }
}
