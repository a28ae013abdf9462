import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startLabServer, type LabServer } from "../scripts/lab-server";
import { isAlive, processesIn } from "./engine/procs";
import type { LabStatus } from "./engine/lab-run";
import type { SubscribeReply } from "./realtime/protocol";
import { connect, request, umlab, until } from "./test-support";

const LAB = `umlab: 1
name: outlive
nodes:
  host1:
    eth: [sw1]
    startup: |
      ip addr add 10.0.9.1/24 dev eth0
      ip link set eth0 up
  host2:
    eth: [sw1]
    startup: |
      ip addr add 10.0.9.2/24 dev eth0
      ip link set eth0 up
switches:
  sw1: {}
`;

type Client = ReturnType<typeof connect>;

/** A console client: attaches to a node, collects what it is sent (the replay first). */
async function watch(c: Client, lab: string, node: string): Promise<{ text: () => string }> {
  let text = "";
  c.on("console:data", (m) => {
    if (m.node === node) text = m.reset ? m.data : text + m.data;
  });
  await new Promise<void>((r) => (c.connected ? r() : c.once("connect", () => r())));
  const replay = await new Promise<string>((resolve, reject) =>
    c.emit("console:attach", { lab, node }, (r) => (r.ok ? resolve(r.replay) : reject(new Error(r.error)))),
  );
  text = replay + text;
  return { text: () => text };
}

const seqs = (text: string) => [...text.matchAll(/seq=(\d+)/g)].map((m) => Number(m[1]));

describe("the engine is a process of its own: labs outlive the web server, and an engine crash leaves no orphan (real UML)", () => {
  let server: LabServer | undefined;
  let url = "";

  before(async () => {
    server = await startLabServer({ samples: false, name: "outlive" });
    ({ url } = server);
    assert.equal((await request(url, "POST", "/api/labs", LAB, "application/yaml")).status, 201);
    const r = umlab(url, ["start", "outlive"]);
    assert.equal(r.status, 0, r.stderr);
  });

  after(() => server?.stop());

  it("keeps a lab running through kill -9 of the web server: the ping goes on, a reattached client gets the screen back", async () => {
    const s = server!;
    const first = connect(url);
    const consoleA = await watch(first, "outlive", "host1");
    first.emit("console:input", { lab: "outlive", node: "host1", data: "ping -c 100 10.0.9.2\r" });
    await until("a few pings", 20_000, async () => seqs(consoleA.text()).length >= 3);
    first.close();

    const enginePid = s.enginePid();
    assert.ok(enginePid);
    const t0 = performance.now();
    await s.killWeb();
    await s.startWeb();
    const downtime = (performance.now() - t0) / 1000;
    assert.equal(s.enginePid(), enginePid, "the same engine serves the new web server");

    const again = connect(url);
    try {
      const t1 = performance.now();
      const consoleB = await watch(again, "outlive", "host1");
      const reattachMs = performance.now() - t1;
      const replayed = seqs(consoleB.text());
      assert.ok(replayed.includes(0) && replayed.includes(2), `the screen comes back with the earlier ping lines (seq ${replayed.join(",")})`);
      const sub = await new Promise<SubscribeReply>((r) => again.emit("lab:subscribe", { lab: "outlive" }, r));
      assert.ok(sub.ok);
      assert.deepEqual(sub.state.nodes.map((n) => [n.name, n.state]), [["host1", "running"], ["host2", "running"]]);
      // Pings kept going while no web server ran: every sequence number is there, none missing.
      const target = Math.max(...replayed) + 3;
      await until("more pings after the restart", 20_000, async () => Math.max(...seqs(consoleB.text())) >= target);
      const all = [...new Set(seqs(consoleB.text()))].sort((a, b) => a - b);
      assert.deepEqual(all, Array.from({ length: all.length }, (_, i) => i), `no ping lost over ${downtime.toFixed(1)} s without a web server`);
      console.log(`# web server down ${downtime.toFixed(2)} s; reattach ${reattachMs.toFixed(0)} ms; pings seq 0..${all.at(-1)}, none missing`);
    } finally {
      again.emit("console:input", { lab: "outlive", node: "host1", data: "\x03" });
      again.close();
    }
  });

  it("ends every guest, switch and helper when the engine is killed, starts a new engine, and the lab says why it stopped", async () => {
    const s = server!;
    const data = s.data;
    const old = s.enginePid()!;
    const watcher = connect(url);
    let resynced = false;
    watcher.on("live:resync", () => (resynced = true));
    await new Promise<void>((r) => watcher.once("connect", () => r()));
    try {
      assert.ok(processesIn(data).length >= 3, "guests and the switch run in the lab's folder");
      process.kill(old, "SIGKILL");
      // Each guest and helper dies with its parent (bubblewrap's --die-with-parent): nothing orphaned.
      await until("every process of the lab gone", 15_000, async () => processesIn(data).length === 0 && !isAlive(old));
      // The web server starts a new engine, which ends what is left and marks the lab.
      await until("a new engine", 30_000, async () => {
        const pid = s.enginePid();
        return pid !== null && pid !== old;
      });
      await until("pages told to ask again", 10_000, async () => resynced);
      const status = (await (await request(url, "GET", "/api/labs/outlive/status")).json()) as LabStatus;
      assert.equal(status.running, false);
      assert.match(status.failure ?? "", /engine ended unexpectedly/);
      assert.deepEqual(processesIn(data), []);
      // Started again, the lab runs and the note goes.
      assert.equal(umlab(url, ["start", "outlive"]).status, 0);
      const up = (await (await request(url, "GET", "/api/labs/outlive/status")).json()) as LabStatus;
      assert.equal(up.running, true);
      assert.equal(up.failure ?? null, null);
    } finally {
      watcher.close();
    }
  });
});
