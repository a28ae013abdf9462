#!/usr/bin/env node
// `npm start`, after provisioning: the web console, which starts the engine
// (server/engine-main.ts) when none runs. Ctrl-C stops the console only: the
// labs go on in the engine (`npm run engine:stop` ends it).
import { spawn } from "node:child_process";
import { join } from "node:path";
import { webBundle } from "./web-bundle.mjs";

const root = join(import.meta.dirname, "..");
const child = spawn(process.execPath, [await webBundle(), ...process.argv.slice(2)], {
  cwd: root,
  stdio: "inherit",
  env: { NODE_ENV: "production", ...process.env },
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
