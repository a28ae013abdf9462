import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import type { Socket } from "node:net";
import { describe, it } from "node:test";
import { LabDefinitionError } from "../../model/errors";
import fc from "fast-check";
import { COMMANDS, keystroke } from "./commands";
import { fromWire, MAX_FRAME, readFrames, request, toWire } from "./wire";

/** A stream standing in for a socket: what readFrames needs of one. */
function fakeSocket(): Socket & PassThrough {
  const s = new PassThrough() as unknown as Socket & PassThrough;
  return s;
}

describe("engine wire", () => {
  it("reads frames split anywhere across chunks, several in one chunk", () => {
    const s = fakeSocket();
    const frames: unknown[] = [];
    readFrames(s, (f) => frames.push(f), () => assert.fail("no bad frame"));
    s.emit("data", Buffer.from('{"a":1}\n{"b":'));
    s.emit("data", Buffer.from('2}\n{"c"'));
    s.emit("data", Buffer.from(":3}\n"));
    assert.deepEqual(frames, [{ a: 1 }, { b: 2 }, { c: 3 }]);
  });

  it("ends the connection on a frame that is not JSON, or one that never ends", () => {
    const bad = fakeSocket();
    let why = "";
    readFrames(bad, () => {}, (w) => (why = w));
    bad.emit("data", Buffer.from("not json\n"));
    assert.match(why, /not JSON/);
    assert.equal(bad.destroyed, true);

    const long = fakeSocket();
    readFrames(long, () => {}, (w) => (why = w));
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    for (let i = 0; i <= MAX_FRAME / chunk.length && !long.destroyed; i++) long.emit("data", chunk);
    assert.match(why, /over/);
    assert.equal(long.destroyed, true);
  });

  it("carries an error's name, message and problems, and nothing of its stack", () => {
    const e = new LabDefinitionError([{ path: ["nodes", "a"], message: "bad" }]);
    const w = toWire(e);
    assert.deepEqual(Object.keys(w).sort(), ["message", "name", "problems"]);
    const back = fromWire(JSON.parse(JSON.stringify(w)) as typeof w);
    assert.equal(back.name, "LabDefinitionError");
    assert.deepEqual((back as unknown as { problems: unknown }).problems, e.problems);
    assert.deepEqual(toWire("plain"), { name: "Error", message: "plain" });
  });
});

describe("a keystroke frame's quick check", () => {
  const viaCodecs = (frame: unknown): boolean => {
    const parsed = request.safeParse(frame);
    if (!parsed.success || parsed.data.cmd !== "input" || parsed.data.id !== undefined) return false;
    try {
      COMMANDS.input.args.forEach((codec, i) => codec.decode(parsed.data.args[i]));
      return parsed.data.args.length === 3;
    } catch {
      return false;
    }
  };

  it("takes a keystroke, and leaves anything else to the general way", () => {
    assert.deepEqual(keystroke({ cmd: "input", args: ["lab-1", "pc1", "l"] }), ["lab-1", "pc1", "l"]);
    for (const frame of [
      { id: 3, cmd: "input", args: ["lab-1", "pc1", "l"] },
      { cmd: "resize", args: ["lab-1", "pc1", 80, 24] },
      { cmd: "input", args: ["Lab", "pc1", "l"] },
      { cmd: "input", args: ["lab-1", "", "l"] },
      { cmd: "input", args: ["lab-1", "pc1", "x".repeat(64 * 1024 + 1)] },
      { cmd: "input", args: ["lab-1", "pc1", 7] },
      { cmd: "input", args: ["lab-1", "pc1", "l"], more: 1 },
      { cmd: "input", args: ["lab-1", "pc1"] },
      null,
      "input",
    ])
      assert.equal(keystroke(frame), null, JSON.stringify(frame)?.slice(0, 80));
  });

  it("never takes a frame the codecs refuse", () => {
    const lab = fc.oneof(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,43}$/), fc.string({ maxLength: 45 }), fc.integer());
    const node = fc.oneof(fc.string({ maxLength: 70 }), fc.constant(null));
    const data = fc.oneof(fc.string({ maxLength: 20 }), fc.constant("x".repeat(64 * 1024 + 1)), fc.integer());
    const args = fc.oneof(fc.tuple(lab, node, data), fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 4 }));
    const cmd = fc.constantFrom("input", "resize");
    const frame = fc.oneof(fc.record({ cmd, args }), fc.record({ cmd, args, id: fc.nat() }));
    let taken = 0;
    fc.assert(
      fc.property(frame, (f) => {
        if (keystroke(f) === null) return;
        taken++;
        assert.ok(viaCodecs(f), JSON.stringify(f));
      }),
      { numRuns: 2000 },
    );
    assert.ok(taken > 0, "some frames were keystrokes");
  });
});
