import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { runSteps } from "./steps";

/** Gone, or a zombie (ended; the container's init may be slow to reap it). */
const ended = (pid: number) => {
  try {
    return /\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
};

describe("build steps", () => {
  const dir = mkdtempSync(join(tmpdir(), "umlab-steps-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("runs in order and logs what each printed", async () => {
    const steps = [
      { label: "one", argv: ["sh", "-c", "echo first"], cwd: dir },
      { label: "two", argv: ["sh", "-c", "echo second"], cwd: dir },
    ];
    await runSteps(steps, { log: join(dir, "ok.log") });
    assert.match(readFileSync(join(dir, "ok.log"), "utf8"), /### one: sh -c echo first\nfirst\n\n### two: sh -c echo second\nsecond\n/);
  });

  it("cancels: the running step's whole process group ends, later steps never start", async () => {
    const abort = new AbortController();
    const steps = [
      { label: "compiling", argv: ["sh", "-c", "sleep 60 & echo $! > child.pid; wait"], cwd: dir },
      { label: "never", argv: ["sh", "-c", "touch never"], cwd: dir },
    ];
    const run = runSteps(steps, { log: join(dir, "cancel.log"), signal: abort.signal, onProgress: (p) => p.label === "compiling" && setTimeout(() => abort.abort(), 300) });
    const t0 = Date.now();
    await assert.rejects(run, { name: "BuildError", message: "compiling: cancelled" });
    assert.ok(Date.now() - t0 < 5000);
    const pid = Number(readFileSync(join(dir, "child.pid"), "utf8"));
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(ended(pid), "the step's child (sleep) ended with it");
    assert.throws(() => readFileSync(join(dir, "never")));
  });
});
