import assert from "node:assert/strict";
import { test } from "node:test";
import type { CaptureInfo } from "@/server/engine/capture/types";
import { badgeOf } from "./badge";
import { captureMenu } from "./menu";
import { useCaptureView } from "./view-store";

const info = (id: string, state: CaptureInfo["state"], target: CaptureInfo["target"], started = 1, packets = 5): CaptureInfo => ({
  id,
  target,
  label: target.kind === "switch" ? `switch ${target.name}` : target.kind === "link" ? `link ${target.node}.${target.iface}` : `cable ${target.line}`,
  state,
  started,
  packets,
  dropped: 0,
  bytes: 0,
  ringMiB: 16,
  error: null,
});
const act = async (_label: string, fn: () => Promise<unknown>) => void (await fn().catch(() => {}));
const sw1 = { kind: "switch", name: "sw1" } as const;
const eth0 = { kind: "link", node: "pc1", iface: "eth0" } as const;
const labels = (items: { label: string; disabled?: boolean; note?: boolean }[]) => items.map((i) => `${i.label}${i.disabled ? " (disabled)" : ""}${i.note ? " (note)" : ""}`);

test("a switch or a wire: Capture when none runs, Show and Stop while one does, Show for the last stopped one", () => {
  const base = { labId: "lab1", running: true, switchKind: "vde" as const, act };
  assert.deepEqual(labels(captureMenu(sw1, { ...base, captures: [] })), ["Capture"]);
  assert.deepEqual(labels(captureMenu(sw1, { ...base, captures: [info("c1", "running", sw1)] })), ["Show capture", "Stop capture"]);
  assert.deepEqual(labels(captureMenu(sw1, { ...base, captures: [info("c1", "stopped", sw1), info("c2", "running", eth0)] })), ["Capture", "Show capture"]);
  assert.deepEqual(labels(captureMenu(eth0, { ...base, captures: [info("c1", "running", sw1)] })), ["Capture"]);
  const show = captureMenu(eth0, { ...base, captures: [info("c1", "stopped", eth0, 1), info("c3", "stopped", eth0, 9)] }).find((i) => i.label === "Show capture")!;
  show.run!();
  assert.deepEqual(useCaptureView.getState().shown, { lab: "lab1", id: "c3" });
});

test("a uml_switch (or a wire on one) says why it cannot be captured; a stopped lab cannot capture", () => {
  const items = captureMenu(sw1, { labId: "lab1", running: true, captures: [], switchKind: "uml_switch", act });
  assert.deepEqual(labels(items).map((l) => l.replace(/:.*\(note\)$/, ": … (note)")), ["Capture: … (note)", "Capture (disabled)"]);
  assert.match(items[1].title!, /uml_switch cannot be captured without root: make it a vde switch/);
  const stopped = captureMenu(eth0, { labId: "lab1", running: false, captures: [], switchKind: "vde", act });
  assert.equal(stopped[0].disabled, true);
  assert.equal(stopped[0].title, "the lab is not running");
});

test("the canvas badge: the running capture's count, else the last stopped one's", () => {
  assert.equal(badgeOf([], sw1), null);
  assert.deepEqual(badgeOf([info("c1", "stopped", sw1, 1, 3), info("c2", "running", sw1, 2, 12_345)], sw1), { text: "12.3k", running: true, title: "switch sw1: 12345 packets, running" });
});

test("a capture's target matches whatever order its fields come in", () => {
  const reordered = { iface: "eth0", node: "pc1", kind: "link" } as unknown as CaptureInfo["target"];
  assert.equal(badgeOf([info("c1", "running", reordered)], eth0)?.running, true);
  assert.equal(badgeOf([info("c1", "running", reordered)], { kind: "link", node: "pc1", iface: "eth1" }), null);
});
