import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { before, describe, test } from "node:test";
import type { WiregasmLib, WiregasmLoader } from "@goodtools/wiregasm";
import { Decoder, type TreeNode } from "./decoder";
import { echoFrame, pcapngOf } from "./test-frames";

// Wireshark's dissectors, the same WebAssembly the page loads (Node runs it as it is).
const require = createRequire(import.meta.url);
const script = require.resolve("@goodtools/wiregasm/dist/wiregasm.js");
let lib: WiregasmLib;

before(async () => {
  const load = require(script) as WiregasmLoader;
  lib = await load({ locateFile: (p: string) => join(dirname(script), p), print: () => {}, printErr: () => {}, handleStatus: () => {} });
  assert.ok(lib.init());
});

const labels = (tree: TreeNode[]): string[] => tree.flatMap((n) => [n.label, ...labels(n.children)]);

describe("Decoder (wiregasm)", () => {
  test("an echo request and its reply: IP header fields in the tree, bytes, Wireshark's columns and display filters", () => {
    const d = new Decoder(lib);
    const file = pcapngOf([echoFrame(true, 1), echoFrame(false, 1), echoFrame(true, 2), echoFrame(false, 2)]);
    const loaded = d.load(file);
    assert.equal(loaded.count, 4);
    assert.equal(loaded.frames.length, 4);
    assert.equal(loaded.frames[1].usec, 1_800_000_000_001_000);

    const f = d.frame(1);
    const all = labels(f.tree);
    assert.ok(all.includes("Source Address: 10.0.0.1"), all.join("\n"));
    assert.ok(all.includes("Destination Address: 10.0.0.2"));
    assert.ok(all.some((l) => l.startsWith("Type: 8 (Echo (ping) request)")));
    assert.equal(f.malformed, false);
    const ip = f.tree.find((n) => n.filter === "ip")!;
    assert.deepEqual([ip.start, ip.length], [14, 20]);
    assert.equal(Buffer.from(f.sources[0].data, "base64").length, echoFrame(true, 1).length);

    assert.equal(d.check("icmp.type == 8"), null);
    assert.match(d.check("icmp.type ==") ?? "", /end of filter/i);
    assert.throws(() => d.filter("icmp.type =="), /end of filter/i);
    const requests = d.filter("icmp.type == 8");
    assert.equal(requests.matched, 2);
    assert.deepEqual(
      requests.frames.map((m) => m.number),
      [1, 3],
    );
    assert.deepEqual(requests.frames[0].columns.slice(1, 4), ["10.0.0.1", "10.0.0.2", "ICMP"]);
    assert.match(requests.frames[0].columns[5], /^Echo \(ping\) request/);
    assert.equal(d.filter("").matched, 4);
    assert.throws(() => d.frame(5), /no frame 5/);
    assert.throws(() => d.frame(0), /no frame 0/);
    d.close();
  });

  test("malformed and truncated frames decode as malformed, and the decoder goes on", () => {
    const d = new Decoder(lib);
    const whole = echoFrame(true, 7);
    const frames = [whole.subarray(0, 20), Buffer.from([1, 2, 3]), Buffer.alloc(0), whole.subarray(0, 40), ...Array.from({ length: 200 }, (_, i) => randomBytes(1 + (i % 120)))];
    // A frame lying about its lengths: IPv4 header length 60, total length 9000.
    const liar = Buffer.from(whole);
    liar[14] = 0x4f;
    liar.writeUInt16BE(9000, 16);
    frames.push(liar, whole);
    d.load(pcapngOf(frames));
    assert.equal(d.frame(1).malformed, true);
    assert.equal(d.frame(2).malformed, true);
    for (let n = 1; n <= frames.length; n++) assert.ok(d.frame(n).tree.length >= 1, `frame ${n}`);
    assert.equal(d.frame(frames.length).malformed, false);
    assert.ok(d.filter("_ws.malformed").matched >= 3);
    // Still alive: a good file after all that.
    assert.equal(d.load(pcapngOf([echoFrame(true, 1)])).count, 1);
    assert.ok(labels(d.frame(1).tree).includes("Source Address: 10.0.0.1"));
  });

  test("a file that is not a capture is refused and the decoder stays usable; a damaged tail is loaded up to the damage", () => {
    const d = new Decoder(lib);
    assert.throws(() => d.load(new Uint8Array(randomBytes(300))), /could not read/);
    assert.throws(() => d.frame(1), /no capture loaded/);
    const good = pcapngOf([echoFrame(true, 1), echoFrame(false, 1)]);
    const cut = good.subarray(0, good.length - 10);
    const r = d.load(cut);
    assert.equal(r.damaged, true);
    assert.equal(r.frames.length, 1);
    assert.equal(d.load(good).count, 2);
    // A capture that saw nothing yet.
    assert.deepEqual(d.load(pcapngOf([])), { count: 0, frames: [], damaged: false });
    assert.equal(d.filter("frame").matched, 0);
  });
});
