import { createServer } from "node:http";
import { toNodeHandler } from "better-auth/node";
import next from "next";
import { Accounts, authFiles } from "./auth/accounts";
import { Owners } from "./auth/owners";
import { SYSTEM } from "./auth/permissions";
import { QuotaSettings } from "./auth/quotas";
import { guardRequest, markClientIp } from "./auth/http-guard";
import { siteFrom } from "./auth/site";
import { LabService } from "./api/lab-service";
import { registerServices } from "./api/registry";
import { CaptureService } from "./api/capture-service";
import { ShareService } from "./api/share-service";
import { ClassService } from "./api/class-service";
import { installCrashGuard } from "./crash-guard";
import { InProcessEngine } from "./engine/in-process";
import { engineForServer } from "./engine/remote/engine-link";
import { dataRoot } from "./engine/paths";
import { attachRealtime } from "./realtime/consoles";
import { sampleLabs } from "./samples";
import { openDb } from "./store/db";
import { LabStore } from "./store/lab-store";
import { ShareStore } from "./store/share-store";
import { ClassStore } from "./store/class-store";

/**
 * The web server: Next (pages and /api route handlers) and socket.io
 * (consoles, live state) on one port. It keeps no lab: those are the
 * engine's (server/engine-main.ts), reached through its commands, and they
 * go on when this process stops or dies.
 */
async function main(): Promise<void> {
  const dev = process.argv.includes("--dev");
  const port = Number(process.env.PORT ?? 3000);
  const hostname = process.env.HOST ?? "localhost";
  const root = dataRoot();

  const db = openDb(root);
  // Labs live in the engine, a process of their own that outlives this one (docs/ARCHITECTURE.md),
  // unless UMLAB_ENGINE=inprocess asks for one process.
  const log = (line: string) => console.log(line);
  const inProcess = process.env.UMLAB_ENGINE === "inprocess" ? await InProcessEngine.open(root, log) : null;
  const remote = inProcess ? null : await engineForServer(root, log);
  const engine = inProcess ?? remote!;
  installCrashGuard((lab, reason) => (inProcess ? inProcess.fail(lab, reason) : console.error(`umlab: lab ${lab}: ${reason}`)));
  const quotas = new QuotaSettings(db);
  const service = new LabService(new LabStore(db), engine, quotas);
  const rekeyed = await service.rekeyFolders();
  if (rekeyed.length) console.log(`umlab: lab folders now named by lab id: ${rekeyed.join(", ")}`);
  const site = siteFrom({ port, bind: hostname, publicUrl: process.env.UMLAB_PUBLIC_URL, allowedHosts: process.env.UMLAB_ALLOWED_HOSTS });
  const baseURL = site.publicUrl?.origin ?? `http://${["0.0.0.0", "::"].includes(hostname) ? "localhost" : hostname}:${port}`;
  const accounts = new Accounts(db, root, {
    baseURL,
    trustedOrigins: [...site.hosts].flatMap((h) => [`http://${h}`, `https://${h}`]),
    secure: site.publicUrl?.protocol === "https:",
  });
  if (!process.env.UMLAB_NO_SAMPLES) await service.ensureSamples(sampleLabs(), SYSTEM);
  const shares = new ShareService(service, new ShareStore(db), (id) => accounts.nameOf(id));
  const classes = new ClassService(service, new ClassStore(db));
  classes.policy.startSweeping();
  const all = { labs: service, accounts, quotas, owners: new Owners(db), site, shares, classes, captures: new CaptureService(service), door: remote };
  registerServices(all);
  const authHandler = toNodeHandler(accounts.auth);

  const httpServer = createServer();
  // Longer than clients' and proxies' idle keep-alive (Node's 5 s default closed sockets a client was about to reuse).
  httpServer.keepAliveTimeout = 65_000;
  // Sockets are served before Next is ready (its prepare takes over a second):
  // after a restart the terminals reattach while the pages are still loading.
  // A page asked for meanwhile waits for Next.
  const app = next({ dev, hostname, port, httpServer, dir: process.cwd() });
  const handle = app.getRequestHandler();
  const prepared = app.prepare();
  prepared.catch((e: unknown) => {
    console.error(`umlab: the console's pages could not be loaded: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  });
  httpServer.on("request", (req, res) => {
    if (!guardRequest(req, res, site)) return;
    markClientIp(req, site);
    if (req.url?.startsWith("/api/auth/")) return void authHandler(req, res);
    void prepared.then(() => handle(req, res));
  });
  attachRealtime(httpServer, all);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    // The labs go on in the engine: a new server finds them as they are.
    if (inProcess) console.log(`umlab: ${signal}: the console stops, and with it every lab (UMLAB_ENGINE=inprocess)`);
    else console.log(`umlab: ${signal}: the console stops; running labs go on in the engine (\`npm run engine:stop\` ends them)`);
    await engine.close();
    await db.$disconnect();
    httpServer.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));

  // Made before the server says it serves, so whoever waits for that finds the file.
  const code = await accounts.setupCode();
  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(port, hostname, resolve);
  });
  console.log(`umlab: console on http://${hostname}:${port} (data in ${root})`);
  if (code)
    console.log(`umlab: first run: open ${baseURL}/setup and make the admin account with the setup code ${code} (also in ${authFiles(root).setupCode}, readable only by this user)`);
}

main().catch((e) => {
  console.error(`umlab: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
