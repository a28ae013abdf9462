#!/usr/bin/env node
// Installs what umlab needs and is missing, idempotently and quickly when
// nothing is: Debian packages (apt, as root or through sudo), npm packages,
// the Prisma client, the database, the default guest image and, for
// `npm start` and `npm test`, the production build of the console.
// Plain JavaScript: it runs before any npm package is there.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

const ROOT = join(import.meta.dirname, "..");
const forTests = process.argv.includes("--test");
const say = (m) => console.log(`provision: ${m}`);

function fail(message) {
  console.error(`\nprovision: ${message}\n`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: ROOT, ...opts });
  if (r.status !== 0) fail(`\`${[cmd, ...args].join(" ")}\` failed (exit ${r.status ?? r.signal})`);
}

// 1. Debian packages ---------------------------------------------------------
const PACKAGES = ["user-mode-linux", "uml-utilities", "vde2", "busybox-static", "e2fsprogs", "gcc", "g++", "libc6-dev", "make", "python3",
  // umlab's fast kernel is built from Debian's source with these.
  "linux-source-6.1", "libvdeplug-dev", "flex", "bison", "bc", "kmod", "xz-utils",
  // Every kernel umlab builds carries its fixes to UML (server/engine/kernel/patches).
  "patch",
  // Debian guest images (router, host) are built with these, without root.
  "mmdebstrap", "genext2fs", "debian-archive-keyring",
  // A host tap on a switch gets its address and link with ip.
  "iproute2",
  // Every host process of a lab runs in a bubblewrap sandbox (server/engine/sandbox.ts).
  "bubblewrap", "util-linux"];
// The browser tests' Chromium; tshark reads the captures' pcapng in the capture tests.
if (forTests) PACKAGES.push("chromium", "tshark");

function installed(pkg) {
  const r = spawnSync("dpkg-query", ["-W", "-f=${Status}", pkg], { encoding: "utf8" });
  return r.status === 0 && r.stdout.includes("install ok installed");
}

const missing = PACKAGES.filter((p) => !installed(p));
if (missing.length) {
  if (spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status !== 0)
    fail(`these Debian packages are missing and this is not a Debian/Ubuntu machine with apt: ${missing.join(" ")}`);
  const root = process.getuid?.() === 0;
  const sudo = !root && spawnSync("sudo", ["-n", "true"], { stdio: "ignore" }).status === 0;
  if (!root && !sudo)
    fail(`these Debian packages are missing: ${missing.join(" ")}\nInstall them as root (sudo apt-get install ${missing.join(" ")}) or run npm as a user with passwordless sudo.`);
  const apt = (args) => (root ? run("apt-get", args, { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } }) : run("sudo", ["-n", "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", ...args]));
  say(`installing Debian packages: ${missing.join(" ")}`);
  apt(["update", "-q"]);
  apt(["install", "-y", "-q", "--no-install-recommends", ...missing]);
}

// The unprivileged user a root server runs the labs' sandboxes as (server/engine/sandbox.ts).
if (process.getuid?.() === 0 && spawnSync("id", ["-u", "umlab"], { stdio: "ignore" }).status !== 0) {
  say("creating the system user umlab (labs' sandboxes run as it)");
  run("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "umlab"]);
}

// 1b. Host ptys: each running node holds 6 (server/engine/uml/host-ptys.ts), and Debian's kernel.pty.max of
// 4096 holds about 680 nodes. Raised as packages are installed: as root, or through sudo.
{
  const PTY_MAX = 65536;
  const PER_NODE = 6;
  const file = "/proc/sys/kernel/pty/max";
  const now = existsSync(file) ? Number(readFileSync(file, "utf8")) : PTY_MAX;
  if (now < PTY_MAX) {
    const conf = `# umlab: each running node holds ${PER_NODE} host ptys (console, exec line, serial lines)\nkernel.pty.max = ${PTY_MAX}\n`;
    let raised = false;
    if (process.getuid?.() === 0) {
      try {
        writeFileSync(file, String(PTY_MAX));
        mkdirSync("/etc/sysctl.d", { recursive: true });
        writeFileSync("/etc/sysctl.d/60-umlab.conf", conf);
        raised = true;
      } catch (e) {
        say(`cannot raise kernel.pty.max here (${e.message})`);
      }
    } else if (spawnSync("sudo", ["-n", "true"], { stdio: "ignore" }).status === 0) {
      raised =
        spawnSync("sudo", ["-n", "sysctl", "-q", "-w", `kernel.pty.max=${PTY_MAX}`], { stdio: "ignore" }).status === 0 &&
        spawnSync("sudo", ["-n", "tee", "/etc/sysctl.d/60-umlab.conf"], { input: conf, stdio: ["pipe", "ignore", "ignore"] }).status === 0;
    }
    say(
      raised
        ? `raised kernel.pty.max from ${now} to ${PTY_MAX} (/etc/sysctl.d/60-umlab.conf): room for about ${Math.floor(PTY_MAX / PER_NODE)} running nodes`
        : `kernel.pty.max is ${now}: room for about ${Math.floor(now / PER_NODE)} running nodes; for more, as root: sysctl -w kernel.pty.max=${PTY_MAX}`,
    );
  }
}

// 2. npm packages -------------------------------------------------------------
const lock = join(ROOT, "package-lock.json");
const stamp = join(ROOT, "node_modules", ".package-lock.json");
if (!existsSync(stamp) || statSync(lock).mtimeMs > statSync(stamp).mtimeMs + 1000 || !existsSync(join(ROOT, "node_modules", "node-pty", "build", "Release", "pty.node"))) {
  say("installing npm packages (npm ci)");
  run("npm", ["ci", "--no-audit", "--no-fund"]);
}

// 2b. wiregasm (GPLv2) for the capture view: served as it ships, from
// public/wiregasm/, beside its licence (public/wiregasm/README.md).
const wiregasmDist = join(ROOT, "node_modules", "@goodtools", "wiregasm", "dist");
for (const f of ["wiregasm.js", "wiregasm.wasm.gz", "wiregasm.data.gz"]) {
  const from = join(wiregasmDist, f);
  const to = join(ROOT, "public", "wiregasm", f);
  if (!existsSync(from)) fail(`${from} is missing: reinstall the npm packages (npm ci)`);
  const src = statSync(from);
  const dst = existsSync(to) ? statSync(to) : null;
  if (dst && dst.size === src.size && dst.mtimeMs >= src.mtimeMs) continue;
  say(`copying wiregasm's ${f} to public/wiregasm/`);
  mkdirSync(join(ROOT, "public", "wiregasm"), { recursive: true });
  copyFileSync(from, to);
}

// 2c. The capture view's decoding worker (components/capture/decode.worker.ts),
// bundled here with esbuild into public/capture/: Next's bundler copies a
// worker's source as it is instead of bundling it.
{
  const dir = join(ROOT, "components", "capture");
  const out = join(ROOT, "public", "capture", "decode-worker.js");
  const inputs = readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts")).map((f) => join(dir, f));
  const newest = Math.max(...inputs.map((f) => statSync(f).mtimeMs), statSync(lock).mtimeMs);
  if (!existsSync(out) || statSync(out).mtimeMs < newest) {
    say("bundling the capture view's decoding worker");
    const { buildSync } = await import("esbuild");
    buildSync({ entryPoints: [join(dir, "decode.worker.ts")], outfile: out, bundle: true, format: "iife", target: "es2022", minify: true, legalComments: "none", logLevel: "error" });
  }
}

// 3. Prisma client (generated; the schema engine is not needed for it) -------
const hashOf = (files) => {
  const h = createHash("sha256");
  for (const f of files) h.update(relative(ROOT, f)).update(readFileSync(f));
  return h.digest("hex");
};
const schema = join(ROOT, "prisma", "schema.prisma");
const generated = join(ROOT, "server", "generated", "prisma");
const schemaStamp = join(ROOT, "server", "generated", ".schema-hash");
const schemaHash = hashOf([schema, join(ROOT, "node_modules", "prisma", "package.json")]);
if (!existsSync(generated) || !existsSync(schemaStamp) || readFileSync(schemaStamp, "utf8") !== schemaHash) {
  say("generating the Prisma client");
  run("npx", ["prisma", "generate"], { env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: join(ROOT, "scripts", "prisma-schema-engine-offline") } });
  writeFileSync(schemaStamp, schemaHash);
}

// 4. Database, guest image, host helpers --------------------------------------
run(process.execPath, ["--import", "tsx", join(ROOT, "scripts", "setup-data.ts")]);

// 5. The console's production build -------------------------------------------
function sources(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === "generated" ? [] : sources(p);
    return /\.(tsx?|css|mjs|json)$/.test(e.name) ? [p] : [];
  });
}
const buildInputs = [...sources(join(ROOT, "app")), ...sources(join(ROOT, "components")), ...sources(join(ROOT, "server")), ...sources(join(ROOT, "public")), join(ROOT, "next.config.ts"), lock, join(ROOT, "tsconfig.json")].filter(existsSync).sort();
const buildHash = hashOf(buildInputs);
const buildStamp = join(ROOT, ".next", ".umlab-build-hash");
if (!existsSync(buildStamp) || readFileSync(buildStamp, "utf8") !== buildHash) {
  say("building the console (next build)");
  run("npx", ["next", "build"], { env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  mkdirSync(join(ROOT, ".next"), { recursive: true });
  writeFileSync(buildStamp, buildHash);
}
// 6. Tests run on umlab's fast kernel, boot one custom kernel and the Debian
// images: build them now, once (each kernel about 4 minutes on 2 cores, each
// image under a minute).
// `npm start` leaves both to the server, which builds them in the background.
if (forTests) {
  // Side by side: the kernels keep both cores compiling, the images mostly
  // wait on dpkg and the disk, so the images' minutes hide in the kernels'.
  const builds = [["build-kernel.mts", "--test"], ["build-images.mts"]].map(
    ([script, ...args]) =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "scripts", script), ...args], { stdio: "inherit", cwd: ROOT });
        child.on("error", (e) => resolve(`${script}: ${e.message}`));
        child.on("exit", (code, signal) => resolve(code === 0 ? null : `${script} failed (exit ${code ?? signal})`));
      }),
  );
  const failed = (await Promise.all(builds)).filter(Boolean);
  if (failed.length) fail(failed.join("; "));
}
say("ready");
