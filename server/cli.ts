import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { io } from "socket.io-client";
import type { BuildState } from "./api/build-job";
import type { ImageInfo, ImageStatus } from "./api/image-service";
import type { LabDetail, LabSummary } from "./api/lab-service";
import type { LabStatus } from "./engine/lab-run";
import { exportKathara, importKathara } from "./cli/kathara";
import { followBuild } from "./cli/follow-build";
import { kernelCommand } from "./cli/kernel";
import { scenarioCommand } from "./cli/scenario";
import type { LinkStatus } from "./engine/switch/link-faults";
import { impairmentText } from "./model/link";
import { SOCKET_PATH, type ClientToServer, type ServerToClient } from "./realtime/protocol";

const USAGE = `umlab — virtual network labs on User Mode Linux

usage: umlab [--url URL] COMMAND

  import PATH [--name NAME]       add a lab from a lab.yaml, or a Kathará lab: a folder with
                                  lab.conf, or a .zip/.tar.gz of one (prints what did not
                                  come over as warnings)
  ls                              list labs
  start LAB [--no-wait]           start a lab; waits until every node is up
  stop LAB                        stop a lab (its disks are kept)
  status LAB                      node and switch states
  exec LAB NODE [--timeout S] -- CMD [ARG...]
                                  run a command in a node; its exit code is umlab's
  console LAB NODE                attach to a node's console (detach: Ctrl-])
  export LAB [-o FILE]            print the lab's lab.yaml
  export LAB --kathara [-o FILE|DIR]
                                  the lab as a Kathará lab: LAB.tar.gz, FILE (.tar.gz or
                                  .zip), or the lab folder written into a new DIR
  cp LAB NEW-NAME                 copy a lab's definition (not its disks) under a new name
  diagram LAB [-o FILE]           print the lab's topology as an SVG picture
  node LAB NODE start|stop|restart|wipe|crash
  mconsole LAB NODE halt|reboot|cad|stop|go|version|sysrq KEY
  switch LAB SWITCH pause|resume
  link LAB NODE.ethN pull|plug|clear
                                  pull a node's link out of its switch, plug it back, or
                                  clear its impairment (vde switches in switch mode)
  link LAB NODE.ethN impair [--loss PCT] [--delay MS] [--bandwidth KBIT] [--dup PCT]
                                  impair a link, the same each way (delay 50: +100 ms a
                                  round trip); again with new values to change them
  scenario LAB play [--no-wait]   play the lab's scenario (its \`scenario:\` steps) from now;
                                  waits, printing each step as it runs (+10.0s pull
                                  node04.eth0 ok); exit code 1 if a step failed or the
                                  play was stopped
  scenario LAB stop               cancel the steps of a play still pending
  scenario LAB log                what the last play did, and when
  rm LAB                          delete a stopped lab and its disks
  kernel ls                       the kernels nodes can boot (fast, debian, custom ones)
  kernel build [--no-wait]        build umlab's fast kernel; waits, showing progress
  kernel build NAME --fragment FILE [--no-wait]
                                  build a custom kernel: umlab's configuration with FILE's
                                  lines (CONFIG_X=y|m|n, # CONFIG_X is not set) over it;
                                  nodes boot it with \`kernel: NAME\` (- reads stdin)
  kernel rm NAME                  remove a custom kernel (or cancel its build)
  image ls                        the guest images (busybox, router, host), size and date
  image build NAME [--no-wait]    build a Debian image (router, host); waits, showing progress

The server is UMLAB_URL or --url (default http://localhost:3000).`;

class CliError extends Error {}

let baseUrl = process.env.UMLAB_URL ?? "http://localhost:3000";

async function api<T>(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<T> {
  const res = await request(path, {
    method,
    headers: body === undefined ? {} : { "content-type": contentType },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return (text && (res.headers.get("content-type") ?? "").includes("json") ? JSON.parse(text) : text) as T;
}

/** A request to the server: its answer when 2xx, else a CliError with the server's message. */
async function request(path: string, init: RequestInit = {}): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(new URL(path, baseUrl), init);
  } catch {
    throw new CliError(`cannot reach the umlab server at ${baseUrl}: start it with \`npm start\` (or set UMLAB_URL)`);
  }
  if (res.ok) return res;
  const text = await res.text();
  const data = text && (res.headers.get("content-type") ?? "").includes("json") ? JSON.parse(text) : text;
  throw new CliError(typeof data === "object" && data && "error" in data ? String(data.error) : `${res.status} ${text}`);
}

/** Errors of reading local files are the user's to fix, not a crash. */
const local = <T>(p: Promise<T>) => p.catch((e: Error) => Promise.reject(e instanceof CliError ? e : new CliError(e.message)));

const enc = encodeURIComponent;

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd()).join("\n");
}

function printStatus(s: LabStatus): void {
  console.log(
    table([
      ["NODE", "STATE", "PID"],
      ...s.nodes.map((n) => [n.name, n.state, n.pid ? String(n.pid) : "-"]),
    ]),
  );
  for (const n of s.nodes) if (n.reason) console.log(`\n${n.name}: ${n.reason}`);
  if (s.switches.length) {
    console.log();
    console.log(table([["SWITCH", "KIND", "MODE", "STATE"], ...s.switches.map((w) => [w.name, w.kind, w.mode, !w.pid ? "stopped" : w.paused ? "paused" : "running"])]));
  }
  if (s.running && s.links.length) {
    console.log();
    console.log(table([["LINK", "SWITCH", "PORT", "STATE"], ...s.links.map((l) => [`${l.node}.${l.iface}`, l.switch, l.port === null ? "-" : String(l.port), linkState(l)])]));
  }
}

function linkState(l: LinkStatus): string {
  const impaired = l.impair ? `impaired: ${impairmentText(l.impair)}` : "";
  if (l.pulled) return impaired ? `pulled (${impaired})` : "pulled";
  return impaired || "up";
}

const IMPAIR_OPTIONS: Record<string, string> = { "--loss": "lossPct", "--delay": "delayMs", "--bandwidth": "bandwidthKbit", "--dup": "dupPct" };

async function linkCommand(rest: string[]): Promise<number> {
  const usage = "LAB NODE.ethN pull|plug|clear|impair [--loss PCT] [--delay MS] [--bandwidth KBIT] [--dup PCT]";
  need(rest, 3, usage);
  const [lab, ref, action, ...opts] = rest;
  const m = /^(.+)\.(eth\d+)$/.exec(ref);
  if (!m) throw new CliError(`"${ref}" is not NODE.ethN (e.g. node1.eth0)`);
  const body: Record<string, unknown> = { action };
  if (!["pull", "plug", "clear", "impair"].includes(action)) throw new CliError(`unknown link action "${action}" (pull, plug, clear, impair)`);
  for (let i = 0; i < opts.length; i += 2) {
    const field = IMPAIR_OPTIONS[opts[i]];
    if (action !== "impair" || !field) throw new CliError(`unexpected "${opts[i]}": usage: umlab link ${usage}`);
    const value = Number(opts[i + 1]);
    if (opts[i + 1] === undefined || !Number.isFinite(value)) throw new CliError(`${opts[i]} needs a number`);
    body[field] = value;
  }
  if (action === "impair" && Object.keys(body).length === 1) throw new CliError("impair needs at least one of --loss, --delay, --bandwidth, --dup");
  const s = await api<LabStatus>("POST", `/api/labs/${enc(lab)}/links/${enc(m[1])}/${enc(m[2])}`, body);
  const l = s.links.find((x) => x.node === m[1] && x.iface === m[2]);
  if (l) console.log(`${ref} (${l.switch} port ${l.port ?? "-"}): ${linkState(l)}`);
  return 0;
}

async function waitUp(lab: string, timeoutMs = 180000): Promise<LabStatus> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await api<LabStatus>("GET", `/api/labs/${enc(lab)}/status`);
    const failed = s.nodes.filter((n) => n.state === "crashed" || n.state === "halted");
    if (failed.length) {
      printStatus(s);
      throw new CliError(`${failed.map((n) => n.name).join(", ")} did not come up`);
    }
    if (s.nodes.every((n) => n.state === "running")) return s;
    if (Date.now() > until) throw new CliError(`lab ${lab} not up after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function need(args: string[], n: number, what: string): void {
  if (args.length < n) throw new CliError(`missing ${what}\n\n${USAGE}`);
}

async function consoleAttach(lab: string, node: string): Promise<number> {
  const socket = io(baseUrl, { path: SOCKET_PATH, transports: ["websocket"] }) as import("socket.io-client").Socket<ServerToClient, ClientToServer>;
  return new Promise((resolve) => {
    const done = (code: number) => {
      if (process.stdin.isTTY) process.stdin.setRawMode(false);
      process.stdin.pause();
      socket.close();
      resolve(code);
    };
    socket.on("connect_error", () => {
      console.error(`umlab: cannot reach the umlab server at ${baseUrl}`);
      done(1);
    });
    socket.on("connect", () => {
      socket.emit("console:attach", { lab, node }, (r) => {
        if (!r.ok) {
          console.error(`umlab: ${r.error}`);
          return done(1);
        }
        process.stderr.write(`[attached to ${lab}/${node}; detach with Ctrl-]]\r\n`);
        if (r.state !== "running" && r.state !== "booting") process.stderr.write(`[${node} is ${r.state}: its output shows here once it starts]\r\n`);
        process.stdout.write(r.replay, () => socket.emit("console:ack", { lab, node, chars: r.replay.length }));
        if (process.stdin.isTTY) {
          process.stdin.setRawMode(true);
          socket.emit("console:resize", { lab, node, cols: process.stdout.columns, rows: process.stdout.rows });
        }
        process.stdin.on("data", (d: Buffer) => {
          if (d.includes(0x1d)) return done(0);
          socket.emit("console:input", { lab, node, data: d.toString("utf8") });
        });
        // Piped input (scripts, tests): leave time for the echo before detaching.
        process.stdin.on("end", () => setTimeout(() => done(0), 1500));
      });
    });
    socket.on("console:data", (m) => {
      if (m.lab !== lab || m.node !== node) return;
      // Acknowledged once written, so a flood is paced by the terminal (see ConsoleStream).
      process.stdout.write(m.reset ? `\x1bc${m.data}` : m.data, () => socket.emit("console:ack", { lab, node, chars: m.data.length }));
    });
    socket.on("node:state", (m) => {
      if (m.lab === lab && m.status.name === node && (m.status.state === "stopped" || m.status.state === "crashed" || m.status.state === "halted")) {
        process.stderr.write(`\r\n[${node} ${m.status.state}]\r\n`);
        done(0);
      }
    });
  });
}

async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  const urlAt = args.indexOf("--url");
  if (urlAt >= 0) {
    baseUrl = args[urlAt + 1];
    args.splice(urlAt, 2);
  }
  const [cmd, ...rest] = args;
  switch (cmd) {
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(USAGE);
      return cmd ? 0 : 2;
    case "import": {
      const named = rest.indexOf("--name");
      const name = named >= 0 ? rest.splice(named, 2)[1] : undefined;
      need(rest, 1, "PATH");
      const kathara = await local(importKathara(rest[0], name, request));
      if (kathara) {
        console.log(`imported Kathará lab ${kathara.lab.name} (${kathara.lab.nodes} nodes, ${kathara.lab.switches} switches)`);
        for (const w of kathara.warnings) console.error(`warning: ${w}`);
        return 0;
      }
      let text: string;
      try {
        text = readFileSync(rest[0], "utf8");
      } catch (e) {
        throw new CliError(`cannot read ${rest[0]}: ${(e as Error).message}`);
      }
      const lab = await api<LabDetail>("POST", `/api/labs?file=${enc(basename(rest[0]))}`, text, "application/yaml");
      console.log(`imported lab ${lab.name} (${lab.nodes} nodes, ${lab.switches} switches)`);
      return 0;
    }
    case "ls": {
      const labs = await api<LabSummary[]>("GET", "/api/labs");
      console.log(table([["LAB", "STATE", "NODES", "SWITCHES"], ...labs.map((l) => [l.name, l.running ? "running" : "stopped", String(l.nodes), String(l.switches)])]));
      return 0;
    }
    case "start": {
      need(rest, 1, "LAB");
      const started = Date.now();
      const s = await api<LabStatus>("POST", `/api/labs/${enc(rest[0])}/start`);
      if (rest.includes("--no-wait")) printStatus(s);
      else {
        printStatus(await waitUp(rest[0]));
        console.log(`\nlab ${rest[0]} up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
      return 0;
    }
    case "stop":
      need(rest, 1, "LAB");
      printStatus(await api<LabStatus>("POST", `/api/labs/${enc(rest[0])}/stop`));
      return 0;
    case "status":
      need(rest, 1, "LAB");
      printStatus(await api<LabStatus>("GET", `/api/labs/${enc(rest[0])}/status`));
      return 0;
    case "exec": {
      const dash = rest.indexOf("--");
      const head = dash >= 0 ? rest.slice(0, dash) : rest.slice(0, 2);
      const command = dash >= 0 ? rest.slice(dash + 1) : rest.slice(2);
      const t = head.indexOf("--timeout");
      const timeout = t >= 0 ? Number(head.splice(t, 2)[1]) : undefined;
      need(head, 2, "LAB NODE");
      if (!command.length) throw new CliError("missing the command: umlab exec LAB NODE -- CMD [ARG...]");
      const r = await api<{ stdout: string; stderr: string; exitCode: number }>("POST", `/api/labs/${enc(head[0])}/nodes/${enc(head[1])}/exec`, {
        argv: command,
        ...(timeout ? { timeout } : {}),
      });
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      return r.exitCode;
    }
    case "console":
      need(rest, 2, "LAB NODE");
      return consoleAttach(rest[0], rest[1]);
    case "export": {
      need(rest, 1, "LAB");
      if (rest.includes("--kathara")) {
        const o = rest.indexOf("-o");
        if (o >= 0) need(rest, o + 2, "the file or folder after -o");
        console.log(await local(exportKathara(rest[0], o >= 0 ? rest[o + 1] : undefined, request)));
        return 0;
      }
      const yaml = await api<string>("GET", `/api/labs/${enc(rest[0])}/export`);
      const o = rest.indexOf("-o");
      if (o >= 0) writeFileSync(rest[o + 1], yaml);
      else process.stdout.write(yaml);
      return 0;
    }
    case "cp": {
      need(rest, 2, "LAB NEW-NAME");
      const lab = await api<LabDetail>("POST", `/api/labs/${enc(rest[0])}/duplicate`, { name: rest[1] });
      console.log(`copied lab ${rest[0]} to ${lab.name}`);
      return 0;
    }
    case "diagram": {
      need(rest, 1, "LAB");
      const svg = await api<string>("GET", `/api/labs/${enc(rest[0])}/diagram.svg`);
      const o = rest.indexOf("-o");
      if (o >= 0) {
        need(rest, o + 2, "the file after -o");
        writeFileSync(rest[o + 1], svg);
      } else process.stdout.write(svg);
      return 0;
    }
    case "node":
      need(rest, 3, "LAB NODE ACTION");
      printStatus(await api<LabStatus>("POST", `/api/labs/${enc(rest[0])}/nodes/${enc(rest[1])}/${enc(rest[2])}`));
      return 0;
    case "mconsole": {
      need(rest, 3, "LAB NODE REQUEST");
      const [op, key] = rest.slice(2);
      const r = await api<{ ok: boolean; text: string }>("POST", `/api/labs/${enc(rest[0])}/nodes/${enc(rest[1])}/mconsole`, op === "sysrq" ? { op, key } : { op });
      console.log(r.text);
      return r.ok ? 0 : 1;
    }
    case "switch":
      need(rest, 3, "LAB SWITCH pause|resume");
      printStatus(await api<LabStatus>("POST", `/api/labs/${enc(rest[0])}/switches/${enc(rest[1])}/${enc(rest[2])}`));
      return 0;
    case "link":
      return linkCommand(rest);
    case "scenario":
      return local(scenarioCommand(rest, request, baseUrl));
    case "rm":
      need(rest, 1, "LAB");
      await api("DELETE", `/api/labs/${enc(rest[0])}`);
      console.log(`deleted lab ${rest[0]}`);
      return 0;
    case "kernel":
      return local(kernelCommand(rest, request));
    case "image":
      return imageCommand(rest);
    default:
      throw new CliError(`unknown command "${cmd}"\n\n${USAGE}`);
  }
}

async function imageCommand(rest: string[]): Promise<number> {
  const list = async () => (await api<{ images: ImageInfo[] }>("GET", "/api/images")).images;
  if (rest[0] === "ls") {
    const rows = [["NAME", "STATE", "SIZE", "BUILT", "DESCRIPTION"]];
    for (const i of await list()) {
      const state = i.build.state === "building" ? `building ${i.build.progress?.step ?? 1}/${i.build.progress?.steps ?? "?"}` : i.build.state === "failed" ? "build failed" : i.ready ? (i.current ? "ready" : "ready (older)") : "not built";
      rows.push([i.name, state, i.bytes === null ? "-" : `${Math.round(i.bytes / 2 ** 20)} MiB`, i.builtAt?.slice(0, 16).replace("T", " ") ?? "-", i.description]);
    }
    console.log(table(rows));
    for (const i of await list()) if (i.build.state === "failed") console.error(`${i.name}: ${i.build.error}`);
    return 0;
  }
  if (rest[0] !== "build" || !rest[1]) throw new CliError("usage: umlab image ls | umlab image build NAME [--no-wait]");
  const name = rest[1];
  let build: BuildState = (await api<ImageStatus>("POST", `/api/images/${enc(name)}/build`)).build;
  if (build.state === "done") {
    console.log(`image ${name} is built`);
    return 0;
  }
  if (rest.includes("--no-wait")) {
    console.log(`building image ${name} in the background: \`umlab image ls\` shows how far it is`);
    return 0;
  }
  build = await followBuild(build, async () => (await list()).find((i) => i.name === name)?.build ?? build);
  if (build.state === "failed") throw new CliError(`the build of image ${name} failed: ${build.error}`);
  console.log(`image ${name} is built: nodes started from now on use it`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(`umlab: ${e instanceof CliError ? e.message : (e as Error).stack}`);
    process.exit(1);
  },
);
