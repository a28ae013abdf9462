import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LabStatus } from "./lab-run";
import { applyPatch, LiveFollower, Revisions } from "./live";

const state = (rev: number): LabStatus => ({
  id: "lab1",
  lab: "one",
  rev,
  running: true,
  nodes: [{ name: "a", state: "booting", pid: 1, reason: null }],
  switches: [{ name: "sw", kind: "vde", mode: "switch", pid: 2, paused: false }],
  links: [{ node: "a", iface: "eth0", switch: "sw", port: 1, pulled: false, impair: null }],
  gateways: [],
  captures: [],
});

describe("live state", () => {
  it("applies each kind of patch to what it names, at the patch's revision, leaving the state it was given alone", () => {
    const s = state(1);
    const a = applyPatch(s, { kind: "node", node: { name: "a", state: "running", pid: 1, reason: null } }, 2);
    assert.equal(a.nodes[0].state, "running");
    assert.equal(a.rev, 2);
    assert.equal(s.nodes[0].state, "booting");
    const b = applyPatch(a, { kind: "node", node: { name: "b", state: "booting", pid: 3, reason: null } }, 3);
    assert.deepEqual(b.nodes.map((n) => n.name), ["a", "b"]);
    const c = applyPatch(b, { kind: "switch", switch: { ...s.switches[0], paused: true } }, 4);
    assert.equal(c.switches[0].paused, true);
    const d = applyPatch(c, { kind: "link", link: { ...s.links[0], pulled: true } }, 5);
    assert.equal(d.links[0].pulled, true);
    const e = applyPatch(d, { kind: "failure", failure: "boom" }, 6);
    assert.equal(e.failure, "boom");
    const f = applyPatch(e, { kind: "lab", state: { ...state(7), running: false } }, 7);
    assert.equal(f.running, false);
    assert.equal(f.nodes.length, 1);
  });

  it("follows only newer revisions of its lab", () => {
    const f = new LiveFollower();
    assert.equal(f.apply({ lab: "lab1", rev: 5, patch: { kind: "failure", failure: "x" } }), false, "nothing held yet: kept for the snapshot");
    assert.equal(f.take(state(10)), true);
    assert.equal(f.state?.failure, undefined, "an event older than the snapshot is dropped");
    assert.equal(f.take(state(9)), false);
    assert.equal(f.apply({ lab: "lab1", rev: 10, patch: { kind: "failure", failure: "x" } }), false);
    assert.equal(f.apply({ lab: "lab2", rev: 11, patch: { kind: "failure", failure: "x" } }), false);
    assert.equal(f.apply({ lab: "lab1", rev: 12, patch: { kind: "failure", failure: "y" } }), true, "a gap is still applied");
    assert.equal(f.state?.failure, "y");
    assert.equal(f.state?.rev, 12);
    assert.equal(f.take({ ...state(3), id: "lab2" }), true, "another lab starts afresh");
  });

  it("applies an event that overtook the snapshot it is newer than (the server relays events while it answers)", () => {
    const f = new LiveFollower();
    const node = (rev: number, st: "booting" | "running") => ({ lab: "lab1", rev, patch: { kind: "node" as const, node: { name: "n1", state: st, pid: 7, reason: null } } });
    assert.equal(f.apply(node(12, "running")), false);
    assert.equal(f.apply(node(11, "booting")), false);
    assert.equal(f.apply({ ...node(13, "running"), lab: "lab2" }), false);
    assert.equal(f.take(state(10)), true);
    assert.equal(f.state?.rev, 12);
    assert.equal(f.state?.nodes.find((n) => n.name === "n1")?.state, "running", "the newest event wins, in revision order");
    assert.equal(f.take({ ...state(11), id: "lab2" }), true);
    assert.equal(f.state?.rev, 11, "events of another lab were not kept past the first snapshot");
  });

  it("numbers each lab's changes upward from the clock, so a restarted engine never goes back", () => {
    const r = new Revisions();
    const first = r.next("x");
    assert.ok(first >= Date.now() * 1000 - 1000);
    // One more within the same millisecond, or the clock's when it has moved on: never less.
    const second = r.next("x");
    assert.ok(second === first + 1 || second >= Date.now() * 1000 - 1000, `${second} after ${first}`);
    assert.ok(second > first);
    assert.equal(r.current("x"), second);
    const again = new Revisions();
    assert.ok(again.next("x") >= first, "a new engine starts from the clock, not from 0");
  });
});
