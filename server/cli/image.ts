import { readFileSync } from "node:fs";
import type { BuildState } from "../engine/build/build-job";
import type { ImageInfo, ImageStatus } from "../engine/build/image-service";
import { parseMemory } from "../model/memory";
import { followBuild } from "./follow-build";
import type { ServerRequest } from "./kathara";
import { table } from "./status";

export const IMAGE_USAGE = `usage: umlab image ls
       umlab image build NAME [--no-wait]
       umlab image add NAME --packages PKG[,PKG...] [--suite bookworm|trixie|bullseye] [--memory 128]
                       [--file GUESTPATH=LOCALFILE ...] [--description TEXT] [--no-wait]
       umlab image rm NAME`;

/**
 * `umlab image ls|build|add|rm`: the guest images with their state, size
 * and date; users' recipes added and removed. A build (and an add, which
 * starts one) waits, printing each step, unless --no-wait.
 */
export async function imageCommand(rest: string[], request: ServerRequest): Promise<number> {
  const call = async <T>(method: string, path: string, body?: unknown) =>
    (await (await request(path, { method, headers: body === undefined ? {} : { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) })).json()) as T;
  const list = async () => (await call<{ images: ImageInfo[] }>("GET", "/api/images")).images;
  const [action, ...args] = rest;
  switch (action) {
    case "ls": {
      const images = await list();
      const rows = [["NAME", "STATE", "SIZE", "BUILT", "DESCRIPTION"]];
      for (const i of images) {
        const state = i.build.state === "building" ? `building ${i.build.progress?.step ?? 1}/${i.build.progress?.steps ?? "?"}` : i.build.state === "failed" ? "build failed" : i.ready ? (i.current ? "ready" : "ready (older)") : "not built";
        rows.push([i.name, state, i.bytes === null ? "-" : `${Math.round(i.bytes / 2 ** 20)} MiB`, i.builtAt?.slice(0, 16).replace("T", " ") ?? "-", `${i.custom ? "custom: " : ""}${i.description}`]);
      }
      console.log(table(rows));
      for (const i of images) if (i.build.state === "failed") console.error(`${i.name}: ${i.build.error}`);
      return 0;
    }
    case "build": {
      const names = args.filter((a) => a !== "--no-wait");
      if (names.length !== 1 || names[0].startsWith("-")) throw new Error(IMAGE_USAGE);
      const name = names[0];
      const { build } = await call<ImageStatus>("POST", `/api/images/${encodeURIComponent(name)}/build`);
      return follow(name, build, !args.includes("--no-wait"), list);
    }
    case "add": {
      const { recipe, wait } = addArgs(args);
      const { build } = await call<ImageStatus>("POST", "/api/images", recipe);
      console.log(`added image recipe ${recipe.name}`);
      return follow(recipe.name, build, wait, list);
    }
    case "rm": {
      if (args.length !== 1) throw new Error(IMAGE_USAGE);
      const r = await call<{ cancelled: boolean; images: number }>("DELETE", `/api/images/${encodeURIComponent(args[0])}`);
      console.log(`removed image ${args[0]}${r.cancelled ? " (its build was cancelled)" : ""}`);
      return 0;
    }
    default:
      throw new Error(IMAGE_USAGE);
  }
}

/** The recipe `image add` sends (the server checks it); files are read here, from this machine. */
export function addArgs(args: string[], read: (file: string) => string = (f) => readFileSync(f, "utf8")): { recipe: Record<string, unknown> & { name: string }; wait: boolean } {
  let name: string | null = null;
  const recipe: Record<string, unknown> = {};
  const files: Record<string, string> = {};
  let wait = true;
  const value = (i: number) => {
    const v = args[i + 1];
    if (v === undefined) throw new Error(`${args[i]} needs a value\n${IMAGE_USAGE}`);
    return v;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--no-wait") wait = false;
    else if (a === "--packages") recipe.packages = value(i++).split(",").map((p) => p.trim()).filter(Boolean);
    else if (a === "--suite") recipe.suite = value(i++);
    else if (a === "--description") recipe.description = value(i++);
    else if (a === "--memory") {
      const m = parseMemory(/^\d+$/.test(value(i)) ? Number(value(i)) : value(i));
      if (typeof m === "string") throw new Error(`--memory: ${m}`);
      recipe.memoryMiB = m;
      i++;
    } else if (a === "--file") {
      const spec = value(i++);
      const eq = spec.indexOf("=");
      if (eq <= 0 || eq === spec.length - 1) throw new Error(`--file takes GUESTPATH=LOCALFILE, not "${spec}"`);
      files[spec.slice(0, eq)] = read(spec.slice(eq + 1));
    } else if (!name && !a.startsWith("-")) name = a;
    else throw new Error(`unexpected "${a}"\n${IMAGE_USAGE}`);
  }
  if (!name) throw new Error(`missing the recipe's NAME\n${IMAGE_USAGE}`);
  if (!recipe.packages) throw new Error(`--packages is needed: the Debian packages the image adds to the host image's tools\n${IMAGE_USAGE}`);
  return { recipe: { name, ...recipe, ...(Object.keys(files).length ? { files } : {}) }, wait };
}

async function follow(name: string, first: BuildState, wait: boolean, list: () => Promise<ImageInfo[]>): Promise<number> {
  if (first.state === "done") {
    console.log(`image ${name} is built`);
    return 0;
  }
  if (!wait) {
    console.log(`building image ${name} in the background: \`umlab image ls\` shows how far it is`);
    return 0;
  }
  // An image gone from the list (its recipe removed meanwhile) ends the wait.
  const build = await followBuild(first, async () => (await list()).find((i) => i.name === name)?.build ?? { ...first, state: "idle" as const });
  if (build.state === "failed") throw new Error(`the build of image ${name} failed: ${build.error}`);
  if (build.state !== "done") throw new Error(`the build of image ${name} did not finish (its recipe was removed?)`);
  console.log(`image ${name} is built: nodes with \`image: ${name}\` boot it`);
  return 0;
}
