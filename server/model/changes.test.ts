import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { labChanges } from "./changes";
import { resolveLab, type RawLab } from "./lab";

const base: RawLab = {
  name: "l",
  description: "first",
  nodes: {
    a: { eth: ["sw1"], startup: "echo a\n", files: { "/etc/motd": "hi\n" }, pos: [10, 20] },
    b: { eth: ["sw1", null] },
  },
  switches: { sw1: {}, sw2: { mode: "hub" } },
};
const lab = (edit: (r: RawLab) => void = () => {}) => {
  const r = structuredClone(base);
  edit(r);
  return resolveLab(r);
};
const nodes = (r: RawLab) => r.nodes as Record<string, NonNullable<NonNullable<RawLab["nodes"]>[string]>>;

describe("labChanges", () => {
  it("finds nothing between a lab and itself, nor in moved elements", () => {
    assert.deepEqual(labChanges(lab(), lab()), []);
    const moved = lab((r) => {
      nodes(r).a.pos = [300, 400];
      nodes(r).b.pos = [1, 2];
      r.switches!.sw1 = { pos: [5, 5] };
    });
    assert.deepEqual(labChanges(lab(), moved), []);
  });

  it("lists each difference of a node, to be applied by restarting that node", () => {
    const saved = lab((r) => {
      Object.assign(nodes(r).a, { mem: "128M", role: "router", startup: "echo A\n", files: { "/etc/motd": "bye\n", "/etc/x": "" } });
    });
    assert.deepEqual(labChanges(lab(), saved), [
      { kind: "node", name: "a", what: "memory 64M → 128M", apply: "restart-node" },
      { kind: "node", name: "a", what: "role host → router", apply: "restart-node" },
      { kind: "node", name: "a", what: "startup script changed", apply: "restart-node" },
      { kind: "node", name: "a", what: "file /etc/motd changed", apply: "restart-node" },
      { kind: "node", name: "a", what: "file /etc/x added", apply: "restart-node" },
    ]);
  });

  it("describes interfaces plugged, unplugged, added and removed", () => {
    const saved = lab((r) => {
      nodes(r).a.eth = ["sw2", "sw1", null];
      nodes(r).b.eth = [null];
    });
    assert.deepEqual(
      labChanges(lab(), saved).map((c) => `${c.name}: ${c.what} [${c.apply}]`),
      [
        "a: eth0 now plugged into sw2 [restart-node]",
        "a: eth1 added, plugged into sw1 [restart-node]",
        "a: eth2 added, unplugged [restart-node]",
        "b: eth0 unplugged from sw1 [restart-node]",
        "b: eth1 removed [restart-node]",
      ],
    );
  });

  it("names an image change and the wipe it needs", () => {
    const [c] = labChanges(lab(), lab((r) => (nodes(r).b.image = "debian")));
    assert.equal(c.apply, "restart-node");
    assert.match(c.what, /^image busybox → debian \(.*wiped\)$/);
  });

  it("starts an added node alone when its switches run, else restarts the lab", () => {
    assert.deepEqual(labChanges(lab(), lab((r) => (nodes(r).c = { eth: ["sw2", null] }))), [{ kind: "node", name: "c", what: "added", apply: "start-node" }]);
    assert.deepEqual(
      labChanges(
        lab(),
        lab((r) => {
          r.switches!.sw3 = {};
          nodes(r).c = { eth: ["sw3"] };
          nodes(r).a.eth = ["sw3"];
        }),
      ),
      [
        { kind: "switch", name: "sw3", what: "added", apply: "restart-lab" },
        { kind: "node", name: "a", what: "eth0 now plugged into sw3", apply: "restart-lab" },
        { kind: "node", name: "c", what: "added", apply: "restart-lab" },
      ],
    );
  });

  it("restarts the lab for removed nodes and for switches added, removed or changed", () => {
    const saved = lab((r) => {
      delete nodes(r).b;
      r.switches = { sw1: { kind: "uml_switch", mode: "hub" }, sw0: {} };
    });
    assert.deepEqual(labChanges(lab(), saved), [
      { kind: "switch", name: "sw0", what: "added", apply: "restart-lab" },
      { kind: "switch", name: "sw1", what: "kind vde → uml_switch", apply: "restart-lab" },
      { kind: "switch", name: "sw1", what: "mode switch → hub", apply: "restart-lab" },
      { kind: "switch", name: "sw2", what: "removed", apply: "restart-lab" },
      { kind: "node", name: "b", what: "removed", apply: "restart-lab" },
    ]);
  });

  it("restarts the lab for gateways added, removed, moved or changed, but not moved on the canvas", () => {
    const withGateway = (edit: (r: RawLab) => void = () => {}) =>
      lab((r) => {
        r.gateways = { internet: { switch: "sw1", forward: ["8080:10.0.2.15:80"], pos: [0, 0] } };
        edit(r);
      });
    assert.deepEqual(labChanges(withGateway(), withGateway((r) => (r.gateways!.internet!.pos = [50, 60]))), []);
    assert.deepEqual(labChanges(lab(), withGateway()), [{ kind: "gateway", name: "internet", what: "added on sw1", apply: "restart-lab" }]);
    assert.deepEqual(labChanges(withGateway(), lab()), [{ kind: "gateway", name: "internet", what: "removed", apply: "restart-lab" }]);
    const changed = withGateway((r) => {
      r.gateways!.internet = { switch: "sw2", dhcp: false, forward: [] };
      r.gateways!.nat = { switch: null };
      nodes(r).c = { eth: ["sw1"] };
    });
    assert.deepEqual(labChanges(withGateway(), changed), [
      { kind: "gateway", name: "internet", what: "now on sw2", apply: "restart-lab" },
      { kind: "gateway", name: "internet", what: "DHCP off", apply: "restart-lab" },
      { kind: "gateway", name: "internet", what: "no port forwards", apply: "restart-lab" },
      { kind: "gateway", name: "nat", what: "added", apply: "restart-lab" },
      { kind: "node", name: "c", what: "added", apply: "start-node" },
    ]);
    assert.deepEqual(
      labChanges(withGateway(), withGateway((r) => (r.gateways!.internet = { switch: null, forward: ["8080:10.0.2.15:80", "2222:10.0.2.16:22"] }))).map((c) => c.what),
      ["unplugged from sw1", "port forwards: 8080:10.0.2.15:80, 2222:10.0.2.16:22"],
    );
  });

  it("restarts a node for its own kernel, and every node that inherits a new lab kernel", () => {
    assert.deepEqual(labChanges(lab(), lab((r) => (nodes(r).a.kernel = "debian"))), [{ kind: "node", name: "a", what: "kernel default → debian", apply: "restart-node" }]);
    const saved = lab((r) => {
      r.kernel = "debian";
      nodes(r).b.kernel = "fast";
    });
    assert.deepEqual(labChanges(lab(), saved), [
      { kind: "lab", name: "l", what: "kernel default → debian", apply: "none" },
      { kind: "node", name: "a", what: "kernel default → debian", apply: "restart-node" },
      { kind: "node", name: "b", what: "kernel default → fast", apply: "restart-node" },
    ]);
  });

  it("names a new start order, which needs no restart alone but goes with one", () => {
    assert.deepEqual(labChanges(lab(), lab((r) => (nodes(r).b.after = ["a"]))), [{ kind: "node", name: "b", what: "start order: after a", apply: "none" }]);
    assert.deepEqual(
      labChanges(lab(), lab((r) => Object.assign(nodes(r).b, { after: ["a"], mem: "96M" }))),
      [
        { kind: "node", name: "b", what: "memory 64M → 96M", apply: "restart-node" },
        { kind: "node", name: "b", what: "start order: after a", apply: "restart-node" },
      ],
    );
  });

  it("restarts the lab for the shared startup script and files, which every node reads at boot", () => {
    const saved = lab((r) => (r.shared = { startup: "echo all\n", files: { "/etc/hosts": "10.0.0.1 a\n" } }));
    assert.deepEqual(labChanges(lab(), saved), [
      { kind: "lab", name: "l", what: "shared startup script changed", apply: "restart-lab" },
      { kind: "lab", name: "l", what: "shared file /etc/hosts added", apply: "restart-lab" },
    ]);
  });

  it("restarts the lab for a switch's host tap added, changed or removed", () => {
    const tapped = (tap: { name: string; address?: string }) => lab((r) => (r.switches!.sw1 = { tap }));
    assert.deepEqual(labChanges(lab(), tapped({ name: "tap0" })), [{ kind: "switch", name: "sw1", what: "host tap tap0 added", apply: "restart-lab" }]);
    assert.deepEqual(labChanges(tapped({ name: "tap0" }), tapped({ name: "tap1", address: "10.0.0.254/24" })), [
      { kind: "switch", name: "sw1", what: "host tap tap0 → tap1", apply: "restart-lab" },
      { kind: "switch", name: "sw1", what: "host tap address none → 10.0.0.254/24", apply: "restart-lab" },
    ]);
    assert.deepEqual(labChanges(tapped({ name: "tap0" }), lab()), [{ kind: "switch", name: "sw1", what: "host tap removed", apply: "restart-lab" }]);
  });

  it("reports a new description as needing nothing", () => {
    assert.deepEqual(labChanges(lab(), lab((r) => (r.description = "second"))), [{ kind: "lab", name: "l", what: "description changed", apply: "none" }]);
  });
});
