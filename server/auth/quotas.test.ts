import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { quotaProblem } from "./quotas";

const q = { runningLabs: 2, runningNodes: 10, memoryMiB: 1024 };
const none = { labs: 0, nodes: 0, memoryMiB: 0 };

describe("quotas", () => {
  it("allows up to each limit and names the one a start would pass", () => {
    assert.equal(quotaProblem(q, { labs: 1, nodes: 5, memoryMiB: 512 }, { labs: 1, nodes: 5, memoryMiB: 512 }), null);
    assert.match(quotaProblem(q, { labs: 2, nodes: 2, memoryMiB: 64 }, { labs: 1, nodes: 1, memoryMiB: 32 }) ?? "", /at most 2 running labs per user \(you have 2 running\)/);
    assert.match(quotaProblem(q, { labs: 1, nodes: 9, memoryMiB: 64 }, { labs: 0, nodes: 2, memoryMiB: 64 }) ?? "", /at most 10 running nodes per user \(you have 9, this adds 2\)/);
    assert.match(quotaProblem(q, none, { labs: 1, nodes: 3, memoryMiB: 2048 }) ?? "", /at most 1024 MiB of guest memory/);
  });

  it("never refuses a start that adds nothing (the lab runs already)", () => {
    assert.equal(quotaProblem({ runningLabs: 0, runningNodes: 0, memoryMiB: 0 }, { labs: 5, nodes: 50, memoryMiB: 9999 }, none), null);
  });
});
