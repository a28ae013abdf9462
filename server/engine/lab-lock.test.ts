import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KeyedLock } from "./lab-lock";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the per-lab lock", () => {
  it("runs work for one key one at a time, in order, past failures", async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    const step = (name: string, ms: number, fail = false) => async () => {
      log.push(`${name}+`);
      await sleep(ms);
      log.push(`${name}-`);
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([lock.run("a", step("1", 30)), lock.run("a", step("2", 5, true)), lock.run("a", step("3", 1))]);
    assert.deepEqual(log, ["1+", "1-", "2+", "2-", "3+", "3-"]);
    assert.deepEqual(results.map((r) => r.status), ["fulfilled", "rejected", "fulfilled"]);
    await sleep(0);
    assert.equal(lock.busy("a"), false);
  });

  it("does not make other keys wait", async () => {
    const lock = new KeyedLock();
    let aDone = false;
    const a = lock.run("a", async () => {
      await sleep(200);
      aDone = true;
    });
    await lock.run("b", async () => {});
    assert.equal(aDone, false);
    await a;
  });
});
