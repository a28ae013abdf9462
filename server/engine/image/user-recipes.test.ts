import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { imageRecipeSchema } from "../../model/image-recipe";
import { debianBuildSteps, debianPlan } from "./debian";
import { assertImageKnown, imageNames, resolveImage } from "./images";
import { debianRecipe } from "./recipes";
import { buildRecipe, removeImageFiles, removeUserRecipe, saveUserRecipe, userRecipe, userRecipes } from "./user-recipes";

const recipe = (o: Record<string, unknown> = {}) => imageRecipeSchema.parse({ name: "web", packages: ["jq"], ...o });

describe("user image recipes", () => {
  const root = mkdtempSync(join(tmpdir(), "umlab-recipes-"));
  const saved = process.env.UMLAB_IMAGES;
  delete process.env.UMLAB_IMAGES;
  after(() => {
    if (saved !== undefined) process.env.UMLAB_IMAGES = saved;
    rmSync(root, { recursive: true, force: true });
  });

  it("are kept as files under the data root, one per recipe, and read back", () => {
    const web = saveUserRecipe(root, recipe({ files: { "/var/www/html/index.html": "hello\n" } }), new Date("2026-01-02T03:04:05Z"));
    assert.equal(web.description, "Debian bookworm, the host image's tools and jq and 1 file");
    assert.deepEqual(readdirSync(join(root, "recipes")), ["web.json"], "no temporary file is left");
    const back = userRecipe(root, "web");
    assert.deepEqual(back, { name: "web", suite: "bookworm", packages: ["jq"], files: { "/var/www/html/index.html": "hello\n" }, memoryMiB: 64, description: web.description, createdAt: "2026-01-02T03:04:05.000Z" });
    assert.deepEqual(userRecipes(root).map((r) => r.name), ["web"]);
  });

  it("refuses a second recipe of a name (ConflictError), keeping the first", () => {
    assert.throws(() => saveUserRecipe(root, recipe({ packages: ["curl"] })), { name: "ConflictError", message: /there is an image recipe "web" already/ });
    assert.deepEqual(userRecipe(root, "web")?.packages, ["jq"]);
    assert.deepEqual(readdirSync(join(root, "recipes")), ["web.json"]);
  });

  it("skips a recipe file that is not one, and never reads outside its folder", () => {
    writeFileSync(join(root, "recipes", "broken.json"), "{ not json");
    writeFileSync(join(root, "recipes", "other.json"), JSON.stringify({ name: "notother", packages: ["jq"] }));
    assert.equal(userRecipe(root, "broken"), undefined);
    assert.equal(userRecipe(root, "other"), undefined, "a file whose name is not its recipe's");
    assert.equal(userRecipe(root, "../recipes/web"), undefined);
    assert.deepEqual(userRecipes(root).map((r) => r.name), ["web"]);
  });

  it("are images nodes can name: known to resolveImage, with a clear error until built", () => {
    assert.deepEqual(imageNames(root), ["busybox", "router", "host", "kathara", "cluster", "web"]);
    assert.doesNotThrow(() => assertImageKnown(root, "web"));
    assert.throws(() => assertImageKnown(root, "nosuch"), { name: "ImageError", message: /image "nosuch" is not available \(available: busybox, router, host, kathara, cluster, web\); .*`umlab image add nosuch --packages/ });
    assert.throws(() => resolveImage(root, "web"), { name: "ImageError", message: /image "web" is not built yet: build it with `umlab image build web`/ });
    const plan = debianPlan(root, buildRecipe(userRecipe(root, "web")!));
    mkdirSync(join(root, "images"), { recursive: true });
    writeFileSync(plan.file, "image");
    writeFileSync(plan.meta, JSON.stringify({ name: "web", id: plan.id, suite: "bookworm", packages: [], builtAt: "2026-01-02T00:00:00.000Z", seconds: 1 }));
    assert.equal(resolveImage(root, "web"), plan.file);
  });

  it("build on the host image's tools, with the recipe's packages after them", () => {
    const r = buildRecipe(userRecipe(root, "web")!);
    const host = debianRecipe("host")!.packages;
    assert.deepEqual(r.packages, [...host, "jq"]);
    assert.deepEqual(buildRecipe({ ...userRecipe(root, "web")!, packages: ["iproute2", "jq"] }).packages, [...host, "jq"], "no package twice");
  });

  it("name their image by a hash that includes the files' paths and text, not their order", () => {
    const base = buildRecipe(userRecipe(root, "web")!);
    const id = (files: Record<string, string>) => debianPlan(root, { ...base, files }).id;
    const a = id({ "/etc/a": "1", "/etc/b": "2" });
    assert.match(a, /^web-[0-9a-f]{12}$/);
    assert.equal(id({ "/etc/b": "2", "/etc/a": "1" }), a);
    assert.notEqual(id({ "/etc/a": "1", "/etc/b": "3" }), a, "a file's text");
    assert.notEqual(id({ "/etc/a": "1", "/etc/c": "2" }), a, "a file's path");
    assert.notEqual(id({ "/etc/a": "1" }), a, "a file fewer");
    assert.notEqual(id({}), a);
    // A recipe without files is named as before files existed: umlab's images are not rebuilt for them.
    const router = debianRecipe("router")!;
    assert.equal(debianPlan(root, { ...router, files: {} }).id, debianPlan(root, router).id);
  });

  it("bring their files in as a tarball of root-owned files only, after the packages and umlab's own files", () => {
    const r = { ...buildRecipe(userRecipe(root, "web")!), files: { "/var/www/html/index.html": "hi", "/usr/local/bin/hello": "#!/bin/sh\necho hi\n" } };
    const plan = debianPlan(root, r);
    const steps = debianBuildSteps(plan, r, "http://mirror.example/debian");
    const tar = join(plan.work, "files.tar");
    assert.deepEqual(steps.map((s) => s.argv[0]), ["tar", "mmdebstrap", "resize2fs", "tune2fs", "e2fsck"]);
    assert.deepEqual(steps[0].argv, ["tar", "--create", `--file=${tar}`, "--owner=0", "--group=0", "--numeric-owner", "--no-recursion", `--directory=${join(plan.work, "files")}`, "./usr/local/bin/hello", "./var/www/html/index.html"]);
    const mm = steps[1].argv;
    const hooks = mm.filter((a) => a.startsWith("--customize-hook="));
    assert.ok(hooks[0].startsWith("--customize-hook=copy-in "), "umlab's files first");
    assert.equal(hooks[hooks.length - 1], `--customize-hook=tar-in ${tar} /`, "the recipe's files last");
    assert.ok(mm.includes(`--include=${r.packages.join(",")}`));
    // umlab's own images have no such step.
    assert.equal(debianBuildSteps(debianPlan(root, debianRecipe("host")!), debianRecipe("host")!)[0].argv[0], "mmdebstrap");
  });

  it("remove their recipe file, and their images by the exact shape of their names", () => {
    const dir = join(root, "images");
    for (const f of ["web-0123456789ab.img", "web-0123456789ab.json", "web-0123456789ab.log", "web-proxy-0123456789ab.img", "webx-0123456789ab.img", "web-0123456789ab.img.bak"]) writeFileSync(join(dir, f), "x");
    mkdirSync(join(dir, ".build-web-0123456789ab"));
    const before = readdirSync(dir).filter((f) => f.startsWith("web-") && f.endsWith(".img") && !f.startsWith("web-proxy")).length;
    assert.equal(removeImageFiles(root, "web"), before);
    assert.deepEqual(readdirSync(dir).sort(), ["web-0123456789ab.img.bak", "web-proxy-0123456789ab.img", "webx-0123456789ab.img"]);
    assert.equal(removeUserRecipe(root, "web"), true);
    assert.equal(removeUserRecipe(root, "web"), false);
    assert.equal(existsSync(join(root, "recipes", "web.json")), false);
    assert.equal(readFileSync(join(root, "recipes", "broken.json"), "utf8"), "{ not json", "other files stay");
    assert.throws(() => assertImageKnown(root, "web"), { name: "ImageError" });
  });
});
