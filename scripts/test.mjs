#!/usr/bin/env node
// `npm test`, after provisioning: every unit and integration test, one file
// at a time (integration tests boot real guests and share the 2 cores), in
// node's test runner.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
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
const tapDir = mkdtempSync(join(tmpdir(), "umlab-test-"));
const tap = join(tapDir, "results.tap");
const r = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=1", "--test-reporter=spec", "--test-reporter-destination=stdout", "--test-reporter=tap", `--test-reporter-destination=${tap}`, ...chosen],
  { cwd: ROOT, stdio: "inherit", env: { NODE_ENV: "test", ...process.env } },
);
// One plain closing line, whatever reporter a reader understands.
let summary = "";
try {
  const text = readFileSync(tap, "utf8");
  const count = (k) => Number(new RegExp(`^# ${k} (\\d+)$`, "m").exec(text)?.[1] ?? 0);
  summary = `${count("pass")} passed, ${count("fail") + count("cancelled")} failed`;
} catch {
  summary = "0 passed, 1 failed";
}
rmSync(tapDir, { recursive: true, force: true });
console.log(`\n${summary}`);
process.exit(r.status ?? 1);
