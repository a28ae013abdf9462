import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startLabServer, type LabServer } from "../scripts/lab-server";
import type { LabStatus } from "./engine/lab-run";
import { request, umlab, until } from "./test-support";

const LAB = `umlab: 1
name: disklab
disks:
  shared: { size: 32M, format: ext4 }
  spare: { size: 8M }
nodes:
  one: { disks: [shared] }
  two: { disks: [shared] }
`;

describe("disks through the HTTP API and the CLI (real UML)", () => {
  let server: LabServer | undefined;
  let url = "";
  const post = (path: string, body?: unknown) => request(url, "POST", path, body);
  const disk = (node: string, body: unknown) => post(`/api/labs/disklab/nodes/${node}/disks`, body);
  const cli = (...args: string[]) => umlab(url, args);
  const exec = async (node: string, script: string) => ((await (await post(`/api/labs/disklab/nodes/${node}/exec`, { script })).json()) as { exitCode: number; stdout: string });

  before(async () => {
    server = await startLabServer({ samples: false, name: "disks-api" });
    url = server.url;
    assert.equal((await request(url, "POST", "/api/labs", LAB, "application/yaml")).status, 201);
  });
  after(() => server?.stop());

  it("refuses a disk request for a stopped lab (409), an unknown node or disk (404), a bad body (400); the CLI says why", async () => {
    const res = await disk("one", { disk: "spare", action: "plug" });
    assert.equal(res.status, 409);
    assert.match(((await res.json()) as { error: string }).error, /lab disklab is not running/);
    const table = cli("disk", "disklab");
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /^shared +shared +one,two +- +-$/m);
    assert.match(table.stdout, /^spare +private +- +- +-$/m);
    assert.equal(cli("start", "disklab").status, 0);
    assert.equal((await disk("nosuch", { disk: "spare", action: "plug" })).status, 404);
    assert.equal((await disk("one", { disk: "nosuch", action: "plug" })).status, 404);
    for (const bad of [{}, { disk: "spare" }, { disk: "spare", action: "eject" }, { disk: "spare", action: "plug", slot: 9 }]) assert.equal((await disk("one", bad)).status, 400, JSON.stringify(bad));
    const wrong = cli("disk", "disklab", "one", "eject", "spare");
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /unknown disk action "eject"/);
  });

  it("plugs and unplugs a disk from the CLI; the API answers with the node's slots and the disk's holder", async () => {
    const plugged = cli("disk", "disklab", "two", "plug", "spare");
    assert.equal(plugged.status, 0, plugged.stderr);
    assert.match(plugged.stdout, /^spare is two's \/dev\/ubde$/m);
    assert.equal((await exec("two", "cat /sys/block/ubde/size")).stdout.trim(), String(8 * 2048));
    // Twice is refused with the reason.
    const again = await disk("two", { disk: "spare", action: "plug" });
    assert.equal(again.status, 409);
    assert.match(((await again.json()) as { error: string }).error, /already in two/);

    assert.equal((await exec("one", "mount -t ext4 /dev/ubdd /mnt && echo ok")).stdout.trim(), "ok");
    const { value: held } = await until("one holds the shared disk", 10000, async () => {
      const s = (await (await request(url, "GET", "/api/labs/disklab/status")).json()) as LabStatus;
      return s.disks?.find((d) => d.name === "shared")?.holder === "one" ? s : null;
    });
    assert.deepEqual(held.nodes.find((n) => n.name === "two")?.disks?.map((d) => d.name), ["shared", "spare"]);
    assert.match(cli("disk", "disklab").stdout, /^shared +shared +one,two +one:\/dev\/ubdd two:\/dev\/ubdd +one$/m);

    const out = cli("disk", "disklab", "two", "unplug", "spare");
    assert.equal(out.status, 0, out.stderr);
    assert.match(out.stdout, /^spare is out of two$/m);
    assert.equal((await exec("two", "test -e /sys/block/ubde && echo there || echo gone")).stdout.trim(), "gone");
    assert.equal(cli("stop", "disklab").status, 0);
  });
});
