import assert from "node:assert/strict";
import { test } from "node:test";
import { hexLines, fromBase64 } from "./hex";
import { cleanRow, relativeTime, RowStore } from "./rows";

const row = (no: number, extra: object = {}) => ({ no, usec: 1_000_000 + no, src: "10.0.0.1", dst: "10.0.0.2", protocol: "ICMP", length: 98, info: "Echo (ping) request", malformed: false, ...extra });

test("rows from the server are checked field by field and cut to size", () => {
  assert.equal(cleanRow(null), null);
  assert.equal(cleanRow({ ...row(1), no: 0 }), null);
  assert.equal(cleanRow({ ...row(1), no: "1" }), null);
  assert.equal(cleanRow({ ...row(1), usec: -1 }), null);
  assert.equal(cleanRow({ ...row(1), length: 1.5 }), null);
  const r = cleanRow({ ...row(1), info: "x".repeat(10_000), src: 7, dir: "sideways", malformed: "yes", extra: 1 })!;
  assert.equal(r.info.length, 300);
  assert.equal(r.src, "");
  assert.equal(r.dir, undefined);
  assert.equal(r.malformed, false);
  assert.equal("extra" in r, false);
  assert.equal(cleanRow(row(2, { dir: "in", malformed: true }))!.dir, "in");
});

test("a row store keeps rows in order, drops repeats, counts what the server skipped, and holds at most its cap", () => {
  const s = new RowStore(10);
  s.reset([row(1), row(2), "junk", row(2), row(3)]);
  assert.deepEqual(s.rows.map((r) => r.no), [1, 2, 3]);
  const v = s.version;
  assert.equal(s.append([row(3), row(1)], 0), 0);
  assert.equal(s.version, v);
  s.append([row(9), row(10)], 5);
  assert.equal(s.missed, 5);
  assert.deepEqual(s.rows.map((r) => r.no), [1, 2, 3, 9, 10]);
  s.append(Array.from({ length: 30 }, (_, i) => row(11 + i)), 0);
  assert.equal(s.size, 10);
  assert.deepEqual(s.rows.map((r) => r.no), [31, 32, 33, 34, 35, 36, 37, 38, 39, 40]);
  assert.equal(s.evicted, 25);
  assert.equal(s.last!.no, 40);
  s.append("not a list" as unknown as unknown[], Number.NaN);
  assert.equal(s.missed, 5);
  s.reset([]);
  assert.equal(s.size, 0);
  assert.equal(s.missed, 0);
});

test("100,000 rows in batches of 500 append quickly and stay capped", () => {
  const s = new RowStore();
  const t = performance.now();
  for (let b = 0; b < 300; b++) s.append(Array.from({ length: 500 }, (_, i) => row(1 + b * 500 + i)), 0);
  assert.equal(s.size, 100_000);
  assert.equal(s.rows[0].no, 50_001);
  assert.ok(performance.now() - t < 3000);
});

test("times are seconds since the capture started, as Wireshark shows them", () => {
  assert.equal(relativeTime(1_700_000_001_500_000, 1_700_000_000_000), "1.500000");
  assert.equal(relativeTime(1_699_999_999_000_000, 1_700_000_000_000), "0.000000");
});

test("a hex dump: 16 bytes a line, printable ASCII, the selected field marked", () => {
  const bytes = new Uint8Array([...Array.from({ length: 16 }, (_, i) => i), 0x41, 0x42, 0x7f]);
  const lines = hexLines(bytes, 15, 2);
  assert.equal(lines.length, 2);
  assert.equal(lines[1].offset, "0010");
  assert.deepEqual(lines[1].bytes.map((b) => b.ascii).join(""), "AB.");
  assert.deepEqual(lines[0].bytes.map((b) => b.on).lastIndexOf(false), 14);
  assert.equal(lines[1].bytes[0].on, true);
  assert.equal(lines[1].bytes[1].on, false);
  assert.equal(hexLines(new Uint8Array(100_000)).length, 4096);
  assert.deepEqual([...fromBase64("AQID")], [1, 2, 3]);
  assert.equal(fromBase64("%%%").length, 0);
});

test("badge counts stay short", async () => {
  const { shortCount } = await import("./badge");
  assert.deepEqual([0, 9999, 10_000, 123_456, 4_500_000].map(shortCount), ["0", "9999", "10.0k", "123k", "4.5M"]);
});
