import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BootGate } from "./boot-gate";

const tick = () => new Promise((r) => setImmediate(r));

describe("the boot gate", () => {
  it("lets `limit` boots run at once and the rest follow in the order they asked", async () => {
    const gate = new BootGate(2);
    const order: number[] = [];
    const releases: (() => void)[] = [];
    for (let i = 0; i < 5; i++) void gate.acquire().then((r) => (order.push(i), releases.push(r)));
    await tick();
    assert.deepEqual(order, [0, 1]);
    assert.deepEqual(gate.load, { booting: 2, waiting: 3 });
    releases[1]();
    releases[1]();
    await tick();
    assert.deepEqual(order, [0, 1, 2], "a slot given back twice frees one boot, not two");
    releases[0]();
    releases[2]();
    await tick();
    assert.deepEqual(order, [0, 1, 2, 3, 4]);
    releases[3]();
    releases[4]();
    assert.deepEqual(gate.load, { booting: 0, waiting: 0 });
  });
});
