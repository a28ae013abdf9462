import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Engine } from "./engine/engine";
import type { LabRun } from "./engine/lab-run";
import { processesIn } from "./engine/procs";
import { readFolder } from "./labfile/archive";
import { exportKathara, parseKathara } from "./labfile/kathara";
import { resolveLab, type Lab } from "./model/lab";
import { until } from "./test-support";

// A Kathará lab folder as people write them: three FRR routers in a line,
// .startup files calling `systemctl start frr`, /etc/frr overlays per node,
// lab.dep. Imported, started on real UML guests with real FRR, converged.
const FOLDER = join(import.meta.dirname, "labfile", "fixtures", "kathara", "frr-ospf");

/** lab.conf as key → value, comments and blank lines left out, quotes taken off. */
function entries(conf: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of conf.split("\n")) {
    const t = line.trim();
    if (!t || t.startsWith("#")) continue;
    const eq = t.indexOf("=");
    m.set(t.slice(0, eq), t.slice(eq + 1).replace(/^"(.*)"$/, "$1"));
  }
  return m;
}

describe("a Kathará lab folder with FRR routers imports, starts and converges", () => {
  const root = mkdtempSync(join(tmpdir(), "umlab-kfrr-"));
  const engine = new Engine(root);
  const files = readFolder(FOLDER).files;
  const imported = parseKathara(files, { name: "kfrr" });
  const lab: Lab = resolveLab(imported.raw);
  let run: LabRun;

  before(async () => {
    run = await engine.start(lab);
    await run.waitRunning(120000);
  });
  after(async () => {
    await engine.stopAll();
    assert.deepEqual(processesIn(root), []);
    rmSync(root, { recursive: true, force: true });
  });

  it("imports every device, collision domain, overlay and the start order; the only warning is the renamed domains", () => {
    assert.deepEqual(imported.warnings, [`renamed to fit umlab's names (lower-case letters, digits and "-", starting with a letter): collision domain A → a, collision domain B → b, collision domain C → c, collision domain D → d`]);
    assert.deepEqual(lab.nodes.map((n) => [n.name, n.image, n.interfaces.map((i) => i.switch), n.after]), [
      ["r1", "kathara", ["a", "b"], []],
      ["r2", "kathara", ["b", "c"], ["r1"]],
      ["r3", "kathara", ["c", "d"], ["r2"]],
    ]);
    assert.match(lab.nodes[0].files["/etc/frr/frr.conf"], /router ospf/);
  });

  it("runs FRR started by the .startup files' `systemctl start frr`, and converges: r1 reaches r3's far network", async () => {
    for (const n of ["r1", "r2", "r3"]) {
      const r = await run.node(n).exec("systemctl status frr");
      assert.match(r.stdout, /ospfd: running/, `${n}: ${r.stdout}${r.stderr}`);
    }
    await until("r1 learns 10.3.0.0/24 by OSPF", 90000, async () => /10\.3\.0\.0\/24 .*proto ospf/.test((await run.node("r1").exec("ip route")).stdout), 500);
    await until("r3 learns 10.1.0.0/24 by OSPF", 30000, async () => /10\.1\.0\.0\/24 .*proto ospf/.test((await run.node("r3").exec("ip route")).stdout), 500);
    const ping = await run.node("r1").exec("ping -c 2 -W 3 -I 10.1.0.1 10.3.0.3");
    assert.equal(ping.exitCode, 0, ping.stdout + ping.stderr);
    const neighbours = await run.node("r2").exec("vtysh -c 'show ip ospf neighbor'");
    assert.equal(neighbours.stdout.match(/Full\//g)?.length, 2, neighbours.stdout);
  });

  it("exports back to an equivalent lab.conf, startups, overlays and lab.dep", () => {
    const out = exportKathara(lab);
    const original = entries(Buffer.from(files["lab.conf"]).toString());
    const exported = entries(out["lab.conf"]);
    // The meta lines come back as one description ("… (by AUTHOR)").
    assert.equal(exported.get("LAB_DESCRIPTION"), "Three FRR routers in a line running OSPF (by umlab tests)");
    for (const [k, v] of original) {
      if (k.startsWith("LAB_")) continue;
      // Collision domains come back under their umlab names (lower case).
      const want = /^r\d\[\d\]$/.test(k) ? v.toLowerCase() : v;
      assert.equal(exported.get(k), want, `lab.conf ${k}`);
    }
    for (const f of ["r1.startup", "r2.startup", "r3.startup", "r1/etc/frr/frr.conf", "r2/etc/frr/daemons", "r3/etc/frr/vtysh.conf"])
      assert.equal(out[f], Buffer.from(files[f]).toString(), f);
    assert.deepEqual(out["lab.dep"].trim().split("\n").sort(), ["r2: r1", "r3: r2"]);
    const again = resolveLab(parseKathara(Object.fromEntries(Object.entries(out).map(([p, t]) => [p, Buffer.from(t)])), { name: "kfrr" }).raw);
    assert.deepEqual(again, lab, "imported again, the same lab");
  });
});
