import type { Problem } from "../../model/errors";
import { MAX_MEMORY_MIB, MIN_MEMORY_MIB } from "../../model/memory";
import { shownLine, type Device, type DeviceOption } from "./labconf";

/** The umlab image every Kathará device becomes: Debian bookworm like Kathará's base image (FRR, apache2, bind9, ...). */
export const KATHARA_IMAGE = "kathara";
/** umlab's router image (Debian with FRR): exported as kathara/frr. */
export const ROUTER_IMAGE = "router";
/** A device whose lab.conf gives no memory: what FRR and a service in the kathara image need (umlab's default 64M is for busybox). */
export const DEFAULT_DEVICE_MIB = 128;
/** Kathará's images the kathara image stands for: its base, FRR and Quagga ones (Quagga's files run on FRR). */
const LIKE_KATHARA = ["kathara/base", "kathara/frr", "kathara/quagga"];

/** What a device's options make of its node. */
export interface DeviceSettings {
  image: string;
  /** Kathará turns IPv4 forwarding on in every device; `sysctl net.ipv4.ip_forward=0` makes a host. */
  role: "router" | "host";
  memoryMiB: number | null;
  /** Shell lines run before the device's own startup (env, sysctl, ipv6) and after it (exec). */
  before: string[];
  after: string[];
  /** `bridged=true`: one more interface, on the switch of the lab's gateway (kathara/bridged.ts). */
  bridged: DeviceOption | null;
}

/** Kathará's ulimit names and the shell's flags for them. */
const ULIMIT_FLAGS: Record<string, string> = { core: "c", data: "d", fsize: "f", memlock: "l", nofile: "n", stack: "s", cpu: "t", nproc: "u", as: "v", locks: "x", rtprio: "r", msgqueue: "q", nice: "e", sigpending: "i" };

const TRUE = ["y", "yes", "t", "true", "on", "1"];
const FALSE = ["n", "no", "f", "false", "off", "0"];
const where = (o: DeviceOption) => `${o.file}:${o.line}`;
const shown = (device: string, o: DeviceOption) => `${device}[${o.key}]=${shownLine(o.value)} (${where(o)})`;
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** An image reference without its digest and tag ("Kathara/FRR:latest@sha256:..." -> "kathara/frr"); a loop, not a backtracking regex. */
export function imageRepo(ref: string): string {
  const name = ref.toLowerCase().split("@")[0];
  const colon = name.indexOf(":", name.lastIndexOf("/") + 1);
  return colon < 0 ? name : name.slice(0, colon);
}

/** Kathará's memory sizes: a number and b, k, m or g (no unit: megabytes), in MiB rounded up. */
export function katharaMemoryMiB(value: string): number | null {
  const m = /^(\d+)\s*([bkmg])?$/i.exec(value.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = (m[2] ?? "m").toLowerCase();
  return Math.ceil(unit === "g" ? n * 1024 : unit === "m" ? n : unit === "k" ? n / 1024 : n / 1024 / 1024);
}

/**
 * Applies a device's options the way Kathará would where umlab can, and says
 * so (a warning naming the line) where it cannot: nothing is dropped silently.
 */
export function deviceSettings(device: Device, problems: Problem[], warnings: string[], images: string[] = []): DeviceSettings {
  const s: DeviceSettings = { image: KATHARA_IMAGE, role: "router", memoryMiB: null, before: [], after: [], bridged: null };
  const k = device.name;
  const bad = (o: DeviceOption, message: string) => problems.push({ path: [], file: o.file, line: o.line, message: `${k}[${o.key}]: ${message}` });
  const sysctls = new Map<string, DeviceOption>();
  const envs = new Map<string, DeviceOption>();
  const single = new Map<string, DeviceOption>();
  for (const o of device.options) {
    if (["exec", "sysctl", "env", "port", "ulimit"].includes(o.key)) continue;
    const before = single.get(o.key);
    if (before) warnings.push(`${k}[${o.key}] is set on ${where(before)} and again on ${where(o)}: the value of ${where(o)} is kept, as in Kathará`);
    single.set(o.key, o);
  }
  for (const o of device.options) {
    const flag = (): boolean | null => (TRUE.includes(o.value.toLowerCase()) ? true : FALSE.includes(o.value.toLowerCase()) ? false : null);
    switch (o.key) {
      case "image": {
        if (single.get("image") !== o) break;
        const repo = imageRepo(o.value);
        // A lab written for this umlab: an image of its own (a recipe, a merged disk) by name, tag or none.
        if (!LIKE_KATHARA.includes(repo) && images.includes(repo)) s.image = repo;
        else if (!LIKE_KATHARA.includes(repo)) warnings.push(`${shown(k, o)}: umlab has no image like "${shownLine(o.value)}": ${k} uses the kathara image (like kathara/base: Debian with FRR, apache2, bind9 and network tools); if it needs more, add an image recipe with the packages it needs (\`umlab image add NAME --packages ...\`, or the labs page) and set ${k}'s image to it`);
        break;
      }
      case "mem": {
        if (single.get("mem") !== o) break;
        const mib = katharaMemoryMiB(o.value);
        if (mib === null) bad(o, `"${shownLine(o.value)}" is not a memory size (write it as 256m or 1g)`);
        else if (mib > MAX_MEMORY_MIB) bad(o, `${shownLine(o.value)} is more than umlab's ${MAX_MEMORY_MIB / 1024}G`);
        else if (mib < MIN_MEMORY_MIB) {
          warnings.push(`${shown(k, o)}: a node needs at least ${MIN_MEMORY_MIB}M to boot: ${k} gets ${MIN_MEMORY_MIB}M`);
          s.memoryMiB = MIN_MEMORY_MIB;
        } else s.memoryMiB = mib;
        break;
      }
      case "sysctl": {
        const m = /^(net\.(?:[\w-]+\.)+[\w-]+)=(-?\w+)$/.exec(o.value);
        if (!m) bad(o, `"${shownLine(o.value)}" is not a sysctl of the net. namespace as key=value`);
        else sysctls.set(m[1], o);
        break;
      }
      case "env": {
        const m = /^(\w+)=(\S+)$/.exec(o.value);
        if (!m) bad(o, `"${shownLine(o.value)}" is not NAME=value`);
        else {
          envs.set(m[1], o);
          warnings.push(`${shown(k, o)}: exported in ${k}'s startup script only (a console does not see it)`);
        }
        break;
      }
      case "exec":
        s.after.push(`# ${k}[exec] (${where(o)})`, o.value);
        break;
      case "ipv6": {
        const on = flag();
        if (on === null) bad(o, `"${shownLine(o.value)}" is not true or false`);
        else if (single.get("ipv6") === o && !on) s.before.push(`sysctl -w net.ipv6.conf.all.disable_ipv6=1 # ${k}[ipv6]=false (${where(o)})`);
        break;
      }
      case "bridged": {
        const on = flag();
        if (on === null) bad(o, `"${shownLine(o.value)}" is not true or false`);
        else if (single.get("bridged") === o) s.bridged = on ? o : null;
        break;
      }
      case "ulimit": {
        // Kathará's NAME=SOFT[:HARD] (-1 unlimited), set for what the startup script starts.
        const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(o.value);
        const flag = m ? ULIMIT_FLAGS[m[1]] : undefined;
        if (!m) bad(o, `"${shownLine(o.value)}" is not NAME=SOFT or NAME=SOFT:HARD`);
        else if (!flag) warnings.push(`${shown(k, o)}: umlab knows no limit "${m[1]}" (${Object.keys(ULIMIT_FLAGS).join(", ")}): ignored`);
        else {
          const v = (x: string) => (x === "-1" ? "unlimited" : x);
          s.before.push(`ulimit -H -${flag} ${v(m[3] ?? m[2])}; ulimit -S -${flag} ${v(m[2])} # ${k}[ulimit] (${where(o)})`);
          warnings.push(`${shown(k, o)}: set for the services ${k}'s startup script starts (its console shell keeps the defaults)`);
        }
        break;
      }
      case "cpus":
        warnings.push(`${shown(k, o)} is not supported: a UML node has one CPU`);
        break;
      case "shell":
        warnings.push(`${shown(k, o)} is not supported: a node's console runs bash (its startup script too, when the image has it)`);
        break;
      case "num_terms":
        warnings.push(`${shown(k, o)} is not supported: a node has one console; open more shells in it with tmux or screen`);
        break;
      case "port":
        warnings.push(`${shown(k, o)} is not supported: to reach a node from the host, give the lab a gateway with a forward (HOSTPORT:ADDRESS:PORT)`);
        break;
      case "privileged":
        // A UML guest runs its own kernel: root in it can do anything a privileged container can.
        if (flag() === null) bad(o, `"${shownLine(o.value)}" is not true or false`);
        break;
      default:
        warnings.push(`${shown(k, o)} is not supported and was ignored`);
    }
  }
  const exports = [...envs].map(([key, o]) => `export ${key}=${quote(o.value.slice(key.length + 1))} # ${k}[env] (${where(o)})`);
  s.before.unshift(...exports);
  for (const [key, o] of sysctls) {
    const value = o.value.slice(key.length + 1);
    if (key === "net.ipv4.ip_forward") s.role = value === "0" ? "host" : "router";
    else s.before.push(`sysctl -w ${key}=${value} # ${k}[sysctl] (${where(o)})`);
  }
  return s;
}
