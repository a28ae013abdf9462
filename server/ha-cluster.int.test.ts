import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Engine } from "./engine/engine";
import type { LabRun } from "./engine/lab-run";
import { LocalEngine } from "./engine/local-engine";
import { processesIn } from "./engine/procs";
import { parseLabYaml } from "./labfile/labyaml";
import { activeNode, clientWrites, crashAndMeasure, heartbeatView, holds, holdsAll, holdsNone, until } from "./samples/ha-cluster-probe";

// The bundled HA cluster (the classic UML lab's first case study), as a
// student gets it: heartbeat on the cluster image, a serial cable and a
// broadcast medium, a shared disk, an NFS export and a client writing to it.
const SAMPLE = join(import.meta.dirname, "samples", "ha-cluster.yaml");

describe("ha-cluster: heartbeat moves the shared disk, the NFS export and the service IP to the surviving node (real guests)", () => {
  const root = mkdtempSync(join(tmpdir(), "umlab-ha-"));
  const engine = new Engine(root);
  const local = new LocalEngine(engine);
  const lab = parseLabYaml(readFileSync(SAMPLE, "utf8"));
  let run: LabRun;
  /** Which node's guest holds the shared disk's host lock (the engine reads it from /proc/locks). */
  const holder = () => engine.status(lab).disks?.find((d) => d.name === "shared")?.holder ?? null;
  /** Cuts or mends the heartbeat cable; says whether it is cut now. */
  const cable = async (action: "cut" | "mend") => (await local.cableAction(lab.name, "one.ttyS2", action)).cables?.[0]?.cut;
  /** What each cluster node holds and what its heartbeat believes, for a failure to say. */
  const clusterState = async () =>
    (
      await Promise.all(
        (["one", "two"] as const).map(async (n) => {
          const h = await holds(run, n).catch((e: Error) => e.message);
          const v = await heartbeatView(run, n).catch((e: Error) => e.message);
          const tail = run.node(n).console.tail(2000).replace(/\r/g, "").split("\n").slice(-15).join("\n");
          return `${n}: holds ${JSON.stringify(h)}; heartbeat ${JSON.stringify(v)}; holder of the disk's lock: ${holder()}\n--- ${n}'s console ---\n${tail}`;
        }),
      )
    ).join("\n");
  /** `until`, and on a timeout the cluster's state with the error. */
  const untilOrTell = async <T>(...a: Parameters<typeof until<T>>): Promise<T> => {
    try {
      return await until(...a);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${await clusterState()}`);
    }
  };
  /** Waits for the client to write again (a write that ended after now), and returns when it did. */
  const clientWritesAgain = (what: string, timeoutMs = 30000) => {
    const since = Date.now();
    return until(`${what}: a client write`, timeoutMs, async () => (await clientWrites(run)).find((t) => t > since) ?? null);
  };

  before(async () => {
    run = await engine.start(lab);
    await run.waitRunning(180000);
  });
  after(async () => {
    await engine.stopAll();
    assert.deepEqual(processesIn(root), [], "nothing of the lab is left running");
    rmSync(root, { recursive: true, force: true });
  });

  it("one takes the disk, the export and the IP at start; the client writes to the export and reads it back", async () => {
    assert.equal(await untilOrTell("one holding the whole resource group", 90000, () => activeNode(run)), "one");
    assert.equal(holder(), "one");
    await clientWritesAgain("the client's writer, once its mount is up", 60000);
    const text = `written-by-the-client-${process.pid}`;
    const r = await run.node("client").exec(`echo ${text} > /mnt/nfs/hello && cat /mnt/nfs/hello && grep -c client /mnt/nfs/clock.log`, 30);
    assert.equal(r.exitCode, 0, r.stderr);
    const [back, lines] = r.stdout.trim().split("\n");
    assert.equal(back, text);
    assert.ok(Number(lines) >= 1, r.stdout);
    // The server side: the file is on the shared disk itself.
    assert.equal((await run.node("one").exec("cat /srv/shared/export/hello", 20)).stdout.trim(), text);
  });

  it("cutting the serial cable alone is no split brain: heartbeat marks that link dead and goes on over the private switch; nothing moves", async () => {
    // (A node's own serial link reads dead in its view: a serial line does not hear itself, a broadcast does.)
    for (const n of ["one", "two"]) {
      const other = n === "one" ? "two" : "one";
      await until(`${n} hearing ${other} on both media`, 30000, async () => {
        const v = await heartbeatView(run, n);
        return v.one === "active" && v.two === "active" && v[`${other}/serial`] === "up" && v[`${other}/bcast`] === "up" && v;
      });
    }
    assert.equal(await cable("cut"), true);
    const views = await Promise.all(
      (["one", "two"] as const).map((n) => {
        const other = n === "one" ? "two" : "one";
        return until(`${n} seeing its serial link to ${other} dead`, 15000, async () => {
          const v = await heartbeatView(run, n);
          return v[`${other}/serial`] === "dead" && v;
        });
      }),
    );
    // Three deadtimes (3 s) more: a node that believed the other dead would be taking over by now.
    await new Promise((r) => setTimeout(r, 9000));
    for (const [i, n] of (["one", "two"] as const).entries()) {
      const v = await heartbeatView(run, n);
      console.log(`ha-cluster: serial cable cut, ${n} sees ${JSON.stringify(v)}`);
      assert.equal(views[i][n === "one" ? "two/serial" : "one/serial"], "dead");
      assert.equal(v.one, "active", `${n}: ${JSON.stringify(v)}`);
      assert.equal(v.two, "active", `${n}: ${JSON.stringify(v)}`);
      assert.equal(v[n === "one" ? "two/bcast" : "one/bcast"], "up", `${n}: ${JSON.stringify(v)}`);
    }
    assert.ok(holdsAll(await holds(run, "one")), "one still holds the disk, the export and the IP");
    assert.ok(holdsNone(await holds(run, "two")), "two took nothing");
    assert.equal(holder(), "one");
    await clientWritesAgain("with the serial cable cut");

    assert.equal(await cable("mend"), false);
    for (const n of ["one", "two"]) {
      const other = n === "one" ? "two" : "one";
      await until(`${n} hearing ${other} on the serial line again`, 30000, async () => (await heartbeatView(run, n))[`${other}/serial`] === "up");
    }
  });

  it("crashing one moves the disk, the export and the IP to two, and the client's next write succeeds", async () => {
    const ms = await crashAndMeasure(run, "one");
    console.log(`ha-cluster: one crashed → the client's next write succeeded after ${(ms / 1000).toFixed(1)} s (goal ≤ 10 s)`);
    assert.equal(await untilOrTell("two holding the whole resource group", 30000, () => activeNode(run, ["two"])), "two");
    assert.equal(holder(), "two", "two's guest holds the shared disk's host lock");
    const v = await heartbeatView(run, "two");
    assert.equal(v.one, "dead", JSON.stringify(v));
    // The client's file handles are still good: the file written through one reads back through two.
    const r = await run.node("client").exec("cat /mnt/nfs/hello", 30);
    assert.match(r.stdout, /^written-by-the-client-/);
    await clientWritesAgain("after the failover");
  });

  it("with both heartbeat media cut, a restarted one believes two is dead, yet cannot take the disk two holds, and so takes nothing", async () => {
    await run.startNode("one");
    await run.node("one").waitRunning(90000);
    // one comes back as the standby (auto_failback off): two keeps the service.
    await until("one hearing two again", 60000, async () => (await heartbeatView(run, "one")).two === "active");
    assert.equal(await activeNode(run), "two");

    assert.equal(await cable("cut"), true);
    await run.links.pull(run.lab, "one", 1);
    const pulledAt = Date.now();
    await until("one believing two is dead", 20000, async () => (await heartbeatView(run, "one")).two === "dead");
    // one's takeover: its SharedDisk fails (the host lock two holds), so heartbeat gives up the whole group, the IP included.
    const log = await until("one giving up the takeover", 60000, async () => {
      const out = (await run.node("one").exec("cat /var/log/ha-log", 20)).stdout;
      return /CRIT: Giving up resources due to failure of SharedDisk/.test(out) && out;
    });
    assert.match(log, /Return code \d+ from \/etc\/ha\.d\/resource\.d\/SharedDisk/);
    const onOne = await holds(run, "one");
    console.log(`ha-cluster: both media cut, one holds ${JSON.stringify(onOne)}, two ${JSON.stringify(await holds(run, "two"))}, the disk's lock: ${holder()}`);
    assert.ok(holdsNone(onOne), `one took something: ${JSON.stringify(onOne)}`);
    assert.ok(holdsAll(await holds(run, "two")), "two still holds the disk, the export and the IP");
    assert.equal(holder(), "two");
    const again = await clientWritesAgain("during the split");
    assert.ok(again > pulledAt);

    await run.links.plug(run.lab, "one", 1);
    assert.equal(await cable("mend"), false);
  });
});
