import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { freePort, startLabServer, type LabServer } from "../scripts/lab-server";
import { isAlive, processesIn, waitFor } from "./engine/procs";
import { RemoteEngine } from "./engine/remote/engine-client";
import { connect, doorTicket, openDoor, request, umlab, until } from "./test-support";

const ROOT = join(import.meta.dirname, "..");
const SECRET = "a-secret-shared-by-the-two-hosts-0123456789";
const LAB = `umlab: 1
name: faraway
nodes:
  n1:
    eth: [sw1]
    startup: |
      ip addr add 10.0.10.1/24 dev eth0
      ip link set eth0 up
  n2:
    eth: [sw1]
    startup: |
      ip addr add 10.0.10.2/24 dev eth0
      ip link set eth0 up
switches:
  sw1: {}
`;

describe("a web server drives an engine reached over TCP, as if on another host (real UML)", () => {
  let engine: ChildProcess | undefined;
  let engineData = "";
  let port = 0;
  let server: LabServer | undefined;
  let url = "";
  let engineLog = "";

  before(async () => {
    // The engine's own data root (the "other host"), its own port, the secret given to both sides.
    engineData = realpathSync(mkdtempSync(join(tmpdir(), "umlab-remote-engine-")));
    port = await freePort();
    engine = spawn(process.execPath, ["--import", "tsx", join(ROOT, "server", "engine-main.ts")], {
      cwd: ROOT,
      env: {
        ...process.env,
        UMLAB_DATA: engineData,
        UMLAB_ENGINE_LISTEN: `127.0.0.1:${port}`,
        UMLAB_ENGINE_SECRET: SECRET,
        UMLAB_KERNELS: join(ROOT, ".umlab", "kernels"),
        UMLAB_IMAGES: join(ROOT, ".umlab", "images"),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    engine.stdout!.on("data", (d: Buffer) => (engineLog += d));
    engine.stderr!.on("data", (d: Buffer) => (engineLog += d));
    await until("the engine listening on TCP", 30_000, async () => engineLog.includes(`tcp://127.0.0.1:${port}`) && engineLog.includes("serving"));
    server = await startLabServer({ samples: false, name: "remote-web", engine: { address: `tcp://127.0.0.1:${port}`, secret: SECRET } });
    ({ url } = server);
  });

  after(async () => {
    await server?.stop();
    if (engine?.pid && isAlive(engine.pid)) {
      engine.kill("SIGTERM");
      assert.ok(await waitFor(() => !isAlive(engine!.pid!), 60_000, 50), "the engine ends on SIGTERM");
    }
    assert.deepEqual(processesIn(engineData), [], "the engine's labs ended with it");
    rmSync(engineData, { recursive: true, force: true });
  });

  it("refuses a client without the secret", async () => {
    const intruder = new RemoteEngine({ host: "127.0.0.1", port }, "not the secret");
    await assert.rejects(intruder.connect(), /refused this server/);
    intruder.close();
  });

  it("starts a lab there, runs a command, types into a console, and stops it", async () => {
    assert.equal((await request(url, "POST", "/api/labs", LAB, "application/yaml")).status, 201);
    const r = umlab(url, ["start", "faraway"]);
    assert.equal(r.status, 0, r.stderr);
    // The guests run on the engine's host (its data root), not the web server's.
    assert.ok(processesIn(engineData).length >= 3);
    assert.deepEqual(processesIn(server!.data), []);

    const ping = umlab(url, ["exec", "faraway", "n1", "--", "ping", "-c", "1", "-W", "2", "10.0.10.2"]);
    assert.equal(ping.status, 0, ping.stdout + ping.stderr);
    assert.match(ping.stdout, /1 packets received/);

    const c = connect(url);
    try {
      let text = "";
      c.on("console:data", (m) => (text += m.data));
      await new Promise<void>((ok) => c.once("connect", () => ok()));
      const replay = await new Promise<string>((ok, no) => c.emit("console:attach", { lab: "faraway", node: "n2" }, (a) => (a.ok ? ok(a.replay) : no(new Error(a.error)))));
      assert.match(replay, /n2:/, "the screen comes over from the engine");
      c.emit("console:input", { lab: "faraway", node: "n2", data: "echo far-$((6*7))\r" });
      await until("the echo", 10_000, async () => text.includes("far-42"));

      // The same console through the engine's own console door, with a ticket the web server signed under the shared secret.
      const door = await openDoor(url, await doorTicket(c, "faraway", "n2"));
      try {
        let far = "";
        door.on("console:data", (m) => (far += m.data));
        const att = await new Promise<{ ok: boolean }>((ok) => door.emit("console:attach", { lab: "faraway", node: "n2" }, ok));
        assert.equal(att.ok, true);
        door.emit("console:input", { lab: "faraway", node: "n2", data: "echo door-$((6*8))\r" });
        await until("the echo through the door", 10_000, async () => far.includes("door-48"));
      } finally {
        door.close();
      }
    } finally {
      c.close();
    }

    // A capture's rows are made while any web server watches it, and one that goes stops watching.
    const labId = ((await (await request(url, "GET", "/api/labs/faraway")).json()) as { id: string }).id;
    const cap = (await (await request(url, "POST", "/api/labs/faraway/captures", { target: { kind: "switch", name: "sw1" } })).json()) as { id: string };
    const [a, b] = [new RemoteEngine({ host: "127.0.0.1", port }, SECRET), new RemoteEngine({ host: "127.0.0.1", port }, SECRET)];
    try {
      await Promise.all([a.connect(), b.connect()]);
      let rows = 0;
      b.on("capture-rows", (lab: string, capture: string, r: unknown[]) => lab === labId && capture === cap.id && (rows += r.length));
      const pingThrough = () => umlab(url, ["exec", "faraway", "n1", "--", "ping", "-c", "2", "-i", "0.2", "10.0.10.2"]);
      pingThrough();
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(rows, 0, "nobody watches: no rows");
      await a.watchCapture(labId, cap.id, true);
      await b.watchCapture(labId, cap.id, true);
      await b.watchCapture(labId, cap.id, false);
      pingThrough();
      await until("rows while a watches", 5000, async () => rows >= 4);
      a.close();
      await new Promise((r) => setTimeout(r, 300));
      const before = rows;
      pingThrough();
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(rows, before, "the client that watched went: no rows");
    } finally {
      a.close();
      b.close();
    }

    const stop = umlab(url, ["stop", "faraway"]);
    assert.equal(stop.status, 0, stop.stderr);
    assert.deepEqual(processesIn(engineData), []);
  });
});
