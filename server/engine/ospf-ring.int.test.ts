import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseLabYaml } from "../labfile/labyaml";
import { Engine } from "./engine";
import type { LabRun } from "./lab-run";
import { until } from "../test-support";
import { processesIn } from "./procs";

// The classic UML lab's OSPF ring, as bundled: real FRR in Debian router images.
const SAMPLE = join(import.meta.dirname, "..", "samples", "ospf-ring.yaml");
const NODES = ["node01", "node02", "node03", "node04"];
// Addresses node02 and node04 put in a recorded route when a packet passes them.
const VIA_NODE02 = /\b10\.0\.[12]\.2\b/;
const VIA_NODE04 = /\b10\.0\.[34]\.4\b/;

/** The recorded route of one `ping -R` from node01 to node03's virtual IP, when it got an answer. */
async function recordedRoute(run: LabRun): Promise<string | null> {
  const r = await run.node("node01").exec("ping -R -c 1 -W 1 10.10.10.3", 10);
  return r.exitCode === 0 ? r.stdout : null;
}

describe("ospf-ring: four FRR routers reroute around a pulled link", () => {
  const root = mkdtempSync(join(tmpdir(), "umlab-ospf-"));
  const engine = new Engine(root);
  const lab = parseLabYaml(readFileSync(SAMPLE, "utf8"));
  let run: LabRun;

  before(async () => {
    run = await engine.start(lab);
    await run.waitRunning(120000);
  });
  after(async () => {
    await engine.stopAll();
    assert.deepEqual(processesIn(root), [], "nothing of the lab is left running");
    rmSync(root, { recursive: true, force: true });
  });

  it("boots Debian router images whose systemctl started FRR's zebra and ospfd", async () => {
    for (const name of NODES) {
      const r = await run.node(name).exec("systemctl status frr; cat /etc/debian_version; hostname");
      assert.equal(r.exitCode, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /zebra: running/);
      assert.match(r.stdout, /ospfd: running/);
      assert.match(r.stdout, new RegExp(`^12\\.\\d+\\n${name}$`, "m"));
    }
  });

  it("every node learns a route to each of the four virtual IPs", async () => {
    for (const name of NODES) {
      const { value } = await until(`${name} routes to every VIPA`, 60000, async () => {
        const r = await run.node(name).exec("ip -4 route show; ip -4 addr show dev dummy0");
        const vipas = new Set(r.stdout.match(/10\.10\.10\.[1-4]\b/g));
        return vipas.size === 4 ? r.stdout : null;
      });
      assert.match(value, /proto ospf/);
    }
  });

  it("node01 reaches node03's virtual IP through node04; a pulled link moves it to node02 within 10 s, and back when plugged", async () => {
    const first = await until("ping -R through node04", 30000, async () => {
      const rr = await recordedRoute(run);
      return rr && VIA_NODE04.test(rr) && !VIA_NODE02.test(rr) ? rr : null;
    });
    assert.match(first.value, /RR:/);

    await run.links.pull(run.lab, "node04", 0);
    const rerouted = await until("ping -R through node02 after the pull", 10000, async () => {
      const rr = await recordedRoute(run);
      return rr && VIA_NODE02.test(rr) && !VIA_NODE04.test(rr) ? rr : null;
    });
    assert.ok(rerouted.ms <= 10000);

    await run.links.plug(run.lab, "node04", 0);
    await until("ping -R through node04 again after the plug", 30000, async () => {
      const rr = await recordedRoute(run);
      return rr && VIA_NODE04.test(rr) && !VIA_NODE02.test(rr) ? rr : null;
    });
  });
});
