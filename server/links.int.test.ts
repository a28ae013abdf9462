import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startLabServer, type LabServer } from "../scripts/lab-server";
import { processesIn } from "./engine/procs";
import type { LinkStatus } from "./engine/switch/link-faults";
import type { SubscribeReply } from "./realtime/protocol";
import { authed, connect, request, umlab } from "./test-support";

const LAB = `umlab: 1
name: linklab
nodes:
  node01:
    eth: [sw1, hub1]
    startup: |
      ip addr add 10.8.0.1/24 dev eth0
      ip link set eth0 up
  node02:
    eth: [sw1]
    startup: |
      ip addr add 10.8.0.2/24 dev eth0
      ip link set eth0 up
switches:
  sw1: {}
  hub1: { mode: hub }
`;

describe("link faults through the HTTP API, the CLI and socket.io (real UML)", () => {
  let server: LabServer | undefined;
  let url = "";
  let data = "";
  const post = (path: string, body?: unknown) => request(url, "POST", path, body);
  const link = (node: string, iface: string, body: unknown) => post(`/api/labs/linklab/links/${node}/${iface}`, body);
  const cli = (...args: string[]) => umlab(url, args);
  const ping = async () => ((await (await post("/api/labs/linklab/nodes/node01/exec", { argv: ["ping", "-c", "2", "-W", "2", "10.8.0.2"] })).json()) as { exitCode: number; stdout: string });

  before(async () => {
    server = await startLabServer({ samples: false, name: "links-api" });
    ({ url, data } = server);
    assert.equal((await request(url, "POST", "/api/labs", LAB, "application/yaml")).status, 201);
  });

  after(() => server?.stop());

  it("refuses a link of a lab that is not running (409), an unknown node or interface (404), a bad request (400)", async () => {
    let res = await link("node01", "eth0", { action: "pull" });
    assert.equal(res.status, 409);
    assert.match(((await res.json()) as { error: string }).error, /lab linklab is not running/);
    assert.equal((await link("nosuch", "eth0", { action: "pull" })).status, 404);
    assert.equal((await link("node01", "eth5", { action: "pull" })).status, 404);
    assert.equal((await link("node01", "wlan0", { action: "pull" })).status, 404);
    assert.equal((await post("/api/labs/nosuch/links/node01/eth0", { action: "pull" })).status, 404);
    for (const bad of [{ action: "cut" }, {}, { action: "pull", lossPct: 5 }, { action: "impair" }, { action: "impair", lossPct: 101 }, { action: "impair", delayMs: -1 }, { action: "impair", delayMs: 60001 }, { action: "impair", bandwidthKbit: 0 }, { action: "impair", dupPct: 200 }]) {
      res = await link("node01", "eth0", bad);
      assert.equal(res.status, 400, JSON.stringify(bad));
    }
    const cliBad = cli("link", "linklab", "node01", "pull");
    assert.equal(cliBad.status, 1);
    assert.match(cliBad.stderr, /"node01" is not NODE\.ethN/);
  });

  it("pulls and plugs a link, announcing each change over socket.io", async () => {
    const r0 = cli("start", "linklab");
    assert.equal(r0.status, 0, r0.stderr + r0.stdout);
    assert.equal((await ping()).exitCode, 0);
    const socket = connect(url);
    const seen: { lab: string; link: LinkStatus }[] = [];
    socket.on("lab:patch", (ev) => ev.patch.kind === "link" && seen.push({ lab: ev.lab, link: ev.patch.link }));
    await new Promise<void>((r) => socket.once("connect", () => r()));
    const sub = await new Promise<SubscribeReply>((r) => socket.emit("lab:subscribe", { lab: "linklab" }, r));
    assert.ok(sub.ok);
    try {
      let res = await link("node01", "eth0", { action: "pull" });
      assert.equal(res.status, 200);
      const status = (await res.json()) as { links: LinkStatus[] };
      assert.deepEqual(status.links.find((l) => l.node === "node01" && l.iface === "eth0"), { node: "node01", iface: "eth0", switch: "sw1", port: 1, pulled: true, impair: null });
      assert.notEqual((await ping()).exitCode, 0);
      res = await link("node01", "eth0", { action: "plug" });
      assert.equal(res.status, 200);
      assert.equal((await ping()).exitCode, 0);
      const until = Date.now() + 5000;
      while (seen.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(seen.map((e) => [e.lab, e.link.node, e.link.iface, e.link.pulled]), [[sub.lab, "node01", "eth0", true], [sub.lab, "node01", "eth0", false]]);
    } finally {
      socket.close();
    }
  });

  it("says why a hub link cannot be faulted (409)", async () => {
    const res = await link("node01", "eth1", { action: "impair", lossPct: 10 });
    assert.equal(res.status, 409);
    assert.deepEqual(await res.json(), { error: "link faults need a vde switch in switch mode; hub1 is a hub", kind: "LinkFaultError" });
    const r = cli("link", "linklab", "node01.eth1", "pull");
    assert.equal(r.status, 1);
    assert.match(r.stderr, /link faults need a vde switch in switch mode; hub1 is a hub/);
  });

  it("impairs, shows and clears a link from the CLI", async () => {
    let r = cli("link", "linklab", "node01.eth0", "impair", "--loss", "0", "--delay", "100", "--bandwidth", "2000", "--dup", "0");
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "node01.eth0 (sw1 port 1): impaired: 100 ms, 2 Mbit/s\n");
    const p = await ping();
    assert.equal(p.exitCode, 0);
    assert.ok(Number(/min\/avg\/max = [\d.]+\/([\d.]+)\//.exec(p.stdout)?.[1]) >= 200, p.stdout);
    r = cli("link", "linklab", "node02.eth0", "pull");
    assert.equal(r.stdout, "node02.eth0 (sw1 port 2): pulled\n");
    r = cli("status", "linklab");
    assert.match(r.stdout, /^LINK\s+SWITCH\s+PORT\s+STATE$/m);
    assert.match(r.stdout, /^node01\.eth0\s+sw1\s+1\s+impaired: 100 ms, 2 Mbit\/s$/m);
    assert.match(r.stdout, /^node01\.eth1\s+hub1\s+1\s+up$/m);
    assert.match(r.stdout, /^node02\.eth0\s+sw1\s+2\s+pulled$/m);
    assert.equal(cli("link", "linklab", "node02.eth0", "plug").status, 0);
    r = cli("link", "linklab", "node01.eth0", "clear");
    assert.equal(r.stdout, "node01.eth0 (sw1 port 1): up\n");
    assert.equal((await ping()).exitCode, 0);
    r = cli("link", "linklab", "node01.eth0", "impair");
    assert.equal(r.status, 1);
    assert.match(r.stderr, /impair needs at least one of --loss/);
  });

  it("a lab stop clears every fault and leaves no process", async () => {
    assert.equal((await link("node01", "eth0", { action: "impair", lossPct: 50 })).status, 200);
    const r = cli("stop", "linklab");
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /^LINK/m, "a stopped lab lists no link faults");
    const status = (await (await authed(`${url}/api/labs/linklab/status`)).json()) as { links: LinkStatus[] };
    assert.deepEqual(status.links.filter((l) => l.pulled || l.impair), []);
    assert.deepEqual(processesIn(data), []);
  });
});
