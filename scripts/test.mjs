#!/usr/bin/env node
// `npm test`, after provisioning: every unit and integration test, one file
// at a time (integration tests boot real guests and share the 2 cores), in
// node's test runner.
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";

const ROOT = join(import.meta.dirname, "..");
function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return ["node_modules", "generated", ".next", ".umlab"].includes(e.name) ? [] : find(p);
    return e.name.endsWith(".test.ts") ? [p] : [];
  });
}
const files = ["server", "scripts"].flatMap((d) => find(join(ROOT, d))).map((f) => relative(ROOT, f));
// Unit tests first: they fail fast.
files.sort((a, b) => Number(a.includes(".int.")) - Number(b.includes(".int.")) || a.localeCompare(b));
const filter = process.argv.slice(2);
const chosen = filter.length ? files.filter((f) => filter.some((x) => f.includes(x))) : files;

// --test-force-exit: a file whose tests are done but which left a handle open
// must not hang the run (the hang would hide which file leaked).
const child = spawn(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=1", "--test-force-exit", "--test-reporter=spec", ...chosen], {
  cwd: ROOT,
  stdio: ["ignore", "pipe", "inherit"],
  env: { NODE_ENV: "test", ...process.env },
});
let out = "";
child.stdout.on("data", (d) => {
  out += d;
  process.stdout.write(d);
});
child.on("close", (code) => {
  // One plain closing line, whatever reporter a reader understands.
  const count = (k) => Number(new RegExp(`^ℹ ${k} (\\d+)$`, "m").exec(out)?.[1] ?? 0);
  const failed = count("fail") + count("cancelled") || (code === 0 ? 0 : 1);
  console.log(`\n${count("pass")} passed, ${failed} failed`);
  process.exit(code ?? 1);
});
