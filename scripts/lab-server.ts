// The real server for the tools that drive it from outside: the end-to-end
// tests (e2e/global-setup.ts), the browser bench (scripts/bench-browser.ts) and
// the README screenshot (scripts/screenshot.ts). It is served as `npm start`
// serves it (production build) but on a free port of 127.0.0.1 and over a
// fresh temporary data directory, and nothing it started may outlive it.
import { spawn } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { endProcess, isAlive, processesIn, waitFor } from "../server/engine/procs";
import { rememberToken } from "../server/test-support";
import { webBundle } from "./web-bundle.mjs";

const ROOT = join(import.meta.dirname, "..");
const READY_MS = 90_000;
const EXIT_MS = 60_000;
/** How much of the server's output is kept in memory, for error messages. */
const KEEP_CHARS = 20_000;
/** How many of its last lines an error message shows. */
const TAIL_LINES = 40;

export interface LabServerOptions {
  /** Offer the sample labs on first start, as `npm start` does (false sets UMLAB_NO_SAMPLES). */
  samples: boolean;
  /** A file that receives all of the server's output (stdout and stderr); errors then name it. */
  log?: string;
  /** The data directory is a new umlab-<name>-XXXXXX under the temp dir. */
  name?: string;
  /** An engine started by the caller (another host, as it were): its address (tcp://HOST:PORT) and secret. */
  engine?: { address: string; secret: string };
  /** The engine inside the web server (UMLAB_ENGINE=inprocess): labs end with it. */
  inProcess?: boolean;
}

export interface LabServer {
  /** http://127.0.0.1:<port> */
  url: string;
  /** The data directory (UMLAB_DATA), resolved. */
  data: string;
  /**
   * The server's own CLI token (cli.token in the data directory): requests
   * with it as a bearer token act as the machine's admin. test-support's
   * request, authed, umlab and connect send it.
   */
  token: string;
  /** The web server's pid (it changes with `restartWeb`). */
  webPid(): number;
  /** The engine's pid, from engine.pid in the data directory (null when none runs). */
  enginePid(): number | null;
  /** Kills the web server with SIGKILL (the engine and its labs go on) and waits until it is gone. */
  killWeb(): Promise<void>;
  /** Starts the web server again, on the same port and data; resolves once it serves. */
  startWeb(): Promise<void>;
  /**
   * SIGTERM the web server and then the engine (which stops every lab) and
   * wait for them (SIGKILL after a minute), then make sure no process still
   * works in the data directory: any that does is ended by pid. The
   * directory is removed. Rejects, naming what was wrong (the leftover pids
   * and their command lines), if a process had to be killed or left
   * anything running.
   */
  stop(): Promise<void>;
}

/** Starts the server and resolves once it serves ("console on"); rejects with its output if it does not come up. */
export async function startLabServer(options: LabServerOptions): Promise<LabServer> {
  // realpath: processesIn compares against /proc/<pid>/cwd, which is resolved.
  const data = realpathSync(mkdtempSync(join(tmpdir(), `umlab-${options.name ?? "server"}-`)));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // The project's built kernels and images, and never a build in a throwaway data root.
  const kernels = { UMLAB_KERNELS: join(ROOT, ".umlab", "kernels"), UMLAB_KERNEL_BUILD: "0", UMLAB_IMAGES: join(ROOT, ".umlab", "images"), UMLAB_IMAGE_BUILD: "0" };
  const env: NodeJS.ProcessEnv = { ...kernels, ...process.env, NODE_ENV: "production", PORT: String(port), HOST: "127.0.0.1", UMLAB_DATA: data, NEXT_TELEMETRY_DISABLED: "1" };
  if (options.inProcess) env.UMLAB_ENGINE = "inprocess";
  if (options.engine) Object.assign(env, { UMLAB_ENGINE: options.engine.address, UMLAB_ENGINE_SECRET: options.engine.secret });
  if (options.samples) delete env.UMLAB_NO_SAMPLES;
  else env.UMLAB_NO_SAMPLES = "1";

  const log = options.log === undefined ? undefined : createWriteStream(options.log);
  let output = "";
  const onData = (d: Buffer) => {
    if (log && !log.writableEnded) log.write(d);
    output = (output + d).slice(-KEEP_CHARS);
  };
  const tail = () => output.split("\n").slice(-TAIL_LINES).join("\n") || "(no output)";
  const where = options.log === undefined ? "" : ` (${options.log})`;

  // What `npm start` runs: the bundled server (scripts/web-bundle.mjs), rebuilt here when the sources changed.
  const main = await webBundle();
  let web = launch();
  function launch() {
    const proc = spawn(process.execPath, [main], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    let seen = "";
    const ready = new Promise<string | null>((resolve) => {
      const timer = setTimeout(() => resolve(`the server did not start within ${READY_MS / 1000} s`), READY_MS);
      const check = (d: Buffer) => {
        seen = (seen + d).slice(-KEEP_CHARS);
        if (!seen.includes("console on")) return;
        clearTimeout(timer);
        resolve(null);
      };
      proc.stdout!.on("data", check);
      proc.stderr!.on("data", check);
      void exited.then(() => {
        clearTimeout(timer);
        resolve(`the server exited (${proc.exitCode ?? proc.signalCode}) before it was ready`);
      });
    });
    return { proc, exited, ready };
  }
  const enginePid = () => {
    try {
      const pid = Number(readFileSync(join(data, "engine.pid"), "utf8").trim());
      return pid > 0 && isAlive(pid) ? pid : null;
    } catch {
      return null;
    }
  };

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= stopServer());
  async function stopServer(): Promise<void> {
    const problems: string[] = [];
    try {
      const { proc, exited } = web;
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGTERM");
        if (!(await within(exited, EXIT_MS))) {
          problems.push(`the server did not exit within ${EXIT_MS / 1000} s of SIGTERM (killed)`);
          proc.kill("SIGKILL");
          await within(exited, 5000);
        }
      }
      // The engine outlives web servers by design: it is ended here, by its pid, and stops every lab.
      const engine = enginePid();
      if (engine !== null) {
        process.kill(engine, "SIGTERM");
        if (!(await waitFor(() => !isAlive(engine), EXIT_MS, 50))) {
          problems.push(`the engine did not exit within ${EXIT_MS / 1000} s of SIGTERM (killed)`);
          await endProcess(engine, 1000);
        }
      }
      const left = processesIn(data);
      if (left.length) {
        problems.push(`processes left running in ${data} after the server and engine exited (ended by pid):\n${left.map((pid) => `  ${pid} ${cmdline(pid)}`).join("\n")}`);
        await Promise.all(left.map((pid) => endProcess(pid, 1000)));
      }
    } finally {
      if (log) await new Promise<void>((r) => log.end(() => r()));
      rmSync(data, { recursive: true, force: true });
    }
    if (problems.length) throw new Error(`${problems.join("\n")}\n${options.log === undefined ? `server output:\n${tail()}` : `server log: ${options.log}`}`);
  }

  const failure = await web.ready;
  if (failure !== null) {
    await stop().catch(() => {});
    throw new Error(`${failure} (is the production build there? \`npm run pretest\` builds it); its output${where}:\n${tail()}`);
  }
  const token = readFileSync(join(data, "cli.token"), "utf8").trim();
  rememberToken(url, token);
  return {
    url,
    data,
    token,
    stop,
    enginePid,
    webPid: () => web.proc.pid!,
    killWeb: async () => {
      web.proc.kill("SIGKILL");
      await web.exited;
    },
    startWeb: async () => {
      web = launch();
      const why = await web.ready;
      if (why !== null) throw new Error(`${why}; its output${where}:\n${tail()}`);
    },
  };
}

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer()
      .once("error", reject)
      .listen(0, "127.0.0.1", () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
  });

/** Whether `p` settled well within `ms` (it is not cancelled). */
export async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
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
