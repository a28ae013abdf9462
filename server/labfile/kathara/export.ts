import { Document } from "yaml";
import { serializeCheck } from "../../model/check";
import type { Lab } from "../../model/lab";
import { cableName } from "../../model/serial";
import { bridgedInterface, bridgedSwitches, gatewayNotes, withoutDhcpLine } from "./bridged";
import { DEFAULT_DEVICE_MIB, KATHARA_IMAGE, ROUTER_IMAGE } from "./options";

/**
 * Kathará cannot leave an interface unplugged in lab.conf (eth numbers have
 * no gaps, and a device has no interface a line does not plug), so an
 * unplugged interface is exported on a collision domain of its own named
 * with this prefix; the import reads such a domain, alone on it, as unplugged.
 */
export const UNPLUGGED_DOMAIN_PREFIX = "unplugged_";
export const SHARED_MOUNT = "/shared/";

/** Kathará's names are letters, digits and "_", and "shared" is its shared folder. */
export const katharaName = (name: string) => (name === "shared" ? "shared_" : name.replace(/-/g, "_"));

/** Kathará's meta values hold no quotes, and Kathará splits the line at "=". */
const metaValue = (s: string) => s.replace(/["']/g, "").replace(/[\s=]+/g, " ").trim();

/**
 * A lab as a Kathará lab folder: relative path -> content. What Kathará has
 * no words for is said in comments at the top of lab.conf: switch modes and
 * kinds (a collision domain has neither), kernels and canvas positions.
 * A node whose last interface is on a gateway's switch is bridged
 * (`bridged=true`, that interface and the DHCP line that starts its startup
 * left out: kathara/bridged.ts).
 * The router and kathara images become kathara/frr, every other kathara/base; a host
 * gets `sysctl net.ipv4.ip_forward=0` (Kathará forwards in every device).
 * Shared files outside /shared/ are copied into every node's folder, since
 * Kathará's shared/ folder appears in devices as /shared only.
 */
export function exportKathara(lab: Lab): Record<string, string> {
  const files: Record<string, string> = {};
  const notes: string[] = [];
  for (const s of lab.switches) {
    if (s.mode === "hub") notes.push(`switch ${s.name} is a hub: Kathará's collision domains have no mode`);
    if (s.kind !== "vde") notes.push(`switch ${s.name} is a ${s.kind}: Kathará's collision domains have no kind`);
  }
  if (lab.kernel) notes.push(`every node boots the ${lab.kernel} kernel`);
  for (const c of lab.cables) notes.push(`serial cable ${cableName(c)} was left out: Kathará has no serial lines`);
  const bridged = bridgedSwitches(lab);
  notes.push(...gatewayNotes(lab, bridged));
  const conf = [`# Kathará lab exported by umlab from lab ${lab.name}`, ...notes.map((n) => `# umlab: ${n}`), `LAB_NAME="${lab.name}"`];
  if (lab.description) conf.push(`LAB_DESCRIPTION="${metaValue(lab.description)}"`);

  const outsideShared = Object.entries(lab.shared.files).filter(([p]) => !p.startsWith(SHARED_MOUNT));
  for (const [p, content] of Object.entries(lab.shared.files)) if (p.startsWith(SHARED_MOUNT)) files[`shared/${p.slice(SHARED_MOUNT.length)}`] = content;
  if (lab.shared.startup) files["shared.startup"] = lab.shared.startup;

  const deps: string[] = [];
  for (const n of lab.nodes) {
    const k = katharaName(n.name);
    conf.push("");
    if (k !== n.name.replace(/-/g, "_")) conf.push(`# umlab: ${k} is node ${n.name} ("shared" is Kathará's shared folder)`);
    if (n.kernel && n.kernel !== lab.kernel) conf.push(`# umlab: ${k} boots the ${n.kernel} kernel`);
    if (![KATHARA_IMAGE, ROUTER_IMAGE, "busybox"].includes(n.image)) conf.push(`# umlab: ${k} runs image ${n.image}`);
    const bridge = bridgedInterface(n, bridged);
    for (const i of n.interfaces) if (i.index !== bridge) conf.push(`${k}[${i.index}]="${i.switch === null ? `${UNPLUGGED_DOMAIN_PREFIX}${k}_${i.index}` : katharaName(i.switch)}"`);
    if (bridge !== null) conf.push(`${k}[bridged]="true"`);
    // kathara/frr is kathara/base with FRR: the one that has all the kathara image has.
    conf.push(`${k}[image]="${n.image === ROUTER_IMAGE || n.image === KATHARA_IMAGE ? "kathara/frr" : "kathara/base"}"`);
    if (n.memoryMiB !== DEFAULT_DEVICE_MIB) conf.push(`${k}[mem]="${n.memoryMiB}m"`);
    if (n.role === "host") conf.push(`${k}[sysctl]="net.ipv4.ip_forward=0"`);
    const startup = bridge === null ? n.startup : withoutDhcpLine(n.startup, bridge);
    if (startup) files[`${k}.startup`] = startup;
    for (const [p, content] of outsideShared) files[`${k}${p}`] = content;
    for (const [p, content] of Object.entries(n.files)) files[`${k}${p}`] = content;
    if (n.after.length) deps.push(`${k}: ${n.after.map(katharaName).join(" ")}`);
  }
  if (lab.checks.length) {
    // umlab's own checks, by Kathará's device names; umlab's Kathará import reads them back.
    conf.splice(1 + notes.length, 0, "# umlab: checks.yaml holds the lab's checks (umlab's format)");
    const checks = lab.checks.map((c) => {
      const raw = serializeCheck(c) as Record<string, unknown>;
      const kind = c.test.kind;
      return { ...raw, [kind]: { ...(raw[kind] as object), node: katharaName(c.test.node) } };
    });
    files["checks.yaml"] = new Document({ checks }).toString({ lineWidth: 0 });
  }
  files["lab.conf"] = `${conf.join("\n")}\n`;
  if (deps.length) files["lab.dep"] = `${deps.join("\n")}\n`;
  return files;
}
