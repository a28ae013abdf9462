import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseLabYaml } from "../labfile/labyaml";
import { Engine } from "./engine";
import type { LabRun } from "./lab-run";
import { processesIn } from "./procs";

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe("a gateway: nodes reach the host through slirpvde, without root", () => {
  const root = mkdtempSync(join(tmpdir(), "umlab-gw-"));
  const engine = new Engine(root);
  let server: Server;
  let closed: Server;
  let hostPort = 0;
  let closedPort = 0;
  let forwarded = 0;
  let run: LabRun;

  before(async () => {
    server = createServer((_req, res) => res.end("hello from the host\n"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    hostPort = (server.address() as { port: number }).port;
    // A service on the host's loopback the lab did not open.
    closed = createServer((_req, res) => res.end("a host secret\n"));
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    closedPort = (closed.address() as { port: number }).port;
    forwarded = await freePort();
    const lab = parseLabYaml(`
umlab: 1
name: outside
nodes:
  pc1:
    eth: [lan]
    startup: |
      udhcpc -i eth0 -n -q -t 10 -T 1
      mkdir -p /www && echo "served by pc1" > /www/index.html
      httpd -p 80 -h /www
switches:
  lan: {}
gateways:
  internet: { switch: lan, forward: ["${forwarded}:10.0.2.15:80"], hostPorts: [${hostPort}] }
`);
    run = await engine.start(lab);
    await run.waitRunning(90000);
  });
  after(async () => {
    await engine.stopAll();
    server.close();
    closed.close();
    assert.deepEqual(processesIn(root), [], "no slirpvde, switch or guest is left");
    rmSync(root, { recursive: true, force: true });
  });

  it("hands the node an address, a default route and DNS by DHCP", async () => {
    const r = await run.node("pc1").exec("ip -4 addr show dev eth0; ip route; cat /etc/resolv.conf");
    assert.match(r.stdout, /inet 10\.0\.2\.15\/24/);
    assert.match(r.stdout, /default via 10\.0\.2\.2 dev eth0/);
    assert.match(r.stdout, /nameserver 10\.0\.2\.3/);
  });

  it("lets the node reach a server on the host's loopback at 10.0.2.2 on a port the lab opened (hostPorts)", async () => {
    const r = await run.node("pc1").exec(`wget -q -O - http://10.0.2.2:${hostPort}/`);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, "hello from the host\n");
  });

  it("refuses the node every other port of the host's loopback, at 10.0.2.2 or any 10.0.2.x", async () => {
    for (const addr of ["10.0.2.2", "10.0.2.9"]) {
      const r = await run.node("pc1").exec(`wget -q -O - http://${addr}:${closedPort}/`);
      assert.notEqual(r.exitCode, 0, `${addr}: ${r.stdout}`);
      // slirp answers ARP for its own addresses only: 10.0.2.9 is not even reached.
      assert.match(r.stderr, addr === "10.0.2.2" ? /Connection refused/ : /Connection refused|No route to host/);
      assert.doesNotMatch(r.stdout, /secret/);
    }
  });

  it("forwards a host port to a service in the node", async () => {
    const res = await fetch(`http://127.0.0.1:${forwarded}/`);
    assert.equal(await res.text(), "served by pc1\n");
  });

  it("is shown in the lab's status with its process", () => {
    const [gw] = engine.status(run.lab).gateways;
    assert.equal(gw.name, "internet");
    assert.equal(gw.switch, "lan");
    assert.ok(gw.pid && gw.pid > 0);
  });
});
