import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { Engine } from "./engine";
import { BUILDS, type LiveEvent } from "./live";
import { LocalEngine } from "./local-engine";

describe("the engine's builds are live state too", () => {
  const root = mkdtempSync(join(tmpdir(), "umlab-local-engine-"));
  after(() => rmSync(root, { recursive: true, force: true }));

  it("commits each build status under BUILDS with a revision newer than the lists read before it", async () => {
    const local = new LocalEngine(new Engine(root));
    const seen: LiveEvent[] = [];
    local.on("patch", (ev: LiveEvent) => seen.push(ev));
    const before = await local.imageList();
    const kernelsBefore = await local.kernelList();
    // What a running build reports (ImageService and KernelService emit "status").
    local.images.emit("status", { name: "router", build: { state: "building", progress: null, error: null, startedAt: null } });
    local.kernels.emit("status", { ...kernelsBefore.build, state: "building" });
    assert.deepEqual(seen.map((e) => [e.lab, e.patch.kind]), [[BUILDS, "image-build"], [BUILDS, "kernel-build"]]);
    assert.ok(seen[0].rev > before.rev && seen[0].rev > kernelsBefore.rev);
    assert.ok(seen[1].rev > seen[0].rev);
    assert.equal((await local.imageList()).rev, seen[1].rev, "a list read now is as new as the last change");
  });
});

describe("a lab's events leave in the order of their revisions", () => {
  const root = mkdtempSync(join(tmpdir(), "umlab-local-engine-"));
  after(() => rmSync(root, { recursive: true, force: true }));

  it("sends an event committed by a listener after the event that listener was told of", () => {
    const engine = new Engine(root);
    // As LocalEngine does when a lab goes down (its scenario ends, which commits): a listener before the servers'.
    engine.on("patch", (ev: LiveEvent) => {
      if (ev.patch.kind === "failure") engine.commit(ev.lab, { kind: "captures", captures: [] });
    });
    const local = new LocalEngine(engine);
    const seen: LiveEvent[] = [];
    local.on("patch", (ev: LiveEvent) => seen.push(ev));
    engine.commit("lab1", { kind: "failure", failure: "gone" });
    assert.deepEqual(seen.map((e) => e.patch.kind), ["failure", "captures"]);
    assert.ok(seen[1].rev > seen[0].rev);
  });
});
