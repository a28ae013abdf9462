import { execFile } from "node:child_process";
import { EventEmitter } from "node:events";
import { constants, openSync, rmSync } from "node:fs";
import { Socket, type OnReadOpts, type SocketConstructorOpts } from "node:net";
import { join } from "node:path";
import { runHostProgram } from "../host";
import { builtHelper } from "../built-helper";
import type { SwitchProcess } from "../switch/switch-process";
import { PcapFrames, type FrameSink } from "./pcap-frames";

const PIPE_SIZE_SOURCE = join(import.meta.dirname, "pipe-size.c");

/** Sets the buffer of the pipe of a FIFO this process holds open; answers the size it got. */
function pipeSize(root: string, fifo: string, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(builtHelper(root, PIPE_SIZE_SOURCE, "pipe-size", "", ["-O2", "-Wall"]), [fifo, String(bytes)], { timeout: 10_000, maxBuffer: 4096 }, (err, out) =>
      err ? reject(err) : resolve(Number(out.trim())),
    );
  });
}

/** vde2's packet dump plugin, loaded into a running vde_switch by its management console. */
export const PDUMP_PLUGIN = "/usr/lib/vde2/plugins/pdump.so";
/** The dump's pipe (Linux's most for a user, pipe-max-size): 12 ms of the fastest flood measured here (80 MB/s of records). */
const PIPE_BYTES = 1024 * 1024;
/** A read of the dump: as much as its pipe holds, so one read empties it. */
const READ_BUFFER = PIPE_BYTES;
/** How long the reader rests after a read that emptied the pipe: a flood's records are then read a few hundred at a time. */
const READ_EVERY_MS = 4;

/**
 * A running vde switch's every frame, through vde2's pdump plugin writing
 * pcap into a FIFO the engine reads: inside the switch, so no frame takes a
 * detour through another process (a tap on each port did, and cost the
 * switch half its frame rate). One feed a switch (the plugin has one dump
 * file); captures of the switch share it. Its frames go to `feed` as they
 * are read, and `read` is called after each read that had any. Event:
 * "exit" (why it ended by itself).
 */
export class SwitchDump extends EventEmitter {
  private socket: Socket | null = null;
  private readonly fifo: string;
  private readonly reader: PcapFrames;
  private resting: NodeJS.Timeout | null = null;

  constructor(
    private readonly sw: SwitchProcess,
    private readonly runDir: string,
    /** The data root: its tools (pipe-size.c). */
    private readonly root: string,
    feed: FrameSink,
    private readonly read: () => void,
  ) {
    super();
    this.fifo = `sw/${sw.sw.name}.dump`;
    this.reader = new PcapFrames(feed);
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
    // instead of waking at each of tens of thousands of writes a second. Without it (a host that refuses the
    // size), every write is read as it comes, as a full pipe would hold the switch up.
    const roomy = await pipeSize(this.root, path, PIPE_BYTES).then(
      (n) => n >= PIPE_BYTES,
      () => false,
    );
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
          }, READ_EVERY_MS);
          return false;
        },
      },
    };
    const socket = new Socket(options);
    this.socket = socket;
    socket.on("error", (e) => this.fail(`the switch's dump failed: ${e.message}`));
    socket.on("end", () => this.fail("the switch stopped writing its dump"));
    try {
      // Loaded once a switch: a second load answers EEXIST (1017).
      await this.sw.mgmt([`plugin/add ${PDUMP_PLUGIN}`], { 0: [1017] });
      await this.sw.mgmt(["pdump/buffered 0", `pdump/filename ${this.fifo}`, "pdump/active 1"]);
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  async stop(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    this.socket = null;
    if (this.resting) clearTimeout(this.resting);
    socket.removeAllListeners("end");
    // The plugin closes the FIFO when given another file; /dev/null is in every sandbox.
    await this.sw.mgmt(["pdump/active 0", "pdump/filename /dev/null"]).catch(() => null);
    socket.destroy();
    rmSync(join(this.runDir, this.fifo), { force: true });
  }

  private fail(why: string): void {
    if (!this.socket) return;
    void this.stop().then(() => this.emit("exit", why));
  }
}

/** A capture fed by a switch's dump: each frame (valid during the call), then the end of each read that had any. */
export interface SwitchFeed {
  frame: FrameSink;
  read: () => void;
}

/**
 * The dumps of a lab's switches, each shared by the captures it feeds:
 * started by a switch's first capture, stopped with its last.
 */
export class SwitchDumps {
  private readonly dumps = new Map<string, { dump: Promise<SwitchDump>; feeds: Set<SwitchFeed>; ended: Set<(why: string) => void> }>();

  /** Feeds a capture a switch's every frame, once, at the switch's time of it; answers how it leaves. */
  async join(sw: SwitchProcess, runDir: string, root: string, feed: SwitchFeed, ended: (why: string) => void): Promise<() => Promise<void>> {
    const name = sw.sw.name;
    let entry = this.dumps.get(name);
    if (!entry) {
      const feeds = new Set<SwitchFeed>();
      const dump = new SwitchDump(
        sw,
        runDir,
        root,
        (buf, start, len, usec) => {
          for (const f of feeds) f.frame(buf, start, len, usec);
        },
        () => feeds.forEach((f) => f.read()),
      );
      const made = { dump: dump.start().then(() => dump), feeds, ended: new Set<(why: string) => void>() };
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
      own.feeds.delete(feed);
      own.ended.delete(ended);
      if (own.feeds.size || this.dumps.get(name) !== own) return;
      this.dumps.delete(name);
      await (await own.dump.catch(() => null))?.stop();
    };
    try {
      await own.dump;
    } catch (e) {
      await leave();
      throw new Error(`cannot capture switch ${name}: ${(e as Error).message}`);
    }
    return leave;
  }
}
