import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { imageRecipeSchema } from "../../model/image-recipe";
import { debianPlan, type buildDebianImage } from "../image/debian";
import type { DebianRecipe } from "../image/recipes";
import { ImageService, type ImageStatus } from "./image-service";

/** A build that installs nothing: it writes the image when the test says, or fails when cancelled. */
function fakeBuilder() {
  const calls: DebianRecipe[] = [];
  let finish: (() => void) | null = null;
  const builder = (async (root, recipe, onProgress = () => {}, signal) => {
    calls.push(recipe);
    onProgress({ step: 1, steps: 5, label: "installing Debian", line: "" });
    await new Promise<void>((resolve, reject) => {
      finish = resolve;
      signal?.addEventListener("abort", () => reject(new Error("installing Debian: cancelled")));
    });
    const plan = debianPlan(root, recipe);
    mkdirSync(join(plan.file, ".."), { recursive: true });
    writeFileSync(plan.file, "image");
    writeFileSync(plan.meta, JSON.stringify({ name: recipe.name, id: plan.id, suite: recipe.suite, packages: recipe.packages, builtAt: new Date().toISOString(), seconds: 1 }));
    return plan;
  }) as typeof buildDebianImage;
  return { builder, calls, finish: () => finish!() };
}

const recipe = (o: Record<string, unknown> = {}) => imageRecipeSchema.parse({ name: "web", packages: ["apache2"], files: { "/var/www/html/index.html": "hi\n" }, memoryMiB: 96, ...o });

describe("ImageService: users' image recipes", () => {
  const root = mkdtempSync(join(tmpdir(), "umlab-isvc-"));
  const saved = process.env.UMLAB_IMAGES;
  const users = new Map<string, string[]>();
  const fake = fakeBuilder();
  const statuses: ImageStatus[] = [];
  let svc: ImageService;
  before(() => {
    delete process.env.UMLAB_IMAGES;
    svc = new ImageService(root, (i) => Promise.resolve(users.get(i) ?? []), fake.builder);
    svc.on("status", (s: ImageStatus) => statuses.push(s));
  });
  after(() => {
    if (saved !== undefined) process.env.UMLAB_IMAGES = saved;
    rmSync(root, { recursive: true, force: true });
  });

  const info = (name: string) => svc.list().find((i) => i.name === name);

  it("adds a recipe and starts building it in the background, its files and the host's tools in it", async () => {
    const status = svc.add(recipe());
    assert.equal(status.build.state, "building");
    assert.equal(fake.calls.length, 1);
    assert.deepEqual(fake.calls[0].files, { "/var/www/html/index.html": "hi\n" });
    assert.ok(fake.calls[0].packages.includes("iproute2") && fake.calls[0].packages.at(-1) === "apache2");
    const web = info("web")!;
    assert.deepEqual(
      { custom: web.custom, suite: web.suite, packages: web.packages, files: web.files, memoryMiB: web.memoryMiB, ready: web.ready, state: web.build.state },
      { custom: true, suite: "bookworm", packages: ["apache2"], files: ["/var/www/html/index.html"], memoryMiB: 96, ready: false, state: "building" },
    );
    assert.equal(info("router")?.custom, false);
    assert.throws(() => svc.assertReady(["web"]), { name: "ImageError", message: /image "web" is not built yet; it is being built now/ });
    fake.finish();
    assert.equal((await svc.settled("web")).state, "done");
    assert.equal(info("web")?.ready, true);
    assert.doesNotThrow(() => svc.assertReady(["web"]));
  });

  it("refuses a recipe of a name there is, of umlab's own images, or over umlab's own guest files, building nothing", () => {
    const calls = fake.calls.length;
    assert.throws(() => svc.add(recipe()), { name: "ConflictError", message: /there is an image recipe "web" already/ });
    for (const name of ["busybox", "router", "host", "kathara"]) assert.throws(() => svc.add(recipe({ name })), { name: "BadRequestError", message: new RegExp(`"${name}" is one of umlab's own images`) });
    for (const path of ["/init", "/usr/local/sbin/systemctl", "/etc/inittab", "/etc/umlab/rc", "/etc/umlab/x", "/usr/local/sbin/systemctl/x", "/etc/umlab"])
      assert.throws(() => svc.add(recipe({ name: "other", files: { [path]: "x" } })), { name: "BadRequestError", message: /is one of umlab's own files in the guest/ }, path);
    assert.throws(() => svc.add({ ...recipe({ name: "other" }), packages: ["a,b"] }), { name: "BadRequestError", message: /not a Debian package name/ });
    assert.equal(fake.calls.length, calls);
    assert.equal(info("other"), undefined);
  });

  it("builds an image no recipe names: 404", () => {
    assert.throws(() => svc.build("nosuch"), { name: "NotFoundError", message: /no recipe builds an image "nosuch"/ });
  });

  it("keeps an image a running node boots from (409), and removes it with its images once none does", async () => {
    users.set("web", ["lab1/n1"]);
    await assert.rejects(svc.remove("web"), { name: "ConflictError", message: 'image "web" is in use by lab1/n1: stop it first' });
    assert.equal(info("web")?.ready, true);
    users.delete("web");
    const dir = join(root, "images");
    assert.ok(readdirSync(dir).some((f) => f.startsWith("web-")));
    statuses.length = 0;
    assert.deepEqual(await svc.remove("web"), { removed: "web", cancelled: false, images: 1 });
    assert.equal(info("web"), undefined);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith("web-")), []);
    assert.equal(existsSync(join(root, "recipes", "web.json")), false);
    assert.deepEqual(statuses.map((s) => [s.name, s.build.state]), [["web", "idle"]], "lists hear it is gone");
  });

  it("removing a recipe being built cancels its build", async () => {
    svc.add(recipe({ name: "slow" }));
    assert.equal(info("slow")?.build.state, "building");
    assert.deepEqual(await svc.remove("slow"), { removed: "slow", cancelled: true, images: 0 });
    assert.equal(info("slow"), undefined);
  });

  it("removes only users' recipes: 400 for umlab's own, 404 for none", async () => {
    await assert.rejects(svc.remove("router"), { name: "BadRequestError", message: /"router" is one of umlab's own images/ });
    await assert.rejects(svc.remove("busybox"), { name: "BadRequestError" });
    await assert.rejects(svc.remove("nosuch"), { name: "NotFoundError", message: /there is no image recipe "nosuch"/ });
  });
});
