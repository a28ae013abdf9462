import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hostProblem, siteFrom, writeProblem, type RequestFacts } from "./site";

const site = siteFrom({ port: 3000, bind: "localhost" });
const write = (over: Partial<RequestFacts>): string | null =>
  writeProblem({ method: "POST", host: "localhost:3000", origin: "http://localhost:3000", secFetchSite: "same-origin", contentType: "application/json", hasBody: true, bearer: false, ...over }, site);

describe("site: the Host allow-list and browser writes", () => {
  it("answers the loopback names at its port and refuses other hosts (DNS rebinding)", () => {
    for (const h of ["localhost:3000", "127.0.0.1:3000", "[::1]:3000", "LOCALHOST:3000"]) assert.equal(hostProblem(h, site), null, h);
    for (const h of ["evil.example:3000", "localhost:3001", "evil.example", undefined]) assert.notEqual(hostProblem(h, site), null, String(h));
  });

  it("adds the public URL's host and UMLAB_ALLOWED_HOSTS, not 0.0.0.0", () => {
    const s = siteFrom({ port: 3000, bind: "0.0.0.0", publicUrl: "https://lab.school.example", allowedHosts: "10.1.2.3, lab2.example:8443" });
    for (const h of ["lab.school.example", "lab.school.example:443", "10.1.2.3:3000", "lab2.example:8443"]) assert.equal(hostProblem(h, s), null, h);
    assert.notEqual(hostProblem("0.0.0.0:3000", s), null);
  });

  it("lets the site's own pages write with JSON or multipart, and reads pass", () => {
    assert.equal(write({}), null);
    assert.equal(write({ contentType: "multipart/form-data; boundary=x" }), null);
    assert.equal(write({ hasBody: false, contentType: undefined }), null);
    assert.equal(write({ method: "GET", origin: "http://evil.example" }), null);
  });

  it("refuses a cross-site page: another Origin, a cross-site fetch, a text/plain or form body", () => {
    assert.match(write({ origin: "http://evil.example", secFetchSite: "cross-site" }) ?? "", /cross-site/);
    assert.match(write({ origin: "http://evil.example", secFetchSite: undefined }) ?? "", /Origin "http:\/\/evil.example" is not this site/);
    assert.match(write({ origin: "http://localhost:3001", secFetchSite: "same-site" }) ?? "", /same-site/);
    assert.match(write({ origin: "null", secFetchSite: undefined }) ?? "", /not this site/);
    assert.match(write({ contentType: "text/plain" }) ?? "", /text\/plain/);
    assert.match(write({ contentType: "application/x-www-form-urlencoded" }) ?? "", /urlencoded/);
    assert.match(write({ contentType: undefined }) ?? "", /none/);
  });

  it("takes a script with a bearer token and no Origin, but not cookies alone", () => {
    assert.equal(write({ origin: undefined, secFetchSite: undefined, bearer: true }), null);
    assert.match(write({ origin: undefined, secFetchSite: undefined }) ?? "", /Origin header or an Authorization: Bearer token/);
    // Even with a token, a page's text/plain body is refused.
    assert.notEqual(write({ origin: undefined, secFetchSite: undefined, bearer: true, contentType: "text/plain" }), null);
  });

  it("accepts the public URL as Origin behind a proxy that rewrites Host", () => {
    const s = siteFrom({ port: 3000, bind: "127.0.0.1", publicUrl: "https://lab.school.example" });
    const facts: RequestFacts = { method: "POST", host: "127.0.0.1:3000", origin: "https://lab.school.example", secFetchSite: "same-origin", contentType: "application/json", hasBody: true, bearer: false };
    assert.equal(writeProblem(facts, s), null);
    assert.notEqual(writeProblem({ ...facts, origin: "https://other.example" }, s), null);
  });
});
