import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Problem } from "../../model/errors";
import { deviceSettings } from "./options";

describe("a lab.conf device's image", () => {
  const settings = (image: string) => {
    const warnings: string[] = [];
    const problems: Problem[] = [];
    const s = deviceSettings({ name: "web", at: { file: "lab.conf", line: 1 }, ifaces: new Map(), options: [{ key: "image", value: image, file: "lab.conf", line: 2 }] }, problems, warnings);
    return { image: s.image, warnings, problems };
  };

  it("that umlab cannot map points to image recipes: what to add, and where", () => {
    const { image, warnings, problems } = settings("nginx:latest");
    assert.equal(image, "kathara");
    assert.deepEqual(problems, []);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /^web\[image\]=nginx:latest \(lab\.conf:2\): umlab has no image like "nginx:latest": web uses the kathara image/);
    assert.match(warnings[0], /add an image recipe with the packages it needs \(`umlab image add NAME --packages \.\.\.`, or the labs page\) and set web's image to it$/);
  });

  it("of Kathará's own is the kathara image, without a word", () => {
    for (const image of ["kathara/base", "kathara/frr:latest", "kathara/quagga"]) assert.deepEqual(settings(image).warnings, [], image);
  });
});
