import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { buildKernel, KernelMeta } from "../kernel/build";
import { fakeCustomKernel } from "../kernel/fixtures/fake-kernel";
import { KernelService, type KernelBuildState } from "./kernel-service";

/** A build that compiles nothing: it ends when the test says, or when cancelled. */
function fakeBuilder(dir: string) {
  const calls: { name: string; fragment: string }[] = [];
  let finish: (() => void) | null = null;
  const builder = (async (_root, o = {}) => {
    calls.push({ name: o.custom!.name, fragment: o.custom!.fragment });
    o.onProgress?.({ step: 2, steps: 6, label: "default configuration", line: "" });
    await new Promise<void>((resolve, reject) => {
      finish = resolve;
      o.signal?.addEventListener("abort", () => reject(new Error("default configuration: cancelled")));
    });
    const id = fakeCustomKernel(dir, o.custom!.name, "ffffffffffff", new Date().toISOString(), ["CONFIG_IPV6_SIT=m was asked, but it is not set"]);
    return { id } as KernelMeta;
  }) as typeof buildKernel;
  return { builder, calls, finish: () => finish!() };
}

describe("KernelService: custom kernels", () => {
  const root = mkdtempSync(join(tmpdir(), "umlab-ksvc-"));
  const dir = join(root, "kernels");
  const saved = process.env.UMLAB_KERNELS;
  const users = new Map<string, string[]>();
  const fake = fakeBuilder(dir);
  let svc: KernelService;
  const statuses: KernelBuildState[] = [];
  before(() => {
    process.env.UMLAB_KERNELS = dir;
    fakeCustomKernel(dir, "mine", "aaaaaaaaaaaa", "2025-01-01T10:00:00.000Z", ["CONFIG_X=y was asked, but it is not set"]);
    svc = new KernelService(root, (k) => Promise.resolve(users.get(k) ?? []), fake.builder);
    svc.on("status", (s: KernelBuildState) => statuses.push(s));
  });
  after(() => {
    if (saved === undefined) delete process.env.UMLAB_KERNELS;
    else process.env.UMLAB_KERNELS = saved;
    rmSync(root, { recursive: true, force: true });
  });

  const custom = () => svc.list().filter((k) => k.kind === "custom");

  it("lists custom kernels after fast and debian, with their fragment and warnings", () => {
    assert.deepEqual(svc.list().map((k) => k.name), ["fast", "debian", "mine"]);
    const [mine] = custom();
    assert.equal(mine.ready, true);
    assert.equal(mine.release, "6.1.192");
    assert.equal(mine.builtAt, "2025-01-01T10:00:00.000Z");
    assert.equal(mine.fragment, "CONFIG_NET_SCH_CAKE=m\n");
    assert.deepEqual(mine.warnings, ["CONFIG_X=y was asked, but it is not set"]);
    assert.match(mine.detail, /1 option not as asked/);
  });

  it("refuses a bad name or fragment line at once, building nothing", () => {
    assert.throws(() => svc.build({ name: "debian", fragment: "CONFIG_A=y" }), { name: "KernelNameError" });
    assert.throws(() => svc.build({ name: "Mine!", fragment: "CONFIG_A=y" }), { name: "KernelNameError" });
    assert.throws(() => svc.build({ name: "cake", fragment: "CONFIG_A=y\nCONFIG_B=maybe\n" }), (e: Error & { problems?: { line: number }[] }) => {
      assert.equal(e.name, "FragmentError");
      assert.deepEqual(e.problems?.map((p) => p.line), [2]);
      return true;
    });
    assert.equal(fake.calls.length, 0);
  });

  it("builds one kernel at a time: another request is a conflict saying which is being built", () => {
    const s = svc.build({ name: "cake", fragment: "CONFIG_NET_SCH_CAKE=m\r\n" });
    assert.equal(s.state, "building");
    assert.equal(s.kernel, "cake");
    assert.deepEqual(fake.calls, [{ name: "cake", fragment: "CONFIG_NET_SCH_CAKE=m\n" }]);
    assert.equal(svc.build({ name: "cake", fragment: "CONFIG_NET_SCH_CAKE=m\n" }).state, "building", "the same request joins the build");
    assert.throws(() => svc.build({ name: "other", fragment: "CONFIG_NET_SCH_CAKE=m\n" }), { name: "ConflictError", message: /the custom kernel "cake" is being built \(step 2 of 6: default configuration\)/ });
    assert.throws(() => svc.build({ name: "cake", fragment: "CONFIG_NET_SCH_CAKE=y\n" }), { name: "ConflictError" });
    assert.throws(() => svc.start(), { name: "ConflictError", message: /"cake" is being built/ });
    assert.equal(fake.calls.length, 1);
    const cake = custom().find((k) => k.name === "cake")!;
    assert.equal(cake.ready, false);
    assert.match(cake.detail, /^building: step 2 of 6, default configuration/);
    assert.equal(statuses.at(-1)?.kernel, "cake");
  });

  it("refuses to start a lab on a kernel that is not built, saying when it is being built", () => {
    assert.throws(() => svc.assertReady(["cake"]), { name: "KernelError", message: /kernel "cake" is being built \(step 2 of 6\)/ });
    assert.throws(() => svc.assertReady(["debian", "nosuch"]), { name: "KernelError", message: /kernel "nosuch" is not built: `umlab kernel build nosuch --fragment FILE`/ });
    assert.doesNotThrow(() => svc.assertReady([null, "debian", "mine"]));
  });

  it("removing a kernel being built cancels its build, and nothing of it stays", async () => {
    const r = await svc.remove("cake");
    assert.deepEqual(r, { removed: "cake", cancelled: true, builds: 0 });
    assert.deepEqual(custom().map((k) => k.name), ["mine"]);
    assert.notEqual(svc.status().kernel, "cake");
    assert.ok(!readdirSync(dir).some((f) => f.includes("cake")));
  });

  it("removes a custom kernel unless a running node chose it; only custom ones, and known ones", async () => {
    users.set("mine", ["lab1/r1"]);
    await assert.rejects(svc.remove("mine"), { name: "ConflictError", message: 'kernel "mine" is in use by lab1/r1: stop it first' });
    users.clear();
    await assert.rejects(svc.remove("fast"), { name: "BadRequestError" });
    await assert.rejects(svc.remove("nosuch"), { name: "NotFoundError" });
    assert.deepEqual(await svc.remove("mine"), { removed: "mine", cancelled: false, builds: 1 });
    assert.deepEqual(custom(), []);
  });

  it("a finished build is listed ready with its warnings, and replaces older builds of its name", async () => {
    fakeCustomKernel(dir, "mine", "aaaaaaaaaaaa", "2025-01-01T10:00:00.000Z");
    svc.build({ name: "mine", fragment: "CONFIG_NET_SCH_CAKE=m\n" });
    fake.finish();
    const s = await svc.settled();
    assert.equal(s.state, "done");
    assert.equal(s.kernel, "mine");
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith("custom-mine-")), ["custom-mine-ffffffffffff", "custom-mine-ffffffffffff.log"]);
    const [mine] = custom();
    assert.equal(mine.ready, true);
    assert.deepEqual(mine.warnings, ["CONFIG_IPV6_SIT=m was asked, but it is not set"]);
  });
});
