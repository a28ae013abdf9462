import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startLabServer, type LabServer } from "../scripts/lab-server";
import { ringDir } from "./engine/capture/switch-rings";
import type { CaptureInfo, PacketRow } from "./engine/capture/types";
import type { LabStatus } from "./engine/lab-run";
import { labPaths } from "./engine/paths";
import { connect, expectJson, request, signInPeople, umlab, until, type People } from "./test-support";

const LAB = `umlab: 1
name: caplab
nodes:
  pc1:
    mem: 48M
    eth: [sw1, hub1]
    startup: |
      ip addr add 10.0.9.1/24 dev eth0; ip link set eth0 up
      ip addr add 10.0.8.1/24 dev eth1; ip link set eth1 up
  pc2:
    mem: 48M
    eth: [sw1, hub1]
    startup: |
      ip addr add 10.0.9.2/24 dev eth0; ip link set eth0 up
      ip addr add 10.0.8.2/24 dev eth1; ip link set eth1 up
  pc3:
    mem: 48M
    eth: [sw1]
    startup: ip addr add 10.0.9.3/24 dev eth0; ip link set eth0 up
  pc4:
    mem: 48M
    eth: [usw]
switches:
  sw1: {}
  hub1: { mode: hub }
  usw: { kind: uml_switch }
`;

const TSHARK = "/usr/bin/tshark";

/** Captures through the server, as the console and the CLI use them: a running lab of real guests on real switches. */
describe("captures: switches, hubs and links, live rows and pcapng (real server, real UML)", () => {
  let server: LabServer | undefined;
  let url = "";
  let as: People["as"] = () => Promise.reject(new Error("not signed in yet"));
  const tmp = mkdtempSync(join(tmpdir(), "umlab-captures-"));
  const api = (method: string, path: string, body?: unknown) => request(url, method, `/api/labs/caplab${path}`, body);
  const ok = <T>(res: Response, status = 200) => expectJson<T>(res, status);
  const sh = async (node: string, script: string) => (await ok<{ stdout: string; code: number }>(await api("POST", `/nodes/${node}/exec`, { script, timeout: 60 })));
  const start = (target: unknown, ringMiB?: number) => api("POST", "/captures", { target, ...(ringMiB ? { ringMiB } : {}) }).then((r) => ok<CaptureInfo>(r, 201));
  const pcap = async (id: string) => Buffer.from(await (await api("GET", `/captures/${id}/pcap`)).arrayBuffer());
  /** tshark's fields of each packet its display filter keeps, from a pcapng. */
  const tshark = (file: Buffer, filter: string, fields: string[]) => {
    const path = join(tmp, `t${Math.random().toString(36).slice(2)}.pcapng`);
    writeFileSync(path, file);
    const r = spawnSync(TSHARK, ["-r", path, ...(filter ? ["-Y", filter] : []), "-T", "fields", ...fields.flatMap((f) => ["-e", f])], { encoding: "utf8", env: { ...process.env, HOME: tmp } });
    assert.equal(r.status, 0, `tshark failed: ${r.stderr}`);
    // As root it warns that it runs as root; anything else it says is about the file.
    assert.equal(r.stderr.replace(/^Running as user .*dangerous\.$/m, "").trim(), "", "tshark reads the file without a complaint");
    return r.stdout.trim().split("\n").filter(Boolean).map((l) => l.split("\t"));
  };
  const icmp = (rows: PacketRow[]) => rows.filter((r) => r.protocol === "ICMP");

  before(async () => {
    assert.ok(spawnSync(TSHARK, ["--version"]).status === 0, "tshark (Debian's tshark) is needed: npm test installs it");
    server = await startLabServer({ samples: false, name: "captures" });
    url = server.url;
    ({ as } = await signInPeople(server, [["sam", "student"]]));
    await ok(await request(url, "POST", "/api/labs", LAB, "application/yaml"), 201);
    await ok(await api("POST", "/start"));
    await until("caplab running", 120_000, async () => {
      const s = await ok<LabStatus>(await api("GET", "/status"));
      return s.nodes.every((n) => n.state === "running") && s;
    });
  });

  after(async () => {
    await server?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it("captures a switch: a ping's requests and replies, once each, live over the socket and in a pcapng tshark reads", async () => {
    const c = await start({ kind: "switch", name: "sw1" });
    assert.equal(c.label, "switch sw1");
    assert.equal(c.state, "running");
    const socket = connect(url);
    const live: PacketRow[] = [];
    socket.on("capture:rows", (b) => b.capture === c.id && live.push(...b.rows));
    try {
      const sub = await new Promise<{ ok: boolean; rows?: PacketRow[]; error?: string }>((r) => socket.emit("capture:subscribe", { lab: "caplab", capture: c.id }, r));
      assert.ok(sub.ok, sub.error);
      live.push(...(sub.rows ?? []));
      const out = await sh("pc1", "ping -c 3 -W 2 10.0.9.2");
      assert.match(out.stdout, /3 packets received/);
      const { value: rows } = await until("six ICMP rows on the socket", 10_000, async () => icmp(live).length >= 6 && icmp(live));
      const requests = rows.filter((r) => r.info.startsWith("Echo (ping) request"));
      const replies = rows.filter((r) => r.info.startsWith("Echo (ping) reply"));
      assert.equal(requests.length, 3, "each request once: a switch capture takes a frame as it leaves its sender");
      assert.equal(replies.length, 3);
      assert.ok(requests.every((r) => r.src === "10.0.9.1" && r.dst === "10.0.9.2"));
      assert.ok(replies.every((r) => r.src === "10.0.9.2" && r.dst === "10.0.9.1"));
    } finally {
      socket.close();
    }
    // The download while it runs, then stopped: the same frames, as tshark reads them.
    const partial = await pcap(c.id);
    assert.equal(partial.subarray(0, 4).toString("hex"), "0a0d0d0a", "a pcapng section header");
    const stopped = await ok<CaptureInfo>(await api("POST", `/captures/${c.id}/stop`));
    assert.equal(stopped.state, "stopped");
    const packets = tshark(await pcap(c.id), "icmp", ["ip.src", "ip.dst", "icmp.type"]);
    assert.equal(packets.length, 6, "the pcapng has the same ICMP packets as the list");
    assert.deepEqual(packets.filter((p) => p[2] === "8").map((p) => `${p[0]}>${p[1]}`), ["10.0.9.1>10.0.9.2", "10.0.9.1>10.0.9.2", "10.0.9.1>10.0.9.2"]);
    assert.equal(packets.filter((p) => p[2] === "0").length, 3);
    await sh("pc1", "ping -c 2 -W 2 10.0.9.2");
    assert.equal(tshark(await pcap(c.id), "icmp", ["icmp.type"]).length, 6, "a stopped capture takes no more frames");
    assert.equal((await api("DELETE", `/captures/${c.id}`)).status, 204);
  });

  it("captures one link: that node's frames only, with their direction; the link can be pulled and plugged while captured", async () => {
    const c = await start({ kind: "link", node: "pc3", iface: "eth0" });
    assert.equal(c.label, "link pc3.eth0");
    // Moving a port between VLANs empties vde_switch's address table, as a topology change does: until the
    // switch learns pc1 and pc2 again, a frame to them goes to every port, pc3's too. After that, none does.
    await sh("pc1", "ping -c 1 -W 2 10.0.9.2");
    const mark = tshark(await pcap(c.id), "", ["frame.number"]).length;
    await sh("pc1", "ping -c 2 -W 2 10.0.9.2");
    await sh("pc3", "ping -c 2 -W 2 10.0.9.1");
    const file = await pcap(c.id);
    const seen = tshark(file, `frame.number > ${mark} && icmp`, ["ip.src", "ip.dst", "icmp.type"]).map((p) => `${p[0]}>${p[1]}:${p[2]}`);
    assert.deepEqual(seen, ["10.0.9.3>10.0.9.1:8", "10.0.9.1>10.0.9.3:0", "10.0.9.3>10.0.9.1:8", "10.0.9.1>10.0.9.3:0"], "pc1's ping of pc2 is not on pc3's link");
    // Direction: out of the node, into it (pcapng's packet flags, as tshark names them).
    const dirs = tshark(file, `frame.number > ${mark} && icmp`, ["frame.packet_flags_direction"]).map((p) => Number(p[0]));
    assert.deepEqual(dirs, [2, 1, 2, 1], "out (2), in (1), out, in");
    // Pulled while captured: pc3 reaches nobody, and the capture still sees what it sends.
    await ok(await request(url, "POST", "/api/labs/caplab/links/pc3/eth0", { action: "pull" }));
    const pulled = await sh("pc3", "ping -c 2 -W 1 10.0.9.1");
    assert.match(pulled.stdout, /0 packets received/);
    await ok(await request(url, "POST", "/api/labs/caplab/links/pc3/eth0", { action: "plug" }));
    assert.match((await sh("pc3", "ping -c 2 -W 2 10.0.9.1")).stdout, /2 packets received/);
    const after = tshark(await pcap(c.id), "icmp.type == 8 && ip.src == 10.0.9.3", ["ip.src"]);
    assert.equal(after.length, 6, "two requests before, two while pulled (unanswered), two after");
    // Deleted: the node is on its own port again and still reaches the others.
    assert.equal((await api("DELETE", `/captures/${c.id}`)).status, 204);
    assert.match((await sh("pc3", "ping -c 2 -W 2 10.0.9.2")).stdout, /2 packets received/);
  });

  it("captures a hub, and refuses a uml_switch with the reason", async () => {
    const c = await start({ kind: "switch", name: "hub1" });
    assert.equal(c.label, "hub hub1");
    await sh("pc1", "ping -c 2 -W 2 10.0.8.2");
    const packets = tshark(await pcap(c.id), "icmp", ["ip.src", "ip.dst"]);
    assert.deepEqual(packets.map((p) => p.join(">")), ["10.0.8.1>10.0.8.2", "10.0.8.2>10.0.8.1", "10.0.8.1>10.0.8.2", "10.0.8.2>10.0.8.1"]);
    const usw = await api("POST", "/captures", { target: { kind: "switch", name: "usw" } });
    assert.equal(usw.status, 409);
    assert.match(await usw.text(), /uml_switch.*without root.*vde switch/);
    const link = await api("POST", "/captures", { target: { kind: "link", node: "pc4", iface: "eth0" } });
    assert.equal(link.status, 409);
    assert.equal((await api("POST", "/captures", { target: { kind: "switch", name: "nope" } })).status, 409);
    assert.equal((await api("POST", "/captures", { target: { kind: "link", node: "pc1", iface: "wlan0" } })).status, 400);
    assert.equal((await api("POST", "/captures", { target: { kind: "switch", name: "sw1" }, ringMiB: 100000 })).status, 400);
  });

  it("shows a lab's captures to whoever may see it, and to nobody else", async () => {
    const other = await as("sam", "GET", "/api/labs/caplab/captures");
    assert.equal(other.status, 404);
    assert.equal((await as("sam", "POST", "/api/labs/caplab/captures", { target: { kind: "switch", name: "sw1" } })).status, 404);
    const { captures } = await ok<{ captures: CaptureInfo[] }>(await api("GET", "/captures"));
    const id = captures[0].id;
    assert.equal((await as("sam", "GET", `/api/labs/caplab/captures/${id}/pcap`)).status, 404);
    assert.equal((await as(null, "GET", `/api/labs/caplab/captures/${id}/pcap`)).status, 401);
  });

  it("starts, lists, downloads, stops and removes captures from the CLI", () => {
    const started = umlab(url, ["capture", "caplab", "pc1.eth0", "start", "--ring", "2"]);
    assert.equal(started.status, 0, started.stderr);
    const id = started.stdout.trim();
    assert.match(id, /^c\d+$/);
    const ls = umlab(url, ["capture", "caplab", "ls"]);
    assert.match(ls.stdout, new RegExp(`${id}\\s+link pc1.eth0\\s+running`));
    const file = join(tmp, "cli.pcapng");
    const got = umlab(url, ["capture", "caplab", "pc1.eth0", "pcap", "-o", file]);
    assert.equal(got.status, 0, got.stderr);
    assert.equal(readFileSync(file).subarray(0, 4).toString("hex"), "0a0d0d0a");
    assert.match(umlab(url, ["capture", "caplab", id, "stop"]).stdout, /stopped capture/);
    assert.equal(umlab(url, ["capture", "caplab", id, "rm"]).status, 0);
    const bad = umlab(url, ["capture", "caplab", "usw", "start"]);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /uml_switch/);
  });

  it("ends every capture with its lab, and leaves no ring behind", async () => {
    await start({ kind: "link", node: "pc2", iface: "eth0" });
    await start({ kind: "switch", name: "hub1" });
    const run = labPaths(server!.data, (await ok<LabStatus>(await api("GET", "/status"))).id).run;
    // The captures' rings on tmpfs, one a capture, which the plugin inside each switch fills.
    const rings = () => (existsSync(ringDir(run)) ? readdirSync(ringDir(run)).filter((f) => f.endsWith(".ring")) : []);
    assert.ok(rings().length >= 2, `a ring each: ${rings().join(" ")}`);
    await ok(await api("POST", "/stop"));
    assert.deepEqual(rings(), []);
    assert.equal(existsSync(ringDir(run)), false, "nor their folder");
    assert.equal((await api("GET", "/captures")).status, 200);
    assert.deepEqual((await ok<{ captures: CaptureInfo[] }>(await api("GET", "/captures"))).captures, []);
  });
});
