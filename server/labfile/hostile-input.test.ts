import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LabDefinitionError } from "../model/errors";
import { parseKathara } from "./kathara";
import { withoutDhcpLine } from "./kathara/bridged";
import { imageRepo } from "./kathara/options";
import { LabFileError, parseLabYaml } from "./labyaml";
import { MAX_DEPTH } from "./yaml-safe";

const MB = 1024 * 1024;

/** Runs `parse` and returns how long it took and what it answered (a lab, or its problems). */
function timed<T>(parse: () => T): { ms: number; outcome: T | Error } {
  const t0 = performance.now();
  let outcome: T | Error;
  try {
    outcome = parse();
  } catch (e) {
    outcome = e as Error;
  }
  return { ms: performance.now() - t0, outcome };
}

const conf = (text: string) => () => parseKathara({ "lab.conf": Buffer.from(text) }, { name: "big" });

describe("hostile lab files are answered quickly", () => {
  // Each line is 1 MB; the comment-stripping regex this replaced took 26 s for 100 KB of spaces.
  const lines: Record<string, string> = {
    "a value of spaces": `pc1[0]=A${" ".repeat(MB)}x`,
    "a description of words and spaces": `LAB_DESCRIPTION="${"word ".repeat(MB / 5)}"\npc1[0]=A`,
    "an unquoted description with spaces and no comment": `LAB_DESCRIPTION=a${" \t".repeat(MB / 2)}b\npc1[0]=A`,
    "a value with many #": `pc1[0]=A${" a#".repeat(MB / 3)}`,
    "a device name": `${"p".repeat(MB)}[0]=A`,
    "an option value": `pc1[image]=${"kathara/frr:".repeat(MB / 12)}\npc1[0]=A`,
    "a sysctl": `pc1[sysctl]=net.${"a.".repeat(MB / 2)}b=1\npc1[0]=A`,
    "a line of brackets": "[".repeat(MB),
    "a meta key": `${"A".repeat(MB)}`,
  };
  for (const [what, text] of Object.entries(lines)) {
    it(`lab.conf with ${what} (1 MB line): a lab or a problem list in under 1 s`, () => {
      const { ms, outcome } = timed(conf(text));
      console.log(`  lab.conf, ${what}: ${ms.toFixed(0)} ms`);
      assert.ok(!(outcome instanceof Error) || outcome instanceof LabDefinitionError, String(outcome));
      assert.ok(ms < 1000, `${ms} ms`);
      if (outcome instanceof LabDefinitionError) assert.ok(outcome.message.length < 10000, "a problem shows a long line cut");
    });
  }

  it("the other comment and tag strippers stay linear", () => {
    const { ms } = timed(() => [withoutDhcpLine(`a${" ".repeat(MB)}b\nrest`, 1), imageRepo(`${":".repeat(MB)}x`)]);
    assert.ok(ms < 1000, `${ms} ms`);
    assert.equal(imageRepo("Kathara/FRR:9.1@sha256:abc"), "kathara/frr");
    assert.equal(imageRepo("registry:5000/kathara/base"), "registry:5000/kathara/base");
    assert.equal(imageRepo("registry:5000/kathara/base:latest"), "registry:5000/kathara/base");
  });
});

describe("hostile lab.yaml files get a clean problem", () => {
  it("a billion laughs (aliases of aliases) is refused, not expanded", () => {
    const levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
    for (const [prev, cur] of ["ab", "bc", "cd", "de", "ef", "fg", "gh", "hi"].map((p) => [...p])) levels.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(", ")}]`);
    const { ms, outcome } = timed(() => parseLabYaml(`umlab: 1\nname: lol\n${levels.join("\n")}\n`));
    assert.ok(outcome instanceof LabFileError, String(outcome));
    assert.match(outcome.message, /alias/i);
    assert.ok(ms < 1000, `${ms} ms`);
  });

  it("a few aliases, as a person writes them, still work", () => {
    const lab = parseLabYaml("umlab: 1\nname: ok\nnodes:\n  a: &n { mem: 96M }\n  b: *n\n");
    assert.deepEqual(lab.nodes.map((n) => n.memoryMiB), [96, 96]);
  });

  for (const [what, text] of [
    ["flow sequences", "[".repeat(100000)],
    ["flow maps", "{a: ".repeat(50000)],
    ["block sequences", `${"- ".repeat(50000)}x`],
    ["a mixture", `umlab: 1\nname: deep\nnodes: ${"[{a: ".repeat(20000)}`],
  ]) {
    it(`${what} nested tens of thousands deep are refused (they once aborted the process)`, () => {
      const { ms, outcome } = timed(() => parseLabYaml(text));
      assert.ok(outcome instanceof LabFileError, String(outcome));
      assert.match(outcome.message, new RegExp(`more than ${MAX_DEPTH} levels`));
      assert.ok(ms < 3000, `${ms} ms`);
    });
  }
});
