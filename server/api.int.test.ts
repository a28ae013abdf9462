import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startLabServer, type LabServer } from "../scripts/lab-server";
import { processesIn } from "./engine/procs";
import { authed, connect, request, umlab } from "./test-support";

const LAB = `umlab: 1
name: apilab
nodes:
  node01:
    eth: [sw1]
    startup: |
      ip addr add 10.9.0.1/24 dev eth0
      ip link set eth0 up
  node02:
    eth: [sw1]
    startup: |
      ip addr add 10.9.0.2/24 dev eth0
      ip link set eth0 up
switches:
  sw1: {}
`;

describe("server: HTTP API, CLI and socket.io consoles (real UML)", () => {
  let server: LabServer | undefined;
  let url = "";
  let data = "";
  const send = (method: string, path: string, body?: unknown) => request(url, method, path, body);
  type Detail = { name: string; lab: { name: string; nodes: Record<string, Record<string, unknown>> }; changes: { kind: string; name: string; what: string; apply: string }[]; needsRestart: boolean };
  const cli = (...args: string[]) => umlab(url, args);

  before(async () => {
    server = await startLabServer({ samples: false, name: "api" });
    ({ url, data } = server);
  });

  after(() => server?.stop());

  it("rejects a lab file with a bad field, naming its line, in the API and the CLI", async () => {
    const res = await authed(`${url}/api/labs`, { method: "POST", headers: { "content-type": "application/yaml" }, body: "umlab: 1\nname: broken\nnodes:\n  a:\n    mem: lots\n" });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: string; problems: { line: number }[] };
    assert.equal(body.problems[0].line, 5);
    const file = join(data, "broken.yaml");
    writeFileSync(file, "umlab: 1\nname: broken\nnodes:\n  a:\n    eth: [nowhere]\n");
    const r = cli("import", file);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /broken\.yaml:5:\d+: nodes\.a\.eth\[0\]: eth0 is plugged into "nowhere"/);
  });

  it("creates, replaces, copies and draws a lab as JSON, in the API and the CLI", async () => {
    const raw = { name: "jsonlab", nodes: { r1: { role: "router", eth: ["s1"], pos: [10, 20] }, pc1: { eth: ["s1"] } }, switches: { s1: { mode: "hub" } } };
    let res = await send("POST", "/api/labs", { lab: raw });
    assert.equal(res.status, 201);
    const created = (await res.json()) as Detail & { yaml: string };
    assert.deepEqual(created.lab, raw);
    assert.match(created.yaml, /role: router/);
    assert.deepEqual(created.changes, []);

    res = await send("PUT", "/api/labs/jsonlab", { lab: { ...raw, nodes: { ...raw.nodes, pc1: { mem: "lots" } } } });
    assert.equal(res.status, 400);
    const bad = (await res.json()) as { kind: string; problems: { path: string[]; message: string }[] };
    assert.equal(bad.kind, "LabDefinitionError");
    assert.deepEqual(bad.problems[0].path, ["nodes", "pc1", "mem"]);
    assert.equal((await send("PUT", "/api/labs/jsonlab", { lab: raw, yaml: "" })).status, 400, "one of yaml or lab, not both");
    res = await send("PUT", "/api/labs/jsonlab", { lab: { ...raw, description: "two nodes" } });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { description: string }).description, "two nodes");

    res = await send("POST", "/api/labs/jsonlab/duplicate", { name: "jsoncopy" });
    assert.equal(res.status, 201);
    const copy = (await res.json()) as Detail;
    assert.equal(copy.name, "jsoncopy");
    assert.deepEqual(copy.lab.nodes, raw.nodes);
    assert.equal((await send("POST", "/api/labs/jsonlab/duplicate", { name: "jsoncopy" })).status, 409);
    assert.equal((await send("POST", "/api/labs/jsonlab/duplicate", { name: "Not A Name" })).status, 400);
    let r = cli("cp", "jsonlab", "jsoncopy2");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /copied lab jsonlab to jsoncopy2/);

    res = await authed(`${url}/api/labs/jsonlab/diagram.svg`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^image\/svg\+xml/);
    assert.match(res.headers.get("content-disposition") ?? "", /filename="jsonlab\.svg"/);
    const svg = await res.text();
    for (const name of ["r1", "pc1", "s1"]) assert.match(svg, new RegExp(`>${name}</text>`));
    assert.match(svg, /<title>jsonlab<\/title>/);
    const file = join(data, "jsonlab.svg");
    r = cli("diagram", "jsonlab", "-o", file);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(file, "utf8"), svg);
  });

  it("imports, lists, starts, execs (exit code passed through), exports and stops through the CLI", () => {
    const file = join(data, "apilab.yaml");
    writeFileSync(file, LAB);
    let r = cli("import", file);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /imported lab apilab \(2 nodes, 1 switches\)/);
    assert.equal(cli("import", file).status, 1, "a duplicate name is refused");
    assert.match(cli("ls").stdout, /apilab\s+stopped\s+2\s+1/);
    r = cli("start", "apilab");
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /node01\s+running/);
    r = cli("exec", "apilab", "node01", "--", "ping", "-c", "1", "-W", "5", "10.9.0.2");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /1 packets received/);
    r = cli("exec", "apilab", "node02", "--", "sh", "-c", "echo to-err >&2; exit 5");
    assert.equal(r.status, 5);
    assert.equal(r.stderr, "to-err\n");
    r = cli("export", "apilab");
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^umlab: 1\nname: apilab\n/);
    assert.match(cli("status", "apilab").stdout, /sw1\s+vde\s+switch\s+running/);
  });

  it("streams a console to two clients; a late client gets the screen back", async () => {
    const attach = (s: ReturnType<typeof connect>) =>
      new Promise<string>((resolve, reject) =>
        s.emit("console:attach", { lab: "apilab", node: "node01" }, (r: { ok: boolean; replay?: string; error?: string }) => (r.ok ? resolve(r.replay!) : reject(new Error(r.error)))),
      );
    const a = connect(url);
    const b = connect(url);
    try {
      await attach(a);
      await attach(b);
      let seenA = "";
      let seenB = "";
      a.on("console:data", (m: { data: string }) => (seenA += m.data));
      b.on("console:data", (m: { data: string }) => (seenB += m.data));
      a.emit("console:input", { lab: "apilab", node: "node01", data: "echo shared-$((6*7))\r" });
      const until = Date.now() + 10000;
      while (!(seenA.includes("shared-42") && seenB.includes("shared-42")) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      assert.match(seenA, /shared-42/);
      assert.match(seenB, /shared-42/);
      const late = connect(url);
      try {
        assert.match(await attach(late), /shared-42/);
      } finally {
        late.close();
      }
    } finally {
      a.close();
      b.close();
    }
  });

  it("attaches the CLI to a console: typed input runs, its output comes back", () => {
    const r = umlab(url, ["console", "apilab", "node02"], { input: "echo cli-$((2*21))\r", timeout: 30000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /attached to apilab\/node02/);
    assert.match(r.stdout, /cli-42/);
  });

  it("pausing a switch stops its frames; resuming lets them through", async () => {
    const post = (path: string, body?: unknown) => send("POST", path, body);
    assert.equal((await post("/api/labs/apilab/switches/sw1/pause")).status, 200);
    let r = (await (await post("/api/labs/apilab/nodes/node01/exec", { argv: ["ping", "-c", "1", "-W", "2", "10.9.0.2"] })).json()) as { exitCode: number };
    assert.notEqual(r.exitCode, 0);
    assert.equal((await post("/api/labs/apilab/switches/sw1/resume")).status, 200);
    r = (await (await post("/api/labs/apilab/nodes/node01/exec", { argv: ["ping", "-c", "1", "-W", "5", "10.9.0.2"] })).json()) as { exitCode: number };
    assert.equal(r.exitCode, 0);
  });

  it("applies a lab edited while it runs one node at a time, by (re)starting just that node", async () => {
    const current = (await (await authed(`${url}/api/labs/apilab`)).json()) as Detail;
    assert.deepEqual(current.changes, []);
    const edited = structuredClone(current.lab);
    edited.nodes.node02.mem = "96M";
    edited.nodes.node03 = { eth: ["sw1"], startup: "ip addr add 10.9.0.3/24 dev eth0\nip link set eth0 up\n" };
    assert.equal((await send("PUT", "/api/labs/apilab", { lab: { ...edited, name: "renamed" } })).status, 409, "a running lab keeps its name");
    const res = await send("PUT", "/api/labs/apilab", { lab: edited });
    assert.equal(res.status, 200);
    let detail = (await res.json()) as Detail;
    assert.deepEqual(detail.changes, [
      { kind: "node", name: "node02", what: "memory 64M → 96M", apply: "restart-node" },
      { kind: "node", name: "node03", what: "added", apply: "start-node" },
    ]);
    assert.equal(detail.needsRestart, true);

    assert.equal((await send("POST", "/api/labs/apilab/nodes/node02/restart")).status, 200);
    assert.equal((await send("POST", "/api/labs/apilab/nodes/node03/start")).status, 200);
    detail = (await (await authed(`${url}/api/labs/apilab`)).json()) as Detail;
    assert.deepEqual(detail.changes, []);
    assert.equal(detail.needsRestart, false);

    const exec = async (node: string, script: string) =>
      (await (await send("POST", `/api/labs/apilab/nodes/${node}/exec`, { script })).json()) as { stdout: string; exitCode: number };
    const kb = Number(/MemTotal:\s+(\d+)/.exec((await exec("node02", "cat /proc/meminfo")).stdout)?.[1]);
    // A 64M guest shows less than 64M as MemTotal; a 96M one about 74M.
    assert.ok(kb > 64 * 1024, `node02 has ${kb} kB: still 64M, not 96M`);
    const ping = await exec("node03", "ping -c 1 -W 5 10.9.0.1");
    assert.equal(ping.exitCode, 0, ping.stdout);
  });

  it("lists the kernels: the fast one built (tests boot it) and Debian's", async () => {
    const { kernels, build } = (await (await authed(`${url}/api/kernels`)).json()) as { kernels: { name: string; ready: boolean; isDefault: boolean }[]; build: { state: string } };
    // Custom kernels follow (api-kernels.int.test.ts).
    assert.deepEqual(kernels.slice(0, 2).map((k) => [k.name, k.ready, k.isDefault]), [["fast", true, true], ["debian", true, false]]);
    assert.equal(build.state, "done");
    const ls = cli("kernel", "ls");
    assert.equal(ls.status, 0, ls.stderr);
    assert.match(ls.stdout, /^fast\s+6\.1\.\d+\s+default /m);
    const b = cli("kernel", "build");
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stdout, /the fast kernel is built/);
  });

  it("answers unknown labs, nodes and actions with clear errors", async () => {
    assert.equal((await authed(`${url}/api/labs/nosuch`)).status, 404);
    const res = await authed(`${url}/api/labs/apilab/nodes/nosuch/exec`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"argv":["true"]}' });
    assert.equal(res.status, 404);
    assert.match(((await res.json()) as { error: string }).error, /no node "nosuch"/);
    assert.equal((await authed(`${url}/api/labs/apilab/nodes/node01/explode`, { method: "POST" })).status, 400);
    const del = await authed(`${url}/api/labs/apilab`, { method: "DELETE" });
    assert.equal(del.status, 409, "a running lab is not deleted");
  });

  it("stops the lab through the CLI, and the server's exit leaves no process", async () => {
    const r = cli("stop", "apilab");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /node01\s+stopped/);
    assert.equal(cli("start", "apilab").status, 0);
    // stop() SIGTERMs the server, waits for it and rejects, naming them, if any processes are left in `data`.
    await server!.stop();
    assert.deepEqual(processesIn(data), []);
  });
});
