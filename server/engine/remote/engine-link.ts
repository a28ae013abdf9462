import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import { describeAddress, parseEngineAddress, RemoteEngine } from "./engine-client";
import { engineFiles, engineSecret } from "./engine-files";

const PROJECT = join(import.meta.dirname, "..", "..", "..");
const START_TIMEOUT_MS = 30_000;

/**
 * Starts the engine of a data root, detached: it outlives the web server
 * that started it (its output goes to engine.log in the data root).
 */
export function spawnEngine(root: string): number | undefined {
  const out = openSync(engineFiles(root).log, "a", 0o600);
  const child = spawn(process.execPath, ["--import", "tsx", join(PROJECT, "server", "engine-main.ts")], {
    cwd: PROJECT,
    detached: true,
    stdio: ["ignore", out, out],
    env: { ...process.env, UMLAB_DATA: root },
  });
  child.unref();
  // The engine has its own copy of the log's descriptor.
  closeSync(out);
  return child.pid;
}

/**
 * The engine this web server works with: UMLAB_ENGINE (tcp://HOST:PORT, or
 * a socket path) when set, which whoever runs that engine starts; otherwise
 * the engine of this data root, started when it is not running and started
 * again whenever it goes away (it died: the new one ends and marks what the
 * old one left).
 */
export async function engineForServer(root: string, log: (line: string) => void): Promise<RemoteEngine> {
  const given = process.env.UMLAB_ENGINE;
  const address = given ? parseEngineAddress(given) : { path: engineFiles(root).socket };
  const engine = new RemoteEngine(address, engineSecret(root));
  if (given) {
    await engine.connect();
    log(`umlab: engine at ${describeAddress(address)} (pid ${engine.enginePid} there)`);
    return engine;
  }
  const start = async () => {
    try {
      await engine.connect();
      return;
    } catch {
      // not running: start it
    }
    const pid = spawnEngine(root);
    log(`umlab: started the engine (pid ${pid}; its log: ${engineFiles(root).log})`);
    const until = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      try {
        await engine.connect();
        return;
      } catch (e) {
        if (Date.now() > until) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  await start();
  log(`umlab: engine pid ${engine.enginePid} on ${describeAddress(address)}`);
  let restarting = false;
  engine.on("disconnect", () => {
    if (restarting) return;
    restarting = true;
    // Come back on its own (a brief hiccup), or be started again.
    setTimeout(() => {
      start()
        .catch((e: Error) => log(`umlab: the engine cannot be started again: ${e.message}`))
        .finally(() => (restarting = false));
    }, 500).unref();
  });
  return engine;
}
