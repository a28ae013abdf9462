import { EventEmitter } from "node:events";
import { constants, openSync, rmSync } from "node:fs";
import { Socket } from "node:net";
import { join } from "node:path";
import { runHostProgram } from "../host";
import type { SwitchProcess } from "../switch/switch-process";
import { MAX_FRAME } from "./frames";

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
/** Records compared with: a flood's copies and a tapped link's second pass are among the last few. */
const RECENT = 32;

/** One frame as the switch saw it: its bytes (a view: copy what is kept) and the switch's time of it, µs since the epoch. */
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
 */
export class PcapFrames {
  private pending: Buffer = Buffer.alloc(0);
  private headerSeen = false;
  private recent: { frame: Buffer; usec: number; key: number }[] = [];
  private broken: string | null = null;

  get error(): string | null {
    return this.broken;
  }

  push(chunk: Buffer): DumpedFrame[] {
    if (this.broken) return [];
    const buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let at = 0;
    if (!this.headerSeen) {
      if (buf.length < PCAP_HEADER) {
        this.pending = Buffer.from(buf);
        return [];
      }
      // Little-endian µs pcap, Ethernet: what libpcap writes on this host.
      if (buf.readUInt32LE(0) !== 0xa1b2c3d4 || buf.readUInt32LE(20) !== 1) {
        this.broken = "not a little-endian Ethernet pcap stream";
        return [];
      }
      this.headerSeen = true;
      at = PCAP_HEADER;
    }
    const out: DumpedFrame[] = [];
    while (buf.length - at >= RECORD_HEADER) {
      const caplen = buf.readUInt32LE(at + 8);
      if (caplen === 0 || caplen > MAX_FRAME) {
        this.broken = `a record of ${caplen} bytes`;
        break;
      }
      if (buf.length - at < RECORD_HEADER + caplen) break;
      const usec = buf.readUInt32LE(at) * 1_000_000 + buf.readUInt32LE(at + 4);
      const frame = buf.subarray(at + RECORD_HEADER, at + RECORD_HEADER + caplen);
      at += RECORD_HEADER + caplen;
      // A number first (its length and last four bytes, where checksums and payloads differ), the bytes only when it matches.
      const key = caplen * 2 ** 32 + (caplen >= 4 ? frame.readUInt32LE(caplen - 4) : 0);
      const again = this.recent.some((r) => r.key === key && usec - r.usec <= SAME_FRAME_USEC && usec >= r.usec && r.frame.equals(frame));
      // Every record is remembered, copies too: a long flood's last copy is compared with the one before it. A view:
      // a chunk is the socket's own buffer, never reused, and a few of them stay alive at most.
      this.recent.push({ frame, usec, key });
      if (this.recent.length > RECENT) this.recent.shift();
      if (!again) out.push({ frame, usec });
    }
    this.pending = this.broken ? Buffer.alloc(0) : Buffer.from(buf.subarray(at));
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

  constructor(
    private readonly sw: SwitchProcess,
    private readonly runDir: string,
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
    const socket = new Socket({ fd, readable: true, writable: false });
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      const frames = this.reader.push(chunk);
      if (frames.length) this.emit("frames", frames);
      if (this.reader.error) this.fail(`the switch's dump broke: ${this.reader.error}`);
    });
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
  async join(sw: SwitchProcess, runDir: string, feed: (frames: DumpedFrame[]) => void, ended: (why: string) => void): Promise<() => Promise<void>> {
    const name = sw.sw.name;
    let entry = this.dumps.get(name);
    if (!entry) {
      const dump = new SwitchDump(sw, runDir);
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
