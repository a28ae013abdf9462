import { join } from "node:path";
import { preloadLibrary } from "../built-helper";

const SOURCE = join(import.meta.dirname, "host-guard.c");

/**
 * The shared object slirpvde is started with (LD_PRELOAD), which keeps a
 * gateway's guests off the host itself (host-guard.c). Built from its source
 * on first use and cached under the data root by the hash of its source.
 */
export function hostGuard(root: string): string {
  return preloadLibrary(root, SOURCE, "host-guard", ["-Wall"]);
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
