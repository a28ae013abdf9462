#!/usr/bin/env node
// `npm run engine:stop`: ends the engine of the data root (UMLAB_DATA, or
// ./.umlab) and so every lab it runs; by the pid it wrote, never by name.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const root = resolve(process.env.UMLAB_DATA ?? join(import.meta.dirname, "..", ".umlab"));
let pid;
try {
  pid = Number(readFileSync(join(root, "engine.pid"), "utf8").trim());
} catch {
  console.log(`umlab: no engine runs for ${root}`);
  process.exit(0);
}
const alive = () => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
if (!pid || !alive()) {
  console.log(`umlab: no engine runs for ${root}`);
  process.exit(0);
}
process.kill(pid, "SIGTERM");
console.log(`umlab: stopping the engine (pid ${pid}) and every lab it runs...`);
const until = Date.now() + 120_000;
while (alive() && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
if (alive()) {
  console.error(`umlab: the engine (pid ${pid}) is still running after 2 minutes`);
  process.exit(1);
}
console.log("umlab: engine stopped");
