import { join, resolve } from "node:path";

/**
 * Where umlab keeps its files. Everything a lab owns lives under its own
 * folder; host processes run with the lab's run directory as their working
 * directory and are given short relative socket paths, because Unix socket
 * paths must stay under 108 bytes however deep the data root is.
 */
export function dataRoot(): string {
  return resolve(process.env.UMLAB_DATA ?? ".umlab");
}

export interface LabPaths {
  /** Persistent: disks survive stopping the lab. */
  dir: string;
  disks: string;
  /** Recreated at every start: sockets, config disks, logs, state.json. */
  run: string;
}

/** A lab's key on disk: its database id (a cuid), or its name for labs run without a store (tests, the bench). */
const LAB_KEY = /^[a-z0-9][a-z0-9-]{0,40}$/;

export function labPaths(root: string, id: string): LabPaths {
  if (!LAB_KEY.test(id)) throw new Error(`not a lab id: ${JSON.stringify(id.slice(0, 60))}`);
  const dir = join(root, "labs", id);
  return { dir, disks: join(dir, "disks"), run: join(dir, "run") };
}

/** Paths inside a run directory, relative to it (the cwd of every host process of the lab). */
export const runRel = {
  vdeDir: (sw: string) => `sw/${sw}`,
  vdeMgmt: (sw: string) => `sw/${sw}.mgmt`,
  /** One port of a vde switch, as libvdeplug names it (wirefilter's plugs). */
  vdePort: (sw: string, port: number) => `sw/${sw}[${port}]`,
  /** The management socket of the wirefilter on a switch's port. */
  wirefilterMgmt: (sw: string, port: number) => `sw/${sw}.wf${port}`,
  umlSwitchSock: (sw: string) => `sw/${sw}.sock`,
  umlDir: "uml",
  mconsole: (node: string) => `uml/${node}/mconsole`,
  nodeDir: (node: string) => `nodes/${node}`,
  configDisk: (node: string) => `nodes/${node}/config.img`,
  consoleLog: (node: string) => `nodes/${node}/console.log`,
  state: "state.json",
};

/** Guest images: under the data root unless UMLAB_IMAGES says where (tests share the project's, built once). */
export const imagesDir = (root: string) => resolve(process.env.UMLAB_IMAGES ?? join(root, "images"));
export const toolsDir = (root: string) => join(root, "tools");
/** Whole-lab archives on their way in or out (the web server reads and writes them there too). */
export const transferDir = (root: string) => join(root, "transfer");

/**
 * Built kernels and their modules disks: under the data root unless
 * UMLAB_KERNELS says where (tests share the project's, built once).
 */
export const kernelsDir = (root: string) => resolve(process.env.UMLAB_KERNELS ?? join(root, "kernels"));
