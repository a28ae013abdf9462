#!/usr/bin/env node
// `npm test`, after provisioning: every unit and integration test, one file
// at a time (integration tests boot real guests and share the 2 cores), in
// node's test runner; then the end-to-end specs (e2e/*.spec.ts) in
// Playwright; a whole run lints first. Arguments keep the files whose path contains one of them
// (`node scripts/test.mjs labyaml e2e/labs-page`); a runner none of whose
// files match is not started. The last line counts both runners.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const ROOT = join(import.meta.dirname, "..");
// Every test boots the fast kernel and the images provisioning built in the
// project's data root (tests use fresh data roots of their own) and never
// starts a build.
const kernelEnv = {
  UMLAB_KERNELS: join(ROOT, ".umlab", "kernels"),
  UMLAB_KERNEL_BUILD: "0",
  UMLAB_IMAGES: join(ROOT, ".umlab", "images"),
  UMLAB_IMAGE_BUILD: "0",
};
function find(dir, suffix) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return ["node_modules", "generated", ".next", ".umlab"].includes(e.name) ? [] : find(p, suffix);
    return e.name.endsWith(suffix) ? [p] : [];
  });
}
const rel = (f) => relative(ROOT, f);
const files = ["server", "scripts", "components"].flatMap((d) => find(join(ROOT, d), ".test.ts")).map(rel);
// Unit tests first: they fail fast.
files.sort((a, b) => Number(a.includes(".int.")) - Number(b.includes(".int.")) || a.localeCompare(b));
const specs = find(join(ROOT, "e2e"), ".spec.ts").map(rel).sort();
const filter = process.argv.slice(2);
const pick = (list) => (filter.length ? list.filter((f) => filter.some((x) => f.includes(x))) : list);
const chosen = pick(files);
const chosenSpecs = pick(specs);
if (!chosen.length && !chosenSpecs.length) {
  console.error(`no test file matches ${filter.map((x) => JSON.stringify(x)).join(" or ")}`);
  process.exit(1);
}

function run(args, env, capture) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", capture ? "pipe" : "inherit", "inherit"], env });
    let out = "";
    child.stdout?.on("data", (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), out }));
  });
}

let passed = 0;
let failed = 0;
let exitCode = 0;

// Lint first (typescript-eslint, type-aware: eslint.config.mjs), on a whole
// run only; a lint error fails the run like a failed test.
if (!filter.length) {
  console.log("lint (eslint):");
  const { code } = await run([join(ROOT, "node_modules", "eslint", "bin", "eslint.js"), "--max-warnings", "0", "."], process.env, false);
  if (code === 0) console.log("lint: no problems\n");
  else {
    failed += 1;
    exitCode = code;
  }
}

if (chosen.length) {
  // --test-force-exit: a file whose tests are done but which left a handle open
  // must not hang the run (the hang would hide which file leaked).
  const { code, out } = await run(
    ["--import", "tsx", "--test", "--test-concurrency=1", "--test-force-exit", "--test-reporter=spec", ...chosen],
    { NODE_ENV: "test", ...kernelEnv, ...process.env },
    true,
  );
  const count = (k) => Number(new RegExp(`^ℹ ${k} (\\d+)$`, "m").exec(out)?.[1] ?? 0);
  passed += count("pass");
  failed += count("fail") + count("cancelled") || (code === 0 ? 0 : 1);
  if (code !== 0) exitCode = code;
}

if (chosenSpecs.length) {
  // The list reporter prints; a JSON report, written to a temp file, counts
  // (playwright.config.ts adds it when UMLAB_E2E_JSON is set). File
  // arguments are regular expressions to Playwright: escape them.
  const dir = mkdtempSync(join(tmpdir(), "umlab-e2e-report-"));
  const report = join(dir, "report.json");
  const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  if (chosen.length) console.log("\nend-to-end (Playwright):");
  const { code } = await run(
    [join(ROOT, "node_modules", "@playwright", "test", "cli.js"), "test", ...(filter.length ? chosenSpecs.map(escape) : [])],
    { ...kernelEnv, ...process.env, UMLAB_E2E_JSON: report },
    false,
  );
  let ok = 0;
  let bad = 0;
  try {
    const { stats, errors } = JSON.parse(readFileSync(report, "utf8"));
    ok = stats.expected;
    // Failed and flaky tests, and errors outside any test (global setup,
    // teardown: a process left behind) count as failures.
    bad = stats.unexpected + stats.flaky + (errors?.length ?? 0);
  } catch {
    // No report: Playwright did not get as far as running (config error).
  }
  passed += ok;
  failed += bad || (code === 0 ? 0 : 1);
  if (code !== 0 && exitCode === 0) exitCode = code;
  rmSync(dir, { recursive: true, force: true });
}

// One plain closing line, whatever reporter a reader understands.
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(exitCode || (failed ? 1 : 0));
