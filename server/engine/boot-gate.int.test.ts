import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { resolveLab } from "../model/lab";
import type { NodeStatus } from "./uml/uml-node";
import type { LiveEvent } from "./live";

// One boot at a time in this process: the gate's order is then plain to see.
process.env.UMLAB_BOOT_CONCURRENCY = "1";
const { Engine } = await import("./engine");
const { processesIn } = await import("./procs");

const lab = (name: string) => resolveLab({ name, nodes: { a: { mem: "32M" }, b: { mem: "32M" }, c: { mem: "32M" } } });

describe("booting through the boot gate (real UML, one boot at a time)", () => {
  const root = mkdtempSync(join(tmpdir(), "umlab-gate-"));
  const engine = new Engine(root);
  after(async () => {
    await engine.stopAll();
    rmSync(root, { recursive: true, force: true });
  });

  it("shows waiting nodes as booting, and starts the next guest only once the one before runs", async () => {
    const events: NodeStatus[] = [];
    const onState = (ev: LiveEvent) => ev.patch.kind === "node" && events.push(ev.patch.node);
    engine.on("patch", onState);
    const run = await engine.start(lab("gated"));
    assert.deepEqual([...run.nodes.values()].map((n) => n.state).sort(), ["booting", "booting", "booting"], "all three are booting, two of them waiting");
    // A command for a node still waiting for its turn runs once it is up.
    const r = await run.node("c").exec("echo up");
    assert.equal(r.stdout, "up\n");
    await run.waitRunning(60000);
    engine.off("patch", onState);
    // Each guest got its process (booting with a pid) after the previous one ran.
    const launched = events.filter((e) => e.state === "booting" && e.pid !== null).map((e) => e.name);
    const ran = events.filter((e) => e.state === "running").map((e) => e.name);
    assert.equal(launched.length, 3);
    for (let i = 1; i < 3; i++) {
      const launchAt = events.findIndex((e) => e.name === launched[i] && e.state === "booting" && e.pid !== null);
      const before = events.findIndex((e) => e.name === ran[i - 1] && e.state === "running");
      assert.ok(before < launchAt, `${launched[i]} was launched after ${ran[i - 1]} ran`);
    }
    await engine.stop("gated");
  });

  it("a lab stopped while its nodes wait for their turn launches none of the waiting ones, and leaves no process", async () => {
    const start = engine.start(lab("cancelled"));
    const run = await start;
    await engine.stop("cancelled");
    assert.deepEqual([...run.nodes.values()].map((n) => n.state), ["stopped", "stopped", "stopped"]);
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(processesIn(join(root, "labs", "cancelled")), [], "no guest started after the stop");
  });
});
