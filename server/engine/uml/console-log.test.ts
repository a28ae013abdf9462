import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConsoleLog } from "./console-log";

const settle = () => new Promise((r) => setTimeout(r, 200));

describe("a node's console log", () => {
  it("rotates within its cap however much is written, and keeps the latest output", async () => {
    const dir = mkdtempSync(join(tmpdir(), "umlab-log-"));
    try {
      const path = join(dir, "console.log");
      const log = new ConsoleLog(path, 64 * 1024);
      for (let i = 0; i < 5000; i++) {
        log.write(`line ${i} ${"y".repeat(200)}\n`);
        // Written as a guest prints, a little at a time: the disk keeps up.
        if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5));
      }
      log.close();
      await settle();
      assert.ok(statSync(path).size <= 64 * 1024);
      assert.ok(statSync(`${path}.1`).size <= 64 * 1024);
      assert.match(readFileSync(path, "utf8"), /line 4999 y+\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("gives up quietly when its file cannot be written", async () => {
    const log = new ConsoleLog("/nonexistent/dir/console.log");
    log.write("hello");
    log.write("again");
    log.close();
    await settle();
  });

  it("drops what the disk cannot take rather than holding it, and says so", async () => {
    const dir = mkdtempSync(join(tmpdir(), "umlab-log-"));
    try {
      const path = join(dir, "console.log");
      const log = new ConsoleLog(path, 1024 * 1024);
      // One synchronous burst: nothing reaches the disk before it ends.
      for (let i = 0; i < 3000; i++) log.write("z".repeat(1000));
      await settle();
      log.write("after\n");
      log.close();
      await settle();
      const total = statSync(path).size + (() => {
        try {
          return statSync(`${path}.1`).size;
        } catch {
          return 0;
        }
      })();
      assert.ok(total <= 2 * 1024 * 1024 + 200, `${total}`);
      assert.match(readFileSync(path, "utf8"), /\[umlab: \d+ bytes of console output came faster than the disk took them.*\r\nafter\n$/s);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
