import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { sweepTransfers } from "./lab-archives";
import { transferDir } from "./paths";

describe("the transfer folder", () => {
  it("loses what transfers an hour old left, and keeps newer ones and files not its own", () => {
    const root = mkdtempSync(join(tmpdir(), "umlab-transfer-"));
    try {
      const dir = transferDir(root);
      mkdirSync(join(dir, `${"a".repeat(32)}.d`), { recursive: true });
      for (const f of [`${"a".repeat(32)}.umlab`, `${"b".repeat(32)}.umlab`, "notes.txt"]) writeFileSync(join(dir, f), "x");
      const old = (Date.now() - 2 * 3600_000) / 1000;
      for (const f of [`${"a".repeat(32)}.umlab`, `${"a".repeat(32)}.d`, "notes.txt"]) utimesSync(join(dir, f), old, old);
      assert.deepEqual(sweepTransfers(root).sort(), [`${"a".repeat(32)}.d`, `${"a".repeat(32)}.umlab`]);
      assert.deepEqual(readdirSync(dir).sort(), [`${"b".repeat(32)}.umlab`, "notes.txt"]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
