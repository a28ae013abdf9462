import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseLabYaml, serializeLabYaml } from "../labfile/labyaml";
import { LabDefinitionError } from "./errors";
import { resolveLab, toRawLab, type RawLab } from "./lab";
import { parseDuration, parseStep, renameInStep, timeline, type ScenarioStep } from "./scenario";

const LAB: RawLab = {
  name: "s",
  nodes: { node02: { eth: ["sw1"] }, node04: { eth: ["sw1", null, "hub1"] } },
  switches: { sw1: {}, hub1: { mode: "hub" }, usw: { kind: "uml_switch" } },
};

const step = (text: string) => {
  const s = parseStep(text);
  assert.equal(typeof s, "object", `${text}: ${String(s)}`);
  return s as ScenarioStep;
};

/** The problems of a lab with this scenario, as [index, message]. */
function problems(scenario: string[]): [unknown, string][] {
  try {
    resolveLab({ ...LAB, scenario });
  } catch (e) {
    assert.ok(e instanceof LabDefinitionError);
    return e.problems.map((p) => {
      assert.equal(p.path[0], "scenario");
      return [p.path[1], p.message];
    });
  }
  return [];
}

describe("scenario", () => {
  it("reads times in ms, s and m", () => {
    assert.equal(parseDuration("10s"), 10000);
    assert.equal(parseDuration("1.5s"), 1500);
    assert.equal(parseDuration("500ms"), 500);
    assert.equal(parseDuration("2m"), 120000);
    assert.equal(parseDuration("0s"), 0);
    for (const bad of ["10", "-1s", "1h", "s", "1.s", "1,5s", ""]) assert.equal(parseDuration(bad), null, bad);
    assert.equal(parseDuration("50", "ms"), 50);
  });

  it("parses every action", () => {
    assert.deepEqual(step("at 10s pull node04.eth0"), { index: 0, atMs: 10000, text: "at 10s pull node04.eth0", what: "pull node04.eth0", action: { kind: "pull", node: "node04", iface: 0 } });
    assert.deepEqual(step("  at   40s  plug node04.eth12 ").text, "at 40s plug node04.eth12");
    assert.deepEqual(step("at 40s plug node04.eth12").action, { kind: "plug", node: "node04", iface: 12 });
    assert.deepEqual(step("at 1m clear n.eth1").action, { kind: "clear", node: "n", iface: 1 });
    for (const kind of ["crash", "start", "stop", "restart"]) assert.deepEqual(step(`at 60s ${kind} node02`).action, { kind, node: "node02" });
    assert.deepEqual(step("at 1s pause sw1").action, { kind: "pause", switch: "sw1" });
    assert.deepEqual(step("at 1s resume sw1").action, { kind: "resume", switch: "sw1" });
  });

  it("maps impair options onto an Impairment", () => {
    assert.deepEqual(step("at 5s impair a.eth0 loss=10% delay=50ms bandwidth=1000kbit dup=1%").action, {
      kind: "impair",
      node: "a",
      iface: 0,
      impair: { lossPct: 10, delayMs: 50, bandwidthKbit: 1000, dupPct: 1 },
    });
    assert.deepEqual(step("at 5s impair a.eth0 delay=0.2s").action, { kind: "impair", node: "a", iface: 0, impair: { lossPct: 0, delayMs: 200, bandwidthKbit: null, dupPct: 0 } });
    assert.deepEqual(step("at 5s impair a.eth0 bandwidth=2mbit loss=2.5").action, { kind: "impair", node: "a", iface: 0, impair: { lossPct: 2.5, delayMs: 0, bandwidthKbit: 2000, dupPct: 0 } });
  });

  it("says what is wrong with a step", () => {
    const cases: [string, RegExp][] = [
      ["", /empty step/],
      ["pull a.eth0", /is not a step: at TIME ACTION/],
      ["at 10s", /is not a step/],
      ["at ten pull a.eth0", /"ten" is not a time/],
      ["at 25h pull a.eth0", /"25h" is not a time/],
      ["at 2000m pull a.eth0", /too late/],
      ["at 1s yank a.eth0", /unknown action "yank"/],
      ["at 1s pull", /pull needs a NODE\.ethN/],
      ["at 1s crash", /crash needs a NODE/],
      ["at 1s pull a", /"a" is not NODE\.ethN/],
      ["at 1s pull a.eth0 now", /unexpected "now": pull takes a NODE\.ethN only/],
      ["at 1s crash a b", /unexpected "b"/],
      ["at 1s impair a.eth0", /nothing to impair/],
      ["at 1s impair a.eth0 loss=101%", /loss is a percentage, 0 to 100/],
      ["at 1s impair a.eth0 delay=61s", /delay is 0 to 60000 ms/],
      ["at 1s impair a.eth0 bandwidth=0kbit", /bandwidth is a positive number/],
      ["at 1s impair a.eth0 jitter=5ms", /unexpected "jitter=5ms"/],
      ["at 1s impair a.eth0 loss=lots", /"loss=lots" is not a valid loss/],
      ["at 1s impair a.eth0 loss=1% loss=2%", /loss is given twice/],
    ];
    for (const [text, message] of cases) {
      const s = parseStep(text);
      assert.equal(typeof s, "string", text);
      assert.match(s as string, message, text);
    }
  });

  it("checks steps against the lab, each problem at its step", () => {
    assert.deepEqual(problems(["at 10s pull node04.eth0", "at 40s plug node04.eth0", "at 60s crash node02", "at 1s pause hub1", "at 2s impair node02.eth0 loss=5%"]), []);
    assert.deepEqual(problems(["at 1s crash node02", "at 2s crash node09", "at 3s pull node04.eth1", "at 4s pull node04.eth5", "at 5s pull ghost.eth0", "at 6s pause sw9", "at 7s crash", "at 8s pull node04.eth2"]), [
      [1, '"node09" is not a node of this lab'],
      [2, "node04.eth1 is not plugged into a switch"],
      [3, "node04.eth5 is not plugged into a switch"],
      [4, '"ghost" is not a node of this lab'],
      [5, '"sw9" is not a switch of this lab'],
      [6, "crash needs a NODE"],
      [7, "link faults need a vde switch in switch mode; hub1 is a hub"],
    ]);
    assert.throws(() => resolveLab({ ...LAB, scenario: "at 1s crash node02" }), LabDefinitionError);
  });

  it("keeps the file's order in the lab and runs by time, stable", () => {
    const lab = resolveLab({ ...LAB, scenario: ["at 60s crash node02", "at 10s pull node04.eth0", "at 40s plug node04.eth0", "at 10s  crash node04", "at 0.5s pause sw1"] });
    assert.deepEqual(lab.scenario.map((s) => s.index), [0, 1, 2, 3, 4]);
    assert.deepEqual(timeline(lab.scenario).map((s) => [s.atMs, s.what]), [
      [500, "pause sw1"],
      [10000, "pull node04.eth0"],
      [10000, "crash node04"],
      [40000, "plug node04.eth0"],
      [60000, "crash node02"],
    ]);
    assert.deepEqual(toRawLab(lab).scenario, ["at 60s crash node02", "at 10s pull node04.eth0", "at 40s plug node04.eth0", "at 10s crash node04", "at 0.5s pause sw1"]);
    assert.equal(toRawLab(resolveLab(LAB)).scenario, undefined, "no scenario, no field");
    assert.deepEqual(resolveLab(LAB).scenario, []);
  });

  it("follows a renamed node or switch", () => {
    assert.equal(renameInStep("at 1s pull a.eth0", "a", "b"), "at 1s pull b.eth0");
    assert.equal(renameInStep("at 1s crash a", "a", "b"), "at 1s crash b");
    assert.equal(renameInStep("at 1s pause sw1", "sw1", "core"), "at 1s pause core");
    assert.equal(renameInStep("at 1s crash ab", "a", "b"), "at 1s crash ab");
    assert.equal(renameInStep("at 1s impair a.eth1 loss=5%", "a", "x"), "at 1s impair x.eth1 loss=5%");
    assert.equal(renameInStep("nonsense", "a", "b"), "nonsense");
  });

  it("round-trips through lab.yaml, one step a line", () => {
    const text = serializeLabYaml(resolveLab({ ...LAB, scenario: ["at 10s pull node04.eth0", "at 5s impair node02.eth0 loss=10% delay=50ms"] }));
    assert.match(text, /\nscenario:\n {2}- at 10s pull node04\.eth0\n {2}- at 5s impair node02\.eth0 loss=10% delay=50ms\n/);
    assert.deepEqual(parseLabYaml(text).scenario.map((s) => s.text), ["at 10s pull node04.eth0", "at 5s impair node02.eth0 loss=10% delay=50ms"]);
  });
});
