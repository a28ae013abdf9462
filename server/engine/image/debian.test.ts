import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { buildDebianImage, debianBuildSteps, debianPlan } from "./debian";
import { resolveImage } from "./images";
import { debianRecipe, type DebianRecipe } from "./recipes";

const router = debianRecipe("router")!;

describe("Debian guest images", () => {
  const root = mkdtempSync(join(tmpdir(), "umlab-images-"));
  const saved = process.env.UMLAB_IMAGES;
  delete process.env.UMLAB_IMAGES;
  after(() => {
    if (saved !== undefined) process.env.UMLAB_IMAGES = saved;
    rmSync(root, { recursive: true, force: true });
  });

  it("are named by a hash of their recipe: a changed recipe is a new image", () => {
    const a = debianPlan(root, router);
    assert.match(a.id, /^router-[0-9a-f]{12}$/);
    assert.equal(debianPlan(root, router).id, a.id);
    assert.notEqual(debianPlan(root, { ...router, packages: [...router.packages, "jq"] }).id, a.id);
    assert.equal(a.file, join(root, "images", `${a.id}.img`));
  });

  it("are built by a fixed list of argv steps, rootless (mmdebstrap to ext2, then grown and journalled)", () => {
    const plan = debianPlan(root, router);
    const steps = debianBuildSteps(plan, router, "http://mirror.example/debian");
    const img = join(plan.work, "image.img");
    assert.deepEqual(steps.map((s) => s.argv[0]), ["mmdebstrap", "resize2fs", "tune2fs", "e2fsck"]);
    const mm = steps[0].argv;
    assert.ok(mm.includes("--variant=minbase") && mm.includes("--format=ext2"));
    assert.ok(mm.includes(`--include=${router.packages.join(",")}`));
    assert.ok(mm.includes("frr") || mm.some((a) => a.includes(",frr")), "the router image has FRR");
    assert.deepEqual(mm.slice(-3), ["bookworm", img, "http://mirror.example/debian"]);
    assert.ok(mm.some((a) => a.startsWith("--customize-hook=copy-in ") && a.includes("/overlay/init")));
    assert.deepEqual(steps[3].argv, ["e2fsck", "-fn", img]);
  });

  it("an image not built yet is a clear error naming how to build it", () => {
    assert.throws(() => resolveImage(root, "router"), /image "router" is not built yet: build it with `umlab image build router`/);
  });

  it("a failed build says which step failed and why, and leaves the image built before usable", async () => {
    // An image of an older recipe, as a finished build leaves it.
    const dir = join(root, "images");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "router-000000000000.img"), "old image");
    writeFileSync(join(dir, "router-000000000000.json"), JSON.stringify({ name: "router", id: "router-000000000000", suite: "bookworm", packages: [], builtAt: "2026-01-01T00:00:00.000Z", seconds: 1 }));
    assert.equal(resolveImage(root, "router"), join(dir, "router-000000000000.img"));

    const broken: DebianRecipe = { ...router, packages: [...router.packages, "umlab-no-such-package"] };
    process.env.UMLAB_DEBIAN_MIRROR = "http://127.0.0.1:9/debian";
    try {
      await assert.rejects(buildDebianImage(root, broken), (e: Error) => {
        assert.equal(e.name, "BuildError");
        assert.match(e.message, /^installing Debian bookworm with \d+ packages \(mmdebstrap\) failed \(exit \d+\); the end of its output:/);
        assert.match(e.message, /whole log: .*router-[0-9a-f]{12}\.log/);
        return true;
      });
    } finally {
      delete process.env.UMLAB_DEBIAN_MIRROR;
    }
    assert.equal(resolveImage(root, "router"), join(dir, "router-000000000000.img"));
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith(".build-") || (f.endsWith(".img") && !f.includes("000000000000"))), []);
    assert.ok(existsSync(join(dir, `${debianPlan(root, broken).id}.log`)), "the log of the failed build is kept");
  });
});
