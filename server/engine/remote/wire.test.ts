import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import type { Socket } from "node:net";
import { describe, it } from "node:test";
import { LabDefinitionError } from "../../model/errors";
import { fromWire, MAX_FRAME, readFrames, toWire } from "./wire";

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
