import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { readTicket, signTicket, ticketKey, TICKET_MS, UsedTickets } from "./console-ticket";

const claims = { lab: "lab-1", node: "host1", user: "u1", name: "Amy", supervised: false, origin: "http://localhost:3000" };

describe("console tickets", () => {
  const key = ticketKey("the engine's secret");

  it("reads back what was signed, until it expires", () => {
    const now = 1_700_000_000_000;
    const t = signTicket(key, claims, now);
    assert.deepEqual({ ...readTicket(key, t, now), exp: 0, nonce: "" }, { ...claims, exp: 0, nonce: "" });
    assert.equal(readTicket(key, t, now + TICKET_MS - 1)?.lab, "lab-1");
    assert.equal(readTicket(key, t, now + TICKET_MS), null, "expired");
  });

  it("refuses another key, a changed body or signature, and what is no ticket", () => {
    const t = signTicket(key, claims);
    assert.equal(readTicket(ticketKey("another secret"), t), null);
    const [body, mac] = t.split(".");
    const changed = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, "base64url").toString()), node: "host2" })).toString("base64url");
    assert.equal(readTicket(key, `${changed}.${mac}`), null);
    assert.equal(readTicket(key, `${body}.${mac.slice(1)}`), null);
    for (const bad of [undefined, null, 42, "", ".", t + t, "x".repeat(5000), { ticket: t }]) assert.equal(readTicket(key, bad), null);
  });

  it("refuses any string that was not signed with the key (fuzzed)", () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 60 }), (a, b) => readTicket(key, `${a}.${b}`) === null));
  });

  it("does not let a ticket be made to last longer than a ticket lasts", () => {
    // Signed by someone with the key but far in the future: a clock gone wrong, refused rather than trusted for hours.
    const now = Date.now();
    assert.equal(readTicket(key, signTicket(key, claims, now + 3_600_000), now), null);
  });

  it("opens once", () => {
    const used = new UsedTickets();
    const c = readTicket(key, signTicket(key, claims))!;
    assert.equal(used.take(c), true);
    assert.equal(used.take(c), false);
    assert.equal(used.take(readTicket(key, signTicket(key, claims))!), true, "another ticket of the same claims is another ticket");
  });
});
