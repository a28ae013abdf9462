import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
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
  const sh = async (s: LabServer, node: string, script: string) => {
    const res = await request(s.url, "POST", `/api/labs/arclab/nodes/${node}/exec`, { script });
    assert.equal(res.status, 200, await res.clone().text());
    return ((await res.json()) as { stdout: string }).stdout.trim();
  };
  const running = (s: LabServer) =>
    until("arclab running", 120_000, async () => {
      const st = (await (await authed(`${s.url}/api/labs/arclab/status`)).json()) as LabStatus;
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
