import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startLabServer, type LabServer } from "../scripts/lab-server";
import { request, umlab } from "./test-support";

// Image recipes through the HTTP API and the CLI: who may add and remove
// them, and what is refused. Their builds are started against a mirror
// that is not there, so they fail (or are cancelled) within seconds and
// nothing is downloaded; the real build is image-recipe.int.test.ts's.
describe("server: image recipes through the API and the CLI, and who may add or remove them", () => {
  let server: LabServer | undefined;
  let url = "";
  const cookies: Record<string, string> = {};
  const savedMirror = process.env.UMLAB_DEBIAN_MIRROR;

  /** A request as a signed-in browser page of this site would send it. */
  const as = (user: string, method: string, path: string, body?: unknown) =>
    fetch(`${url}${path}`, { method, headers: { cookie: cookies[user], origin: url, ...(body === undefined ? {} : { "content-type": "application/json" }) }, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) });
  const error = async (res: Response) => ((await res.json()) as { error: string }).error;
  type Images = { images: { name: string; custom: boolean; suite: string | null; packages: string[]; files: string[]; memoryMiB: number }[] };
  const images = async () => ((await (await request(url, "GET", "/api/images")).json()) as Images).images;
  const signIn = async (email: string, password: string) => {
    const res = await fetch(`${url}/api/auth/sign-in/email`, { method: "POST", headers: { "content-type": "application/json", origin: url }, body: JSON.stringify({ email, password }) });
    assert.equal(res.status, 200, await res.clone().text());
    return res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  };
  const cli = (...args: string[]) => umlab(url, args, { timeout: 60_000 });

  before(async () => {
    process.env.UMLAB_DEBIAN_MIRROR = "http://127.0.0.1:9/debian";
    server = await startLabServer({ samples: false, name: "recipes" });
    url = server.url;
    const code = readFileSync(join(server.data, "setup-code"), "utf8").trim();
    const made = await fetch(`${url}/api/setup`, { method: "POST", headers: { "content-type": "application/json", origin: url }, body: JSON.stringify({ code, name: "Ada", email: "ada@umlab.test", password: "admin password" }) });
    assert.equal(made.status, 201);
    cookies.ada = await signIn("ada@umlab.test", "admin password");
    for (const [u, role] of [["tina", "teacher"], ["theo", "teacher"], ["sam", "student"]]) {
      const res = await as("ada", "POST", "/api/admin/users", { name: u, email: `${u}@umlab.test`, password: `${u} password`, role });
      assert.equal(res.status, 201, await res.clone().text());
      cookies[u] = await signIn(`${u}@umlab.test`, `${u} password`);
    }
  });
  after(async () => {
    if (savedMirror === undefined) delete process.env.UMLAB_DEBIAN_MIRROR;
    else process.env.UMLAB_DEBIAN_MIRROR = savedMirror;
    await server?.stop();
  });

  it("lets a teacher add a recipe (202, its build started) and lists it as custom; a student may not (403)", async () => {
    let res = await as("sam", "POST", "/api/images", { name: "samimg", packages: ["jq"] });
    assert.equal(res.status, 403);
    assert.match(await error(res), /adding an image recipe needs the Image\.Build privilege/);
    res = await as("tina", "POST", "/api/images", { name: "tinaimg", packages: ["jq"], suite: "bookworm", memoryMiB: 96, files: { "/etc/tina.conf": "x = 1\n" } });
    assert.equal(res.status, 202, await res.clone().text());
    assert.equal(((await res.json()) as { name: string; build: { state: string } }).build.state, "building");
    const mine = (await images()).find((i) => i.name === "tinaimg");
    assert.deepEqual(mine && { custom: mine.custom, suite: mine.suite, packages: mine.packages, files: mine.files, memoryMiB: mine.memoryMiB }, { custom: true, suite: "bookworm", packages: ["jq"], files: ["/etc/tina.conf"], memoryMiB: 96 });
    assert.equal((await images()).find((i) => i.name === "router")?.custom, false);
    assert.ok(!(await images()).some((i) => i.name === "samimg"));
  });

  it("refuses a bad recipe (400, saying what is wrong), umlab's own names (400) and a name there is (409)", async () => {
    const bad: [unknown, RegExp][] = [
      [{ name: "Bad Name", packages: ["jq"] }, /name: "Bad Name" is not a valid name/],
      [{ name: "x1", packages: ["jq,curl"] }, /packages\[0\]: "jq,curl" is not a Debian package name/],
      [{ name: "x1", packages: ["jq"], suite: "sid" }, /suite: a suite is one of bookworm, trixie, bullseye/],
      [{ name: "x1", packages: ["jq"], files: { "/etc/../shadow": "x" } }, /must not contain empty, "\." or "\.\." parts/],
      [{ name: "x1", packages: ["jq"], memoryMiB: 4 }, /memory is at least 16 MiB/],
      [{ name: "x1" }, /packages: /],
      [{ name: "router", packages: ["jq"] }, /"router" is one of umlab's own images/],
      [{ name: "x1", packages: ["jq"], files: { "/usr/local/sbin/systemctl": "#!/bin/sh\n" } }, /is one of umlab's own files in the guest/],
    ];
    for (const [body, message] of bad) {
      const res = await as("tina", "POST", "/api/images", body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(await error(res), message);
    }
    let res = await as("theo", "POST", "/api/images", { name: "tinaimg", packages: ["curl"] });
    assert.equal(res.status, 409);
    assert.match(await error(res), /there is an image recipe "tinaimg" already/);
    assert.deepEqual((await images()).find((i) => i.name === "tinaimg")?.packages, ["jq"], "the first recipe stays");
    res = await as("tina", "POST", "/api/images", "{ not json");
    assert.equal(res.status, 400);
  });

  it("lets only a recipe's author or an admin remove it; umlab's own images 400, an unknown one 404", async () => {
    let res = await as("sam", "DELETE", "/api/images/tinaimg");
    assert.equal(res.status, 403);
    res = await as("theo", "DELETE", "/api/images/tinaimg");
    assert.equal(res.status, 403);
    assert.match(await error(res), /image recipe "tinaimg" is another user's: only they or an admin can remove it/);
    assert.ok((await images()).some((i) => i.name === "tinaimg"));
    res = await as("tina", "DELETE", "/api/images/tinaimg");
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(((await res.json()) as { removed: string }).removed, "tinaimg");
    assert.ok(!(await images()).some((i) => i.name === "tinaimg"));
    assert.equal((await as("tina", "DELETE", "/api/images/tinaimg")).status, 404);
    assert.equal((await as("tina", "DELETE", "/api/images/router")).status, 400);
    assert.equal((await as("tina", "DELETE", "/api/images/busybox")).status, 400);

    assert.equal((await as("theo", "POST", "/api/images", { name: "theoimg", packages: ["jq"] })).status, 202);
    res = await as("ada", "DELETE", "/api/images/theoimg");
    assert.equal(res.status, 200, "an admin removes anyone's");
    assert.ok(!(await images()).some((i) => i.name === "theoimg"));
  });

  it("adds (with files from this machine), lists and removes a recipe with the CLI", async () => {
    const file = join(server!.data, "index.html");
    writeFileSync(file, "<h1>cli</h1>\n");
    let r = cli("image", "add", "cliimg", "--packages", "jq,curl", "--suite", "trixie", "--memory", "128", "--file", `/var/www/html/index.html=${file}`, "--no-wait");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /added image recipe cliimg\nbuilding image cliimg in the background/);
    const img = (await images()).find((i) => i.name === "cliimg");
    assert.deepEqual(img && [img.suite, img.packages, img.files, img.memoryMiB], ["trixie", ["jq", "curl"], ["/var/www/html/index.html"], 128]);
    r = cli("image", "ls");
    assert.match(r.stdout, /^cliimg\s+.*custom: Debian trixie, the host image's tools and jq, curl and 1 file$/m);
    r = cli("image", "add", "cliimg", "--packages", "jq", "--no-wait");
    assert.equal(r.status, 1);
    assert.match(r.stderr, /there is an image recipe "cliimg" already/);
    r = cli("image", "add", "other", "--no-wait");
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--packages is needed/);
    r = cli("image", "rm", "cliimg");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^removed image cliimg/);
    assert.ok(!(await images()).some((i) => i.name === "cliimg"));
    r = cli("image", "rm", "router");
    assert.equal(r.status, 1);
    assert.match(r.stderr, /"router" is one of umlab's own images/);
  });
});
