/// <reference lib="webworker" />
import type { WiregasmLib, WiregasmLibOverrides, WiregasmLoader } from "@goodtools/wiregasm";
import { Decoder, DecoderDead } from "./decoder";
import type { DecodeReply, DecodeRequest } from "./decoder-protocol";

/**
 * The capture view's decoder, off the page's thread: Wireshark's dissectors
 * (wiregasm, GPLv2) fetched from public/wiregasm/ when the first capture
 * view opens, never bundled with umlab's code. Requests are answered in
 * order; a wasm abort answers `dead` and the page starts a new worker.
 */
const BASE = "/wiregasm/";
const scope = self as unknown as DedicatedWorkerGlobalScope;

/** A gzip file as it decompresses (the package ships its wasm gzipped: 19 MB on the wire instead of 69). */
async function gunzip(name: string): Promise<ReadableStream<Uint8Array>> {
  const res = await fetch(BASE + name);
  if (!res.ok || !res.body) throw new Error(`${BASE}${name}: HTTP ${res.status}`);
  return res.body.pipeThrough(new DecompressionStream("gzip"));
}

async function start(): Promise<Decoder> {
  const [script, data] = await Promise.all([
    fetch(BASE + "wiregasm.js").then((r) => (r.ok ? r.text() : Promise.reject(new Error(`${BASE}wiregasm.js: HTTP ${r.status}`)))),
    gunzip("wiregasm.data.gz").then((s) => new Response(s).arrayBuffer()),
  ]);
  // Emscripten picks its environment by what exists: `importScripts` as a
  // parameter makes it a worker's even in a module worker (the wasm and data
  // come through the overrides below, so it is never called).
  const shim = () => {
    throw new Error("wiregasm asked to import a script");
  };
  const loader = new Function("importScripts", `${script}\nreturn loadWiregasm;`)(shim) as WiregasmLoader;
  let failed: (e: unknown) => void = () => {};
  const failure = new Promise<never>((_, reject) => (failed = reject));
  const overrides: WiregasmLibOverrides & { instantiateWasm: (imports: WebAssembly.Imports, done: (i: WebAssembly.Instance, m: WebAssembly.Module) => void) => object } = {
    locateFile: (p) => BASE + p,
    getPreloadedPackage: () => data,
    // Compiled as it downloads and decompresses.
    instantiateWasm: (imports, done) => {
      gunzip("wiregasm.wasm.gz")
        .then((s) => WebAssembly.instantiateStreaming(new Response(s, { headers: { "content-type": "application/wasm" } }), imports))
        .then((r) => done(r.instance, r.module), failed);
      return {};
    },
    print: () => {},
    printErr: () => {},
    handleStatus: () => {},
  };
  const lib: WiregasmLib = await Promise.race([loader(overrides), failure]);
  if (!lib.init()) throw new Error("wiregasm did not start");
  return new Decoder(lib);
}

let decoder: Promise<Decoder> | null = null;
// One request at a time, in order: the decoder is not re-entrant.
let queue: Promise<void> = Promise.resolve();

function handle(d: Decoder, req: DecodeRequest): unknown {
  switch (req.op) {
    case "load":
      return d.load(new Uint8Array(req.bytes));
    case "check":
      return d.check(String(req.filter));
    case "filter":
      return d.filter(String(req.filter));
    case "frame":
      return d.frame(Number(req.number));
  }
}

scope.onmessage = (e: MessageEvent<DecodeRequest>) => {
  const req = e.data;
  queue = queue.then(async () => {
    let reply: DecodeReply;
    try {
      decoder ??= start();
      reply = { id: req.id, ok: true, result: handle(await decoder, req) };
    } catch (err) {
      const dead = err instanceof DecoderDead || !(await decoder?.then(() => true, () => false));
      reply = { id: req.id, ok: false, error: err instanceof Error ? err.message : String(err), dead };
    }
    scope.postMessage(reply);
  });
};
