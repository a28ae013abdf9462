import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, it } from "node:test";
import { BootWatch } from "./boot-watch";

const watchFor = (argv: string[], ms: number) =>
  new Promise<boolean>((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: "ignore" });
    let hung = false;
    // A silent child: SIGIO (nudges) must not matter to it, so it ignores them.
    const watch = new BootWatch(child.pid!, () => true, () => (hung = true), 900, 200, 300);
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
});
