import { readFileSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import type { LabDetail, LabSummary } from "./api/lab-service";
import type { LabStatus } from "./engine/lab-run";
import { exportArchiveCli, importArchiveCli } from "./cli/archive";
import { CAPTURE_USAGE, captureCommand } from "./cli/capture";
import { CLASS_USAGE, classCommand } from "./cli/class";
import { consoleAttach } from "./cli/console";
import { CABLE_USAGE, cableCommand } from "./cli/cable";
import { DISK_USAGE, diskCommand } from "./cli/disk";
import { authHeaders, login } from "./cli/credentials";
import { imageCommand } from "./cli/image";
import { exportKathara, importKathara } from "./cli/kathara";
import { kernelCommand } from "./cli/kernel";
import { LINK_USAGE, linkCommand } from "./cli/link";
import { CHECK_USAGE, checkCommand } from "./cli/check";
import { scenarioCommand } from "./cli/scenario";
import { forkCommand, SHARE_USAGE, shareCommand, sharedCommand } from "./cli/share";
import { resetCommand, SNAPSHOT_USAGE, snapshotCommand } from "./cli/snapshot";
import { printStatus, table } from "./cli/status";

const USAGE = `umlab — virtual network labs on User Mode Linux

usage: umlab [--url URL] COMMAND

  import PATH [--name NAME]       add a lab from a lab.yaml, or a Kathará lab: a folder with
                                  lab.conf, or a .zip/.tar.gz of one (prints what did not
                                  come over as warnings), or a whole lab with its disks (.umlab)
  login [URL] [--token TOKEN]     sign in to a server (asks for email and password, or keeps
                                  the given API token) for this and later commands
  ls                              list labs
  start LAB [--no-wait]           start a lab; waits until every node is up
  stop LAB                        stop a lab (its disks are kept)
  status LAB                      node and switch states
  exec LAB NODE [--timeout S] -- CMD [ARG...]
                                  run a command in a node; its exit code is umlab's
  console LAB NODE                attach to a node's console (detach: Ctrl-])
  console LAB NODE.ttySN          the terminal of a node's serial line with no cable
  export LAB [-o FILE]            print the lab's lab.yaml
  export LAB --archive [--images] [-o FILE]
                                  the whole lab with its disks (kept sparse) as LAB.umlab, to
                                  import on another umlab that has the same images; --images:
                                  with the images it boots (sparse too), for one that has not
  export LAB --kathara [-o FILE|DIR]
                                  the lab as a Kathará lab: LAB.tar.gz, FILE (.tar.gz or
                                  .zip), or the lab folder written into a new DIR
  cp LAB NEW-NAME [--disks]       copy a lab's definition under a new name; --disks: its disks
                                  as they are now too (running guests frozen for the copy)
  diagram LAB [-o FILE]           print the lab's topology as an SVG picture
  node LAB NODE start|stop|restart|wipe|crash
  node LAB NODE merge IMAGE       a new image from the node's disk (uml_moo folds it over its
                                  image; neither changes); nodes boot it with \`image: IMAGE\`
  mconsole LAB NODE halt|reboot|cad|stop|go|version|sysrq KEY
  switch LAB SWITCH pause|resume
  link LAB NODE.ethN pull|plug|clear
                                  pull a node's link out of its switch, plug it back, or
                                  clear its impairment (vde switches in switch mode)
  link LAB NODE.ethN impair [--loss PCT] [--delay MS] [--bandwidth KBIT] [--dup PCT]
                                  impair a link, the same each way (delay 50: +100 ms a
                                  round trip); again with new values to change them
  cable ${CABLE_USAGE}
                                  cut the serial cable on a line (either end; no byte
                                  crosses), or mend it
  disk ${DISK_USAGE}
                                  the lab's disks (who boots with each, who has it, who
                                  holds it open); or plug one into a running node (its
                                  next free /dev/ubdX) or unplug it (unmount it first)
  scenario LAB play [--no-wait]   play the lab's scenario (its \`scenario:\` steps) from now;
                                  waits, printing each step as it runs (+10.0s pull
                                  node04.eth0 ok); exit code 1 if a step failed or the
                                  play was stopped
  scenario LAB stop               cancel the steps of a play still pending
  scenario LAB log                what the last play did, and when
${CHECK_USAGE}
${SNAPSHOT_USAGE}
${SHARE_USAGE}
${CAPTURE_USAGE}
${CLASS_USAGE}
  rm LAB                          delete a stopped lab, its disks and its snapshots
  kernel ls                       the kernels nodes can boot (fast, debian, custom ones)
  kernel build [--no-wait]        build umlab's fast kernel; waits, showing progress
  kernel build NAME --fragment FILE [--no-wait]
                                  build a custom kernel: umlab's configuration with FILE's
                                  lines (CONFIG_X=y|m|n, # CONFIG_X is not set) over it;
                                  nodes boot it with \`kernel: NAME\` (- reads stdin)
  kernel rm NAME                  remove a custom kernel (or cancel its build)
  image ls                        the guest images (busybox, router, host, kathara, cluster,
                                  users' recipes), size and date
  image build NAME [--no-wait]    build a Debian image (router, host, kathara, cluster, a recipe's);
                                  waits, showing progress
  image add NAME --packages A,B [--suite bookworm|trixie|bullseye] [--memory MIB]
      [--file GUESTPATH=FILE ...] [--description TEXT] [--no-wait]
                                  add an image recipe: Debian packages (and files) over the
                                  host image's tools; builds it, waiting unless --no-wait;
                                  nodes boot it with \`image: NAME\`
  image rm NAME                   remove an image recipe and its images (or cancel its build)

The server is UMLAB_URL or --url (default http://localhost:3000). The CLI signs in with
UMLAB_TOKEN, else the token \`umlab login\` kept, else (a server on this machine) the
server's cli.token in its data directory (UMLAB_DATA, default ./.umlab).`;

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
    res = await fetch(new URL(path, baseUrl), { ...init, headers: { ...authHeaders(baseUrl), ...(init.headers as Record<string, string> | undefined) } });
  } catch {
    throw new CliError(`cannot reach the umlab server at ${baseUrl}: start it with \`npm start\` (or set UMLAB_URL)`);
  }
  if (res.ok) return res;
  if (res.status === 401) throw new CliError(`the server at ${baseUrl} wants to know who you are: \`umlab login ${baseUrl}\` (or set UMLAB_TOKEN; on the server's machine the CLI reads cli.token from its data directory, UMLAB_DATA)`);
  const text = await res.text();
  const data = text && (res.headers.get("content-type") ?? "").includes("json") ? JSON.parse(text) : text;
  throw new CliError(typeof data === "object" && data && "error" in data ? String(data.error) : `${res.status} ${text}`);
}

/** Errors of reading local files are the user's to fix, not a crash. */
const local = <T>(p: Promise<T>) => p.catch((e: Error) => Promise.reject(e instanceof CliError ? e : new CliError(e.message)));

const enc = encodeURIComponent;

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
      if (rest[0].endsWith(".umlab")) {
        console.log(await local(importArchiveCli(rest[0], name, request)));
        return 0;
      }
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
    case "login": {
      const at = rest.indexOf("--token");
      const url = rest[0] && !rest[0].startsWith("--") ? rest[0] : baseUrl;
      console.log(await local(login(url, at >= 0 ? rest[at + 1] : undefined)));
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
      return consoleAttach(rest[0], rest[1], baseUrl);
    case "export": {
      need(rest, 1, "LAB");
      if (rest.includes("--archive")) {
        const o = rest.indexOf("-o");
        if (o >= 0) need(rest, o + 2, "the file after -o");
        console.log(await local(exportArchiveCli(rest[0], o >= 0 ? rest[o + 1] : undefined, request, rest.includes("--images"))));
        return 0;
      }
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
      const disks = rest.includes("--disks");
      const lab = await api<LabDetail & { disks?: string[] }>("POST", `/api/labs/${enc(rest[0])}/duplicate`, { name: rest[1], ...(disks ? { disks } : {}) });
      const copied = lab.disks?.length ? `, with the disks of ${lab.disks.join(", ")}` : disks ? " (no node had a disk yet)" : "";
      console.log(`copied lab ${rest[0]} to ${lab.name}${copied}`);
      return 0;
    }
    case "snapshot":
      need(rest, 1, "LAB");
      return local(snapshotCommand(rest, request));
    case "share":
      need(rest, 1, "LAB");
      return local(shareCommand(rest, request, baseUrl));
    case "shared":
      need(rest, 1, "LINK (a share link's URL or token)");
      return local(sharedCommand(rest[0], request));
    case "fork":
      need(rest, 1, "LINK (a share link's URL or token)");
      return local(forkCommand(rest[0], rest[1], request));
    case "capture":
      return local(captureCommand(rest, request));
    case "class":
      return local(classCommand(rest, request));
    case "reset":
      need(rest, 1, "LAB");
      return local(resetCommand(rest, request));
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
      if (rest[2] === "merge") {
        need(rest, 4, "IMAGE (the new image's name)");
        const made = await api<{ name: string; bytes: number; merged: { parent: string } }>("POST", `/api/labs/${enc(rest[0])}/nodes/${enc(rest[1])}/merge`, { image: rest[3] });
        console.log(`image ${made.name}: node ${rest[1]}'s disk merged over ${made.merged.parent}, ${(made.bytes / 2 ** 20).toFixed(0)} MiB on disk`);
        return 0;
      }
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
      need(rest, 3, LINK_USAGE);
      return local(linkCommand(rest, request));
    case "cable":
      need(rest, 3, CABLE_USAGE);
      return local(cableCommand(rest, request));
    case "disk":
      need(rest, 1, DISK_USAGE);
      return local(diskCommand(rest, request));
    case "scenario":
      return local(scenarioCommand(rest, request, baseUrl));
    case "check":
      return local(checkCommand(rest, request));
    case "rm":
      need(rest, 1, "LAB");
      await api("DELETE", `/api/labs/${enc(rest[0])}`);
      console.log(`deleted lab ${rest[0]}`);
      return 0;
    case "kernel":
      return local(kernelCommand(rest, request));
    case "image":
      return local(imageCommand(rest, request));
    default:
      throw new CliError(`unknown command "${cmd}"\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(`umlab: ${e instanceof CliError ? e.message : (e as Error).stack}`);
    process.exit(1);
  },
);
