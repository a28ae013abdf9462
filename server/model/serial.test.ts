import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LabFileError, parseLabYaml, serializeLabYaml } from "../labfile/labyaml";
import { exportKathara } from "../labfile/kathara/export";
import { labChanges } from "./changes";
import { resolveLab } from "./lab";
import { parseStep, renameInStep } from "./scenario";
import { consoleProblem, freeLine, parseLineRef } from "./serial";

const lab = (cables: string) => `umlab: 1
name: ha
nodes:
  one: {}
  two: {}
  three: {}
${cables}`;

/** The problems of a lab file as "line: path: message". */
function problems(text: string): string[] {
  try {
    parseLabYaml(text);
  } catch (e) {
    assert.ok(e instanceof LabFileError, String(e));
    return e.problems.map((p) => `${p.line}: ${p.path.join(".")}: ${p.message}`);
  }
  assert.fail("the lab loaded");
}

describe("serial cables in lab.yaml", () => {
  it("reads cables as pairs of lines, and writes them back the same, after the gateways", () => {
    const text = lab("cables:\n  - [one.ttyS2, two.ttyS2]\n  - [two.ttyS3, three.ttyS5]\n");
    const parsed = parseLabYaml(text);
    assert.deepEqual(parsed.cables, [
      { a: { node: "one", line: 2 }, b: { node: "two", line: 2 } },
      { a: { node: "two", line: 3 }, b: { node: "three", line: 5 } },
    ]);
    const out = serializeLabYaml(parsed);
    assert.match(out, /cables:\n {2}- \[ one\.ttyS2, two\.ttyS2 \]\n {2}- \[ two\.ttyS3, three\.ttyS5 \]\n/);
    assert.deepEqual(parseLabYaml(out), parsed);
    assert.deepEqual(parseLabYaml(lab("")).cables, []);
    assert.doesNotMatch(serializeLabYaml(parseLabYaml(lab(""))), /cables/);
  });

  it("refuses a line of a node the lab lacks, ttyS1 (the exec channel), a line out of range, or a malformed one, at its line", () => {
    assert.deepEqual(problems(lab("cables:\n  - [one.ttyS2, four.ttyS2]\n")), ['8: cables.0.1: "four" is not a node of this lab']);
    assert.deepEqual(problems(lab("cables:\n  - [one.ttyS1, two.ttyS2]\n")), ["8: cables.0.0: one.ttyS1: ttyS1 is umlab's exec channel; cables and terminals use ttyS2 to ttyS5"]);
    assert.deepEqual(problems(lab("cables:\n  - [one.ttyS2, two.ttyS6]\n")), ["8: cables.0.1: two.ttyS6: a node's serial lines are ttyS2 to ttyS5"]);
    assert.deepEqual(problems(lab("cables:\n  - [one:ttyS2, two.eth0]\n")), [
      '8: cables.0.0: "one:ttyS2" is not a serial line: NODE.ttySN, e.g. node1.ttyS2',
      '8: cables.0.1: "two.eth0" is not a serial line: NODE.ttySN, e.g. node1.ttyS2',
    ]);
    assert.equal(problems(lab("cables:\n  - [one.ttyS2]\n")).length, 1);
    assert.equal(problems(lab("cables:\n  one: two\n")).length, 1);
  });

  it("refuses a line in two cables, and a cable from a node to itself", () => {
    assert.deepEqual(problems(lab("cables:\n  - [one.ttyS2, two.ttyS2]\n  - [three.ttyS2, one.ttyS2]\n")), [
      "9: cables.1.1: one.ttyS2 is already in cable 1: a line takes one cable",
    ]);
    assert.deepEqual(problems(lab("cables:\n  - [one.ttyS2, one.ttyS3]\n")), ["8: cables.0: a cable joins two nodes: both ends are on one"]);
  });

  it("cuts and mends cables in scenarios, by either end, and refuses a line with no cable", () => {
    const ok = resolveLab({ name: "s", nodes: { one: {}, two: {} }, cables: [["one.ttyS2", "two.ttyS2"]], scenario: ["at 5s cut two.ttyS2", "at 9s mend one.ttyS2"] });
    assert.deepEqual(ok.scenario.map((s) => s.action), [
      { kind: "cut", node: "two", line: 2 },
      { kind: "mend", node: "one", line: 2 },
    ]);
    assert.throws(() => resolveLab({ name: "s", nodes: { one: {}, two: {} }, scenario: ["at 5s cut one.ttyS3"] }), /scenario\[0\]: one\.ttyS3 has no cable to cut/);
    assert.match(String(parseStep("at 1s cut one")), /is not a serial line/);
    assert.match(String(parseStep("at 1s mend one.ttyS1")), /exec channel/);
    assert.equal(renameInStep("at 5s cut one.ttyS2", "one", "uno"), "at 5s cut uno.ttyS2");
  });

  it("takes a lab restart for a changed cable; a Kathará export says the cable is left out", () => {
    const before = resolveLab({ name: "s", nodes: { one: {}, two: {} } });
    const after = resolveLab({ name: "s", nodes: { one: {}, two: {} }, cables: [["two.ttyS2", "one.ttyS2"]] });
    assert.deepEqual(labChanges(before, after), [{ kind: "lab", name: "s", what: "serial cables changed", apply: "restart-lab" }]);
    // The same cable, its ends written the other way round, is no change.
    assert.deepEqual(labChanges(after, resolveLab({ name: "s", nodes: { one: {}, two: {} }, cables: [["one.ttyS2", "two.ttyS2"]] })), []);
    assert.match(exportKathara(after)["lab.conf"], /# umlab: serial cable two\.ttyS2—one\.ttyS2 was left out: Kathará has no serial lines/);
  });

  it("names consoles: a node's, or a line with no cable; finds a node's first free line", () => {
    const l = resolveLab({ name: "s", nodes: { one: {}, two: {} }, cables: [["one.ttyS2", "two.ttyS2"]] });
    assert.equal(consoleProblem(l, "one"), null);
    assert.equal(consoleProblem(l, "one.ttyS3"), null);
    assert.match(String(consoleProblem(l, "one.ttyS2")), /in the cable one\.ttyS2—two\.ttyS2/);
    assert.match(String(consoleProblem(l, "nine.ttyS3")), /"nine" is not a node/);
    assert.match(String(consoleProblem(l, "nine")), /no node "nine"/);
    assert.equal(freeLine(l.cables, "one"), 3);
    assert.equal(freeLine(l.cables, "three"), 2);
    assert.deepEqual(parseLineRef("r-1.ttyS5"), { node: "r-1", line: 5 });
  });
});
