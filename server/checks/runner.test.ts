import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resolveChecks } from "../model/check";
import type { RawCheck } from "../model/check-schema";
import type { Probe } from "./probes";
import { runChecks, type Guest } from "./runner";

const checks = (raw: RawCheck[]) => resolveChecks(raw, { nodes: new Set(["a", "b"]) }, []);
const PROCS = "init\nzebra\n";

/** A guest with a clock of its own: `sleep` moves it on. */
function fakeGuest(states: Record<string, string>, answer: (p: Probe, t: number) => string) {
  let t = 0;
  let running = 0;
  let most = 0;
  let calls = 0;
  const guest: Guest = {
    nodeState: async (n) => states[n] ?? "stopped",
    exec: async (p) => {
      running++;
      calls++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return { stdout: answer(p, t), stderr: "", exitCode: 0 };
    },
  };
  return { guest, now: () => t, sleep: async (ms: number) => void (t += ms), most: () => most, calls: () => calls };
}

describe("running a lab's checks", () => {
  it("gives each result in order, with the points earned and the hint of a failed one", async () => {
    const g = fakeGuest({ a: "running" }, () => PROCS);
    const results = await runChecks(
      checks([
        { id: "zebra", points: 2, hint: "start FRR", daemon: { node: "a", name: "zebra" } },
        { id: "ospfd", points: 3, hint: "enable ospfd in /etc/frr/daemons", daemon: { node: "a", name: "ospfd" } },
      ]),
      g.guest,
      { now: g.now, sleep: g.sleep },
    );
    assert.deepEqual(results, [
      { id: "zebra", description: "zebra runs on a", passed: true, reason: "zebra runs on a", points: 2, maxPoints: 2 },
      { id: "ospfd", description: "ospfd runs on a", passed: false, reason: "ospfd is not running on a", points: 0, maxPoints: 3, hint: "enable ospfd in /etc/frr/daemons" },
    ]);
  });

  it("fails the checks of a node that is not running, saying so", async () => {
    const g = fakeGuest({ a: "running", b: "crashed" }, () => PROCS);
    const [r] = await runChecks(checks([{ id: "x", daemon: { node: "b", name: "zebra" } }]), g.guest, { now: g.now, sleep: g.sleep });
    assert.equal(r.passed, false);
    assert.equal(r.reason, "b is not running (crashed)");
  });

  it("retries a check that waits until it passes, and no longer than its wait", async () => {
    const g = fakeGuest({ a: "running" }, (_p, t) => (t >= 3000 ? PROCS + "ospfd\n" : PROCS));
    const [late, never] = await runChecks(
      checks([
        { id: "late", wait: 10, daemon: { node: "a", name: "ospfd" } },
        { id: "never", wait: 5, daemon: { node: "a", name: "bgpd" } },
      ]),
      g.guest,
      { now: g.now, sleep: g.sleep, parallel: 1 },
    );
    assert.equal(late.passed, true);
    assert.equal(never.passed, false);
    assert.ok(g.now() >= 3000 + 5000 && g.now() <= 3000 + 6000, `the clock: ${g.now()}`);
  });

  it("runs at most `parallel` checks at once; an exec that fails is the check's reason", async () => {
    const g = fakeGuest({ a: "running" }, () => PROCS);
    const many = checks(Array.from({ length: 12 }, (_, i) => ({ id: `c${i}`, command: { node: "a", argv: ["echo", String(i)] } })));
    const results = await runChecks(many, g.guest, { parallel: 3 });
    assert.equal(results.length, 12);
    assert.ok(results.every((r) => r.passed));
    assert.equal(g.most(), 3);
    assert.equal(g.calls(), 12, "each command check runs its own command");
    const reads = fakeGuest({ a: "running" }, () => PROCS);
    await runChecks(checks(Array.from({ length: 12 }, (_, i) => ({ id: `d${i}`, daemon: { node: "a", name: "zebra" } }))), reads.guest, { parallel: 3 });
    assert.equal(reads.calls(), 1, "twelve checks reading a's processes share one read");
    const broken: Guest = { nodeState: async () => "running", exec: async () => Promise.reject(new Error("timed out after 10 s\nmore")) };
    const [r] = await runChecks(checks([{ id: "x", daemon: { node: "a", name: "zebra" } }]), broken);
    assert.equal(r.reason, "a: timed out after 10 s");
  });
});
