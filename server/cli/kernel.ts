import { readFileSync } from "node:fs";
import type { KernelBuildState, KernelInfo } from "../engine/build/kernel-service";
import { followBuild } from "./follow-build";
import type { ServerRequest } from "./kathara";

const USAGE = "usage: umlab kernel ls | umlab kernel build [NAME --fragment FILE] [--no-wait] | umlab kernel rm NAME";

type Kernels = { kernels: KernelInfo[]; build: KernelBuildState };

/**
 * `umlab kernel ls|build|rm`. A build without NAME is the fast kernel's; with
 * NAME and a fragment it is a custom kernel's. Build waits, printing each
 * step, unless --no-wait.
 */
export async function kernelCommand(rest: string[], request: ServerRequest): Promise<number> {
  const call = async <T>(method: string, path: string, body?: unknown) =>
    (await (await request(path, { method, headers: body === undefined ? {} : { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) })).json()) as T;
  const [action, ...args] = rest;
  switch (action) {
    case "ls": {
      const { kernels } = await call<Kernels>("GET", "/api/kernels");
      const width = Math.max(7, ...kernels.map((k) => k.name.length));
      for (const k of kernels) {
        console.log(`${k.name.padEnd(width)} ${(k.ready ? (k.release ?? "") : "not ready").padEnd(14)} ${k.isDefault ? "default " : "        "}${k.detail}`);
        for (const w of k.warnings ?? []) console.log(`${"".padEnd(width)}   warning: ${w}`);
      }
      return 0;
    }
    case "rm": {
      if (args.length !== 1) throw new Error(USAGE);
      const r = await call<{ cancelled: boolean; builds: number }>("DELETE", `/api/kernels/${encodeURIComponent(args[0])}`);
      console.log(`removed kernel ${args[0]}${r.cancelled ? " (its build was cancelled)" : ""}`);
      return 0;
    }
    case "build":
      return build(args, call);
    default:
      throw new Error(USAGE);
  }
}

type Call = <T>(method: string, path: string, body?: unknown) => Promise<T>;

async function build(args: string[], call: Call): Promise<number> {
  let name: string | null = null;
  let file: string | null = null;
  const wait = !args.includes("--no-wait");
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--no-wait") continue;
    if (args[i] === "--fragment") file = args[++i] ?? null;
    else if (!name && !args[i].startsWith("-")) name = args[i];
    else throw new Error(`unexpected "${args[i]}": ${USAGE}`);
  }
  if (!!name !== !!file) throw new Error(`a custom kernel needs both a NAME and --fragment FILE: ${USAGE}`);
  const fragment = file === null ? null : readFileSync(file === "-" ? 0 : file, "utf8");
  const what = name ? `kernel ${name}` : "the fast kernel";
  let { build } = await call<{ build: KernelBuildState }>("POST", "/api/kernels/build", name ? { name, fragment } : undefined);
  if (build.state !== "building") {
    console.log(`${what} is built`);
    return 0;
  }
  if (!wait) {
    console.log(`building ${what} in the background: \`umlab kernel ls\` shows how far it is`);
    return 0;
  }
  let list = null as Kernels | null;
  build = await followBuild(build, async () => (list = await call<Kernels>("GET", "/api/kernels")).build, 2000);
  if (build.kernel !== (name ?? "fast")) throw new Error(`the build of ${what} was cancelled`);
  if (build.state === "failed") throw new Error(`the build of ${what} failed: ${build.error}`);
  console.log(name ? `kernel ${name} is built: nodes with \`kernel: ${name}\` boot it` : "the fast kernel is built: nodes started from now on boot it");
  for (const w of list?.kernels.find((k) => k.name === name)?.warnings ?? []) console.log(`warning: ${w}`);
  return 0;
}
