import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeRecipe, parseImageRecipe, recipePathProblem, RECIPE_LIMITS } from "./image-recipe";

const problem = (input: unknown) => {
  const r = parseImageRecipe(input);
  return "problem" in r ? r.problem : null;
};

describe("an image recipe", () => {
  it("takes a name and packages; suite, files and memory have defaults", () => {
    assert.deepEqual(parseImageRecipe({ name: "web", packages: ["apache2", "libapache2-mod-php8.2", "g++"] }), {
      recipe: { name: "web", suite: "bookworm", packages: ["apache2", "libapache2-mod-php8.2", "g++"], files: {}, memoryMiB: 64 },
    });
    const full = parseImageRecipe({ name: "dns-2", suite: "trixie", packages: ["bind9"], files: { "/etc/bind/named.conf.local": "zone x {};\n" }, memoryMiB: 96, description: "DNS" });
    assert.ok("recipe" in full);
    assert.equal(full.recipe.suite, "trixie");
    assert.equal(full.recipe.files["/etc/bind/named.conf.local"], "zone x {};\n");
  });

  it("has a name like a node's: lower-case, starting with a letter, at most 31 characters", () => {
    for (const name of ["Web", "9web", "web_1", "", "a".repeat(32), "../x"]) assert.match(problem({ name, packages: ["jq"] }) ?? "", /^not a valid image recipe: name: .* is not a valid name/, name);
    assert.equal(problem({ name: "a".repeat(31), packages: ["jq"] }), null);
  });

  it("names Debian packages only: nothing that changes mmdebstrap's argv (commas, options, versions)", () => {
    for (const p of ["jq,curl", "-jq", "--include=x", "jq=1.6", "jq:amd64", "JQ", "j", "jq curl", "$(id)"])
      assert.match(problem({ name: "x", packages: [p] }) ?? "", /packages\[0\]: ".*" is not a Debian package name/, p);
    assert.match(problem({ name: "x", packages: [] }) ?? "", /packages: name at least one Debian package/);
    assert.match(problem({ name: "x", packages: Array.from({ length: RECIPE_LIMITS.packages + 1 }, (_, i) => `p${i}`) }) ?? "", /at most 100 packages/);
  });

  it("builds on an allowed Debian suite", () => {
    assert.match(problem({ name: "x", packages: ["jq"], suite: "sid" }) ?? "", /suite: a suite is one of bookworm, trixie, bullseye/);
  });

  it("places files at absolute guest paths, never through '..', with safe characters, capped in number and size", () => {
    assert.equal(recipePathProblem("/etc/apache2/sites-available/000-default.conf"), null);
    assert.match(recipePathProblem("etc/x") ?? "", /must be absolute/);
    assert.match(recipePathProblem("/etc/../shadow") ?? "", /must not contain empty, "\." or "\.\." parts/);
    assert.match(recipePathProblem("/etc//x") ?? "", /empty/);
    assert.match(recipePathProblem("/etc/x y") ?? "", /only letters, digits/);
    assert.match(recipePathProblem(`/${"a".repeat(300)}`) ?? "", /longer than 255/);
    assert.match(problem({ name: "x", packages: ["jq"], files: { "/a/../b": "" } }) ?? "", /files\["\/a\/\.\.\/b"\]: file path/);
    assert.match(problem({ name: "x", packages: ["jq"], files: { "/big": "x".repeat(RECIPE_LIMITS.fileBytes + 1) } }) ?? "", /files\["\/big"\]: a file has at most 64 KiB/);
    const many = Object.fromEntries(Array.from({ length: RECIPE_LIMITS.files + 1 }, (_, i) => [`/f${i}`, "x"]));
    assert.match(problem({ name: "x", packages: ["jq"], files: many }) ?? "", /files: at most 32 files/);
    const heavy = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`/f${i}`, "x".repeat(60 * 1024)]));
    assert.match(problem({ name: "x", packages: ["jq"], files: heavy }) ?? "", /the files have at most 256 KiB together/);
  });

  it("gives its nodes memory within umlab's limits, in whole MiB", () => {
    assert.match(problem({ name: "x", packages: ["jq"], memoryMiB: 8 }) ?? "", /memoryMiB: memory is at least 16 MiB/);
    assert.match(problem({ name: "x", packages: ["jq"], memoryMiB: 64 * 1024 }) ?? "", /memoryMiB: memory is at most 16384 MiB/);
    assert.match(problem({ name: "x", packages: ["jq"], memoryMiB: 100.5 }) ?? "", /whole number/);
  });

  it("refuses keys it does not know and a description of more than one line", () => {
    assert.match(problem({ name: "x", packages: ["jq"], image: "router" }) ?? "", /Unrecognized key: "image"/);
    assert.match(problem({ name: "x", packages: ["jq"], description: "a\nb" }) ?? "", /description: a description is one line/);
  });

  it("says what it holds when it has no description", () => {
    assert.equal(describeRecipe({ suite: "bookworm", packages: ["jq", "curl"], files: { "/etc/a": "", "/etc/b": "" } }), "Debian bookworm, the host image's tools and jq, curl and 2 files");
  });
});
