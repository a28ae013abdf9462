import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startLabServer, type LabServer } from "../scripts/lab-server";
import { PATCHES } from "./engine/kernel/build";
import { TEST_KERNEL } from "./engine/kernel/fixtures/test-kernel";
import { request, umlab } from "./test-support";

const ROOT = join(import.meta.dirname, "..");
const CAKE = "CONFIG_NET_SCH_CAKE=m\n";

// Custom kernels through the HTTP API and the CLI. Their real build is the
// custom kernel test's (provisioning builds it); here builds are started only
// to be refused or cancelled, so none runs on.
describe("server: custom kernels through the API and the CLI", () => {
  let server: LabServer | undefined;
  let url = "";
  const send = (method: string, path: string, body?: unknown) => request(url, method, path, body);
  const json = async <T>(res: Response) => (await res.json()) as T;
  const cli = (...args: string[]) => umlab(url, args, { timeout: 60_000 });
  type Kernels = { kernels: { name: string; kind: string; ready: boolean; fragment?: string; warnings?: string[] }[]; build: { state: string; kernel: string | null } };
  const kernels = async () => json<Kernels>(await send("GET", "/api/kernels"));

  before(async () => {
    server = await startLabServer({ samples: false, name: "kernels" });
    url = server.url;
  });
  after(() => server?.stop());

  it("lists the custom kernel provisioning built, with its fragment and warnings", async () => {
    const k = (await kernels()).kernels.find((i) => i.name === TEST_KERNEL.name);
    assert.ok(k, "the test kernel is built by provisioning (scripts/build-kernel.mts --test)");
    assert.equal(k.kind, "custom");
    assert.equal(k.ready, true);
    assert.match(k.fragment ?? "", /^CONFIG_NET_SCH_CAKE=m$/m);
    assert.match(k.warnings?.join("\n") ?? "", /CONFIG_IP_VS_PROTO_TCP=y was asked/);
    const ls = cli("kernel", "ls");
    assert.equal(ls.status, 0, ls.stderr);
    assert.match(ls.stdout, new RegExp(`^${TEST_KERNEL.name}\\s+6\\.1\\.\\d+\\s+custom: .*\\n\\s+warning: CONFIG_IP_VS_PROTO_TCP=y was asked`, "m"));
  });

  it("refuses a bad name or fragment line with 400, naming the line, in the API and the CLI", async () => {
    let res = await send("POST", "/api/kernels/build", { name: "fast", fragment: CAKE });
    assert.equal(res.status, 400);
    assert.match((await json<{ error: string }>(res)).error, /"fast" is umlab's own kernel/);
    res = await send("POST", "/api/kernels/build", { name: "My Kernel", fragment: CAKE });
    assert.equal(res.status, 400);
    assert.match((await json<{ error: string }>(res)).error, /"My Kernel" is not a valid name/);
    res = await send("POST", "/api/kernels/build", { name: "apik", fragment: `# mine\n${CAKE}CONFIG_BONDING = m\n` });
    assert.equal(res.status, 400);
    const bad = await json<{ error: string; kind: string; problems: { line: number; message: string }[] }>(res);
    assert.equal(bad.kind, "FragmentError");
    assert.deepEqual(bad.problems.map((p) => p.line), [3]);
    assert.match(bad.error, /line 3: "CONFIG_BONDING = m" is not CONFIG_X=/);
    assert.equal((await send("POST", "/api/kernels/build", { name: "apik" })).status, 400, "a name needs a fragment");

    const file = join(server!.data, "bad.config");
    writeFileSync(file, `${CAKE}yes please\n`);
    const r = cli("kernel", "build", "apik", "--fragment", file);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /line 2: "yes please"/);
    assert.equal((await kernels()).build.state === "building", false, "nothing was built");
  });

  it("builds one kernel at a time (409 saying which), and removing a kernel being built cancels its build", async () => {
    let res = await send("POST", "/api/kernels/build", { name: "apik", fragment: CAKE });
    assert.equal(res.status, 202);
    assert.deepEqual((await json<{ build: { state: string; kernel: string } }>(res)).build.kernel, "apik");
    try {
      res = await send("POST", "/api/kernels/build", { name: "apik2", fragment: CAKE });
      assert.equal(res.status, 409);
      assert.match((await json<{ error: string }>(res)).error, /the custom kernel "apik" is being built/);
      assert.equal((await send("POST", "/api/kernels/build")).status, 409, "nor the fast kernel meanwhile");
      const now = await kernels();
      assert.deepEqual([now.build.state, now.build.kernel], ["building", "apik"]);
      assert.equal(now.kernels.find((k) => k.name === "apik")?.ready, false);
      // Unpacking, each of umlab's patches, then five steps of kbuild.
      assert.match(cli("kernel", "ls").stdout, new RegExp(`^apik\\s+not ready\\s+building: step \\d of ${1 + PATCHES.length + 5}`, "m"));
    } finally {
      const rm = cli("kernel", "rm", "apik");
      assert.equal(rm.status, 0, rm.stderr);
      assert.match(rm.stdout, /removed kernel apik \(its build was cancelled\)/);
    }
    const now = await kernels();
    assert.notEqual(now.build.state, "building");
    assert.ok(!now.kernels.some((k) => k.name === "apik"));
    const dir = process.env.UMLAB_KERNELS ?? join(ROOT, ".umlab", "kernels");
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes("apik")), [], "nothing of the cancelled build stays");
  });

  it("DELETE: 404 for a kernel that is not there, 400 for umlab's own", async () => {
    assert.equal((await send("DELETE", "/api/kernels/apik")).status, 404);
    assert.equal((await send("DELETE", "/api/kernels/debian")).status, 400);
    assert.equal((await send("DELETE", "/api/kernels/fast")).status, 400);
  });

  it("starts no lab on a custom kernel that is not built (422, before anything runs), and keeps one a running node chose (409)", async () => {
    const lab = (name: string, kernel: string) => `umlab: 1\nname: ${name}\nkernel: ${kernel}\nnodes:\n  k1:\n    eth: [sw1]\nswitches:\n  sw1: {}\n`;
    for (const [name, kernel] of [["nokernel", "nosuchk"], ["custlab", TEST_KERNEL.name]]) assert.equal((await send("POST", "/api/labs", { yaml: lab(name, kernel) })).status, 201);
    let res = await send("POST", "/api/labs/nokernel/start");
    assert.equal(res.status, 422);
    assert.equal((await json<{ error: string }>(res)).error, 'kernel "nosuchk" is not built: `umlab kernel build nosuchk --fragment FILE`');
    const status = await json<{ running: boolean; nodes: { state: string }[] }>(await send("GET", "/api/labs/nokernel/status"));
    assert.deepEqual(status.nodes.map((n) => n.state), ["stopped"]);

    res = await send("POST", "/api/labs/custlab/start");
    assert.equal(res.status, 200, await res.clone().text());
    try {
      res = await send("DELETE", `/api/kernels/${TEST_KERNEL.name}`);
      assert.equal(res.status, 409);
      assert.match((await json<{ error: string }>(res)).error, new RegExp(`kernel "${TEST_KERNEL.name}" is in use by custlab/k1: stop it first`));
      assert.equal((await kernels()).kernels.find((k) => k.name === TEST_KERNEL.name)?.ready, true);
    } finally {
      assert.equal((await send("POST", "/api/labs/custlab/stop")).status, 200);
    }
  });
});
