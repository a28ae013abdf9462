import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, it } from "node:test";
import { BootWatch } from "./boot-watch";

const watchFor = (argv: string[], ms: number) =>
  new Promise<boolean>((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: "ignore" });
    let hung = false;
    const watch = new BootWatch(child.pid!, () => true, () => (hung = true), 300, 200);
    setTimeout(() => {
      watch.stop();
      child.kill("SIGKILL");
      resolve(hung);
    }, ms);
  });

describe("boot watch", () => {
  it("reports a silent guest that burns CPU", async () => {
    assert.equal(await watchFor([process.execPath, "-e", "for (;;) {}"], 1500), true);
  });

  it("leaves a silent guest that sleeps alone", async () => {
    assert.equal(await watchFor(["sleep", "5"], 1500), false);
  });
});
