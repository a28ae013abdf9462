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

/**
 * Where a frame of the dump goes: `len` bytes of `buf` from `start`, the switch's time of it (µs since the
 * epoch). The bytes are valid during the call only: copy what is kept.
 */
export type FrameSink = (buf: Buffer, start: number, len: number, usec: number) => void;

/** A remembered record's bytes: most frames fit a slot of this size; a longer one is copied on its own. */
const SLOT = 2048;

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
 * returns), each frame kept goes to the sink from there, and the last few
 * frames kept are remembered in fixed slots and the records in typed
 * arrays: no object and no allocation a record, one copy a frame kept.
 */
export class PcapFrames {
  private headerSeen = false;
  /** A record (or the stream's header) cut by the end of a chunk: its bytes so far. */
  private carry: Buffer | null = null;
  private broken: string | null = null;
  // The last RECENT records, round: a number of each (its length and last four bytes), its time, where its bytes are.
  private readonly keys = new Float64Array(RECENT);
  private readonly usecs = new Float64Array(RECENT);
  private readonly slotOf = new Int32Array(RECENT);
  private readonly slotUse = new Float64Array(RECENT);
  private recentNext = 0;
  private filled = 0;
  // The bytes of the last RECENT frames kept, round: a copy is remembered by its original's, not copied again.
  // A slot's use counts its rewrites, so a record whose bytes were rewritten since is not compared with.
  private readonly store = Buffer.alloc(RECENT * SLOT);
  private readonly long: (Buffer | null)[] = new Array<Buffer | null>(RECENT).fill(null);
  private readonly uses = new Float64Array(RECENT);
  private storeNext = 0;

  constructor(private readonly sink: FrameSink) {}

  get error(): string | null {
    return this.broken;
  }

  /** Reads a chunk of the stream (the caller may reuse it once this returns); answers how many frames went to the sink. */
  push(chunk: Buffer): number {
    if (this.broken) return 0;
    let at = 0;
    let kept = 0;
    // First complete what the last chunk cut (the stream's header, a record's header, then its frame), from the head of this one.
    while (this.carry && at < chunk.length) {
      const carry = this.carry;
      const want = !this.headerSeen ? PCAP_HEADER : carry.length < RECORD_HEADER ? RECORD_HEADER : RECORD_HEADER + carry.readUInt32LE(8);
      const take = Math.min(want - carry.length, chunk.length - at);
      this.carry = Buffer.concat([carry, chunk.subarray(at, at + take)]);
      at += take;
      if (this.carry.length < want) return kept;
      const whole = this.carry;
      if (!this.headerSeen) {
        this.carry = null;
        if (!this.readHeader(whole)) return kept;
      } else if (whole.length === RECORD_HEADER && want === RECORD_HEADER) {
        // Its header is whole: past the largest frame, the stream is broken; else its frame comes next.
        this.scan(whole, 0, whole.length);
        if (this.broken) return kept;
      } else {
        this.carry = null;
        kept += this.scan(whole, 0, whole.length).kept;
      }
    }
    if (this.carry) return kept;
    if (!this.headerSeen) {
      if (chunk.length - at < PCAP_HEADER) {
        this.carry = Buffer.from(chunk.subarray(at));
        return kept;
      }
      if (!this.readHeader(chunk.subarray(at, at + PCAP_HEADER))) return kept;
      at += PCAP_HEADER;
    }
    const { end, kept: more } = this.scan(chunk, at, chunk.length);
    if (!this.broken && end < chunk.length) this.carry = Buffer.from(chunk.subarray(end));
    return kept + more;
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

  /** Reads the whole records of `buf` from `at` to `end`; answers where the first cut (or broken) one begins, and how many went to the sink. */
  private scan(buf: Buffer, at: number, end: number): { end: number; kept: number } {
    let kept = 0;
    while (end - at >= RECORD_HEADER) {
      const caplen = buf.readUInt32LE(at + 8);
      if (caplen === 0 || caplen > MAX_FRAME) {
        this.broken = `a record of ${caplen} bytes`;
        break;
      }
      if (end - at < RECORD_HEADER + caplen) break;
      const usec = buf.readUInt32LE(at) * 1_000_000 + buf.readUInt32LE(at + 4);
      const start = at + RECORD_HEADER;
      at = start + caplen;
      // A number first (its length and last four bytes, where checksums and payloads differ), the bytes only when it matches.
      const key = caplen * 2 ** 32 + (caplen >= 4 ? buf.readUInt32LE(start + caplen - 4) : 0);
      let twin = -1;
      for (let i = 0; i < this.filled && twin < 0; i++) {
        if (this.keys[i] !== key || usec < this.usecs[i] || usec - this.usecs[i] > SAME_FRAME_USEC) continue;
        const slot = this.slotOf[i];
        if (this.uses[slot] !== this.slotUse[i]) continue;
        const long = this.long[slot];
        if (long ? buf.compare(long, 0, caplen, start, at) === 0 : buf.compare(this.store, slot * SLOT, slot * SLOT + caplen, start, at) === 0) twin = i;
      }
      // Every record is remembered, copies too: a long flood's last copy is compared with the one before it.
      const entry = this.recentNext;
      this.recentNext = (entry + 1) % RECENT;
      this.filled = Math.max(this.filled, entry + 1);
      this.keys[entry] = key;
      this.usecs[entry] = usec;
      if (twin >= 0) {
        this.slotOf[entry] = this.slotOf[twin];
        this.slotUse[entry] = this.slotUse[twin];
        continue;
      }
      const slot = this.storeNext;
      this.storeNext = (slot + 1) % RECENT;
      this.uses[slot]++;
      if (caplen <= SLOT) {
        buf.copy(this.store, slot * SLOT, start, at);
        this.long[slot] = null;
      } else this.long[slot] = Buffer.from(buf.subarray(start, at));
      this.slotOf[entry] = slot;
      this.slotUse[entry] = this.uses[slot];
      this.sink(buf, start, caplen, usec);
      kept++;
    }
    return { end: at, kept };
  }
}

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
