import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AnswerFrame, LineSplitter, MAX_LINE, MAX_OUTPUT, parseMarker, type Answer } from "./agent-framing";

const NONCE = "0123456789abcdef01234567";
const OTHER = "fedcba9876543210fedcba98";

/** What the agent writes for one answer. */
function answer(nonce: string, stdout: string | Buffer, stderr = "", rc = 0): string {
  const b64 = (s: string | Buffer) => (Buffer.from(s).toString("base64").match(/.{1,76}/g) ?? []).map((l) => `${l}\n`).join("");
  return `\n@@umlab begin ${nonce}\n${b64(stdout)}@@umlab stderr ${nonce}\n${b64(stderr)}@@umlab end ${nonce} ${rc}\n`;
}

/** Feeds a stream of text, in chunks of `size`, to a frame; returns what it answered. */
function feed(text: string, size = 4096, nonce = NONCE): Answer | Error | null {
  const lines = new LineSplitter();
  const frame = new AnswerFrame(nonce);
  let result: Answer | Error | null = null;
  for (let i = 0; i < text.length && !result; i += size) {
    lines.push(text.slice(i, i + size), (line) => {
      result ??= frame.line(line, parseMarker(line));
    });
  }
  return result;
}

describe("the exec line's framing", () => {
  it("gathers an answer in any chunking", () => {
    for (const size of [1, 3, 77, 4096]) assert.deepEqual(feed(answer(NONCE, "hello\n", "oops\n", 3), size), { stdout: "hello\n", stderr: "oops\n", exitCode: 3 });
  });

  it("drops a flood with no line end, without holding it, and takes the answer after it", () => {
    const lines: string[] = [];
    const s = new LineSplitter();
    for (let i = 0; i < 30000; i++) s.push("A".repeat(1000), (l) => lines.push(l));
    s.push("tail\nnext\n", (l) => lines.push(l));
    assert.deepEqual(lines, ["next"]);
    assert.equal(lines.every((l) => l.length <= MAX_LINE), true);
    assert.deepEqual(feed("A".repeat(3_000_000) + answer(NONCE, "ok\n")), { stdout: "ok\n", stderr: "", exitCode: 0 });
  });

  it("ignores fake and stale markers: another nonce, a marker out of order, junk before the begin", () => {
    const fake = `@@umlab begin ${OTHER}\nSGk=\n@@umlab stderr ${OTHER}\n@@umlab end ${OTHER} 0\n@@umlab end ${NONCE} 7\njunk line\n`;
    assert.deepEqual(feed(fake + answer(NONCE, "real\n")), { stdout: "real\n", stderr: "", exitCode: 0 });
    assert.deepEqual(feed(answer(OTHER, "stale\n") + answer(NONCE, "fresh\n")), { stdout: "fresh\n", stderr: "", exitCode: 0 });
  });

  it("finds a marker after output that had no line end", () => {
    const text = answer(NONCE, "x").replace(`@@umlab stderr`, `garbage@@umlab stderr`);
    assert.equal(parseMarker(`garbage@@umlab end ${NONCE} 0`)?.kind, "end");
    assert.equal(parseMarker(`@@umlab end ${NONCE} 0 trailing`), null);
    assert.ok(!(feed(text) instanceof Error));
  });

  it("fails an answer something else wrote into, rather than returning garbage", () => {
    const text = answer(NONCE, "x".repeat(300)).replace("\n@@umlab stderr", "\nnot base64!\n@@umlab stderr");
    const r = feed(text);
    assert.ok(r instanceof Error && /garbled/.test(r.message));
  });

  it("cuts an answer over the cap and says so", () => {
    const r = feed(answer(NONCE, Buffer.alloc(MAX_OUTPUT + 1, 0x41), "e"), 65536) as Answer;
    assert.equal(r.truncated, true);
    assert.ok(r.stdout.startsWith("A".repeat(MAX_OUTPUT)));
    assert.match(r.stdout.slice(MAX_OUTPUT), /\[umlab: stdout cut: longer than 1048576 bytes\]/);
    assert.equal(r.stderr, "e");
    // A lying agent that sends more than it should is cut too, and the frame ends normally.
    const big = feed(answer(NONCE, Buffer.alloc(3 * MAX_OUTPUT, 0x42)), 65536) as Answer;
    assert.equal(big.truncated, true);
    assert.equal(big.stdout.length, MAX_OUTPUT + big.stdout.slice(MAX_OUTPUT).length);
  });
});
