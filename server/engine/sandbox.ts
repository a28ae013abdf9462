import { chownSync, existsSync, lstatSync, readdirSync, readFileSync, statSync, chmodSync } from "node:fs";
import { dirname, join } from "node:path";
import { HostError, hostProgram } from "./host";

/**
 * Every host process of a lab (linux.uml, vde_switch, uml_switch,
 * wirefilter, slirpvde) runs in a bubblewrap sandbox as an unprivileged
 * user. It sees /usr read-only, the files it is given read-only (its kernel,
 * image, modules disk, preloaded helper) and its lab's run directory and
 * disks read-write, each at its own absolute path, so command lines need no
 * change. Nothing else: no database, no other lab, no /etc, no /home; its
 * own pid, ipc, uts and network namespaces, its environment cleared. See
 * docs/SECURITY.md ("Guests and the host").
 */

/** The unprivileged user the sandbox runs as when the server runs as root (provisioning creates it). */
export const SANDBOX_USER = "umlab";

export interface SandboxHost {
  bwrap: string;
  setpriv: string;
  /** The user to become first (the server runs as root); null: the server's own uid, in a user namespace. */
  user: { uid: number; gid: number } | null;
}

/**
 * The network a sandboxed process gets: none of the host's (its own empty
 * namespace, the default: unix sockets under the bound folders still work),
 * the host's (a gateway: slirpvde opens the host's sockets for its guests;
 * and UML's daemon transport with uml_switch, which talk over abstract unix
 * sockets, and those belong to a network namespace), or the host's with
 * root's CAP_NET_ADMIN (a switch with a host tap: it makes the tap through
 * /dev/net/tun; it keeps only the file system view and its own pid, ipc and
 * uts namespaces).
 */
export type SandboxNet = "none" | "host" | "host-tap";

export interface SandboxSpec {
  /** The command as it would run outside. */
  argv: string[];
  /** Its working directory (bound read-write through `readWrite`). */
  cwd: string;
  /** Files or folders bound read-only at the same path. */
  readOnly: string[];
  /** Folders bound read-write at the same path. */
  readWrite: string[];
  /** Device files bound at the same path (a guest's exec channel pty). */
  devices?: string[];
  /** The whole environment the command gets. */
  env: Record<string, string>;
  net?: SandboxNet;
  /**
   * Keep the session of the spawner (a guest on its console pty: UML takes
   * the pty's window size changes as SIGWINCH, sent to the pty's foreground
   * group). Otherwise the command gets a session of its own, so it cannot
   * push input into a terminal the server has (TIOCSTI).
   */
  keepSession?: boolean;
}

/** Device files every sandbox gets (no /dev of the host's). */
const DEVICES = ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"];

/** The command line that runs `spec.argv` in its sandbox. Pure: tested as whole arrays. */
export function sandboxArgv(spec: SandboxSpec, host: SandboxHost): string[] {
  const net = spec.net ?? "none";
  // A tap switch stays root in the host's user namespace (CAP_NET_ADMIN over the host's network); everything else drops to the user.
  const become = host.user && net !== "host-tap" ? [host.setpriv, `--reuid=${host.user.uid}`, `--regid=${host.user.gid}`, "--clear-groups"] : [];
  const namespaces =
    net === "host-tap"
      ? ["--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try", "--cap-add", "CAP_NET_ADMIN"]
      : ["--unshare-all", "--unshare-user", ...(net === "host" ? ["--share-net"] : [])];
  const argv = [...become, host.bwrap, "--die-with-parent", ...(spec.keepSession ? [] : ["--new-session"]), ...namespaces];
  argv.push("--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin");
  argv.push("--proc", "/proc");
  for (const d of [...DEVICES, ...(net === "host-tap" ? ["/dev/net/tun"] : []), ...(spec.devices ?? [])]) argv.push("--dev-bind", d, d);
  argv.push("--tmpfs", "/dev/shm", "--tmpfs", "/tmp");
  for (const p of spec.readOnly) argv.push("--ro-bind", p, p);
  for (const p of spec.readWrite) argv.push("--bind", p, p);
  argv.push("--chdir", spec.cwd, "--clearenv");
  for (const [k, v] of Object.entries(spec.env)) argv.push("--setenv", k, v);
  argv.push("--", ...spec.argv);
  return argv;
}

/** The PATH inside a sandbox (and the only variable the spawner's own environment keeps). */
export const SANDBOX_PATH = "/usr/sbin:/usr/bin";

/**
 * A lab's helper (a switch, a wirefilter, a gateway): the lab's run
 * directory read-write (its sockets), what it is given read-only, nothing
 * else of the lab's.
 */
export function helperSandbox(argv: string[], runDir: string, o: { net?: SandboxNet; readOnly?: string[]; readWrite?: string[]; env?: Record<string, string> } = {}): SandboxSpec {
  return { argv, cwd: runDir, readOnly: o.readOnly ?? [], readWrite: [runDir, ...(o.readWrite ?? [])], env: { PATH: SANDBOX_PATH, HOME: runDir, ...o.env }, net: o.net ?? "none" };
}

/** What to spawn: the command line and the environment of the spawned process. */
export interface Spawnable {
  argv: string[];
  env: Record<string, string>;
}

/**
 * How a lab's host processes are started: sandboxed (always, for users), or
 * as they are (only the bench's comparison asks for it: Engine's
 * `sandbox: false`).
 */
export class Sandbox {
  private constructor(private readonly on: boolean) {}

  static host(): Sandbox {
    return new Sandbox(true);
  }

  /** No sandbox: for measuring what the sandbox costs (scripts/bench.ts), nothing else. */
  static none(): Sandbox {
    return new Sandbox(false);
  }

  get enabled(): boolean {
    return this.on;
  }

  /** The command line to spawn, and its environment (outside the sandbox, only PATH: bwrap sets the rest). */
  wrap(spec: SandboxSpec): Spawnable {
    if (!this.on) return { argv: spec.argv, env: { ...(process.env as Record<string, string>), ...spec.env } };
    return { argv: sandboxArgv(spec, sandboxHost()), env: { PATH: SANDBOX_PATH } };
  }

  /**
   * Makes files the sandbox writes its user's (the server runs as root): the
   * folder or file itself, and with `deep` everything under it. Nothing to do
   * otherwise: the server's own uid is the sandbox's.
   */
  own(path: string, deep = false): void {
    const user = this.on ? sandboxHost().user : null;
    if (!user || !existsSync(path)) return;
    chownSync(path, user.uid, user.gid);
    if (deep && lstatSync(path).isDirectory()) for (const e of readdirSync(path)) ownTree(join(path, e), user);
  }

  /**
   * Lets the sandbox user reach `path` through its parent folders up to
   * `top` (each gets search permission for others, never read): a data root
   * made with mode 0700 (mkdtemp) would keep the user out of its own lab.
   */
  reach(path: string, top: string): void {
    if (!this.on || !sandboxHost().user) return;
    for (let dir = dirname(path); (dir === top || dir.startsWith(`${top}/`)) && dir !== dirname(dir); dir = dirname(dir)) {
      const mode = statSync(dir).mode;
      if ((mode & 0o001) === 0) chmodSync(dir, (mode & 0o7777) | 0o001);
      if (dir === top) break;
    }
  }
}

function ownTree(path: string, user: { uid: number; gid: number }): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return;
  chownSync(path, user.uid, user.gid);
  if (st.isDirectory()) for (const e of readdirSync(path)) ownTree(join(path, e), user);
}

let resolved: SandboxHost | null = null;

/** This host's sandbox: bubblewrap and, when the server runs as root, the user `umlab`. */
export function sandboxHost(): SandboxHost {
  if (resolved) return resolved;
  const bwrap = hostProgram("bwrap");
  const setpriv = hostProgram("setpriv");
  let user: SandboxHost["user"] = null;
  if (process.getuid?.() === 0) {
    user = passwdEntry(readFileSync("/etc/passwd", "utf8"), SANDBOX_USER);
    if (!user)
      throw new HostError(
        `the sandbox user ${SANDBOX_USER} is missing: \`npm start\` creates it, or: useradd --system --no-create-home --shell /usr/sbin/nologin ${SANDBOX_USER}`,
      );
  }
  resolved = { bwrap, setpriv, user };
  return resolved;
}

/** A user's uid and gid from /etc/passwd's text, or null. */
export function passwdEntry(passwd: string, name: string): { uid: number; gid: number } | null {
  for (const line of passwd.split("\n")) {
    const f = line.split(":");
    if (f[0] === name && f.length >= 4) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  return null;
}
