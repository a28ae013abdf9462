"use client";
import type { DecodeReply, DecodeRequest, DecodeResults } from "./decoder-protocol";

type Op = keyof DecodeResults;
/** A request without its id, kind by kind. */
type Ask = DecodeRequest extends infer R ? (R extends DecodeRequest ? Omit<R, "id"> : never) : never;

export const WORKER_URL = "/capture/decode-worker.js";

/** A request the decoder has not answered by then: the worker is stuck (a dissector looping) and is replaced. */
const TIMEOUT_MS: Record<Op, number> = { load: 120_000, filter: 60_000, frame: 20_000, check: 60_000 };

/**
 * The page's side of the decoding worker: one worker (one wiregasm) for the
 * page, started on the first request, so the wasm is fetched only when a
 * capture view asks for it. A worker that dies (a wasm abort) or hangs is
 * replaced, and the file it held is loaded again into the new one before
 * the next request: callers see one error, never a dead decoder.
 */
export class DecoderClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>();
  private lastFile: ArrayBuffer | null = null;
  private needsReload = false;

  load(bytes: ArrayBuffer): Promise<DecodeResults["load"]> {
    this.lastFile = bytes;
    this.needsReload = false;
    // A copy goes to the worker: the page keeps the file to load again into a new worker.
    return this.ask<DecodeResults["load"]>({ op: "load", bytes: bytes.slice(0) });
  }

  check(filter: string): Promise<DecodeResults["check"]> {
    return this.ask<DecodeResults["check"]>({ op: "check", filter });
  }

  filter(filter: string): Promise<DecodeResults["filter"]> {
    return this.reloaded().then(() => this.ask<DecodeResults["filter"]>({ op: "filter", filter }));
  }

  frame(number: number): Promise<DecodeResults["frame"]> {
    return this.reloaded().then(() => this.ask<DecodeResults["frame"]>({ op: "frame", number }));
  }

  dispose(): void {
    this.kill(new Error("the capture view closed"));
    this.lastFile = null;
  }

  private async reloaded(): Promise<void> {
    if (!this.needsReload || !this.lastFile) return;
    this.needsReload = false;
    await this.ask<DecodeResults["load"]>({ op: "load", bytes: this.lastFile.slice(0) });
  }

  private spawn(): Worker {
    // decode.worker.ts as scripts/provision.mjs bundles it (Next's bundler would copy its TypeScript as it is).
    const w = new Worker(WORKER_URL, { name: "wiregasm" });
    w.onmessage = (e: MessageEvent<DecodeReply>) => {
      const r = e.data;
      const p = this.pending.get(r?.id);
      if (!p) return;
      this.pending.delete(r.id);
      clearTimeout(p.timer);
      if (r.ok) p.resolve(r.result);
      else {
        p.reject(new Error(r.error));
        if (r.dead) this.kill(new Error(`the decoder stopped: ${r.error}`));
      }
    };
    w.onerror = (e) => {
      e.preventDefault();
      this.kill(new Error(`the decoder failed: ${e.message || "it could not start"}`));
    };
    return w;
  }

  private ask<T>(req: Ask): Promise<T> {
    this.worker ??= this.spawn();
    const id = this.nextId++;
    const worker = this.worker;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => this.kill(new Error(`the decoder did not answer in ${TIMEOUT_MS[req.op] / 1000} s`)), TIMEOUT_MS[req.op]);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      const msg = { ...req, id } as DecodeRequest;
      worker.postMessage(msg, msg.op === "load" ? [msg.bytes] : []);
    });
  }

  private kill(reason: Error): void {
    this.worker?.terminate();
    this.worker = null;
    this.needsReload = this.lastFile !== null;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(reason);
      this.pending.delete(id);
    }
  }
}

let shared: DecoderClient | null = null;

/** The page's decoder (created on first use). */
export function pageDecoder(): DecoderClient {
  shared ??= new DecoderClient();
  return shared;
}
