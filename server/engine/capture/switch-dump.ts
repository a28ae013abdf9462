import { EventEmitter } from "node:events";
import { constants, openSync, rmSync } from "node:fs";
import { Socket, type OnReadOpts, type SocketConstructorOpts } from "node:net";
import { join } from "node:path";
import { runHostProgram } from "../host";
import { builtHelper } from "../built-helper";
import type { SwitchProcess } from "../switch/switch-process";
import { TapFrames, type RecordSink } from "./tap-frames";

/** The plugin's source: built on a data root's first vde switch (built-helper.ts) and bound read-only into every vde switch's sandbox. */
const PLUGIN_SOURCE = join(import.meta.dirname, "switch-tap.c");

/** umlab's capture plugin for vde_switch, as built for a data root. */
export function switchTapPlugin(root: string): string {
  return builtHelper(root, PLUGIN_SOURCE, "switch-tap", ".so", ["-O2", "-Wall", "-shared", "-fPIC", "-pthread"]);
}

/** The dump's pipe, as the plugin makes it (switch-tap.c PIPE_BYTES): 12 ms of the fastest flood measured here. */
const PIPE_BYTES = 1024 * 1024;
/** A read of the dump: as much as its pipe holds, so one read empties it. */
const READ_BUFFER = PIPE_BYTES;
/**
 * How the plugin gathers frames and the reader rests after a read that emptied the pipe (a flood's frames are then
 * read a few hundred at a time): briefly while someone watches a capture's packet list live, else longer, as each
 * wake-up of the plugin's writer and of the engine takes a turn from the switch and the guests (a 40 MB transfer
 * captured at 2 and 4 ms took the engine 120-150 ms of CPU, at 20 and 22 about 100). The pipe holds 12 ms of the
 * fastest flood and the plugin's buffers 48: the writer waits for a full pipe while frames gather in the other.
 */
const PACE = { live: { gatherMs: 2, restMs: 4 }, ring: { gatherMs: 20, restMs: 22 } } as const;

/**
 * A running vde switch's frames, through umlab's plugin (switch-tap.c)
 * inside it, writing into a FIFO the engine reads: no frame takes a detour
 * through another process (a tap on each port did, and cost the switch half
 * its frame rate), and the switch itself only copies each frame into memory
 * (vde2's pdump plugin wrote each frame twice or more, a write(2) each, and
 * cost it 27-29 %). One dump a switch, for every capture of it: the whole
 * switch (each frame once, as it enters) and single ports (in and out).
 * Records go to `feed` a run at a time as they are read, and `read` is
 * called after each read that had any. Event: "exit" (why it ended by itself).
 */
export class SwitchDump extends EventEmitter {
  private socket: Socket | null = null;
  private readonly fifo: string;
  private readonly reader: TapFrames;
  private resting: NodeJS.Timeout | null = null;
  /** The ports the plugin hands over in and out. */
  private ports = new Set<number>();
  private pace: (typeof PACE)[keyof typeof PACE] = PACE.ring;

  constructor(
    private readonly sw: SwitchProcess,
    private readonly runDir: string,
    feed: RecordSink,
    private readonly read: () => void,
  ) {
    super();
    this.fifo = `sw/${sw.sw.name}.dump`;
    this.reader = new TapFrames(feed);
  }

  async start(): Promise<void> {
    const path = join(this.runDir, this.fifo);
    rmSync(path, { force: true });
    await runHostProgram("mkfifo", ["-m", "0600", "--", path]);
    // The switch runs as the sandbox's user, which writes the FIFO.
    this.sw.sandbox.own(path);
    // Opened for reading first (not blocking), so the switch's open for writing finds a reader.
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    // A pipe that holds what a flood writes between two reads lets the engine read every few ms, all at once,
    // instead of waking at each write. The plugin sizes it as it opens the FIFO and says what it got; until then,
    // or on a host that refuses the size, every write is read as it comes, as a full pipe would hold the switch up.
    let roomy = false;
    // Read into one buffer, again and again: a stream's read allocates and zeroes 64 KiB each time, which at a
    // flood was most of what a capture cost the engine.
    const into = Buffer.allocUnsafe(READ_BUFFER);
    // (Node's constructor takes `onread`; its types have it for connect() only.)
    const options: SocketConstructorOpts & { onread: OnReadOpts } = {
      fd,
      readable: true,
      writable: false,
      onread: {
        buffer: into,
        callback: (n: number) => {
          if (this.reader.push(into.subarray(0, n))) this.read();
          if (this.reader.error) this.fail(`the switch's dump broke: ${this.reader.error}`);
          // A read that filled the buffer left more behind: on at once. Else rest, and take what came meanwhile in one read.
          if (!roomy || n === READ_BUFFER || !this.socket) return true;
          this.resting = setTimeout(() => {
            this.resting = null;
            this.socket?.resume();
          }, this.pace.restMs);
          return false;
        },
      },
    };
    const socket = new Socket(options);
    this.socket = socket;
    socket.on("error", (e) => this.fail(`the switch's dump failed: ${e.message}`));
    socket.on("end", () => this.fail("the switch stopped writing its dump"));
    try {
      const plugin = this.sw.plugin;
      if (!("path" in plugin)) throw new Error(plugin.error);
      // Loaded once a switch: a second load answers EEXIST (1017).
      await this.sw.mgmt([`plugin/add ${plugin.path}`], { 0: [1017] });
      const [opened] = await this.sw.mgmt([`switchtap/open ${this.fifo}`]);
      roomy = Number(/^pipe=(\d+)$/.exec(opened.data[0] ?? "")?.[1] ?? 0) >= PIPE_BYTES;
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /**
   * What the plugin hands over: every frame entering the switch (`all`), and every frame in and out of `ports`;
   * `live`: someone watches the rows, so frames come at once.
   */
  async watch(all: boolean, ports: ReadonlySet<number>, live: boolean): Promise<void> {
    const pace = live ? PACE.live : PACE.ring;
    const commands = [`switchtap/all ${all ? 1 : 0}`];
    if (pace !== this.pace) commands.push(`switchtap/gather ${pace.gatherMs}`);
    for (const p of ports) if (!this.ports.has(p)) commands.push(`switchtap/port ${p} 1`);
    for (const p of this.ports) if (!ports.has(p)) commands.push(`switchtap/port ${p} 0`);
    await this.sw.mgmt(commands);
    this.ports = new Set(ports);
    this.pace = pace;
  }

  async stop(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    this.socket = null;
    if (this.resting) clearTimeout(this.resting);
    socket.removeAllListeners("end");
    await this.sw.mgmt(["switchtap/close"]).catch(() => null);
    socket.destroy();
    rmSync(join(this.runDir, this.fifo), { force: true });
  }

  private fail(why: string): void {
    if (!this.socket) return;
    void this.stop().then(() => this.emit("exit", why));
  }
}

/**
 * A capture fed by a switch's dump: runs of the plugin's records (valid during the call; CaptureRing.pushRecords
 * takes the feed's own), then the end of each read that had any. `port` null: the whole switch, each frame once as
 * it enters; a port: the frames in and out of it.
 */
export interface SwitchFeed {
  port: number | null;
  /** Someone watches its rows live (SwitchDumps.liven after a change). */
  live: boolean;
  records: (buf: Buffer, from: number, to: number) => void;
  read: () => void;
}

interface DumpEntry {
  dump: Promise<SwitchDump>;
  feeds: Set<SwitchFeed>;
  ended: Set<(why: string) => void>;
  /** The plugin told what the feeds want, one change after the other. */
  synced: Promise<void>;
}

/**
 * The dumps of a lab's switches, each shared by the captures it feeds:
 * started by a switch's first capture, stopped with its last.
 */
export class SwitchDumps {
  private readonly dumps = new Map<string, DumpEntry>();

  /** Feeds a capture a switch's frames (all, or a port's), at the switch's time of each; answers how it leaves. */
  async join(sw: SwitchProcess, runDir: string, feed: SwitchFeed, ended: (why: string) => void): Promise<() => Promise<void>> {
    const name = sw.sw.name;
    let entry = this.dumps.get(name);
    if (!entry) {
      const feeds = new Set<SwitchFeed>();
      const dump = new SwitchDump(
        sw,
        runDir,
        (buf, from, to) => feeds.forEach((f) => f.records(buf, from, to)),
        () => feeds.forEach((f) => f.read()),
      );
      const made: DumpEntry = { dump: dump.start().then(() => dump), feeds, ended: new Set<(why: string) => void>(), synced: Promise.resolve() };
      dump.on("exit", (why: string) => {
        this.dumps.delete(name);
        made.ended.forEach((e) => e(why));
      });
      entry = made;
      this.dumps.set(name, entry);
      made.dump.catch(() => this.dumps.get(name) === made && this.dumps.delete(name));
    }
    const own = entry;
    own.feeds.add(feed);
    own.ended.add(ended);
    const leave = async () => {
      if (!own.feeds.delete(feed)) return;
      own.ended.delete(ended);
      if (own.feeds.size) return this.sync(own).catch(() => {});
      if (this.dumps.get(name) !== own) return;
      this.dumps.delete(name);
      await (await own.dump.catch(() => null))?.stop();
    };
    try {
      await this.sync(own);
    } catch (e) {
      await leave();
      throw new Error(`cannot capture switch ${name}: ${(e as Error).message}`);
    }
    return leave;
  }

  /** A feed's `live` changed: the dump's pace follows. */
  async liven(feed: SwitchFeed): Promise<void> {
    for (const entry of this.dumps.values()) if (entry.feeds.has(feed)) await this.sync(entry);
  }

  /** Tells a dump's plugin what its feeds want now. */
  private sync(own: DumpEntry): Promise<void> {
    const next = own.synced
      .catch(() => {})
      .then(async () => {
        const dump = await own.dump;
        const feeds = [...own.feeds];
        await dump.watch(
          feeds.some((f) => f.port === null),
          new Set(feeds.flatMap((f) => (f.port === null ? [] : [f.port]))),
          feeds.some((f) => f.live),
        );
      });
    own.synced = next;
    return next;
  }
}
