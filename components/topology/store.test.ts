import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LabStatus } from "@/server/engine/lab-run";
import { useTopology } from "./store";

const status = (rev: number, state: "booting" | "running", pulled = false, id = "l"): LabStatus => ({
  id,
  lab: "l",
  rev,
  running: true,
  nodes: [{ name: "pc1", state, pid: 1, reason: null }],
  switches: [],
  links: [{ node: "pc1", iface: "eth0", switch: "sw1", port: 1, pulled, impair: null }],
  gateways: [],
  captures: [],
});

describe("live state on the canvas", () => {
  it("keeps what newer events set when an older snapshot arrives after them", () => {
    const s = useTopology.getState();
    s.setStatus(status(10, "booting"));
    s.applyPatch({ lab: "l", rev: 11, patch: { kind: "node", node: { name: "pc1", state: "running", pid: 1, reason: null } } });
    s.applyPatch({ lab: "l", rev: 12, patch: { kind: "link", link: { node: "pc1", iface: "eth0", switch: "sw1", port: 1, pulled: true, impair: null } } });
    // The answer to a request made before both events.
    useTopology.getState().setStatus(status(10, "booting", false));
    assert.equal(useTopology.getState().nodes.pc1.state, "running");
    assert.equal(useTopology.getState().links["pc1:eth0"].pulled, true);
    assert.equal(useTopology.getState().rev, 12);
  });

  it("ignores an event it has already (a replay) and one of another lab", () => {
    const s = useTopology.getState();
    s.setStatus(status(20, "running"));
    s.applyPatch({ lab: "l", rev: 20, patch: { kind: "node", node: { name: "pc1", state: "crashed", pid: null, reason: "x" } } });
    s.applyPatch({ lab: "other", rev: 99, patch: { kind: "node", node: { name: "pc1", state: "crashed", pid: null, reason: "x" } } });
    assert.equal(useTopology.getState().nodes.pc1.state, "running");
  });

  it("takes a newer snapshot whole, and another lab's state whatever its revision", () => {
    const s = useTopology.getState();
    s.setStatus(status(30, "booting"));
    s.setStatus({ ...status(31, "running"), running: false });
    assert.equal(useTopology.getState().running, false);
    useTopology.getState().setStatus(status(5, "booting", false, "m"));
    assert.equal(useTopology.getState().rev, 5);
    assert.equal(useTopology.getState().nodes.pc1.state, "booting");
  });

  it("shows a lab the server marked failed until a state without the failure comes", () => {
    useTopology.getState().setStatus(status(40, "running"));
    useTopology.getState().applyPatch({ lab: "l", rev: 41, patch: { kind: "failure", failure: "unexpected error: boom" } });
    assert.equal(useTopology.getState().failure, "unexpected error: boom");
    useTopology.getState().setStatus(status(42, "running"));
    assert.equal(useTopology.getState().failure, null);
  });
});
