import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { hostProgram } from "../host";
import { toolsDir } from "../paths";

const SOURCE = join(import.meta.dirname, "host-guard.c");

/**
 * The shared object slirpvde is started with (LD_PRELOAD), which keeps a
 * gateway's guests off the host itself (host-guard.c). Built from its source
 * on first use and cached under the data root by the hash of its source.
 */
export function hostGuard(root: string): string {
  const source = readFileSync(SOURCE);
  const hash = createHash("sha256").update(source).digest("hex").slice(0, 12);
  const out = join(toolsDir(root), `host-guard-${hash}.so`);
  if (existsSync(out)) return out;
  mkdirSync(toolsDir(root), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  execFileSync(hostProgram("cc"), ["-O2", "-Wall", "-shared", "-fPIC", "-o", tmp, SOURCE, "-ldl"], { stdio: "pipe" });
  renameSync(tmp, out);
  return out;
}

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/**
 * The host ports a gateway's guests may reach on the host itself: those the
 * lab's owner listed (hostPorts), and DNS when the host's resolver is on its
 * loopback (slirp forwards 10.0.2.3 to the resolver in resolv.conf, and the
 * guard would refuse it there).
 */
export function allowedHostPorts(hostPorts: number[], resolvConf: string | null): number[] {
  const nameserver = /^\s*nameserver\s+(\S+)/m.exec(resolvConf ?? "")?.[1];
  const ports = [...hostPorts];
  if (nameserver && LOOPBACK.test(nameserver) && !ports.includes(53)) ports.push(53);
  return ports;
}
