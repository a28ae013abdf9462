import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseLabYaml, serializeLabYaml } from "../labfile/labyaml";
import { customKernelNameProblem, kernelChoiceProblem } from "./kernel";
import { resolveLab } from "./lab";

describe("a node's kernel choice", () => {
  it("is fast, debian or a custom kernel's name", () => {
    for (const k of ["fast", "debian", "mine", "cake-6-1"]) assert.equal(kernelChoiceProblem(k), null, k);
    for (const k of ["Mine", "my kernel", "9k", "", "a".repeat(32)]) assert.match(kernelChoiceProblem(k) ?? "", /is not a valid name.*a kernel is fast, debian or the name of a custom kernel/, k);
  });

  it("names a custom kernel other than umlab's own", () => {
    assert.equal(customKernelNameProblem("mine"), null);
    assert.match(customKernelNameProblem("fast") ?? "", /"fast" is umlab's own kernel/);
    assert.match(customKernelNameProblem("debian") ?? "", /"debian" is umlab's own kernel/);
    assert.match(customKernelNameProblem("My_Kernel") ?? "", /not a valid name/);
  });

  it("takes a custom kernel for a lab and a node, and writes it back to lab.yaml", () => {
    const lab = resolveLab({ name: "k", kernel: "mine", nodes: { a: {}, b: { kernel: "debian" }, c: { kernel: "other" } } });
    assert.deepEqual(lab.nodes.map((n) => [n.name, n.kernel]), [["a", "mine"], ["b", "debian"], ["c", "other"]]);
    const again = parseLabYaml(serializeLabYaml(lab));
    assert.deepEqual(again.nodes.map((n) => n.kernel), ["mine", "debian", "other"]);
    assert.equal(again.kernel, "mine");
  });

  it("refuses a kernel that is no name, with its line in lab.yaml", () => {
    const text = "umlab: 1\nname: k\nnodes:\n  a:\n    kernel: My Kernel\n";
    assert.throws(() => parseLabYaml(text), { name: "LabFileError", message: /lab\.yaml:5:\d+: nodes\.a\.kernel: "My Kernel" is not a valid name/ });
    assert.throws(() => resolveLab({ name: "k", kernel: "Bad!" }), { name: "LabDefinitionError" });
  });
});
