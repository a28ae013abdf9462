import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { parseLabYaml } from "../../labfile/labyaml";
import { Engine } from "../engine";
import type { LabRun } from "../lab-run";
import { descendants, processesIn, waitFor } from "../procs";
import { ringDir } from "./switch-rings";
import type { CaptureRequest, PacketRow } from "./types";

const LAB = `
umlab: 1
name: taps
nodes:
  a:
    eth: [sw1]
    startup: ip addr add 10.0.6.1/24 dev eth0; ip link set eth0 up
  b:
    eth: [sw1]
    startup: ip addr add 10.0.6.2/24 dev eth0; ip link set eth0 up
switches:
  sw1: {}
cables:
  - [a.ttyS2, b.ttyS2]
`;

const rtt = (out: string) => Number(/min\/avg\/max = [\d.]+\/([\d.]+)\//.exec(out)?.[1] ?? NaN);

/** Captures of a vde switch and its links from inside it (umlab's plugin), with the link faults they must live with (real UML, vde_switch, wirefilter). */
describe("switch and link captures beside pulls and impairments", () => {
  const root = mkdtempSync(join(tmpdir(), "umlab-taps-"));
  const engine = new Engine(root);
  const lab = parseLabYaml(LAB);
  let run: LabRun;
  const rows = new Map<string, PacketRow[]>();
  /** A capture someone views: its rows come as events. */
  const watched = async (req: CaptureRequest) => {
    const c = await run.captures.start(req);
    run.captures.watch(c.id, true);
    return c;
  };
  const ping = (n = 2, wait = 2) => run.node("a").exec(`ping -c ${n} -W ${wait} 10.0.6.2`, 30);
  // Every process of the lab: a capture adds none (the plugin works inside the switch).
  const processes = () => processesIn(run.paths.run).length;

  before(async () => {
    run = await engine.start(lab);
    run.on("capture-rows", (id: string, r: PacketRow[]) => rows.set(id, [...(rows.get(id) ?? []), ...r]));
    await run.waitRunning(90000);
    // The link works before anything is done to it (a guest's network can lag its "running" by a moment).
    let first = "";
    for (let i = 0; i < 5 && !/1 packets received/.test(first); i++) first = (await ping(1)).stdout;
    assert.match(first, /1 packets received/, "a reaches b before any capture");
  });
  /** What the switch had in mind, for a failure's message: its ports, VLANs and learned addresses. */
  const switchState = async () => {
    const replies = await run.switches.get("sw1")!.mgmt(["port/allprint", "vlan/allprint", "hash/print"]).catch((e) => [{ data: [String(e)] }]);
    return replies.flatMap((r) => r.data).join("\n");
  };
  const pingOk = async (n: number, why: string) => {
    const out = (await ping(n)).stdout;
    if (!new RegExp(`${n} packets received`).test(out)) assert.fail(`${why}\n${out}\nswitch:\n${await switchState()}`);
    return out;
  };
  // One test's failure leaves no capture, pull or filter behind to fail the next one.
  afterEach(async () => {
    for (const c of run.captures.list()) await run.captures.remove(c.id).catch(() => {});
    await run.links.clear(lab, "a", 0).catch(() => {});
    await run.links.plug(lab, "a", 0).catch(() => {});
  });
  after(async () => {
    await engine.stopAll();
    rmSync(root, { recursive: true, force: true });
  });

  it("keeps an impairment working on a captured link: delayed, and the capture sees each frame once, with its direction", async () => {
    await run.links.impair(lab, "a", 0, { lossPct: 0, delayMs: 100, bandwidthKbit: null, dupPct: 0 });
    const c = await watched({ target: { kind: "link", node: "a", iface: "eth0" } });
    const out = await pingOk(3, "a reaches b through the impaired, captured link");
    assert.ok(rtt(out) >= 180, `the 100 ms each way still applies (rtt ${rtt(out)} ms)`);
    await waitFor(() => (rows.get(c.id) ?? []).filter((r) => r.protocol === "ICMP").length >= 6, 3000);
    await new Promise((r) => setTimeout(r, 300));
    const seen = (rows.get(c.id) ?? []).filter((r) => r.protocol === "ICMP").map((r) => `${r.dir}:${r.info.split(" ")[2]}`);
    assert.deepEqual(seen, ["out:request", "in:reply", "out:request", "in:reply", "out:request", "in:reply"], "once each, though the filter sends each frame through the switch twice");
    await run.links.clear(lab, "a", 0);
    assert.ok(rtt(await pingOk(3, "cleared while captured")) < 50, "cleared while captured: fast again");
    await run.captures.remove(c.id);
    await pingOk(2, "a reaches b once the capture is gone");
  });

  it("captures a pulled link: what the node sends into it, and nothing comes back; plugged in again while captured", async () => {
    const c = await watched({ target: { kind: "link", node: "a", iface: "eth0" } });
    await run.links.pull(lab, "a", 0);
    assert.match((await ping(2, 1)).stdout, /0 packets received/);
    await waitFor(() => (rows.get(c.id) ?? []).some((r) => r.dir === "out" && (r.protocol === "ICMP" || r.protocol === "ARP")), 3000);
    assert.equal((rows.get(c.id) ?? []).filter((r) => r.dir === "in" && r.protocol === "ICMP").length, 0, "no reply comes in on a pulled link");
    await run.links.plug(lab, "a", 0);
    await pingOk(2, "plugged in again while captured");
    await waitFor(() => (rows.get(c.id) ?? []).some((r) => r.dir === "in" && r.protocol === "ICMP"), 3000);
  });

  it("keeps every frame of a flood intact, and never hands out one the switch overwrote while it was read", async () => {
    // 8 MB over HTTP (busybox's httpd and wget), into a ring that holds it all, and into a small one the switch goes
    // round eight times while it is watched and exported: its reads race the switch's writes.
    const MB = 8;
    await run.node("b").exec(`dd if=/dev/urandom of=/root/flood bs=64k count=${(MB * 1024) / 64} 2>/dev/null; httpd -p 80 -h /root`, 60);
    // A frame a guest's kernel itself got wrong fails its checksum at the receiver too: counted there, it is not the capture's fault.
    const csumErrors = async (n: string) => {
      const lines = (await run.node(n).exec("grep '^Tcp:' /proc/net/snmp", 10)).stdout.trim().split("\n").map((l) => l.trim().split(/\s+/));
      const at = lines[0]?.indexOf("InCsumErrors") ?? -1;
      assert.ok(at > 0 && lines.length === 2, `node ${n}'s TCP counters: ${JSON.stringify(lines)}`);
      return Number(lines[1][at]);
    };
    const errorsBefore = { a: await csumErrors("a"), b: await csumErrors("b") };
    const c = await run.captures.start({ target: { kind: "switch", name: "sw1" } });
    const small = await watched({ target: { kind: "switch", name: "sw1" }, ringMiB: 1 });
    const transfer = run.node("a").exec("wget -q -O /dev/null http://10.0.6.2/flood", 60);
    // Exported while the switch writes over the ring.
    const smallFile = join(root, "flood-small.pcapng");
    assert.ok(await waitFor(() => (run.captures.list().find((x) => x.id === small.id)?.dropped ?? 0) > 0, 20000), "the switch went round the small ring");
    await run.captures.writeExport(small.id, smallFile);
    const got = await transfer;
    assert.equal(got.exitCode, 0, `the transfer through the captured switch: ${got.stdout}${got.stderr}`);
    await new Promise((r) => setTimeout(r, 500));
    const file = join(root, "flood.pcapng");
    await run.captures.writeExport(c.id, file);
    const [stats] = await run.switches.get("sw1")!.mgmt(["switchtap/stats"]);
    // Wireshark's own checks: a frame overwritten in the ring while it was read fails its IP or TCP checksum (or
    // breaks the file, and the payload falls short). ICMP errors left out: the segment they quote is cut short.
    const tcpOf = (f: string) => {
      const tshark = spawnSync("/usr/bin/tshark", ["-r", f, "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-Y", "tcp && !icmp", "-T", "fields", "-e", "tcp.srcport", "-e", "tcp.len", "-e", "ip.checksum.status", "-e", "tcp.checksum.status"], {
        encoding: "utf8",
        env: { ...process.env, HOME: root },
        maxBuffer: 64 * 1024 * 1024,
      });
      assert.equal(tshark.status, 0, `tshark (npm test installs it) read the capture: ${tshark.stderr}`);
      return tshark.stdout.trim().split("\n").map((l) => l.split("\t"));
    };
    const wrongAtReceiver = { a: (await csumErrors("a")) - errorsBefore.a, b: (await csumErrors("b")) - errorsBefore.b };
    const frames = tcpOf(file);
    for (const [what, got] of [["the large ring", frames], ["the small ring, exported during the flood", tcpOf(smallFile)]] as const) {
      const bad = got.filter(([, , ip, tcp]) => ip !== "1" || tcp !== "1");
      const badFor = { a: bad.filter(([port]) => port === "80").length, b: bad.filter(([port]) => port !== "80").length };
      assert.ok(got.length > 100, `${what}: ${got.length} TCP frames`);
      assert.ok(
        badFor.a <= wrongAtReceiver.a && badFor.b <= wrongAtReceiver.b,
        `${what}: ${bad.length} of ${got.length} captured TCP frames fail a checksum, more than their receivers counted (${JSON.stringify(wrongAtReceiver)}; plugin: ${stats.data.join(" ")}): ${JSON.stringify(bad.slice(0, 5))}`,
      );
    }
    const served = frames.filter(([port]) => port === "80").reduce((n, [, len]) => n + Number(len), 0);
    assert.ok(served >= MB * 1024 * 1024, `the capture holds all the ${MB} MB served (${served} bytes of TCP payload; plugin: ${stats.data.join(" ")})`);
    assert.ok((rows.get(small.id) ?? []).length > 100, "the small ring's rows came as it was watched");
    await run.node("b").exec("kill $(pidof httpd); rm -f /root/flood", 10);
    await run.captures.remove(c.id);
    await run.captures.remove(small.id);
  });

  it("captures a switch and a link from inside the switch, a ring on tmpfs each; each frame once; a link's with their direction", async () => {
    const before = processes();
    const link = await watched({ target: { kind: "link", node: "b", iface: "eth0" } });
    const sw = await watched({ target: { kind: "switch", name: "sw1" } });
    const again = await run.captures.start({ target: { kind: "switch", name: "sw1" } });
    assert.ok(processes() <= before, `no process a capture: the switch fills its rings itself (${before} processes before, ${processes()} now)`);
    const ringOf = (id: string) => join(ringDir(run.paths.run), `${id}.ring`);
    for (const c of [link, sw, again]) assert.ok(existsSync(ringOf(c.id)), `${c.label}'s ring`);
    assert.ok(ringOf(sw.id).startsWith("/dev/shm/"), "in memory, not on disk");
    await ping();
    const icmp = (id: string) => (rows.get(id) ?? []).filter((r) => r.protocol === "ICMP");
    await waitFor(() => icmp(sw.id).length >= 4 && icmp(link.id).length >= 4, 3000);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(icmp(sw.id).length, 4, "the switch gives each frame once");
    assert.deepEqual(icmp(link.id).map((r) => `${r.dir}:${r.info.split(" ")[2]}`), ["in:request", "out:reply", "in:request", "out:reply"], "b's link: the requests come in, the replies go out");
    // Nobody views the other: it makes no rows, and the switch keeps every frame in its ring all the same.
    assert.equal(rows.get(again.id), undefined, "no rows for a capture nobody watches");
    const [stats] = await run.switches.get("sw1")!.mgmt(["switchtap/stats"]);
    assert.match(stats.data.join("\n"), new RegExp(`^${again.id} port=-1 frames=([1-9]\\d*)`, "m"), "the plugin counts its frames");
    assert.equal(run.captures.recent(again.id).rows.filter((r) => r.protocol === "ICMP").length, 4);
    // The switch's own clock: rows in the order and at the times it forwarded them.
    const times = icmp(sw.id).map((r) => r.usec);
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
    await run.captures.stop(sw.id);
    await ping();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(run.captures.recent(sw.id).rows.filter((r) => r.protocol === "ICMP").length, 4, "a stopped capture keeps its frames, and takes no more");
    assert.ok(run.captures.recent(again.id).rows.filter((r) => r.protocol === "ICMP").length >= 8, "the others go on");
    await run.captures.remove(sw.id);
    assert.equal(existsSync(ringOf(sw.id)), false, "a capture's ring goes with it");
    await run.captures.remove(again.id);
    await run.captures.remove(link.id);
    assert.match((await ping()).stdout, /2 packets received/);
  });

  it("captures a serial cable: what each end writes, with direction, undelivered bytes marked, exported as text", async () => {
    const c = await watched({ target: { kind: "cable", line: "b.ttyS2" } });
    assert.equal(c.label, "cable a.ttyS2—b.ttyS2");
    const ok = await run.node("b").exec("stty -F /dev/ttyS2 raw -echo && (cat /dev/ttyS2 > /tmp/got 2>/dev/null </dev/null &) && echo ok", 20);
    assert.equal(ok.stdout.trim(), "ok");
    await run.node("a").exec("stty -F /dev/ttyS2 raw -echo && printf 'hello-cable\\n' > /dev/ttyS2", 20);
    await waitFor(() => (rows.get(c.id) ?? []).some((r) => r.info.includes("hello-cable")), 5000);
    const hello = (rows.get(c.id) ?? []).filter((r) => r.info.includes("hello"));
    assert.deepEqual(hello.map((r) => [r.src, r.dst, r.dir, r.protocol, r.info]), [["a.ttyS2", "b.ttyS2", "in", "Serial", "hello-cable\\n"]], "into b, the line the capture was asked for");
    run.serial.cableAction("a.ttyS2", "cut");
    await run.node("a").exec("printf 'lost-on-the-way\\n' > /dev/ttyS2", 20);
    await waitFor(() => (rows.get(c.id) ?? []).some((r) => r.info.includes("lost-on-the-way")), 5000);
    assert.ok((rows.get(c.id) ?? []).find((r) => r.info.includes("lost-on-the-way"))!.info.startsWith("(not delivered) "));
    run.serial.cableAction("a.ttyS2", "mend");
    const file = join(root, "cable.txt");
    assert.equal(run.captures.format(c.id), "text");
    await run.captures.writeExport(c.id, file);
    const text = readFileSync(file, "utf8").split("\n");
    assert.match(text[0], /^# umlab capture of cable a\.ttyS2—b\.ttyS2/);
    assert.ok(text.some((l) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z a\.ttyS2 → b\.ttyS2 12 hello-cable\\n$/.test(l)), text.join("\n"));
    assert.ok(text.some((l) => l.includes("(not delivered) lost-on-the-way")));
    assert.match((await run.node("b").exec("cat /tmp/got", 10)).stdout, /hello-cable/);
    await run.captures.remove(c.id);
  });

  it("ends a switch's captures, saying why, when the switch dies (the last test: the lab's switch is gone after it)", async () => {
    const c = await run.captures.start({ target: { kind: "switch", name: "sw1" } });
    await ping(1);
    const sw = run.switches.get("sw1")!;
    for (const pid of [...descendants(sw.pid!), sw.pid!]) process.kill(pid, "SIGKILL");
    await waitFor(() => run.captures.list().find((x) => x.id === c.id)?.state === "stopped", 5000);
    const info = run.captures.list().find((x) => x.id === c.id)!;
    assert.match(info.error ?? "", /switch sw1 stopped/);
    assert.ok(info.packets >= 2, `its frames stay (${info.packets})`);
    assert.ok(run.captures.recent(c.id).rows.some((r) => r.protocol === "ICMP"));
  });
});
