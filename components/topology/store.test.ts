import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LabStatus } from "@/server/engine/lab-run";
import { useTopology } from "./store";

const status = (state: "booting" | "running", pulled = false): LabStatus => ({
  lab: "l",
  running: true,
  nodes: [{ name: "pc1", state, pid: 1, reason: null }],
  switches: [],
  links: [{ node: "pc1", iface: "eth0", switch: "sw1", port: 1, pulled, impair: null }],
  gateways: [],
});

describe("live state on the canvas", () => {
  it("keeps a node's state an event set while a snapshot was on its way", () => {
    const s = useTopology.getState();
    s.setStatus(status("booting"));
    const since = s.heardAt();
    // The node runs (event), then the answer to a GET made before arrives.
    s.setNode({ name: "pc1", state: "running", pid: 1, reason: null });
    s.setLink({ node: "pc1", iface: "eth0", switch: "sw1", port: 1, pulled: true, impair: null });
    useTopology.getState().setStatus(status("booting", false), since);
    assert.equal(useTopology.getState().nodes.pc1.state, "running");
    assert.equal(useTopology.getState().links["pc1:eth0"].pulled, true);
  });

  it("keeps the lab running when the lab's start event came while a snapshot of it stopped was on its way", () => {
    const s = useTopology.getState();
    s.setStatus({ ...status("booting"), running: false, nodes: [{ name: "pc1", state: "stopped", pid: null, reason: null }] });
    const since = s.heardAt();
    useTopology.getState().setStatus(status("booting"));
    useTopology.getState().setStatus({ ...status("booting"), running: false, nodes: [{ name: "pc1", state: "stopped", pid: null, reason: null }] }, since);
    assert.equal(useTopology.getState().running, true);
    assert.equal(useTopology.getState().nodes.pc1.state, "booting");
  });

  it("takes a snapshot's state where no event came since it was asked for", () => {
    const s = useTopology.getState();
    s.setNode({ name: "pc1", state: "booting", pid: 1, reason: null });
    const since = s.heardAt();
    s.setStatus(status("running"), since);
    assert.equal(useTopology.getState().nodes.pc1.state, "running");
    // A whole-lab event always wins.
    useTopology.getState().setStatus(status("booting"));
    assert.equal(useTopology.getState().nodes.pc1.state, "booting");
  });

  it("shows a lab the server marked failed until a status without the failure comes", () => {
    useTopology.getState().setStatus({ ...status("running"), failure: "unexpected error: boom" });
    assert.equal(useTopology.getState().failure, "unexpected error: boom");
    useTopology.getState().setStatus(status("running"));
    assert.equal(useTopology.getState().failure, null);
  });
});
