import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, it } from "node:test";
import { BootWatch } from "./boot-watch";

/** Whether the watch reports a child as hung within `ms`; by default silent for 0.9 s counts, spinning does not (quiet limit: a minute). */
const watchFor = (argv: string[], ms: number, quietMs = 900, spinMs = 60000, nudgeMs = 300) =>
  new Promise<boolean>((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: "ignore" });
    let hung = false;
    // A silent child: SIGIO (nudges) must not matter to it, so it ignores them.
    const watch = new BootWatch(child.pid!, () => true, () => (hung = true), quietMs, 200, nudgeMs, spinMs);
    watch.sawOutput("mconsole (version 2) initialized");
    setTimeout(() => {
      watch.stop();
      child.kill("SIGKILL");
      resolve(hung);
    }, ms);
  });

describe("boot watch", () => {
  it("reports a booting guest that stays silent, after nudging it", async () => {
    assert.equal(await watchFor([process.execPath, "-e", "process.on('SIGIO', () => {}); setInterval(() => {}, 1000)"], 1600), true);
  });

  it("does not report it before it has been silent that long", async () => {
    assert.equal(await watchFor([process.execPath, "-e", "process.on('SIGIO', () => {}); setInterval(() => {}, 1000)"], 600), false);
  });

  it("gives a silent guest that runs all the while (a starved boot) longer, up to five silences, but not for good", async () => {
    // A shell working and blocking (no spin), never nudged (a shell dies of SIGIO); silence counts past 0.9 s.
    const busy = (ms: number) => watchFor(["sh", "-c", "while :; do cat /proc/uptime >/dev/null; done"], ms, 900, 60000, 60000);
    assert.equal(await busy(2500), false, "silent 2.5 s of a 0.9 s limit, but it ran");
    assert.equal(await busy(6000), true, "silent past five limits");
  });

  // Quiet for a minute before a silent guest counts as hung (and no nudges: a shell dies of SIGIO), but half a second for one that spins.
  const watchSpin = (argv: string[], ms: number) => watchFor(argv, ms, 60000, 500, 60000);

  it("reports a booting guest that spins without ever blocking (the SIGSEGV loop) sooner", async () => {
    assert.equal(await watchSpin(["sh", "-c", "while :; do :; done"], 1500), true);
  });

  it("does not report a quiet guest that sleeps, or one that works and blocks, that soon", async () => {
    assert.equal(await watchSpin([process.execPath, "-e", "setInterval(() => {}, 1000)"], 1500), false);
    assert.equal(await watchSpin(["sh", "-c", "while :; do cat /proc/uptime >/dev/null; done"], 1500), false);
  });
});
