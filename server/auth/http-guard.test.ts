import assert from "node:assert/strict";
import type { IncomingMessage, ServerResponse } from "node:http";
import { EventEmitter } from "node:events";
import { describe, it } from "node:test";
import { CLIENT_IP_HEADER, guardRequest, markClientIp } from "./http-guard";
import { siteFrom } from "./site";

/** A request whose body (none) ends as soon as it is read. */
const fakeReq = (peer: string, headers: Record<string, string>, url = "/api/labs", method = "GET") => {
  const req = Object.assign(new EventEmitter(), { socket: { remoteAddress: peer }, headers: { ...headers }, url, method, destroy: () => {} });
  return Object.assign(req, { resume: () => void setImmediate(() => req.emit("end")) }) as unknown as IncomingMessage;
};
const tick = () => new Promise((r) => setImmediate(r));

function fakeRes() {
  const r = { status: 0, body: "", headersSent: false, writeHead: (s: number) => void ((r.status = s), (r.headersSent = true)), end: (b: string) => void (r.body = b) };
  return r;
}

describe("http guard", () => {
  it("takes the client's address from the socket, never from a header it sent", () => {
    const direct = siteFrom({ port: 3000, bind: "localhost" });
    const req = fakeReq("10.0.0.7", { [CLIENT_IP_HEADER]: "1.2.3.4", "x-forwarded-for": "5.6.7.8" });
    markClientIp(req, direct);
    assert.equal(req.headers[CLIENT_IP_HEADER], "10.0.0.7");
  });

  it("behind a reverse proxy on this machine, takes the address the proxy appended last", () => {
    const proxied = siteFrom({ port: 3000, bind: "127.0.0.1", publicUrl: "https://lab.school.example" });
    const req = fakeReq("127.0.0.1", { "x-forwarded-for": "6.6.6.6, 192.0.2.10" });
    markClientIp(req, proxied);
    assert.equal(req.headers[CLIENT_IP_HEADER], "192.0.2.10");
    const stranger = fakeReq("198.51.100.1", { "x-forwarded-for": "6.6.6.6" });
    markClientIp(stranger, proxied);
    assert.equal(stranger.headers[CLIENT_IP_HEADER], "198.51.100.1");
  });

  it("answers a foreign Host 403, a declared 20 MB body 413 once the body is read, and lets an upload be larger", async () => {
    const site = siteFrom({ port: 3000, bind: "localhost" });
    let res = fakeRes();
    assert.equal(guardRequest(fakeReq("127.0.0.1", { host: "evil.example:3000" }), res as unknown as ServerResponse, site), false);
    await tick();
    assert.equal(res.status, 403);
    res = fakeRes();
    const big = { host: "localhost:3000", origin: "http://localhost:3000", "content-type": "application/json", "content-length": String(20 * 1024 * 1024) };
    assert.equal(guardRequest(fakeReq("127.0.0.1", big, "/api/labs", "POST"), res as unknown as ServerResponse, site), false);
    assert.equal(res.status, 0, "not before the client has sent what it is sending");
    await tick();
    assert.equal(res.status, 413);
    res = fakeRes();
    assert.equal(guardRequest(fakeReq("127.0.0.1", { ...big, "content-type": "application/zip" }, "/api/labs/import/kathara", "POST"), res as unknown as ServerResponse, site), true);
    assert.equal(guardRequest(fakeReq("127.0.0.1", { host: "localhost:3000" }, "/labs/x"), fakeRes() as unknown as ServerResponse, site), true);
  });
});
