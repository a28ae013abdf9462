import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startLabServer, type LabServer } from "../scripts/lab-server";
import type { LiveEvent } from "./engine/live";
import type { SubscribeReply } from "./realtime/protocol";
import { connect, request, umlab, until } from "./test-support";

const labA = `umlab: 1
name: rooms-a
nodes:
  n1: { eth: [sw1] }
  n2: { eth: [sw1] }
switches:
  sw1: {}
`;
const labB = `umlab: 1
name: rooms-b
nodes:
  m1: {}
`;
const keep = (nodes: string) => `umlab: 1
name: keep
nodes:
${nodes}`;

type Client = ReturnType<typeof connect>;
const subscribe = (c: Client, lab: string) => new Promise<SubscribeReply>((r) => c.emit("lab:subscribe", { lab }, r));

/** Events a client got, each with the lab and what it changed. */
function record(c: Client): LiveEvent[] {
  const seen: LiveEvent[] = [];
  c.on("lab:patch", (ev) => seen.push(ev));
  return seen;
}

describe("live state: rooms, revisions, every entry point, and lab identity (real UML)", () => {
  let server: LabServer | undefined;
  let url = "";
  const cli = (...args: string[]) => umlab(url, args);
  const exec = async (lab: string, node: string, script: string) =>
    (await (await request(url, "POST", `/api/labs/${lab}/nodes/${node}/exec`, { script })).json()) as { exitCode: number; stdout: string };

  before(async () => {
    server = await startLabServer({ samples: false, name: "live" });
    ({ url } = server);
    for (const yaml of [labA, labB]) assert.equal((await request(url, "POST", "/api/labs", yaml, "application/yaml")).status, 201);
  });

  after(() => server?.stop());

  it("sends a lab's changes to its room only, at most two events per state change, each newer than the subscribe's state", async () => {
    const a = connect(url);
    const b = connect(url);
    try {
      const seenA = record(a);
      const seenB = record(b);
      const subA = await subscribe(a, "rooms-a");
      const subB = await subscribe(b, "rooms-b");
      assert.ok(subA.ok && subB.ok);
      assert.notEqual(subA.lab, "rooms-a", "events name the lab by its id");
      // A node started from the CLI in a stopped lab brings the lab up: that reaches the lab's room too.
      const r = cli("node", "rooms-a", "n1", "start");
      assert.equal(r.status, 0, r.stderr);
      await until("n1 running, as the room heard it", 60_000, async () => seenA.some((e) => e.patch.kind === "node" && e.patch.node.name === "n1" && e.patch.node.state === "running"));
      // A switch paused from the CLI reaches it as well.
      assert.equal(cli("switch", "rooms-a", "sw1", "pause").status, 0);
      await until("sw1 paused, as the room heard it", 10_000, async () => seenA.some((e) => e.patch.kind === "switch" && e.patch.switch.paused));
      assert.equal(cli("switch", "rooms-a", "sw1", "resume").status, 0);
      await until("sw1 resumed", 10_000, async () => seenA.some((e) => e.patch.kind === "switch" && !e.patch.switch.paused));

      assert.ok(seenA.every((e) => e.lab === subA.lab), "only lab A's events in A's room");
      assert.equal(seenB.length, 0, `lab B's room heard nothing of A: ${JSON.stringify(seenB.map((e) => e.patch.kind))}`);
      const kinds = seenA.map((e) => (e.patch.kind === "node" ? `node ${e.patch.node.name} ${e.patch.node.state}` : e.patch.kind === "switch" ? `switch ${e.patch.switch.paused}` : e.patch.kind === "lab" ? `lab ${e.patch.state.running}` : e.patch.kind));
      // The lab came up, n1 booted and ran, sw1 paused and resumed: those changes in that order, with at
      // most two events each (a booting node is told once waiting for its turn, once with its process).
      const changes = kinds.filter((k, i) => k !== kinds[i - 1]);
      assert.deepEqual(changes, ["lab true", "node n1 booting", "node n1 running", "switch true", "switch false"]);
      for (const c of changes) assert.ok(kinds.filter((k) => k === c).length <= 2, `${c}: ${kinds.join(", ")}`);
      // Revisions only grow, and start past the state the subscription answered with.
      const revs = seenA.map((e) => e.rev);
      assert.ok(subA.ok && revs[0] > subA.state.rev);
      assert.deepEqual(revs, [...revs].sort((x, y) => x - y));
      assert.equal(new Set(revs).size, revs.length);

      // Every action answers with the state at the revision it made.
      const res = await request(url, "POST", "/api/labs/rooms-a/stop");
      const stopped = (await res.json()) as { rev: number; running: boolean };
      assert.equal(stopped.running, false);
      await until("the stop heard", 30_000, async () => seenA.some((e) => e.patch.kind === "lab" && !e.patch.state.running));
      assert.ok(stopped.rev >= Math.max(...seenA.map((e) => e.rev)), "the stop's answer is at least as new as every event before it");
    } finally {
      a.close();
      b.close();
    }
  });

  it("keeps a lab's disks through a rename, and gives a deleted then re-added node a clean disk", async () => {
    assert.equal((await request(url, "POST", "/api/labs", keep("  host1: {}\n"), "application/yaml")).status, 201);
    assert.equal(cli("start", "keep").status, 0);
    assert.equal((await exec("keep", "host1", "echo before-rename > /root/mark && sync")).exitCode, 0);
    assert.equal(cli("stop", "keep").status, 0);

    let res = await request(url, "PUT", "/api/labs/keep", keep("  host1: {}\n").replace("name: keep", "name: kept"), "application/yaml");
    assert.equal(res.status, 200, await res.text());
    assert.equal(cli("start", "kept").status, 0);
    assert.equal((await exec("kept", "host1", "cat /root/mark")).stdout, "before-rename\n", "the renamed lab boots on its disks");
    assert.equal(cli("stop", "kept").status, 0);

    // Deleted (one save), then a new host1 (the next save), as the canvas does.
    res = await request(url, "PUT", "/api/labs/kept", keep("  other: {}\n").replace("name: keep", "name: kept"), "application/yaml");
    assert.equal(res.status, 200, await res.text());
    res = await request(url, "PUT", "/api/labs/kept", keep("  other: {}\n  host1: {}\n").replace("name: keep", "name: kept"), "application/yaml");
    assert.equal(res.status, 200, await res.text());
    assert.equal(cli("start", "kept").status, 0);
    const r = await exec("kept", "host1", "cat /root/mark 2>&1; true");
    assert.match(r.stdout, /No such file/, "the new host1 starts on a clean disk");
    assert.equal(cli("stop", "kept").status, 0);
  });
});
