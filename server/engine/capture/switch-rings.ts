import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, rmSync, statfsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { builtHelper } from "../built-helper";
import { umlTmpDir } from "../host";
import { sandboxHost, type Sandbox } from "../sandbox";
import type { Lab } from "../../model/lab";
import { linkName, pluggedInto } from "../switch/link-faults";
import type { SwitchProcess } from "../switch/switch-process";
import { RING_HEAD, RingFile } from "./ring-file";
import type { CaptureTarget } from "./types";

/** The plugin's source: built on a data root's first vde switch (built-helper.ts) and bound read-only into every vde switch's sandbox. */
const PLUGIN_SOURCE = join(import.meta.dirname, "switch-tap.c");

/** umlab's capture plugin for vde_switch, as built for a data root. */
export function switchTapPlugin(root: string): string {
  return builtHelper(root, PLUGIN_SOURCE, "switch-tap", ".so", ["-O2", "-Wall", "-shared", "-fPIC"]);
}

/**
 * Where a lab run's capture rings live: on tmpfs (/dev/shm), as a ring is
 * memory the switch writes round and round (on a disk, the kernel would
 * write it back again and again), in a folder of the run's own, bound into
 * its vde switches' sandboxes at the same path.
 */
export function ringDir(runDir: string): string {
  const key = createHash("sha256").update(resolve(runDir)).digest("hex").slice(0, 20);
  return join(umlTmpDir(), `umlab-rings-${key}`);
}

/**
 * A run's ring folder, made if missing, the sandbox user's (a switch binds it). /dev/shm is anyone's: what is
 * there under its name and is not a folder of ours (a link, another user's) is removed, or the start fails.
 */
export function makeRingDir(runDir: string, sandbox: Sandbox): string {
  const dir = ringDir(runDir);
  const st = lstatSync(dir, { throwIfNoEntry: false });
  const ours = (uid: number) => uid === process.getuid?.() || uid === sandboxHost().user?.uid;
  if (st && (!st.isDirectory() || !ours(st.uid) || (st.mode & 0o077) !== 0)) rmSync(dir, { recursive: true, force: true });
  if (!st || !existsSync(dir)) mkdirSync(dir, { mode: 0o700 });
  sandbox.own(dir);
  return dir;
}

export function removeRingDir(runDir: string): void {
  rmSync(ringDir(runDir), { recursive: true, force: true });
}

/** The running vde switch a capture target is on, and its port for a link (null: the whole switch); or why it cannot be captured. */
export function switchPortOf(
  lab: Lab,
  switches: ReadonlyMap<string, SwitchProcess>,
  t: Exclude<CaptureTarget, { kind: "cable" }>,
): { sw: SwitchProcess; port: number | null } | string {
  const running = (name: string): SwitchProcess | string => {
    const sw = switches.get(name);
    if (!sw) return `lab ${lab.name} has no running switch "${name}"`;
    if (sw.sw.kind !== "vde") return `${name} is a uml_switch: it has no port a capture can plug into without root. Make it a vde switch (kind: vde) to capture on it`;
    if (!sw.pid) return `switch ${name} is not running: start the lab`;
    if (sw.paused) return `switch ${name} is paused: resume it first`;
    return sw;
  };
  if (t.kind === "switch") {
    const sw = running(t.name);
    return typeof sw === "string" ? sw : { sw, port: null };
  }
  const index = Number(t.iface.slice(3));
  const plugged = pluggedInto(lab, t.node, index);
  if ("error" in plugged) return plugged.error;
  const sw = running(plugged.switch);
  if (typeof sw === "string") return sw;
  const port = sw.ports.get(linkName(t.node, index));
  return port === null ? `${t.node}.${t.iface} has no port on switch ${plugged.switch}` : { sw, port };
}

/**
 * A capture of a vde switch: a ring the switch fills through umlab's plugin
 * (switch-tap.c) inside it, with the frames entering the switch (`port`
 * null: a switch or hub, each frame once) or those in and out of a port (a
 * link). No frame takes a detour through another process: a tap on each
 * port did, and cost the switch half its frame rate; a stream to the engine
 * cost 12-28 % (switch-tap.c). Answers the ring, and how the switch stops
 * filling it (the ring stays, with its frames, until closed).
 */
export async function ringOnSwitch(sw: SwitchProcess, runDir: string, id: string, port: number | null, bytes: number): Promise<{ ring: RingFile; stop: () => Promise<void> }> {
  const plugin = sw.plugin;
  if (!("path" in plugin)) throw new Error(plugin.error);
  const dir = ringDir(runDir);
  const room = (() => {
    const st = statfsSync(dir);
    return st.bavail * st.bsize;
  })();
  const noRoom = () => new Error(`no room for a ring of ${bytes / 2 ** 20} MiB in ${dir} (${Math.floor(room / 2 ** 20)} MiB free there): choose a smaller ring, delete a capture, or give ${dirname(dir)} more room`);
  if (room < bytes + RING_HEAD) throw noRoom();
  const ring = new RingFile(join(dir, `${id}.ring`), bytes, port);
  try {
    // The switch runs as the sandbox's user, which writes the ring.
    sw.sandbox.own(ring.path);
    // Loaded once a switch: a second load answers EEXIST (1017).
    await sw.mgmt([`plugin/add ${plugin.path}`], { 0: [1017] });
    await sw.mgmt([`switchtap/ring ${id} ${port === null ? "all" : port} ${ring.path}`]);
    if (!ring.taken()) throw new Error("the switch's plugin did not take the ring");
  } catch (e) {
    ring.close();
    // ENOSPC from the plugin's posix_fallocate (vde answers 1000 + errno): taken meanwhile.
    throw /failed: 1028 /.test((e as Error).message) ? noRoom() : e;
  }
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // A switch that is gone fills nothing any more.
    if (sw.pid) await sw.mgmt([`switchtap/unring ${id}`]).catch(() => null);
  };
  return { ring, stop };
}
