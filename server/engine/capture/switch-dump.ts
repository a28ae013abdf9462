import { execFile } from "node:child_process";
import { EventEmitter } from "node:events";
import { constants, openSync, rmSync } from "node:fs";
import { Socket, type OnReadOpts, type SocketConstructorOpts } from "node:net";
import { join } from "node:path";
import { runHostProgram } from "../host";
import { builtHelper } from "../preload";
import type { SwitchProcess } from "../switch/switch-process";
import { MAX_FRAME } from "./frames";

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
const PCAP_HEADER = 24;
const RECORD_HEADER = 16;
/**
 * The same bytes this soon after are the same frame: the switch hands a frame
 * to the plugin as it comes in and as it leaves by each port, at once, and a
 * frame across a tapped link (capture/link-tap.ts) passes through the switch
 * twice, a relay apart.
 */
const SAME_FRAME_USEC = 50_000;
/** The dump's pipe (Linux's most for a user, pipe-max-size): 12 ms of the fastest flood measured here (80 MB/s of records). */
const PIPE_BYTES = 1024 * 1024;
/** A read of the dump: as much as its pipe holds, so one read empties it. */
const READ_BUFFER = PIPE_BYTES;
/** How long the reader rests after a read that emptied the pipe: a flood's records are then read a few hundred at a time. */
const READ_EVERY_MS = 4;
/** Records compared with: a flood's copies and a tapped link's second pass are among the last few. */
const RECENT = 32;

/** A record to keep, where it is in the chunk being read. */
interface Kept {
  buf: Buffer;
  start: number;
  len: number;
  usec: number;
}

/** One frame as the switch saw it: its bytes (its own copy, to keep) and the switch's time of it, µs since the epoch. */
export interface DumpedFrame {
  frame: Buffer;
  usec: number;
}

/**
 * The pcap stream vde2's pdump plugin writes, read as frames, each once.
 * The plugin writes a frame when the switch takes it in and again for each
 * port it leaves by (a unicast twice, a flood once more per port), one
 * after the other, and a frame crossing a tapped link comes through the
 * switch twice: a record equal to one of the last few within 50 ms is that
 * frame again. (The same bytes sent twice that fast count once: the price of
 * not having the ports; a retransmission or a new ping differs in its
 * numbers.) Whatever comes is hostile: a header that is not pcap's, or a
 * record past the largest frame, ends the stream.
 *
 * A flood through a captured switch is tens of thousands of records a
 * second, so a chunk is read in place (the caller may reuse it once `push`
 * returns) with no object a record: the frames kept are copied into one
 * buffer a chunk, and the last few records are remembered in typed arrays,
 * each by where its bytes are kept (a copy by its original's).
 */
export class PcapFrames {
  private headerSeen = false;
  /** A record (or the stream's header) cut by the end of a chunk: its bytes so far. */
  private carry: Buffer | null = null;
  private broken: string | null = null;
  // The last RECENT records, a ring: a number of each (its length and last four bytes), its time, where its bytes are kept.
  private readonly keys = new Float64Array(RECENT);
  private readonly usecs = new Float64Array(RECENT);
  private readonly starts = new Int32Array(RECENT);
  private readonly bufs: (Buffer | null)[] = new Array<Buffer | null>(RECENT).fill(null);
  private recentNext = 0;

  get error(): string | null {
    return this.broken;
  }

  push(chunk: Buffer): DumpedFrame[] {
    if (this.broken) return [];
    let at = 0;
    const kept: Kept[] = [];
    // First complete what the last chunk cut (the stream's header, a record's header, then its frame), from the head of this one.
    while (this.carry && at < chunk.length) {
      const carry = this.carry;
      const want = !this.headerSeen ? PCAP_HEADER : carry.length < RECORD_HEADER ? RECORD_HEADER : RECORD_HEADER + carry.readUInt32LE(8);
      const take = Math.min(want - carry.length, chunk.length - at);
      this.carry = Buffer.concat([carry, chunk.subarray(at, at + take)]);
      at += take;
      if (this.carry.length < want) return [];
      const whole = this.carry;
      if (!this.headerSeen) {
        this.carry = null;
        if (!this.readHeader(whole)) return [];
      } else if (whole.length === RECORD_HEADER && want === RECORD_HEADER) {
        // Its header is whole: past the largest frame, the stream is broken; else its frame comes next.
        if (this.scan(whole, 0, whole.length, kept) === 0 && this.broken) return this.finish(kept);
      } else {
        this.carry = null;
        this.scan(whole, 0, whole.length, kept);
      }
    }
    if (this.carry) return this.finish(kept);
    if (!this.headerSeen) {
      if (chunk.length - at < PCAP_HEADER) {
        this.carry = Buffer.from(chunk.subarray(at));
        return [];
      }
      if (!this.readHeader(chunk.subarray(at, at + PCAP_HEADER))) return [];
      at += PCAP_HEADER;
    }
    const end = this.scan(chunk, at, chunk.length, kept);
    if (!this.broken && end < chunk.length) this.carry = Buffer.from(chunk.subarray(end));
    return this.finish(kept);
  }

  /** Little-endian µs pcap, Ethernet: what libpcap writes on this host. */
  private readHeader(h: Buffer): boolean {
    if (h.readUInt32LE(0) !== 0xa1b2c3d4 || h.readUInt32LE(20) !== 1) {
      this.broken = "not a little-endian Ethernet pcap stream";
      return false;
    }
    this.headerSeen = true;
    return true;
  }

  /**
   * Reads whole records of `buf` from `at` to `end`, noting those to keep; answers where the first cut one
   * begins (or the broken one).
   */
  private scan(buf: Buffer, at: number, end: number, kept: Kept[]): number {
    while (end - at >= RECORD_HEADER) {
      const caplen = buf.readUInt32LE(at + 8);
      if (caplen === 0 || caplen > MAX_FRAME) {
        this.broken = `a record of ${caplen} bytes`;
        return at;
      }
      if (end - at < RECORD_HEADER + caplen) break;
      const usec = buf.readUInt32LE(at) * 1_000_000 + buf.readUInt32LE(at + 4);
      const start = at + RECORD_HEADER;
      at = start + caplen;
      // A number first (its length and last four bytes, where checksums and payloads differ), the bytes only when it matches.
      const key = caplen * 2 ** 32 + (caplen >= 4 ? buf.readUInt32LE(start + caplen - 4) : 0);
      let twin = -1;
      for (let i = 0; i < RECENT; i++) {
        const b = this.bufs[i];
        if (b && this.keys[i] === key && usec >= this.usecs[i] && usec - this.usecs[i] <= SAME_FRAME_USEC && buf.compare(b, this.starts[i], this.starts[i] + caplen, start, start + caplen) === 0) {
          twin = i;
          break;
        }
      }
      // Every record is remembered, copies too (a long flood's last copy is compared with the one before it),
      // a copy by where its original is kept.
      const slot = this.recentNext;
      this.recentNext = (slot + 1) % RECENT;
      this.keys[slot] = key;
      this.usecs[slot] = usec;
      if (twin >= 0) {
        this.bufs[slot] = this.bufs[twin];
        this.starts[slot] = this.starts[twin];
      } else {
        this.bufs[slot] = buf;
        this.starts[slot] = start;
        kept.push({ buf, start, len: caplen, usec });
      }
    }
    return at;
  }

  /** Copies the frames kept out of the chunk, into one buffer, and remembers them there: the chunk may be reused. */
  private finish(kept: Kept[]): DumpedFrame[] {
    if (!kept.length) return [];
    const slab = Buffer.allocUnsafe(kept.reduce((n, k) => n + k.len, 0));
    const out: DumpedFrame[] = [];
    let to = 0;
    for (const k of kept) {
      k.buf.copy(slab, to, k.start, k.start + k.len);
      for (let i = 0; i < RECENT; i++) {
        if (this.bufs[i] === k.buf && this.starts[i] === k.start) {
          this.bufs[i] = slab;
          this.starts[i] = to;
        }
      }
      out.push({ frame: slab.subarray(to, to + k.len), usec: k.usec });
      to += k.len;
    }
    return out;
  }
}

/**
 * A running vde switch's every frame, through vde2's pdump plugin writing
 * pcap into a FIFO the engine reads: inside the switch, so no frame takes a
 * detour through another process (a tap on each port did, and cost the
 * switch half its frame rate). One feed a switch (the plugin has one dump
 * file); captures of the switch share it. Events: "frames" (DumpedFrame[]),
 * "exit" (why it ended by itself).
 */
export class SwitchDump extends EventEmitter {
  private socket: Socket | null = null;
  private readonly fifo: string;
  private readonly reader = new PcapFrames();
  private resting: NodeJS.Timeout | null = null;

  constructor(
    private readonly sw: SwitchProcess,
    private readonly runDir: string,
    /** The data root: its tools (pipe-size.c). */
    private readonly root: string,
  ) {
    super();
    this.fifo = `sw/${sw.sw.name}.dump`;
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
          const frames = this.reader.push(into.subarray(0, n));
          if (frames.length) this.emit("frames", frames);
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

/**
 * The dumps of a lab's switches, each shared by the captures it feeds:
 * started by a switch's first capture, stopped with its last.
 */
export class SwitchDumps {
  private readonly dumps = new Map<string, { dump: Promise<SwitchDump>; feeds: Set<(frames: DumpedFrame[]) => void>; ended: Set<(why: string) => void> }>();

  /** Feeds a capture a switch's every frame, once, at the switch's time of it; answers how it leaves. */
  async join(sw: SwitchProcess, runDir: string, root: string, feed: (frames: DumpedFrame[]) => void, ended: (why: string) => void): Promise<() => Promise<void>> {
    const name = sw.sw.name;
    let entry = this.dumps.get(name);
    if (!entry) {
      const dump = new SwitchDump(sw, runDir, root);
      const made = { dump: dump.start().then(() => dump), feeds: new Set<(frames: DumpedFrame[]) => void>(), ended: new Set<(why: string) => void>() };
      dump.on("frames", (frames: DumpedFrame[]) => made.feeds.forEach((f) => f(frames)));
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
