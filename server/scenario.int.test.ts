import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startLabServer, type LabServer } from "../scripts/lab-server";
import type { ScenarioView } from "./api/scenario-service";
import type { LabStatus } from "./engine/lab-run";
import type { LiveEvent } from "./engine/live";
import { processesIn } from "./engine/procs";
import type { LinkStatus } from "./engine/switch/link-faults";
import type { SubscribeReply } from "./realtime/protocol";
import { connect, request } from "./test-support";

const ROOT = join(import.meta.dirname, "..");
const lab = (scenario: string[]) => `umlab: 1
name: scenlab
nodes:
  a:
    eth: [sw1]
    startup: |
      ip addr add 10.9.0.1/24 dev eth0
      ip link set eth0 up
  b:
    eth: [sw1]
    startup: |
      ip addr add 10.9.0.2/24 dev eth0
      ip link set eth0 up
switches:
  sw1: {}
scenario:
${scenario.map((s) => `  - ${s}`).join("\n")}
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("scenarios: play, log, stop through the HTTP API, socket.io and the CLI (real UML)", () => {
  let server: LabServer | undefined;
  let url = "";
  let data = "";
  let socket: ReturnType<typeof connect>;
  const links: { t: number; link: LinkStatus }[] = [];
  const req = (method: string, path: string, body?: unknown, type?: string) => request(url, method, path, body, type);
  const scenario = async () => (await (await req("GET", "/api/labs/scenlab/scenario")).json()) as ScenarioView;
  const status = async () => (await (await req("GET", "/api/labs/scenlab/status")).json()) as LabStatus;
  const ping = async (n = 1) => ((await (await req("POST", "/api/labs/scenlab/nodes/a/exec", { argv: ["ping", "-c", String(n), "-W", "1", "10.9.0.2"] })).json()) as { exitCode: number; stdout: string });
  /** The CLI, without blocking this process (socket events keep coming in). */
  const cli = (...args: string[]) => {
    const child = spawn(process.execPath, [join(ROOT, "bin", "umlab.mjs"), ...args], { cwd: ROOT, env: { ...process.env, UMLAB_URL: url, UMLAB_TOKEN: server!.token } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => child.on("close", (status) => resolve({ status, stdout, stderr })));
  };
  const until = async (what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 15000) => {
    const end = Date.now() + timeoutMs;
    while (!(await ok())) {
      if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
      await sleep(50);
    }
  };

  before(async () => {
    server = await startLabServer({ samples: false, name: "scenario" });
    ({ url, data } = server);
    const res = await req("POST", "/api/labs", lab(["at 2s crash b", "at 0.5s pull a.eth0", "at 1.5s plug a.eth0", "at 2.5s crash b"]), "application/yaml");
    assert.equal(res.status, 201, await res.text());
    const res2 = await req("POST", "/api/labs", "umlab: 1\nname: plain\nnodes: { n: {} }\n", "application/yaml");
    assert.equal(res2.status, 201);
    socket = connect(url);
    socket.on("lab:patch", (ev) => ev.patch.kind === "link" && links.push({ t: performance.now(), link: ev.patch.link }));
    await new Promise<void>((r) => socket.once("connect", () => r()));
  });

  after(async () => {
    socket?.close();
    await server?.stop();
  });

  it("shows the steps in the order they run; refuses to play a lab that is not running or has no scenario (409)", async () => {
    const v = await scenario();
    assert.deepEqual(v.steps.map((s) => [s.index, s.atMs, s.what]), [[1, 500, "pull a.eth0"], [2, 1500, "plug a.eth0"], [0, 2000, "crash b"], [3, 2500, "crash b"]]);
    assert.deepEqual([v.lab, v.playing, v.startedAt, v.log], ["scenlab", false, null, []]);
    let res = await req("POST", "/api/labs/scenlab/scenario/play");
    assert.equal(res.status, 409);
    assert.match(((await res.json()) as { error: string }).error, /lab scenlab is not running/);
    res = await req("POST", "/api/labs/plain/scenario/play");
    assert.equal(res.status, 409);
    assert.match(((await res.json()) as { error: string }).error, /lab plain has no scenario/);
    assert.equal((await req("POST", "/api/labs/scenlab/scenario/rewind")).status, 400);
    assert.equal((await req("POST", "/api/labs/nosuch/scenario/play")).status, 404);
    const r = await cli("scenario", "scenlab", "play");
    assert.equal(r.status, 1);
    assert.match(r.stderr, /lab scenlab is not running/);
  });

  it("plays the steps at their times: the link is pulled then plugged, b crashes, a failing step is logged and the rest go on", async () => {
    const r0 = await cli("start", "scenlab");
    assert.equal(r0.status, 0, r0.stderr + r0.stdout);
    const events: { t: number; lab: string; index: number; ok: boolean }[] = [];
    const onEvent = (ev: LiveEvent) => ev.patch.kind === "scenario-step" && events.push({ t: performance.now(), lab: ev.lab, index: ev.patch.entry.index, ok: ev.patch.entry.ok });
    socket.on("lab:patch", onEvent);
    // A scenario's steps are the lab's live patches, in its room only.
    const sub = await new Promise<SubscribeReply>((resolve) => socket.emit("lab:subscribe", { lab: "scenlab" }, resolve));
    assert.ok(sub.ok);
    try {
      const t0 = performance.now();
      const res = await req("POST", "/api/labs/scenlab/scenario/play");
      assert.equal(res.status, 200);
      const v = (await res.json()) as ScenarioView;
      assert.equal(v.playing, true);
      assert.equal((await req("POST", "/api/labs/scenlab/scenario/play")).status, 409, "one play at a time");
      await until("the play to end", async () => !(await scenario()).playing);
      const { log, stopped } = await scenario();
      assert.equal(stopped, false);
      assert.deepEqual(log.map((e) => [e.index, e.text, e.plannedMs, e.ok]), [[1, "pull a.eth0", 500, true], [2, "plug a.eth0", 1500, true], [0, "crash b", 2000, true], [3, "crash b", 2500, false]]);
      assert.match(log[3].error ?? "", /node b of lab scenlab is crashed/);
      for (const e of log) assert.ok(e.atMs >= e.plannedMs && e.atMs < e.plannedMs + 1000, `step ${e.index} ran at ${e.atMs} ms, planned ${e.plannedMs}`);
      // Announced as they happened, each about when it ran.
      assert.deepEqual(events.map((e) => [e.lab, e.index, e.ok]), [[sub.lab, 1, true], [sub.lab, 2, true], [sub.lab, 0, true], [sub.lab, 3, false]]);
      // The link: pulled about 0.5 s after play, plugged about a second later.
      const mine = links.filter((l) => l.t >= t0 && l.link.node === "a" && l.link.iface === "eth0");
      assert.deepEqual(mine.map((l) => l.link.pulled), [true, false]);
      const gap = mine[1].t - mine[0].t;
      assert.ok(gap > 700 && gap < 1600, `pulled for ${gap} ms`);
      const s = await status();
      assert.equal(s.nodes.find((n) => n.name === "b")?.state, "crashed");
      assert.equal(s.nodes.find((n) => n.name === "a")?.state, "running");
      assert.equal(s.links.find((l) => l.node === "a")?.pulled, false);
    } finally {
      socket.off("lab:patch", onEvent);
    }
  });

  it("the CLI plays and prints each step as it runs; the link passes nothing while pulled; stop cancels what is pending", async () => {
    assert.equal((await cli("node", "scenlab", "b", "start")).status, 0);
    await until("b to run", async () => (await status()).nodes.find((n) => n.name === "b")?.state === "running", 90000);
    await until("a ping to pass", async () => (await ping()).exitCode === 0, 30000);
    const put = await req("PUT", "/api/labs/scenlab", lab(["at 0s pull a.eth0", "at 4s plug a.eth0", "at 60s crash b"]), "application/yaml");
    assert.equal(put.status, 200, await put.text());
    const since = performance.now();
    const playing = cli("scenario", "scenlab", "play");
    await until("the pull", () => links.some((l) => l.t >= since && l.link.node === "a" && l.link.pulled));
    const pulled = await ping();
    assert.notEqual(pulled.exitCode, 0, `a ping passed a pulled link: ${pulled.stdout}`);
    await until("the plug", () => links.some((l) => l.t >= since && l.link.node === "a" && !l.link.pulled), 10000);
    assert.equal((await ping(2)).exitCode, 0, "a ping passes once plugged back");
    const stop = await cli("scenario", "scenlab", "stop");
    assert.equal(stop.status, 0, stop.stderr);
    assert.equal(stop.stdout, "stopped the scenario of scenlab: 2 of 3 steps ran\n");
    const r = await playing;
    assert.equal(r.status, 1, "a stopped play is not a success");
    assert.match(r.stdout, /^playing the scenario of scenlab: 3 steps, the last at \+60\.0s\n\+0\.\ds pull a\.eth0 ok\n\+4\.\ds plug a\.eth0 ok\nstopped after 2 of 3 steps\n$/);
    const v = await scenario();
    assert.deepEqual([v.playing, v.stopped, v.log.length], [false, true, 2]);
    const log = await cli("scenario", "scenlab", "log");
    assert.match(log.stdout, /^played at \S+\n\+0\.\ds pull a\.eth0 ok\n\+4\.\ds plug a\.eth0 ok\nstopped after 2 of 3 steps\n$/);
    assert.equal((await status()).nodes.find((n) => n.name === "b")?.state, "running", "the crash was cancelled");
  });

  it("stopping the lab stops its scenario, and leaves no process", async () => {
    const r = await cli("scenario", "scenlab", "play", "--no-wait");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^playing the scenario of scenlab: 3 steps, the last at \+60\.0s/);
    await until("the pull", async () => (await scenario()).log.length === 1);
    assert.equal((await cli("stop", "scenlab")).status, 0);
    const v = await scenario();
    assert.deepEqual([v.playing, v.stopped, v.log.map((e) => e.text)], [false, true, ["pull a.eth0"]]);
    assert.equal((await req("POST", "/api/labs/scenlab/scenario/play")).status, 409);
    assert.deepEqual(processesIn(data), []);
  });
});
