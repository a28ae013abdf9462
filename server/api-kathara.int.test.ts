import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startLabServer, type LabServer } from "../scripts/lab-server";
import { readArchive, readFolder, writeTarGz } from "./labfile/archive";
import { parseKathara } from "./labfile/kathara";
import { resolveLab, type Lab, type RawLab } from "./model/lab";
import { authed, umlab } from "./test-support";

// The Kathará import and export through the HTTP API and the CLI. No lab is
// started here: imported nodes use the kathara image, which other tests boot.

const FIXTURES = join(import.meta.dirname, "labfile", "fixtures", "kathara");

type Detail = { id: string; name: string; nodes: number; switches: number; lab: RawLab & { nodes: NonNullable<RawLab["nodes"]> } };
type Imported = { lab: Detail; warnings: string[] };
type Refused = { error: string; kind: string; problems?: { path: string[]; file?: string; line?: number; message: string }[] };

describe("server: Kathará labs in and out (HTTP API and CLI)", () => {
  let server: LabServer | undefined;
  let url = "";
  let data = "";
  const cli = (...args: string[]) => umlab(url, args, { cwd: data, timeout: 60000 });
  const labNames = async () => ((await (await authed(`${url}/api/labs`)).json()) as { name: string }[]).map((l) => l.name).sort();
  const importArchive = (bytes: Uint8Array, query: string, type = "application/gzip") =>
    authed(`${url}/api/labs/import/kathara?${query}`, { method: "POST", headers: { "content-type": type }, body: new Uint8Array(bytes) });

  before(async () => {
    server = await startLabServer({ samples: false, name: "kathara" });
    ({ url, data } = server);
  });

  after(() => server?.stop());

  it("imports a .tar.gz (201 with warnings), refuses the same name again (409) and a broken lab (400 at its line)", async () => {
    const archive = await writeTarGz(readFolder(join(FIXTURES, "triangle")).files, "triangle");
    let res = await importArchive(archive, "file=triangle.tar.gz");
    assert.equal(res.status, 201, await res.clone().text());
    const { lab, warnings } = (await res.json()) as Imported;
    assert.equal(lab.name, "triangle");
    assert.deepEqual([lab.nodes, lab.switches], [4, 5], "pc_1[bridged]=true: a switch with a gateway");
    assert.deepEqual(lab.lab.nodes["pc-1"], {
      image: "kathara",
      mem: "128M",
      eth: ["lan-1", "bridged"],
      startup: "udhcpc -i eth1 -q -n -t 5 -T 1\nip address add 192.168.0.2/24 dev eth0\nip route add default via 192.168.0.1\n",
    });
    assert.deepEqual(lab.lab.gateways, { internet: { switch: "bridged" } });
    assert.ok(warnings.includes("r2[cpus]=2 (lab.conf:18) is not supported: a UML node has one CPU"), warnings.join("\n"));

    res = await importArchive(archive, "file=triangle.tar.gz");
    assert.equal(res.status, 409);
    assert.match(((await res.json()) as Refused).error, /a lab named "triangle" already exists/);
    assert.deepEqual(await labNames(), ["triangle"], "nothing was created");

    res = await importArchive(await writeTarGz(readFolder(join(FIXTURES, "malformed-line")).files, "broken"), "name=broken");
    assert.equal(res.status, 400);
    const refused = (await res.json()) as Refused;
    assert.equal(refused.kind, "LabDefinitionError");
    assert.ok(refused.problems?.some((p) => p.file === "lab.conf" && p.line === 3), JSON.stringify(refused));
    assert.match(refused.error, /^lab\.conf:3: malformed line/);

    res = await importArchive(Buffer.from("not an archive"), "name=junk", "application/octet-stream");
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as Refused).kind, "ArchiveError");
    res = await importArchive(archive, "name=Bad_Name");
    assert.equal(res.status, 400);
    assert.deepEqual(((await res.json()) as Refused).problems?.map((p) => p.path), [["name"]]);
    assert.deepEqual(await labNames(), ["triangle"]);
  });

  it("imports a folder sent as multipart files named by their relative paths", async () => {
    const form = new FormData();
    form.append("file", new Blob(["pc1[0]=LAN\npc2[0]=LAN\npc2[cpus]=1\n"]), "twohosts/lab.conf");
    form.append("file", new Blob(["ip addr add 10.0.0.1/24 dev eth0\n"]), "twohosts/pc1.startup");
    form.append("file", new Blob(["hello\n"]), "twohosts/pc2/etc/motd");
    const res = await authed(`${url}/api/labs/import/kathara`, { method: "POST", body: form });
    assert.equal(res.status, 201, await res.clone().text());
    const { lab, warnings } = (await res.json()) as Imported;
    assert.equal(lab.name, "twohosts");
    assert.deepEqual(lab.lab.nodes.pc2, { role: "router", image: "kathara", mem: "128M", eth: ["lan"], files: { "/etc/motd": "hello\n" } });
    assert.match(warnings.join("\n"), /pc2\[cpus\]=1 \(lab\.conf:3\) is not supported/);

    const evil = new FormData();
    evil.append("file", new Blob(["x"]), "../../etc/passwd");
    const refused = await authed(`${url}/api/labs/import/kathara?name=evil`, { method: "POST", body: evil });
    assert.equal(refused.status, 400);
    assert.match(((await refused.json()) as Refused).error, /would leave the lab folder/);
  });

  it("exports a lab as a Kathará .tar.gz and .zip that import back to the same lab", async () => {
    const stored = resolveLab(((await (await authed(`${url}/api/labs/triangle`)).json()) as Detail).lab);
    for (const archive of ["", "&archive=zip"]) {
      const res = await authed(`${url}/api/labs/triangle/export?format=kathara${archive}`);
      assert.equal(res.status, 200);
      const zip = archive !== "";
      assert.equal(res.headers.get("content-type"), zip ? "application/zip" : "application/gzip");
      assert.match(res.headers.get("content-disposition") ?? "", zip ? /filename="triangle\.zip"/ : /filename="triangle\.tar\.gz"/);
      const { files } = await readArchive(new Uint8Array(await res.arrayBuffer()));
      assert.ok(files["triangle/lab.conf"], Object.keys(files).join(", "));
      const back: Lab = resolveLab(parseKathara(files).raw);
      assert.deepEqual(back, stored);
    }
    assert.equal((await authed(`${url}/api/labs/triangle/export?format=gns3`)).status, 400);
    assert.equal((await authed(`${url}/api/labs/nolab/export?format=kathara`)).status, 404);
  });

  it("imports a folder and exports to a folder and an archive through the CLI", async () => {
    let r = cli("import", join(FIXTURES, "triangle"), "--name", "tri-cli");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /imported Kathará lab tri-cli \(4 nodes, 5 switches\)/);
    assert.match(r.stderr, /^warning: r2\[cpus\]=2 \(lab\.conf:18\) is not supported: a UML node has one CPU$/m);
    r = cli("import", join(FIXTURES, "malformed-line"));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /lab\.conf:3: malformed line/);
    r = cli("import", join(FIXTURES, "triangle", "r1"));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /has no lab\.conf/);

    r = cli("export", "tri-cli", "--kathara", "-o", "out");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /wrote the Kathará lab folder out/);
    assert.equal(readFileSync(join(data, "out", "r1", "etc", "frr", "daemons"), "utf8"), "ospfd=yes\n");
    assert.match(readFileSync(join(data, "out", "lab.conf"), "utf8"), /^pc_1\[sysctl\]="net\.ipv4\.ip_forward=0"$/m);
    assert.equal(cli("export", "tri-cli", "--kathara", "-o", "out").status, 1, "an existing, non-empty folder is not written over");
    r = cli("export", "tri-cli", "--kathara", "-o", "tri.zip");
    assert.equal(r.status, 0, r.stderr);
    r = cli("export", "tri-cli", "--kathara");
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(data, "tri-cli.tar.gz")));

    // What the CLI wrote comes back in, as a folder and as an archive.
    assert.equal(cli("import", join(data, "out"), "--name", "from-folder").status, 0);
    r = cli("import", join(data, "tri.zip"));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /imported Kathará lab tri /);
    const lab = async (name: string) => resolveLab({ ...((await (await authed(`${url}/api/labs/${name}`)).json()) as Detail).lab, name: "x" });
    assert.deepEqual(await lab("from-folder"), await lab("tri-cli"));
    assert.deepEqual(await lab("tri"), await lab("tri-cli"));
  });
});
