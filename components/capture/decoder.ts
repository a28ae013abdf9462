import type { DissectSession, ProtoTree, Vector, WiregasmLib } from "@goodtools/wiregasm";
import { indexPcapng, type IndexedFrame } from "./pcapng-index";

/**
 * Wireshark's dissectors (wiregasm) over one capture file at a time, as
 * plain data: the file's frames, the numbers a display filter keeps, a
 * frame's tree and bytes. Wiregasm has no append call, so a live capture is
 * loaded whole again on refresh. Knows nothing of workers or the DOM, so it
 * runs in Node's tests on the real WebAssembly. Only types come from the
 * package: its GPL code is a separate asset, loaded at run time.
 */
export interface TreeNode {
  label: string;
  /** The display-filter field ("ip.src == 10.0.0.1"), or "". */
  filter: string;
  /** Where it is in its data source (for the hex dump); length 0: nowhere. */
  start: number;
  length: number;
  source: number;
  children: TreeNode[];
}

export interface FrameDetail {
  /** Its number in the loaded file, from 1. */
  number: number;
  tree: TreeNode[];
  /** The bytes: the frame, then what dissectors reassembled or decoded (base64). */
  sources: { name: string; data: string }[];
  /** Wireshark found it malformed (a "[Malformed Packet]" in its tree). */
  malformed: boolean;
  /** The tree was longer than the page keeps. */
  cut: boolean;
}

export interface LoadResult {
  count: number;
  frames: IndexedFrame[];
  /** The file ended in a damaged block (what came before it is loaded). */
  damaged: boolean;
}

/** A frame the filter kept: its number in the file and Wireshark's columns (time, source, destination, protocol, length, info). */
export interface MatchedFrame {
  number: number;
  columns: string[];
}

export const MAX_MATCHED = 100_000;
const MAX_TREE_NODES = 20_000;
const MAX_DEPTH = 64;

const toArray = <T>(v: Vector<T> | undefined): T[] => {
  if (!v || typeof v.size !== "function") return [];
  const out: T[] = [];
  for (let i = 0; i < v.size(); i++) out.push(v.get(i));
  return out;
};
/** Frees an embind handle (vectors are handles; value objects are not). */
const free = (v: unknown) => (v as { delete?: () => void } | null)?.delete?.();

/** A wasm abort: the module is dead after it, the caller must start a new one. */
export class DecoderDead extends Error {}

export class Decoder {
  private session: DissectSession | null = null;
  private path: string | null = null;
  private count = 0;
  private files = 0;
  private dead: string | null = null;

  constructor(private readonly lib: WiregasmLib) {}

  /** Runs `fn` on the module; a trap or an abort (out of memory, a bug in a dissector) leaves it dead. */
  private guard<T>(fn: () => T): T {
    if (this.dead) throw new DecoderDead(this.dead);
    try {
      return fn();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (!(e instanceof WebAssembly.RuntimeError) && !/\bAborted\b|out of memory|unreachable/i.test(message)) throw e;
      this.dead = message;
      throw new DecoderDead(`the decoder stopped: ${message}`);
    }
  }

  load(bytes: Uint8Array): LoadResult {
    const { frames, damaged, end } = indexPcapng(bytes);
    this.close();
    // Wiregasm refuses a file whose last block is cut: give it the whole blocks (a file that is no pcapng at all, as it came, for its error).
    if (end > 0) bytes = bytes.subarray(0, end);
    return this.guard(() => {
      const path = `${this.lib.getUploadDirectory()}/capture-${++this.files}.pcapng`;
      this.lib.FS.writeFile(path, bytes);
      this.path = path;
      const session = new this.lib.DissectSession(path);
      const r = session.load();
      if (r.code !== 0) {
        session.delete();
        this.unlink();
        throw new Error(`wiregasm could not read the capture: ${r.error || `code ${r.code}`}`);
      }
      this.session = session;
      this.count = r.summary.packet_count;
      return { count: this.count, frames: frames.slice(0, this.count), damaged };
    });
  }

  /** A display filter's syntax: null when fine, else Wireshark's message. */
  check(filter: string): string | null {
    return this.guard(() => {
      const r = this.lib.checkFilter(filter);
      return r.ok ? null : r.error || "not a display filter";
    });
  }

  /** The frames a display filter keeps (the newest MAX_MATCHED of them), and how many it kept in all. */
  filter(filter: string): { matched: number; frames: MatchedFrame[] } {
    const problem = this.check(filter);
    if (problem) throw new Error(problem);
    const session = this.needSession();
    return this.guard(() => {
      const r = session.getFrames(filter, 0, 0);
      const all = r.frames;
      const out: MatchedFrame[] = [];
      for (let i = Math.max(0, all.size() - MAX_MATCHED); i < all.size(); i++) {
        const m = all.get(i);
        const columns = toArray(m.columns);
        free(m.columns);
        // Wireshark's columns: No., Time, Source, Destination, Protocol, Length, Info.
        out.push({ number: m.number, columns: columns.slice(1, 7).map((c) => String(c).slice(0, 300)) });
      }
      const matched = r.matched;
      free(all);
      return { matched, frames: out };
    });
  }

  /** Frame `number` of the loaded file, dissected. */
  frame(number: number): FrameDetail {
    const session = this.needSession();
    if (!Number.isSafeInteger(number) || number < 1 || number > this.count) throw new Error(`no frame ${number} in the capture loaded (it holds ${this.count})`);
    return this.guard(() => {
      const f = session.getFrame(number);
      const budget = { left: MAX_TREE_NODES, malformed: false };
      const tree = convert(f.tree, 0, budget);
      const sources = toArray(f.data_sources).map((s) => ({ name: String(s.name).slice(0, 100), data: String(s.data) }));
      free(f.data_sources);
      free(f.comments);
      free(f.follow);
      return { number, tree, sources, malformed: budget.malformed, cut: budget.left <= 0 };
    });
  }

  private needSession(): DissectSession {
    if (!this.session) throw new Error("no capture loaded");
    return this.session;
  }

  private unlink(): void {
    if (!this.path) return;
    try {
      (this.lib.FS as unknown as { unlink(p: string): void }).unlink(this.path);
    } catch {
      // already gone
    }
    this.path = null;
  }

  close(): void {
    if (this.session && !this.dead) this.session.delete();
    this.session = null;
    this.count = 0;
    if (!this.dead) this.unlink();
  }
}

function convert(v: Vector<ProtoTree>, depth: number, budget: { left: number; malformed: boolean }): TreeNode[] {
  const out: TreeNode[] = [];
  for (const n of toArray(v)) {
    const filter = String(n.filter ?? "");
    if (filter.startsWith("_ws.malformed")) budget.malformed = true;
    const keep = budget.left-- > 0;
    const children = depth < MAX_DEPTH ? convert(n.tree, depth + 1, budget) : (free(n.tree), []);
    if (keep) out.push({ label: String(n.label).slice(0, 500), filter: filter.slice(0, 300), start: n.start | 0, length: n.length | 0, source: n.data_source_idx | 0, children });
  }
  free(v);
  return out;
}
