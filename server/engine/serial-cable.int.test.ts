import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseLabYaml } from "../labfile/labyaml";
import { Engine } from "./engine";
import type { LabRun } from "./lab-run";
import type { LiveEvent } from "./live";
import { LocalEngine } from "./local-engine";
import { processesIn, waitFor } from "./procs";
import type { CableStatus } from "./serial/serial-lines";

const LAB = `
umlab: 1
name: serial
nodes:
  one: {}
  two: {}
cables:
  - [one.ttyS2, two.ttyS2]
`;

/** The ptys this process holds open (the engine's lines and exec channels among them). */
const ptysHeld = () =>
  readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return /^\/dev\/(ptmx|pts\/)/.test(readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      return false;
    }
  }).length;

describe("serial cables: a null-modem cable between two guests' lines, and a terminal on a line with none (real UML)", () => {
  const root = mkdtempSync(join(tmpdir(), "umlab-serial-"));
  const engine = new Engine(root);
  const local = new LocalEngine(engine);
  const lab = parseLabYaml(LAB);
  let run: LabRun;
  const cableEvents: CableStatus[] = [];
  let ptysBefore = 0;
  let n = 0;

  /**
   * Starts a reader of `line` on `node` (raw, no echo: the far end must get back nothing it sent) into a
   * fresh file, the node's only reader (two would share the bytes); returns the file once the reader holds
   * the line open: bytes that reach a serial line nobody in the guest has open are lost, as on a real one.
   */
  async function listen(node: string, line = "ttyS2"): Promise<string> {
    const file = `/tmp/got-${++n}`;
    const r = await run.node(node).exec(
      `holding() { for f in /proc/$(pidof cat)/fd/*; do [ "$(readlink $f)" = /dev/${line} ] && return 0; done; return 1; }; ` +
        `for p in $(pidof cat); do kill $p; done; stty -F /dev/${line} raw -echo && (cat /dev/${line} > ${file} 2>/dev/null </dev/null &) && ` +
        `for i in $(seq 100); do holding && echo ok && break; sleep 0.1; done`,
      20,
    );
    assert.equal(r.stdout.trim(), "ok", r.stderr);
    return file;
  }
  const send = (node: string, text: string, line = "ttyS2") => run.node(node).exec(`stty -F /dev/${line} raw -echo && printf '%s\\n' '${text}' > /dev/${line}`, 20);
  const read = async (node: string, file: string) => (await run.node(node).exec(`cat ${file}`, 20)).stdout;
  async function arrives(node: string, file: string, text: string): Promise<void> {
    let got = "";
    for (const until = Date.now() + 15000; Date.now() < until && !got.includes(text); ) {
      got = await read(node, file);
      if (!got.includes(text)) await new Promise((r) => setTimeout(r, 300));
    }
    assert.ok(got.includes(text), `${text} did not arrive on ${node}; it has ${JSON.stringify(got)}`);
  }

  before(async () => {
    ptysBefore = ptysHeld();
    engine.on("patch", (ev: LiveEvent) => ev.patch.kind === "cable" && cableEvents.push(ev.patch.cable));
    run = await engine.start(lab);
    await run.waitRunning(90000);
  });
  after(async () => {
    await engine.stopAll();
    rmSync(root, { recursive: true, force: true });
  });

  it("carries a line written on one node's ttyS2 to the other's, both ways", async () => {
    assert.deepEqual(engine.status(lab).cables, [{ a: "one.ttyS2", b: "two.ttyS2", cut: false }]);
    const atTwo = await listen("two");
    const atOne = await listen("one");
    await send("one", "hello-from-one");
    await arrives("two", atTwo, "hello-from-one");
    await send("two", "hello-from-two");
    await arrives("one", atOne, "hello-from-two");
  });

  it("keeps working after one node is killed and started again (the line is the engine's, not the guest's)", async () => {
    run.node("two").crash();
    assert.ok(await waitFor(() => run.node("two").state === "crashed", 15000), `two is ${run.node("two").state}`);
    // Bytes for a guest that is down go nowhere; the sender is not held up.
    await send("one", "while-two-is-down");
    await run.startNode("two");
    await run.node("two").waitRunning(60000);
    const atTwo = await listen("two");
    const atOne = await listen("one");
    await send("one", "after-restart");
    await arrives("two", atTwo, "after-restart");
    await send("two", "from-the-new-two");
    await arrives("one", atOne, "from-the-new-two");
    assert.doesNotMatch(await read("two", atTwo), /while-two-is-down/);
  });

  it("cut stops the bytes, mend brings them back, and the live state shows both", async () => {
    const atTwo = await listen("two");
    const cut = await local.cableAction(lab.name, "two.ttyS2", "cut");
    assert.deepEqual(cut.cables, [{ a: "one.ttyS2", b: "two.ttyS2", cut: true }]);
    await send("one", "during-the-cut");
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await read("two", atTwo), "", "bytes crossed a cut cable");
    const mended = await local.cableAction(lab.name, "one.ttyS2", "mend");
    assert.deepEqual(mended.cables, [{ a: "one.ttyS2", b: "two.ttyS2", cut: false }]);
    await send("one", "after-the-mend");
    await arrives("two", atTwo, "after-the-mend");
    assert.doesNotMatch(await read("two", atTwo), /during-the-cut/);
    assert.deepEqual(cableEvents.map((c) => c.cut), [true, false]);
    await assert.rejects(local.cableAction(lab.name, "one.ttyS3", "cut"), /one\.ttyS3 has no cable/);
  });

  it("gives a line with no cable a terminal: what the guest writes shows, what is typed reaches the guest", async () => {
    const seen: string[] = [];
    local.on("console", (_id: string, node: string, data: string) => node === "one.ttyS3" && seen.push(data));
    const snap = await local.attach(lab.name, "one.ttyS3");
    assert.equal(snap.state, "running");
    await send("one", "out-of-ttyS3", "ttyS3");
    assert.ok(await waitFor(() => seen.join("").includes("out-of-ttyS3"), 10000), `the terminal got ${JSON.stringify(seen.join(""))}`);
    assert.match((await local.attach(lab.name, "one.ttyS3")).screen, /out-of-ttyS3/);
    const file = await listen("one", "ttyS3");
    local.input(lab.name, "one.ttyS3", "typed-into-ttyS3\n");
    await arrives("one", file, "typed-into-ttyS3");
    // A cable's line is no terminal's.
    await assert.rejects(local.attach(lab.name, "one.ttyS2"), /in the cable one\.ttyS2—two\.ttyS2/);
  });

  /**
   * Sends `bytes` random bytes from one node's ttyS2 to the other's, both lines raw (binary: no echo, no
   * CR/LF translation, no flow-control or signal characters), and returns what arrived and its checksum
   * beside what was sent, with the time from the first byte written to the last read.
   */
  async function bulk(from: string, to: string, bytes: number): Promise<{ sent: string; got: string; seconds: number }> {
    const src = await run.node(from).exec(`head -c ${bytes} /dev/urandom > /tmp/bulk-out && md5sum < /tmp/bulk-out`, 30);
    const sent = src.stdout.trim();
    assert.match(sent, /^[0-9a-f]{32}/, src.stderr);
    // The receiver has its line raw before the first byte comes (cooked, it would echo bytes back into the cable).
    const r = await run.node(to).exec(
      `for p in $(pidof cat) $(pidof head); do kill $p; done; rm -f /tmp/bulk-in /tmp/bulk-ready /tmp/bulk-sum; ` +
        `( (stty raw -echo && : > /tmp/bulk-ready && head -c ${bytes} > /tmp/bulk-in) < /dev/ttyS2; md5sum < /tmp/bulk-in > /tmp/bulk-sum ) > /dev/null 2>&1 &` +
        ` for i in $(seq 50); do [ -e /tmp/bulk-ready ] && break; sleep 0.1; done; [ -e /tmp/bulk-ready ] && echo ok`,
      20,
    );
    assert.equal(r.stdout.trim(), "ok", r.stderr);
    const t0 = performance.now();
    const arrived = async () => `${(await run.node(to).exec("wc -c < /tmp/bulk-in", 20)).stdout.trim()} bytes of ${bytes} arrived`;
    // The writer waits while the far guest does not read (flow control): a line that stopped reading holds it for good.
    const w = await run.node(from).exec(`(stty raw -echo <&1 && cat /tmp/bulk-out) > /dev/ttyS2 && echo ok`, 60);
    if (w.stdout.trim() !== "ok") return { sent, got: `${from} could not write in 60 s: ${await arrived()}`, seconds: 0 };
    let got = "";
    for (const until = Date.now() + 60000; Date.now() < until && !got; ) {
      got = (await run.node(to).exec("cat /tmp/bulk-sum 2>/dev/null", 20)).stdout.trim();
      if (!got) await new Promise((res) => setTimeout(res, 200));
    }
    const seconds = (performance.now() - t0) / 1000;
    if (!got) got = `${to} had not read it all in 60 s: ${await arrived()}`;
    return { sent, got, seconds };
  }

  it("carries 1 MiB of random bytes each way intact (a reader that falls behind throttles its line, and the line reads again)", async () => {
    const bytes = 1 << 20;
    for (const [from, to] of [["one", "two"], ["two", "one"]]) {
      const { sent, got, seconds } = await bulk(from, to, bytes);
      assert.equal(got, sent, `${from} → ${to}`);
      console.log(`# ${from} → ${to}: ${bytes} bytes in ${seconds.toFixed(1)} s, ${(bytes / 1024 / seconds).toFixed(0)} KiB/s`);
    }
  });

  it("leaves no pty open and no process behind once the lab stops", async () => {
    const runDir = run.paths.run;
    assert.ok(ptysHeld() >= ptysBefore + 8, "each node's four lines are held while the lab runs");
    await engine.stop(lab.name);
    assert.deepEqual(processesIn(runDir), []);
    assert.ok(await waitFor(() => ptysHeld() <= ptysBefore, 5000), `${ptysHeld()} ptys held, ${ptysBefore} before the lab`);
  });
});
