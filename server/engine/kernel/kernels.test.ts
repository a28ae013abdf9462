import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fakeCustomKernel } from "./fixtures/fake-kernel";
import { customKernel, customKernels, removeCustomKernel, resolveKernel } from "./kernels";

describe("custom kernels: resolving a node's choice, listing, removing", () => {
  const dir = mkdtempSync(join(tmpdir(), "umlab-kernels-"));
  const saved = { kernels: process.env.UMLAB_KERNELS, kernel: process.env.UMLAB_KERNEL };
  before(() => {
    process.env.UMLAB_KERNELS = dir;
    delete process.env.UMLAB_KERNEL;
    fakeCustomKernel(dir, "mine", "aaaaaaaaaaaa", "2025-01-01T10:00:00.000Z");
    fakeCustomKernel(dir, "mine", "bbbbbbbbbbbb", "2025-01-02T10:00:00.000Z");
    fakeCustomKernel(dir, "mine-2", "cccccccccccc", "2025-01-01T12:00:00.000Z");
    mkdirSync(join(dir, ".build-custom-mine-dddddddddddd")); // a build running: no kernel yet
    writeFileSync(join(dir, "custom-mine-eeeeeeeeeeee.log"), "a failed build's log");
  });
  after(() => {
    for (const [k, v] of [["UMLAB_KERNELS", saved.kernels], ["UMLAB_KERNEL", saved.kernel]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists every build, newest first, and resolves a name to its newest build", () => {
    assert.deepEqual(customKernels("/unused").map((k) => k.id), ["custom-mine-bbbbbbbbbbbb", "custom-mine-2-cccccccccccc", "custom-mine-aaaaaaaaaaaa"]);
    const k = resolveKernel("/unused", "mine");
    assert.equal(k.name, "mine");
    assert.equal(k.binary, join(dir, "custom-mine-bbbbbbbbbbbb", "linux"));
    assert.equal(k.modules, join(dir, "custom-mine-bbbbbbbbbbbb", "modules"));
    assert.equal(customKernel("/unused", "mine-2")?.id, "custom-mine-2-cccccccccccc");
  });

  it("says how to build a custom kernel that is not built", () => {
    assert.throws(() => resolveKernel("/unused", "other"), { name: "KernelError", message: 'kernel "other" is not built: `umlab kernel build other --fragment FILE`' });
  });

  it("removes older builds of a name, or all of them with their logs, and no other name's", () => {
    assert.equal(removeCustomKernel("/unused", "mine", "custom-mine-bbbbbbbbbbbb"), 1);
    assert.deepEqual(customKernels("/unused").map((k) => k.id), ["custom-mine-bbbbbbbbbbbb", "custom-mine-2-cccccccccccc"]);
    assert.equal(removeCustomKernel("/unused", "mine"), 1);
    assert.equal(customKernel("/unused", "mine"), null);
    assert.deepEqual(readdirSync(dir).sort(), [".build-custom-mine-dddddddddddd", "custom-mine-2-cccccccccccc", "custom-mine-2-cccccccccccc.log"]);
    assert.ok(existsSync(join(dir, "custom-mine-2-cccccccccccc", "kernel.json")));
  });
});
