import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { parseLabYaml } from "../labfile/labyaml";
import { Engine } from "./engine";
import { runRel } from "./paths";
import { isAlive, processesIn } from "./procs";

/** One busybox node on one switch. */
const lab = (name: string) => parseLabYaml(`umlab: 1\nname: ${name}\nnodes:\n  a: { eth: [s] }\nswitches:\n  s: {}\n`);

describe("starts and stops of one lab serialise (real UML)", () => {
  const root = mkdtempSync(join(tmpdir(), "umlab-lock-"));
  const engine = new Engine(root);
  after(async () => {
    await engine.stopAll();
    rmSync(root, { recursive: true, force: true });
  });

  it("start + start: one set of processes, both callers get the same run", async () => {
    const [r1, r2] = await Promise.all([engine.start(lab("l1")), engine.start(lab("l1"))]);
    assert.equal(r1, r2);
    await r1.waitRunning(90000);
    const pid = r1.node("a").pid;
    const r = await r1.node("a").exec("echo one");
    assert.equal(r.stdout, "one\n");
    assert.equal(r1.node("a").pid, pid);
    await engine.stop("l1");
    assert.deepEqual(processesIn(r1.paths.run), []);
  });

  it("start + stop: the stop waits for the start, then nothing is left", async () => {
    const runDir = join(root, "labs", "l2", "run");
    const order: string[] = [];
    await Promise.all([engine.start(lab("l2")).then(() => order.push("started")), engine.stop("l2").then(() => order.push("stopped"))]);
    assert.deepEqual(order, ["started", "stopped"]);
    assert.equal(engine.run("l2"), undefined);
    assert.deepEqual(processesIn(runDir), []);
    assert.equal(existsSync(runDir), false);
  });

  it("stop + stop, and stop + start: they take turns and the last word holds", async () => {
    const run = await engine.start(lab("l3"));
    await run.waitRunning(90000);
    await Promise.all([engine.stop("l3"), engine.stop("l3")]);
    assert.equal(engine.run("l3"), undefined);
    assert.deepEqual(processesIn(run.paths.run), []);
    const again = await engine.start(lab("l3"));
    await Promise.all([engine.stop("l3"), engine.start(lab("l3"))]);
    const now = engine.run("l3")!;
    assert.notEqual(now, again);
    await now.waitRunning(90000);
    assert.equal((await now.node("a").exec("echo back")).stdout, "back\n");
    await engine.stop("l3");
    assert.deepEqual(processesIn(now.paths.run), []);
  });

  it("different labs do not wait for each other", async () => {
    const starting = engine.start(lab("l4"));
    let started = false;
    void starting.then(() => (started = true));
    // l5 is not running: its stop has nothing to do, and must not wait for l4's start.
    await engine.stop("l5");
    assert.equal(started, false);
    await starting;
    await engine.stop("l4");
  });
});

describe("reaping what an earlier server left (real UML)", () => {
  const root = mkdtempSync(join(tmpdir(), "umlab-reap-"));
  const first = new Engine(root);
  after(async () => {
    await first.stopAll();
    rmSync(root, { recursive: true, force: true });
  });

  for (const [what, damage] of [
    ["torn", (path: string) => writeFileSync(path, '{"lab": "r", "nodes": {"a": 12')],
    ["missing", (path: string) => rmSync(path)],
    ["wrong", (path: string) => writeFileSync(path, '{"nodes": {"a": 1}, "switches": "x"}')],
  ] as const) {
    it(`a ${what} state.json: the lab's processes are found in /proc and ended by pid`, async () => {
      const run = await first.start(lab("r"));
      await run.waitRunning(90000);
      const pids = processesIn(run.paths.run);
      assert.ok(pids.length >= 2, `guest and switch: ${pids}`);
      damage(join(run.paths.run, runRel.state));
      // A new server on the same data root, as after a crash of the first.
      const second = new Engine(root);
      assert.deepEqual(await second.reapLeftovers(), ["r"]);
      assert.deepEqual(pids.filter(isAlive), []);
      assert.equal(existsSync(run.paths.run), false);
      await first.stop("r");
    });
  }

  it("state.json is replaced whole: no temporary file is left beside it", async () => {
    const run = await first.start(lab("w"));
    await run.waitRunning(90000);
    assert.ok(existsSync(join(run.paths.run, runRel.state)));
    assert.equal(existsSync(join(run.paths.run, `${runRel.state}.tmp`)), false);
    await first.stop("w");
  });
});
