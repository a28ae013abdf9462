import { createServer } from "node:http";
import next from "next";
import { ImageService } from "./api/image-service";
import { KernelService } from "./api/kernel-service";
import { LabService } from "./api/lab-service";
import { registerServices } from "./api/registry";
import { Engine } from "./engine/engine";
import { dataRoot } from "./engine/paths";
import { attachRealtime } from "./realtime/consoles";
import { sampleLabs } from "./samples";
import { openDb } from "./store/db";
import { LabStore } from "./store/lab-store";

/**
 * One process serves the console: Next (pages and /api route handlers) and
 * socket.io (consoles, live state) on one port, around one Engine that owns
 * every host process it starts.
 */
async function main(): Promise<void> {
  const dev = process.argv.includes("--dev");
  const port = Number(process.env.PORT ?? 3000);
  const hostname = process.env.HOST ?? "localhost";
  const root = dataRoot();

  const db = openDb(root);
  const engine = new Engine(root);
  const reaped = await engine.reapLeftovers();
  if (reaped.length) console.log(`umlab: ended what an earlier server left running in: ${reaped.join(", ")}`);
  // A crash is worth a line in the server's log too: the UI shows it only while the lab lives.
  engine.on("node-state", (lab: string, s: { name: string; state: string; reason: string | null }) => {
    if (s.state === "crashed") console.error(`umlab: ${lab}/${s.name} crashed: ${s.reason}`);
  });
  const kernels = new KernelService(root, (kernel) => engine.kernelUsers(kernel));
  const images = new ImageService(root);
  const service = new LabService(new LabStore(db), engine, kernels, images);
  // The console never waits for the fast kernel: it builds in the background
  // (UMLAB_KERNEL_BUILD=0 leaves it to `umlab kernel build`).
  if (process.env.UMLAB_KERNEL_BUILD !== "0") kernels.start();
  // Debian images (router, host) likewise; UMLAB_IMAGE_BUILD=0 leaves them to `umlab image build`.
  if (process.env.UMLAB_IMAGE_BUILD !== "0") void images.buildMissing();
  if (!process.env.UMLAB_NO_SAMPLES) await service.ensureSamples(sampleLabs());
  registerServices(service);

  const httpServer = createServer();
  const app = next({ dev, hostname, port, httpServer, dir: process.cwd() });
  const handle = app.getRequestHandler();
  await app.prepare();
  httpServer.on("request", (req, res) => void handle(req, res));
  attachRealtime(httpServer, service);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    console.log(`umlab: ${signal}: stopping every running lab`);
    await kernels.cancel();
    await engine.stopAll();
    await db.$disconnect();
    httpServer.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(port, hostname, resolve);
  });
  console.log(`umlab: console on http://${hostname}:${port} (data in ${root})`);
}

main().catch((e) => {
  console.error(`umlab: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
