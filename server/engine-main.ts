// umlab-engine: the long-lived process that owns every lab's host processes
// (guests, switches, helpers), their ptys and console screens. Web servers
// come and go (a restart, a redeploy, a crash) and talk to it over
// server/engine/remote (a unix socket in the data root; TCP with the shared
// secret when UMLAB_ENGINE_LISTEN=HOST:PORT). `npm start` starts it when it
// is not running; docs/umlab-engine.service runs it under systemd.
import { chmodSync, existsSync, rmSync, writeFileSync } from "node:fs";
import { installCrashGuard } from "./crash-guard";
import { Engine } from "./engine/engine";
import { LocalEngine } from "./engine/local-engine";
import { beginServing, endServing } from "./engine/serving";
import { dataRoot } from "./engine/paths";
import { engineFiles, engineSecret } from "./engine/remote/engine-files";
import { engineAnswers, releaseEngineLock, takeEngineLock } from "./engine/remote/engine-lock";
import { EngineServer } from "./engine/remote/engine-server";
import { ConsoleDoor } from "./engine/console-door";
import { ticketKey } from "./engine/remote/console-ticket";

const log = (line: string) => console.log(`${new Date().toISOString()} ${line}`);

async function main(): Promise<void> {
  const root = dataRoot();
  const files = engineFiles(root);
  if (existsSync(files.socket) && (await engineAnswers(files.socket))) {
    log(`engine: one runs already on ${files.socket}`);
    return;
  }
  // Two started at once (two web servers starting) must not both take the socket: the first to make the
  // lock file is the engine; a lock whose process is gone is stale.
  if (!takeEngineLock(files.lock)) {
    log(`engine: another engine is starting for ${root}`);
    return;
  }
  const secret = engineSecret(root);
  const engine = new Engine(root);
  installCrashGuard((lab, reason) => engine.fail(lab, reason));
  const local = new LocalEngine(engine);
  await beginServing(local, (line) => log(`engine: ${line}`));
  engine.on("patch", (ev: { lab: string; patch: { kind: string; node?: { name: string; state: string; reason: string | null } } }) => {
    if (ev.patch.kind === "node" && ev.patch.node?.state === "crashed") log(`engine: lab ${ev.lab}: ${ev.patch.node.name} crashed: ${ev.patch.node.reason}`);
  });
  const server = new EngineServer(local, secret, log);
  // Open before the first hello, which tells where it is.
  const door = await openDoor(local, secret, server);
  rmSync(files.socket, { force: true });
  await server.listen({ path: files.socket });
  chmodSync(files.socket, 0o600);
  const tcp = process.env.UMLAB_ENGINE_LISTEN;
  if (tcp) {
    const m = /^(.+):(\d{1,5})$/.exec(tcp);
    if (!m) throw new Error(`UMLAB_ENGINE_LISTEN must be HOST:PORT, not ${JSON.stringify(tcp)}`);
    await server.listen({ host: m[1], port: Number(m[2]) });
    log(`engine: also on tcp://${tcp} (clients prove the shared secret)`);
  }
  writeFileSync(files.pid, `${process.pid}\n`);
  log(`engine: pid ${process.pid}, serving ${root} on ${files.socket}`);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log(`engine: ${signal}: stopping every running lab`);
    await server.close();
    await door?.close();
    await endServing(local);
    rmSync(files.socket, { force: true });
    rmSync(files.pid, { force: true });
    releaseEngineLock(files.lock);
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

/**
 * The console door (console-door.ts): UMLAB_CONSOLE_LISTEN=HOST:PORT, or
 * "off"; by default any free port on the host the engine's TCP listener or
 * the web server (HOST) is on, else on loopback. UMLAB_CONSOLE_URL is its
 * address as browsers reach it, when a proxy stands between (wss://…).
 */
async function openDoor(local: LocalEngine, secret: string, server: EngineServer): Promise<ConsoleDoor | null> {
  const at = process.env.UMLAB_CONSOLE_LISTEN ?? "";
  if (at === "off") return null;
  const m = /^(.+):(\d{1,5})$/.exec(at);
  if (at && !m) throw new Error(`UMLAB_CONSOLE_LISTEN must be HOST:PORT or off, not ${JSON.stringify(at)}`);
  const tcpHost = /^(.+):\d{1,5}$/.exec(process.env.UMLAB_ENGINE_LISTEN ?? "")?.[1];
  const webHost = process.env.HOST && process.env.HOST !== "localhost" ? process.env.HOST : undefined;
  const host = m?.[1] ?? tcpHost ?? webHost ?? "127.0.0.1";
  const door = new ConsoleDoor(local, ticketKey(secret), (typed) => server.broadcast({ ev: "typed", data: typed }), log);
  const port = await door.listen(host.replace(/^\[|\]$/g, ""), Number(m?.[2] ?? 0));
  const url = process.env.UMLAB_CONSOLE_URL;
  server.door = { port, ...(url ? { url } : {}) };
  log(`engine: console door on ${host}:${port}${url ? ` (browsers reach it at ${url})` : ""}`);
  return door;
}

main().catch((e) => {
  console.error(`umlab-engine: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
