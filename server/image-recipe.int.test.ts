import assert from "node:assert/strict";
import { existsSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startLabServer, type LabServer } from "../scripts/lab-server";
import { request, umlab, until } from "./test-support";

const ROOT = join(import.meta.dirname, "..");
/** The project's images, which test servers share (scripts/lab-server.ts). */
const IMAGES = process.env.UMLAB_IMAGES ?? join(ROOT, ".umlab", "images");
const NAME = "recipetest";
const NOTE = "made by umlab's image recipe test\n";
const LAB = `umlab: 1
name: recipelab
nodes:
  n1:
    image: ${NAME}
    mem: 96M
    eth: [sw1]
switches:
  sw1: {}
`;

// A user's image recipe, for real: added with the CLI, built by the engine
// with mmdebstrap from the Debian mirror (a few minutes on 2 cores), booted
// by a node that names it, and removed again (with its image) at the end.
describe("a user's image recipe: built, booted by a node with `image: NAME`, its packages and files in it", () => {
  let server: LabServer | undefined;
  let url = "";
  const send = (method: string, path: string, body?: unknown) => request(url, method, path, body);
  type Exec = { exitCode: number; stdout: string; stderr: string };
  const exec = async (script: string) => {
    const res = await send("POST", "/api/labs/recipelab/nodes/n1/exec", { script, timeout: 30 });
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as Exec;
  };

  before(async () => {
    // An image a run that was killed left behind would be taken as built: this test builds from scratch.
    if (existsSync(IMAGES)) for (const f of readdirSync(IMAGES)) if (new RegExp(`^(\\.build-)?${NAME}-[0-9a-f]{12}`).test(f)) rmSync(join(IMAGES, f), { recursive: true, force: true });
    server = await startLabServer({ samples: false, name: "recipe" });
    url = server.url;
  });
  after(async () => {
    // Whatever happened, the recipe's image does not stay in the project's shared images.
    await send("POST", "/api/labs/recipelab/stop").catch(() => {});
    await send("DELETE", `/api/images/${NAME}`).catch(() => {});
    await server?.stop();
  });

  it("is added and built with `umlab image add`, which waits for the build", () => {
    const note = join(server!.data, "note.txt");
    const hello = join(server!.data, "hello.sh");
    writeFileSync(note, NOTE);
    writeFileSync(hello, "#!/bin/sh\necho hello from the recipe\n");
    const files = ["--file", `/etc/umlab-recipe-note=${note}`, "--file", `/usr/local/bin/recipe-hello=${hello}`, "--file", `/root/.recipe-note=${note}`];
    const r = umlab(url, ["image", "add", NAME, "--packages", "jq", "--memory", "96", ...files], { timeout: 20 * 60_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^added image recipe ${NAME}$`, "m"));
    assert.match(r.stdout, new RegExp(`image ${NAME} is built: nodes with \`image: ${NAME}\` boot it`));
    assert.match(r.stderr, /\[2\/5\] installing Debian bookworm with \d+ packages/);
    const ls = umlab(url, ["image", "ls"]);
    assert.match(ls.stdout, new RegExp(`^${NAME}\\s+ready\\s+\\d+ MiB`, "m"));
  });

  it("boots a node that names it, with the recipe's package, its files and the host image's tools", async () => {
    assert.equal((await send("POST", "/api/labs", { yaml: LAB })).status, 201);
    const res = await send("POST", "/api/labs/recipelab/start");
    assert.equal(res.status, 200, await res.clone().text());
    await until("n1 runs", 120_000, async () => {
      const s = (await (await send("GET", "/api/labs/recipelab/status")).json()) as { nodes: { state: string }[] };
      return s.nodes.every((n) => n.state === "running");
    });
    let r = await exec("jq --version");
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /^jq-1\.\d/);
    r = await exec("echo '{\"a\": 42}' | jq .a");
    assert.equal(r.stdout.trim(), "42");
    r = await exec("cat /etc/umlab-recipe-note; stat -c '%U %a' /etc/umlab-recipe-note /usr/local/bin/recipe-hello /root/.recipe-note /root");
    assert.equal(r.stdout, `${NOTE}root 644\nroot 755\nroot 644\nroot 700\n`, "the files as given, root's; the image's own folders as they were");
    r = await exec("/usr/local/bin/recipe-hello");
    assert.equal(r.stdout, "hello from the recipe\n", r.stderr);
    r = await exec("ip -V && command -v tcpdump");
    assert.equal(r.exitCode, 0, r.stderr);
  });

  it("is not removed while a node boots from it (409), and goes with its image once the lab is stopped", async () => {
    let res = await send("DELETE", `/api/images/${NAME}`);
    assert.equal(res.status, 409);
    assert.match(((await res.json()) as { error: string }).error, new RegExp(`image "${NAME}" is in use by recipelab/n1: stop it first`));
    assert.equal((await send("POST", "/api/labs/recipelab/stop")).status, 200);
    res = await send("DELETE", `/api/images/${NAME}`);
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual(((await res.json()) as { images: number }).images, 1);
    assert.deepEqual(readdirSync(IMAGES).filter((f) => f.startsWith(`${NAME}-`) || f.startsWith(`.build-${NAME}-`)), []);
    res = await send("POST", "/api/labs/recipelab/start");
    assert.equal(res.status, 422);
    assert.match(((await res.json()) as { error: string }).error, new RegExp(`image "${NAME}" is not available`));
    assert.equal((await send("DELETE", "/api/labs/recipelab")).status, 200);
  });
});
