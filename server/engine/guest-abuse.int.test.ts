import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseLabYaml } from "../labfile/labyaml";
import { Engine } from "./engine";
import { runRel } from "./paths";
import { processesIn } from "./procs";
import { MAX_OUTPUT } from "./uml/agent-framing";
import { CONSOLE_LOG_MAX } from "./uml/console-log";
import type { UmlNode } from "./uml/uml-node";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sizeOf = (path: string) => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

describe("a guest that abuses its exec line and its console (real UML)", () => {
  const root = mkdtempSync(join(tmpdir(), "umlab-abuse-"));
  const engine = new Engine(root);
  let node: UmlNode;
  let runDir = "";

  before(async () => {
    const run = await engine.start(parseLabYaml("umlab: 1\nname: abuse\nnodes:\n  a: {}\n"));
    await run.waitRunning(90000);
    node = run.node("a");
    runDir = run.paths.run;
  });
  after(async () => {
    await engine.stopAll();
    assert.deepEqual(processesIn(runDir), []);
    rmSync(root, { recursive: true, force: true });
  });

  it("exec round trips stay fast", async () => {
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const r = await node.exec(`echo ${i}`);
      times.push(performance.now() - t0);
      assert.equal(r.stdout, `${i}\n`);
    }
    times.sort((a, b) => a - b);
    console.log(`  exec round trip: median ${times[10].toFixed(1)} ms, max ${times[19].toFixed(1)} ms`);
    assert.ok(times[10] < 1000, `median ${times[10]} ms`);
  });

  it("an answer over the cap is cut, says so, and the next exec works", async () => {
    const r = await node.exec("head -c 3000000 /dev/zero | tr '\\0' B; echo to-stderr >&2; exit 4", 60);
    assert.equal(r.truncated, true);
    assert.equal(r.exitCode, 4);
    assert.ok(r.stdout.startsWith("B".repeat(MAX_OUTPUT)));
    assert.match(r.stdout, /\[umlab: stdout cut: longer than \d+ bytes\]/);
    assert.equal(r.stderr, "to-stderr\n");
    assert.equal((await node.exec("echo next")).stdout, "next\n");
  });

  it("fake markers written to the exec line are dropped", async () => {
    const fake = "0123456789abcdef01234567";
    const r = await node.exec(`printf 'junk without end\\n@@umlab begin ${fake}\\nSGk=\\n@@umlab stderr ${fake}\\n@@umlab end ${fake} 0\\n@@umlab end ${fake}\\n' > /dev/ttyS1; echo real`);
    assert.deepEqual({ stdout: r.stdout, exitCode: r.exitCode }, { stdout: "real\n", exitCode: 0 });
  });

  it("after a 30 MB flood on the exec line, the next exec works", { timeout: 240000 }, async () => {
    const rss0 = process.memoryUsage().rss;
    const t0 = Date.now();
    // Started in the background: the flood outlives the exec that starts it.
    await node.exec("(head -c 30000000 /dev/zero | tr '\\0' A > /dev/ttyS1) </dev/null >/dev/null 2>&1 &").catch(() => {});
    let rssMax = rss0;
    // While it floods, an exec may fail (its answer is mixed with the flood); once it ends, one answers.
    for (;;) {
      rssMax = Math.max(rssMax, process.memoryUsage().rss);
      const r = await node.exec("pidof tr >/dev/null && echo flooding || echo quiet", 10).catch((e: Error) => ({ stdout: `failed: ${e.message}` }));
      if (r.stdout === "quiet\n") break;
      assert.ok(Date.now() - t0 < 200000, "the flood never ended");
      await sleep(500);
    }
    const flood = Date.now() - t0;
    const t1 = performance.now();
    const r = await node.exec("echo after");
    console.log(`  30 MB flood took ${(flood / 1000).toFixed(1)} s; exec after it: ${(performance.now() - t1).toFixed(1)} ms; server rss +${((rssMax - rss0) / 1048576).toFixed(0)} MiB`);
    assert.deepEqual({ stdout: r.stdout, exitCode: r.exitCode }, { stdout: "after\n", exitCode: 0 });
    assert.ok(rssMax - rss0 < 200 * 1048576, "the flood was not held in memory");
  });

  it("`yes` on the console for 60 s keeps the console log within its cap", { timeout: 150000 }, async () => {
    let seen = 0;
    const count = (d: string) => (seen += Buffer.byteLength(d));
    node.on("data", count);
    node.write("yes\n");
    await sleep(60000);
    node.write("\x03");
    await sleep(1000);
    node.off("data", count);
    const log = join(runDir, runRel.consoleLog("a"));
    const [cur, prev] = [sizeOf(log), sizeOf(`${log}.1`)];
    console.log(`  yes for 60 s: ${(seen / 1048576).toFixed(1)} MiB of console output; console.log ${(cur / 1048576).toFixed(2)} MiB + console.log.1 ${(prev / 1048576).toFixed(2)} MiB (cap ${CONSOLE_LOG_MAX / 1048576} MiB each)`);
    assert.ok(cur <= CONSOLE_LOG_MAX && prev <= CONSOLE_LOG_MAX);
    assert.ok(seen > 0);
    assert.equal((await node.exec("echo still")).stdout, "still\n");
  });
});
