import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";

const ROOT = join(import.meta.dirname, "..");

// In a process of its own: the test runner has process-level handlers of its own.
const SCRIPT = `
import { installCrashGuard } from "./server/crash-guard.ts";
import { inLab } from "./server/engine/lab-context.ts";
installCrashGuard((lab, reason) => console.log("FAILED", lab, reason), () => {});
inLab("alpha", () => {
  setTimeout(() => { throw new Error("boom in a timer"); }, 5);
  void Promise.reject(new Error("a rejection"));
});
setTimeout(() => { throw new Error("nobody's"); }, 20);
setTimeout(() => console.log("STILL SERVING"), 60);
`;

describe("crash guard", () => {
  it("marks the lab an uncaught error came from failed, and the process goes on", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "--eval", SCRIPT], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assert.ok(lines.includes("FAILED alpha unexpected error: boom in a timer"), r.stdout);
    assert.ok(lines.includes("FAILED alpha unexpected rejection: a rejection"), r.stdout);
    assert.equal(lines.filter((l) => l.startsWith("FAILED")).length, 2, "an error outside any lab fails no lab");
    assert.equal(lines.at(-1), "STILL SERVING");
  });
});
