import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { labDiagramSvg, xml } from "./diagram";
import { resolveLab } from "./lab";

/**
 * Enough of an XML check for what labDiagramSvg writes: every tag closed in
 * order, attributes quoted, and no bare "<" or "&" in text or attribute values.
 */
function assertWellFormed(svg: string): void {
  const body = svg.replace(/^<\?xml[^?]*\?>\s*/, "");
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(body); m; m = tag.exec(body)) {
    const text = body.slice(last, m.index);
    assert.doesNotMatch(text, /<|&(?!(amp|lt|gt|quot|apos);)/, `bad text before ${m[0]}: ${text}`);
    assert.doesNotMatch(m[3], /&(?!(amp|lt|gt|quot|apos);)/, `bad attribute in ${m[0]}`);
    last = m.index + m[0].length;
    if (m[4]) continue;
    if (m[1]) assert.equal(stack.pop(), m[2], `</${m[2]}> closes the wrong element`);
    else stack.push(m[2]);
  }
  assert.equal(body.slice(last).trim(), "", "text after the root element");
  assert.deepEqual(stack, [], "unclosed elements");
  assert.match(body, /^<svg /);
}

const lab = resolveLab({
  name: "topo",
  description: 'Routers & <hosts> "quoted"\nsecond line',
  nodes: {
    r1: { role: "router", eth: ["sw1", "hub1"], pos: [400, 200] },
    pc1: { eth: ["sw1"] },
    pc2: { eth: ["hub1", null, "hub1"] },
  },
  switches: { sw1: { pos: [100, 40] }, hub1: { mode: "hub" } },
});

describe("labDiagramSvg", () => {
  const svg = labDiagramSvg(lab);

  it("is well-formed XML with the lab's name as its title", () => {
    assertWellFormed(svg);
    assert.match(svg, /<title>topo<\/title>/);
    assert.doesNotMatch(svg, /href|<image|@import|url\(/, "nothing external");
  });

  it("draws every node and switch, routers and hubs apart", () => {
    for (const name of ["r1", "pc1", "pc2", "sw1", "hub1"]) assert.match(svg, new RegExp(`>${name}</text>`));
    assert.match(svg, /<g class="node router" id="node-r1">[^]*?>R<\/text>/);
    assert.match(svg, /<g class="node host" id="node-pc1">/);
    assert.match(svg, /<g class="hub" id="switch-hub1">[^]*?>hub · vde<\/text>/);
    assert.match(svg, /<g class="switch" id="switch-sw1">/);
  });

  it("draws one labelled line per plugged interface", () => {
    assert.equal(svg.match(/<line class="link"/g)?.length, 5, "r1: 2, pc1: 1, pc2: 2 (eth1 is unplugged)");
    const labels = [...svg.matchAll(/<text class="eth"[^>]*>(eth\d+)<\/text>/g)].map((m) => m[1]).sort();
    assert.deepEqual(labels, ["eth0", "eth0", "eth0", "eth1", "eth2"]);
  });

  it("keeps placed elements where the canvas put them and fits everything in the view", () => {
    assert.match(svg, /<g class="switch" id="switch-sw1">\n<rect x="100" y="40" /);
    assert.match(svg, /<g class="node router" id="node-r1">\n<rect x="400" y="200" /);
    const [vx, vy, vw, vh] = /viewBox="([^"]+)"/.exec(svg)![1].split(" ").map(Number);
    for (const m of svg.matchAll(/<rect x="(-?[\d.]+)" y="(-?[\d.]+)" width="([\d.]+)" height="([\d.]+)"/g)) {
      const [x, y, w, h] = m.slice(1).map(Number);
      assert.ok(x >= vx && y >= vy && x + w <= vx + vw + 0.1 && y + h <= vy + vh + 0.1, `${m[0]} outside ${vx} ${vy} ${vw} ${vh}`);
    }
  });

  it("lays unplaced switches in a row above unplaced nodes, below what was placed", () => {
    const y = (id: string) => Number(new RegExp(`id="${id}">\\n<rect x="[^"]+" y="([^"]+)"`).exec(svg)![1]);
    assert.ok(y("switch-hub1") > y("node-r1"), "below the placed ones");
    assert.ok(y("node-pc1") > y("switch-hub1"), "nodes below switches");
    assert.equal(y("node-pc1"), y("node-pc2"));
  });

  it("escapes the description and drops what XML cannot hold", () => {
    assert.match(svg, /<desc>Routers &amp; &lt;hosts&gt; &quot;quoted&quot;\nsecond line<\/desc>/);
    assert.match(svg, /class="caption"[^>]*>Routers &amp; &lt;hosts&gt; &quot;quoted&quot;<\/text>/);
    assert.equal(xml("a\u0000b\u0007'c'"), "ab&apos;c&apos;");
  });

  it("draws gateways as clouds with a dashed line to their switch, above the switches when unplaced", () => {
    const g = labDiagramSvg(
      resolveLab({
        name: "out",
        nodes: { pc1: { eth: ["lan"] } },
        switches: { lan: {}, dmz: { pos: [300, 200] } },
        gateways: { internet: { switch: "lan", forward: ["8080:10.0.2.15:80"] }, nat: { switch: "dmz", dhcp: false, pos: [300, 40] }, spare: { switch: null } },
      }),
    );
    assertWellFormed(g);
    assert.match(g, /<g class="gateway" id="gateway-internet">\n<path d="M[^"]+Z"\/>\n<text class="name"[^>]*>internet<\/text>\n<text class="sub"[^>]*>NAT · DHCP · 1 fwd<\/text>/);
    assert.match(g, /<g class="gateway" id="gateway-nat">\n<path d="M328\.6,96\.4 C302\.6,96\.4 300,70 /, "a placed gateway keeps its canvas position");
    assert.match(g, />NAT<\/text>/, "no DHCP");
    assert.match(g, /id="gateway-spare"/);
    assert.equal(g.match(/<line class="uplink"/g)?.length, 2, "one line per gateway on a switch");
    assert.equal(g.match(/<line class="link"/g)?.length, 1);
    const y = (id: string) => Number(new RegExp(`id="${id}">\\n<(?:rect x="[^"]+" y="([^"]+)"|path d="M[^,]+,([^ ]+) )`).exec(g)!.slice(1).find(Boolean));
    assert.ok(y("gateway-internet") < y("switch-lan") && y("switch-lan") < y("node-pc1"), "gateways, switches, nodes");
  });

  it("draws disks as cylinders with a dashed line to each node that boots with them, and serial cables between nodes", () => {
    const g = labDiagramSvg(
      resolveLab({
        name: "cluster",
        nodes: { one: { disks: ["shared"] }, two: { disks: ["shared", "data"] } },
        disks: { shared: { size: "1G", format: "ext4" }, data: { pos: [500, 300] } },
        cables: [["one.ttyS2", "two.ttyS3"]],
      }),
    );
    assertWellFormed(g);
    assert.match(g, /<g class="disk" id="disk-shared">\n<path d="M[^"]+Z"\/>\n<path d="[^"]+"\/>\n<text class="name"[^>]*>shared<\/text>\n<text class="sub"[^>]*>1G · ext4<\/text>/);
    assert.match(g, /<g class="disk" id="disk-data">\n<path d="M500,307 /, "a placed disk keeps its canvas position");
    assert.match(g, />256M<\/text>/, "a blank disk says no format");
    assert.equal(g.match(/<line class="disk-link"/g)?.length, 3, "one line per node and disk");
    assert.equal(g.match(/<line class="cable"/g)?.length, 1);
    assert.match(g, />ttyS2–ttyS3<\/text>/);
  });

  it("draws an empty lab", () => {
    const empty = labDiagramSvg(resolveLab({ name: "empty" }));
    assertWellFormed(empty);
    assert.match(empty, /<title>empty<\/title>/);
  });
});
