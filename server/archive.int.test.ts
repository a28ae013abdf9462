import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { craftedArchive } from "./engine/disk/crafted-archive";
import { startLabServer, type LabServer } from "../scripts/lab-server";
import { processesIn } from "./engine/procs";
import type { LabStatus } from "./engine/lab-run";
import { authed, request, umlab, until } from "./test-support";

const LAB = `umlab: 1
name: arclab
nodes:
  pc1:
    eth: [sw1]
  pc2:
    eth: [sw1]
switches:
  sw1: {}
`;


describe("whole-lab archives: a lab and its disks from one umlab to another (real UML)", () => {
  let a: LabServer | undefined;
  let b: LabServer | undefined;
  const dir = mkdtempSync(join(tmpdir(), "umlab-archive-test-"));
  const file = join(dir, "arclab.umlab");
  const sh = async (s: LabServer, node: string, script: string, lab = "arclab") => {
    const res = await request(s.url, "POST", `/api/labs/${lab}/nodes/${node}/exec`, { script });
    assert.equal(res.status, 200, await res.clone().text());
    return ((await res.json()) as { stdout: string }).stdout.trim();
  };
  const running = (s: LabServer, lab = "arclab") =>
    until(`${lab} running`, 120_000, async () => {
      const st = (await (await authed(`${s.url}/api/labs/${lab}/status`)).json()) as LabStatus;
      return st.nodes.every((n) => n.state === "running") && st;
    });
  const upload = (s: LabServer, bytes: Buffer, name: string) =>
    authed(`${s.url}/api/labs/import/archive?name=${name}`, { method: "POST", headers: { "content-type": "application/gzip" }, body: new Uint8Array(bytes) });

  before(async () => {
    a = await startLabServer({ samples: false, name: "archive-a" });
    b = await startLabServer({ samples: false, name: "archive-b" });
    assert.equal((await request(a.url, "POST", "/api/labs", LAB, "application/yaml")).status, 201);
  });

  after(async () => {
    await a?.stop();
    await b?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("exports a running lab with its disks, small, and another umlab boots it with the files", async () => {
    assert.equal((await request(a!.url, "POST", "/api/labs/arclab/start")).status, 200);
    await running(a!);
    await sh(a!, "pc1", "echo from-a-pc1 > /root/note");
    await sh(a!, "pc2", "echo from-a-pc2 > /root/note");
    let r = umlab(a!.url, ["export", "arclab", "--archive", "-o", file]);
    assert.equal(r.status, 0, r.stderr);
    const m = /wrote .*arclab\.umlab: ([\d.]+) MiB, the disks of pc1,pc2 \(([\d.]+) MiB on disk, ([\d.]+) MiB apparent\)/.exec(r.stdout);
    assert.ok(m, r.stdout);
    const apparent = Number(m[3]) * 2 ** 20;
    assert.ok(statSync(file).size < apparent / 20, `archive ${statSync(file).size} bytes for ${apparent} apparent`);
    console.log(`archive: ${statSync(file).size} bytes; disks ${m[2]} MiB on disk, ${m[3]} MiB apparent`);
    assert.equal(await sh(a!, "pc1", "cat /root/note"), "from-a-pc1", "the guest went on after the export");

    r = umlab(b!.url, ["import", file]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), "imported lab arclab (2 nodes, 1 switches) with the disks of pc1, pc2");
    assert.equal((await request(b!.url, "POST", "/api/labs/arclab/start")).status, 200);
    await running(b!);
    assert.equal(await sh(b!, "pc1", "cat /root/note"), "from-a-pc1");
    assert.equal(await sh(b!, "pc2", "cat /root/note"), "from-a-pc2");
    assert.equal((await request(b!.url, "POST", "/api/labs/arclab/stop")).status, 200);
  });

  it("refuses bad and hostile archives with their reasons, and keeps nothing of them", async () => {
    const manifest = (sha256: string) =>
      JSON.stringify({ format: "umlab-lab-archive", version: 1, lab: "evil", createdAt: "2026-11-30T00:00:00Z", disks: [{ node: "pc1", backing: { image: "busybox", size: 128 * 2 ** 20, mtime: 1, sha256 }, size: 4096, dataBytes: 4 }] });
    const lab = "umlab: 1\nname: evil\nnodes:\n  pc1: {}\n";
    const cases: [string, Buffer, RegExp][] = [
      ["a path out", await craftedArchive([{ name: "../../../tmp/owned", data: "x" }]), /unexpected entry "..\/..\/..\/tmp\/owned"/],
      ["not an archive", Buffer.from("just text"), /not a umlab lab archive/],
      [
        "a disk over another build of its image",
        await craftedArchive([{ name: "archive.json", data: manifest("b".repeat(64)) }, { name: "lab.yaml", data: lab }, { name: "disks/pc1.map", data: "[[0,4]]" }, { name: "disks/pc1.data", data: "OOOM" }]),
        /node pc1's disk lies over a build of image busybox \(SHA-256 bbbbbbbbbbbb…\) that is not this umlab's/,
      ],
      [
        "a 10 TB claim",
        await craftedArchive([{ name: "archive.json", data: manifest("b".repeat(64)).replace('"size":4096', `"size":${10 * 2 ** 40}`) }]),
        /archive\.json: disks\.0\.size/,
      ],
    ];
    for (const [what, bytes, reason] of cases) {
      const res = await upload(b!, bytes, "evil");
      assert.equal(res.status, 400, what);
      const body = (await res.json()) as { error: string; kind: string };
      assert.equal(body.kind, "ArchiveError", what);
      assert.match(body.error, reason, what);
    }
    const labs = (await (await authed(`${b!.url}/api/labs`)).json()) as { name: string }[];
    assert.deepEqual(labs.map((l) => l.name), ["arclab"]);
    writeFileSync(join(dir, "evil.umlab"), await craftedArchive([{ name: "x", data: "y" }]));
    const r = umlab(b!.url, ["import", join(dir, "evil.umlab")]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /unexpected entry "x" \(expected archive\.json\)/);
  });

  it("carries a merged image to a umlab without it: installed, listed, booted; reused the next time; a forged one refused", async () => {
    // A lab over an image only server A has: pc1's disk merged (it holds /root/note), under a data root B does not share.
    let r = umlab(a!.url, ["node", "arclab", "pc1", "merge", "arc-base"]);
    assert.equal(r.status, 0, r.stderr);
    const lab = "umlab: 1\nname: onmerged\nnodes:\n  m1:\n    image: arc-base\n    eth: [sw1]\n  m2:\n    image: arc-base\n    eth: [sw1]\nswitches:\n  sw1: {}\n";
    assert.equal((await request(a!.url, "POST", "/api/labs", lab, "application/yaml")).status, 201);
    assert.equal((await request(a!.url, "POST", "/api/labs/onmerged/start")).status, 200);
    await running(a!, "onmerged");
    await sh(a!, "m1", "echo m1-on-a > /root/m1note", "onmerged");
    const bare = join(dir, "bare.umlab");
    const whole = join(dir, "onmerged.umlab");
    r = umlab(a!.url, ["export", "onmerged", "--archive", "-o", bare]);
    assert.equal(r.status, 0, r.stderr);
    r = umlab(a!.url, ["export", "onmerged", "--archive", "--images", "-o", whole]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /the disks of m1,m2 \(.*\); the images arc-base \([\d.]+ MiB\)$/m);
    const image = (await (await authed(`${a!.url}/api/images`)).json()) as { images: { name: string; bytes: number }[] };
    const imageBytes = image.images.find((i) => i.name === "arc-base")!.bytes;
    console.log(`archive of onmerged: ${statSync(bare).size} bytes without images, ${statSync(whole).size} with arc-base (${imageBytes} bytes on disk, 128 MiB apparent)`);
    assert.ok(statSync(whole).size > statSync(bare).size + 1024 * 1024 && statSync(whole).size < statSync(bare).size + imageBytes, "the image travels as its written blocks, compressed");

    // B has no arc-base: without the image the archive is refused, nothing kept; with it, it is installed.
    let res = await upload(b!, readFileSync(bare), "onmerged");
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: string }).error, /lies over image arc-base, which this umlab cannot give/);
    assert.equal(existsSync(join(b!.data, "merged-images")), false);
    r = umlab(b!.url, ["import", whole]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^imported lab onmerged \(2 nodes, 1 switches\) with the disks of m1, m2; images arc-base \(installed, [\d.]+ MiB\)$/m);
    const listed = ((await (await authed(`${b!.url}/api/images`)).json()) as { images: { name: string; ready: boolean; merged?: { parent: string } }[] }).images.find((i) => i.name === "arc-base");
    assert.deepEqual([listed?.ready, listed?.merged?.parent], [true, "busybox"]);
    assert.equal((await request(b!.url, "POST", "/api/labs/onmerged/start")).status, 200);
    await running(b!, "onmerged");
    assert.equal(await sh(b!, "m1", "cat /root/m1note /root/note", "onmerged"), "m1-on-a\nfrom-a-pc1", "m1's disk over the carried image");
    assert.equal(await sh(b!, "m2", "cat /root/note", "onmerged"), "from-a-pc1", "m2, a fresh disk on A, lies over the carried image too");
    assert.equal((await request(b!.url, "POST", "/api/labs/onmerged/stop")).status, 200);

    r = umlab(b!.url, ["import", whole, "--name", "onmerged-again"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /; images arc-base \(this umlab's\)$/m);
    assert.deepEqual(readdirSync(join(b!.data, "merged-images")).sort(), ["arc-base.img", "arc-base.json"]);

    const forged = await craftedArchive([
      { name: "archive.json", data: JSON.stringify({ format: "umlab-lab-archive", version: 2, lab: "evil", createdAt: "2026-11-30T00:00:00Z", images: [{ name: "evil-img", size: 4096, sha256: "e".repeat(64), dataBytes: 4, memoryMiB: 64, parent: null, nodes: ["pc1"] }], disks: [] }) },
      { name: "lab.yaml", data: "umlab: 1\nname: evil\nnodes:\n  pc1:\n    image: evil-img\n" },
      { name: "images/evil-img.map", data: "[[0,4]]" },
      { name: "images/evil-img.data", data: "EVIL" },
    ]);
    res = await upload(b!, forged, "evil");
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: string }).error, /image evil-img is not the one archive\.json names/);
    assert.deepEqual(readdirSync(join(b!.data, "merged-images")).sort(), ["arc-base.img", "arc-base.json"]);
    assert.deepEqual(readdirSync(join(b!.data, "transfer")), []);
    assert.equal((await request(a!.url, "POST", "/api/labs/onmerged/stop")).status, 200);
  });

  it("leaves no process and no transfer file behind", async () => {
    assert.equal((await request(a!.url, "POST", "/api/labs/arclab/stop")).status, 200);
    assert.deepEqual(processesIn(a!.data), []);
    assert.deepEqual(processesIn(b!.data), []);
    for (const s of [a!, b!]) {
      const left = (() => {
        try {
          return readdirSync(join(s.data, "transfer"));
        } catch {
          return [];
        }
      })();
      assert.deepEqual(left, [], `transfer folder of ${s.data}`);
    }
  });
});
