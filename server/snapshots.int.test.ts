import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startLabServer, type LabServer } from "../scripts/lab-server";
import type { SnapshotInfo } from "./engine/disk/snapshots";
import { processesIn } from "./engine/procs";
import type { LabStatus } from "./engine/lab-run";
import { authed, request, umlab, until } from "./test-support";

const LAB = `umlab: 1
name: snaplab
nodes:
  pc1:
    eth: [sw1]
    pos: [120, 80]
  pc2:
    eth: [sw1]
switches:
  sw1: {}
`;

describe("snapshots, rollback, reset, clones with disks and merged images (real UML)", () => {
  let server: LabServer | undefined;
  let url = "";
  let data = "";
  const api = (method: string, path: string, body?: unknown) => request(url, method, path, body);
  const cli = (...args: string[]) => umlab(url, args);
  const sh = async (lab: string, node: string, script: string) => {
    const res = await api("POST", `/api/labs/${lab}/nodes/${node}/exec`, { script });
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as { exitCode: number; stdout: string };
  };
  const read = async (lab: string, node: string) => (await sh(lab, node, "cat /root/note 2>/dev/null || echo none")).stdout.trim();
  const running = (lab: string) =>
    until(`${lab} running`, 120_000, async () => {
      const s = (await (await authed(`${url}/api/labs/${lab}/status`)).json()) as LabStatus;
      return s.nodes.every((n) => n.state === "running") && s;
    });
  const snapshots = async (lab = "snaplab") => ((await (await authed(`${url}/api/labs/${lab}/snapshots`)).json()) as { snapshots: SnapshotInfo[] }).snapshots;

  before(async () => {
    server = await startLabServer({ samples: false, name: "snapshots" });
    ({ url, data } = server);
    assert.equal((await request(url, "POST", "/api/labs", LAB, "application/yaml")).status, 201);
  });

  after(() => server?.stop());

  it("snapshots a running lab, and a rollback brings back its disks and its definition", async () => {
    assert.equal((await api("POST", "/api/labs/snaplab/start")).status, 200);
    await running("snaplab");
    await sh("snaplab", "pc1", "echo first > /root/note");
    let res = await api("POST", "/api/labs/snaplab/snapshots", { name: "first" });
    assert.equal(res.status, 201, await res.clone().text());
    const snap = (await res.json()) as SnapshotInfo;
    assert.deepEqual(snap.disks.sort(), ["pc1", "pc2"]);
    assert.equal(typeof snap.frozenMs, "number", "running guests were frozen for the copy");
    assert.ok(snap.diskBytes > 0 && snap.diskBytes < snap.apparentBytes / 10, `sparse copies: ${snap.diskBytes} of ${snap.apparentBytes} bytes`);
    assert.equal(await read("snaplab", "pc1"), "first", "the guest goes on after the freeze");

    // Changed after it: a file, and the definition (a node added, one moved).
    await sh("snaplab", "pc1", "echo second > /root/note");
    const changed = LAB.replace("pos: [120, 80]", "pos: [400, 300]");
    res = await request(url, "PUT", "/api/labs/snaplab", changed.replace("switches:", "  pc3:\n    eth: [sw1]\nswitches:"), "application/yaml");
    assert.equal(res.status, 200, await res.clone().text());

    res = await api("POST", `/api/labs/snaplab/snapshots/${snap.id}/rollback`, {});
    assert.equal(res.status, 200, await res.clone().text());
    await running("snaplab");
    assert.equal(await read("snaplab", "pc1"), "first");
    const lab = (await (await authed(`${url}/api/labs/snaplab`)).json()) as { lab: { nodes: Record<string, { pos?: number[] }> } };
    assert.deepEqual(Object.keys(lab.lab.nodes), ["pc1", "pc2"], "the node added since is gone");
    assert.deepEqual(lab.lab.nodes.pc1.pos, [120, 80], "the node moved since is back in its place");
  });

  it("snapshots and rolls back one node from the CLI, leaving the others as they are", async () => {
    await sh("snaplab", "pc2", "echo kept > /root/note");
    let r = cli("snapshot", "snaplab", "pc2-kept", "--node", "pc2");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /snapshot pc2-kept \(s[a-z0-9]+\) of node pc2: 1 disk\(s\)/);
    await sh("snaplab", "pc2", "echo lost > /root/note");
    await sh("snaplab", "pc1", "echo pc1-later > /root/note");
    r = cli("snapshot", "snaplab", "rollback", "pc2-kept", "--node", "pc2");
    assert.equal(r.status, 0, r.stderr);
    await running("snaplab");
    assert.equal(await read("snaplab", "pc2"), "kept");
    assert.equal(await read("snaplab", "pc1"), "pc1-later", "the other node was not touched");
    r = cli("snapshot", "snaplab", "ls");
    assert.match(r.stdout, /^ID\s+NAME\s+OF\s+TAKEN\s+DISK\s+APPARENT$/m);
    assert.match(r.stdout, /\sfirst\s+the lab\s/);
    assert.match(r.stdout, /\spc2-kept\s+pc2\s/);
  });

  it("clones a running lab with its disks: the clone boots with the files while the original runs", async () => {
    const r = cli("cp", "snaplab", "snapclone", "--disks");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /copied lab snaplab to snapclone, with the disks of pc1, pc2/);
    assert.equal((await api("POST", "/api/labs/snapclone/start")).status, 200);
    await running("snapclone");
    assert.equal(await read("snapclone", "pc1"), "pc1-later");
    assert.equal(await read("snapclone", "pc2"), "kept");
    const original = (await (await authed(`${url}/api/labs/snaplab/status`)).json()) as LabStatus;
    assert.ok(original.nodes.every((n) => n.state === "running"));
    assert.equal((await api("POST", "/api/labs/snapclone/stop")).status, 200);
  });

  it("resets a node, then the whole lab, to fresh disks", async () => {
    let r = cli("reset", "snaplab", "--node", "pc1");
    assert.equal(r.status, 0, r.stderr);
    await running("snaplab");
    assert.equal(await read("snaplab", "pc1"), "none");
    assert.equal(await read("snaplab", "pc2"), "kept");
    r = cli("reset", "snaplab");
    assert.equal(r.status, 0, r.stderr);
    await running("snaplab");
    assert.equal(await read("snaplab", "pc2"), "none");
    // The snapshots are still there: back to the first one.
    const first = (await snapshots()).find((s) => s.name === "first")!;
    assert.equal((await api("POST", `/api/labs/snaplab/snapshots/${first.id}/rollback`, {})).status, 200);
    await running("snaplab");
    assert.equal(await read("snaplab", "pc1"), "first");
  });

  it("merges a node's disk into a new image: a node on it has the file, and disks over the old image still boot", async () => {
    let r = cli("node", "snaplab", "pc1", "merge", "pc1-image");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^image pc1-image: node pc1's disk merged over busybox, \d+ MiB on disk$/m);
    const images = ((await (await authed(`${url}/api/images`)).json()) as { images: { name: string; custom: boolean; ready: boolean; merged?: { parent: string; node: string } }[] }).images;
    assert.deepEqual(
      images.filter((i) => i.name === "pc1-image").map((i) => [i.custom, i.ready, i.merged?.parent, i.merged?.node]),
      [[true, true, "busybox", "pc1"]],
    );
    const lab = "umlab: 1\nname: mergedlab\nnodes:\n  m1:\n    image: pc1-image\n    eth: [sw1]\n  m2:\n    eth: [sw1]\nswitches:\n  sw1: {}\n";
    assert.equal((await request(url, "POST", "/api/labs", lab, "application/yaml")).status, 201);
    assert.equal((await api("POST", "/api/labs/mergedlab/start")).status, 200);
    await running("mergedlab");
    assert.equal(await read("mergedlab", "m1"), "first", "the new image holds the node's file");
    assert.equal(await read("mergedlab", "m2"), "none", "a node on the old image has its own fresh disk");
    assert.equal((await api("POST", "/api/labs/snaplab/nodes/pc2/restart")).status, 200);
    await running("snaplab");
    assert.equal(await read("snaplab", "pc2"), "none", "a disk over the old image still boots");

    let res = await api("POST", "/api/labs/snaplab/nodes/pc1/merge", { image: "pc1-image" });
    assert.equal(res.status, 409);
    assert.match(((await res.json()) as { error: string }).error, /there is an image "pc1-image" already/);
    assert.equal((await api("POST", "/api/labs/snaplab/nodes/pc1/merge", { image: "Bad Name" })).status, 400);
    assert.equal((await api("POST", "/api/labs/snaplab/nodes/router/merge", { image: "x1" })).status, 404);
    res = await api("DELETE", "/api/images/pc1-image");
    assert.equal(res.status, 409, "in use by m1");
    assert.equal((await api("POST", "/api/labs/mergedlab/stop")).status, 200);
    assert.equal((await api("DELETE", "/api/images/pc1-image")).status, 200);
    r = cli("image", "ls");
    assert.doesNotMatch(r.stdout, /pc1-image/);
  });

  it("leaves a node someone froze frozen: a snapshot neither waits for it nor wakes it", async () => {
    assert.equal((await api("POST", "/api/labs/snaplab/nodes/pc2/mconsole", { op: "stop" })).status, 200);
    const t0 = performance.now();
    const res = await api("POST", "/api/labs/snaplab/snapshots", { name: "with pc2 frozen" });
    assert.equal(res.status, 201, await res.clone().text());
    assert.ok(performance.now() - t0 < 10_000, "no sync waited for on the frozen guest");
    const probe = await api("POST", "/api/labs/snaplab/nodes/pc2/exec", { script: "true", timeout: 2 });
    assert.notEqual(probe.status, 200, "pc2 is still frozen");
    assert.equal((await api("POST", "/api/labs/snaplab/nodes/pc2/mconsole", { op: "go" })).status, 200);
    assert.equal(await read("snaplab", "pc2"), "none");
  });

  it("refuses bad requests with reasons, and deletes snapshots", async () => {
    let res = await api("POST", "/api/labs/snaplab/snapshots", { name: "first" });
    assert.equal(res.status, 409);
    assert.match(((await res.json()) as { error: string }).error, /a snapshot named "first" already/);
    for (const bad of [{ name: "" }, { name: "two\nlines" }, { name: "x".repeat(65) }, {}, { name: "ok", node: "nosuch" }, { name: "ok", extra: 1 }]) {
      res = await api("POST", "/api/labs/snaplab/snapshots", bad);
      assert.ok([400, 404].includes(res.status), `${JSON.stringify(bad)}: ${res.status}`);
    }
    assert.equal((await api("POST", "/api/labs/snaplab/snapshots/s0000000000/rollback", {})).status, 404);
    assert.equal((await api("POST", "/api/labs/snaplab/snapshots/..%2F..%2Fetc/rollback", {})).status, 404);
    assert.equal((await api("DELETE", "/api/labs/nosuch/snapshots/s0000000000")).status, 404);
    const r = cli("snapshot", "snaplab", "rollback", "no-such-snapshot");
    assert.equal(r.status, 1);
    assert.match(r.stderr, /lab snaplab has no snapshot "no-such-snapshot"/);
    const before = await snapshots();
    assert.equal(cli("snapshot", "snaplab", "rm", "pc2-kept").status, 0);
    assert.deepEqual(
      (await snapshots()).map((s) => s.name),
      before.map((s) => s.name).filter((n) => n !== "pc2-kept"),
    );
  });

  it("deleting a lab deletes its snapshots, and nothing is left running", async () => {
    assert.equal((await api("POST", "/api/labs/snaplab/stop")).status, 200);
    assert.equal((await api("DELETE", "/api/labs/snaplab")).status, 200);
    assert.equal((await api("DELETE", "/api/labs/snapclone")).status, 200);
    assert.equal((await api("DELETE", "/api/labs/mergedlab")).status, 200);
    assert.deepEqual(processesIn(data), []);
  });
});
