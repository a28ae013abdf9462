import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resolveLab } from "../model/lab";
import type { ScenarioAction } from "../model/scenario";
import { ScenarioRunner, type ScenarioEvent, type ScenarioState } from "./scenario-player";

const steps = (scenario: string[]) =>
  resolveLab({ name: "lab", nodes: { a: { eth: ["sw1"] }, b: { eth: ["sw1"] } }, switches: { sw1: {} }, scenario }).scenario;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function recorder(fail: (a: ScenarioAction) => string | null = () => null) {
  const done: [number, string][] = [];
  const t0 = performance.now();
  const runner = new ScenarioRunner(async (_lab, a) => {
    done.push([Math.round(performance.now() - t0), "node" in a ? `${a.kind} ${a.node}` : `${a.kind} ${a.switch}`]);
    const why = fail(a);
    if (why) throw new Error(why);
  });
  const events: ScenarioEvent[] = [];
  const states: ScenarioState[] = [];
  runner.on("event", (lab: string, e: ScenarioEvent) => lab === "lab" && events.push(e));
  runner.on("state", (lab: string, s: ScenarioState) => lab === "lab" && states.push(s));
  return { runner, done, events, states };
}

async function finished(runner: ScenarioRunner, timeoutMs = 3000) {
  const until = Date.now() + timeoutMs;
  while (runner.state("lab").playing && Date.now() < until) await sleep(10);
  assert.equal(runner.state("lab").playing, false, "the play ended");
}

describe("scenario runner", () => {
  it("runs the steps by time from play, logs each, and a failing one does not stop the rest", async () => {
    const { runner, done, events, states } = recorder((a) => (a.kind === "crash" ? "node b of lab lab is crashed" : null));
    assert.deepEqual(runner.state("lab"), { playing: false, startedAt: null, stopped: false, log: [] });
    const s = runner.play("lab", steps(["at 300ms crash b", "at 100ms pull a.eth0", "at 200ms plug a.eth0", "at 0s pause sw1", "at 300ms resume sw1"]));
    assert.equal(s.playing, true);
    assert.ok(Date.now() - Date.parse(s.startedAt!) < 1000);
    assert.throws(() => runner.play("lab", steps(["at 0s crash a"])), { name: "LabRunError", message: /already playing/ });
    await finished(runner);
    assert.deepEqual(done.map((d) => d[1]), ["pause sw1", "pull a", "plug a", "crash b", "resume sw1"]);
    const log = runner.state("lab").log;
    assert.deepEqual(log.map((e) => [e.index, e.text, e.plannedMs, e.ok, e.error]), [
      [3, "pause sw1", 0, true, undefined],
      [1, "pull a.eth0", 100, true, undefined],
      [2, "plug a.eth0", 200, true, undefined],
      [0, "crash b", 300, false, "node b of lab lab is crashed"],
      [4, "resume sw1", 300, true, undefined],
    ]);
    for (const e of log) assert.ok(e.atMs >= e.plannedMs && e.atMs < e.plannedMs + 150, JSON.stringify(e));
    assert.deepEqual(events, log, "every entry is announced as it happens");
    assert.deepEqual(states.map((x) => [x.playing, x.log.length]), [[true, 0], [false, 5]]);
    assert.equal(runner.state("lab").stopped, false);
  });

  it("stop cancels what is pending; a new play starts a new log", async () => {
    const { runner, done, events } = recorder();
    runner.play("lab", steps(["at 0s pull a.eth0", "at 400ms plug a.eth0", "at 800ms crash b"]));
    await sleep(100);
    const s = runner.stop("lab");
    assert.equal(s.playing, false);
    assert.equal(s.stopped, true);
    await sleep(900);
    assert.deepEqual(done.map((d) => d[1]), ["pull a"]);
    assert.deepEqual(runner.state("lab").log.map((e) => e.text), ["pull a.eth0"]);
    assert.equal(runner.stop("lab").stopped, true, "stopping again changes nothing");

    runner.play("lab", steps(["at 50ms crash b"]));
    assert.deepEqual(runner.state("lab").log, []);
    await finished(runner);
    assert.deepEqual(runner.state("lab").log.map((e) => e.text), ["crash b"]);
    assert.deepEqual(events.map((e) => e.text), ["pull a.eth0", "crash b"]);
  });

  it("a step still running when stopped is logged; the next play is not held up by it", async () => {
    let release = () => {};
    const runner = new ScenarioRunner((_lab, a) => (a.kind === "restart" ? new Promise<void>((r) => (release = r)) : Promise.resolve()));
    runner.play("lab", steps(["at 0s restart a", "at 10ms crash b"]));
    await sleep(30);
    runner.stop("lab");
    runner.play("lab", steps(["at 0s crash a"]));
    await finished(runner);
    assert.deepEqual(runner.state("lab").log.map((e) => e.text), ["crash a"]);
    release();
    await sleep(10);
    assert.deepEqual(runner.state("lab").log.map((e) => e.text), ["crash a"], "the old play's step went to the old log");
  });

  it("keeps one play per lab", async () => {
    const { runner } = recorder();
    runner.play("lab", steps(["at 50ms crash a"]));
    runner.play("other", steps(["at 50ms crash b"]));
    await finished(runner);
    await sleep(20);
    assert.deepEqual(runner.state("other").log.map((e) => e.text), ["crash b"]);
  });
});
