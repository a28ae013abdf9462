import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, createWriteStream, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FullConfig } from "@playwright/test";
import { endProcess, processesIn } from "../server/engine/procs";

/**
 * One real server for the whole run, as `npm start` serves it (production
 * build, samples offered on first start) but on a free port of 127.0.0.1 and
 * over a fresh temporary data directory. Tests reach it through `baseURL`
 * (UMLAB_E2E_URL, read by playwright.config.ts in the workers, which start
 * after this) and e2e/api.ts.
 *
 * The returned function is the global teardown: SIGTERM the server, wait for
 * it, then fail the run if any process still works in the data directory
 * (ending those by pid), and remove the directory.
 */
const ROOT = join(import.meta.dirname, "..");
const READY_MS = 90_000;
const EXIT_MS = 60_000;

export default async function globalSetup(config: FullConfig): Promise<() => Promise<void>> {
  const chromium = config.projects[0]?.use.launchOptions?.executablePath ?? "/usr/bin/chromium";
  try {
    accessSync(chromium, constants.X_OK);
  } catch {
    throw new Error(
      `${chromium} is missing: the end-to-end tests run Debian's Chromium, never a downloaded browser.\n` +
        "Install the Debian package `chromium` (sudo apt-get install chromium), or run `npm test`, which provisions it.",
    );
  }

  const outputDir = config.projects[0]?.outputDir ?? join(ROOT, ".umlab", "e2e-results");
  mkdirSync(outputDir, { recursive: true });
  const logFile = join(outputDir, "server.log");
  const log = createWriteStream(logFile);
  // realpath: processesIn compares against /proc/<pid>/cwd, which is resolved.
  const data = realpathSync(mkdtempSync(join(tmpdir(), "umlab-e2e-")));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;

  const server = spawn(process.execPath, ["--import", "tsx", join(ROOT, "server", "main.ts")], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: "production", PORT: String(port), HOST: "127.0.0.1", UMLAB_DATA: data, NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
  const teardown = () => stopServer(server, exited, data, log, logFile);

  try {
    await new Promise<void>((resolve, reject) => {
      let seen = "";
      const timer = setTimeout(() => reject(new Error(`the server did not start within ${READY_MS / 1000} s`)), READY_MS);
      const onData = (d: Buffer) => {
        log.write(d);
        if (seen.length < 100_000) seen += d;
        if (seen.includes("console on")) {
          clearTimeout(timer);
          resolve();
        }
      };
      server.stdout!.on("data", onData);
      server.stderr!.on("data", onData);
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`the server exited (${server.exitCode ?? server.signalCode}) before it was ready`));
      });
    });
  } catch (e) {
    await teardown().catch(() => {});
    throw new Error(`${(e as Error).message}; its output (${logFile}):\n${tail(logFile)}`);
  }

  process.env.UMLAB_E2E_URL = url;
  process.env.UMLAB_E2E_DATA = data;
  return teardown;
}

async function stopServer(server: ChildProcess, exited: Promise<void>, data: string, log: NodeJS.WritableStream, logFile: string): Promise<void> {
  const problems: string[] = [];
  try {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill("SIGTERM");
      if (!(await within(exited, EXIT_MS))) {
        problems.push(`the server did not exit within ${EXIT_MS / 1000} s of SIGTERM (killed)`);
        server.kill("SIGKILL");
        await within(exited, 5000);
      }
    }
    const left = processesIn(data);
    if (left.length) {
      problems.push(`processes left running in ${data} after the server exited (ended by pid):\n${left.map((pid) => `  ${pid} ${cmdline(pid)}`).join("\n")}`);
      await Promise.all(left.map((pid) => endProcess(pid, 1000)));
    }
  } finally {
    await new Promise<void>((r) => log.end(() => r()));
    rmSync(data, { recursive: true, force: true });
  }
  if (problems.length) throw new Error(`${problems.join("\n")}\nserver log: ${logFile}`);
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer()
      .once("error", reject)
      .listen(0, "127.0.0.1", () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
  });

async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  const done = await Promise.race([p.then(() => true as const), timeout]);
  clearTimeout(timer);
  return done;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return "(gone)";
  }
}

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no output)";
  }
}
