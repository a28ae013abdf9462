/**
 * A user's kernel configuration fragment: lines of a .config, merged after
 * umlab's (so the user's lines win). Checked before anything is built, every
 * problem with its line number; after the build, compared with the resolved
 * configuration to say which options did not end up as asked.
 */

export interface FragmentProblem {
  line: number;
  message: string;
}

export class FragmentError extends Error {
  constructor(readonly problems: FragmentProblem[]) {
    super(`the kernel configuration fragment is not valid:\n${problems.map((p) => `  line ${p.line}: ${p.message}`).join("\n")}`);
    this.name = "FragmentError";
  }
}

/** What umlab itself needs of a kernel to boot a node and talk to it: a fragment may not take these away. */
export const ESSENTIAL_OPTIONS: Record<string, string> = {
  BLK_DEV_UBD: "a node's disks (root, config and modules) are UBD disks",
  EXT4_FS: "images and the config disk are ext2/ext4",
  PROC_FS: "the guest's init mounts /proc",
  SYSFS: "the guest's init mounts /sys",
  DEVTMPFS: "the guest's init mounts /dev",
  TMPFS: "the guest's init mounts /tmp and /run",
  SSL: "the exec agent talks over a serial line",
  NULL_CHAN: "unused consoles are null channels",
  TTY_CHAN: "the exec agent's serial line is a host tty",
  MCONSOLE: "umlab halts, reboots and stops nodes through the machine console",
  UML_NET: "nodes are plugged into switches",
  UML_NET_VDE: "vde switches",
  UML_NET_DAEMON: "uml_switch switches",
  MODULES: "modules are loaded from the kernel's modules disk",
};

/**
 * What a fragment may not turn on (y or m): the build refuses these in the
 * resolved configuration too (build.ts checkConfig), but a fragment that asks
 * for one is refused at once, with its line, before minutes of building.
 */
export const FORBIDDEN_OPTIONS: Record<string, string> = {
  HOSTFS: "guest root could mount host folders with it (docs/SECURITY.md)",
  VMAP_STACK: "guests with kernel stacks in vmalloc space can hang at boot (see umlab.config)",
};

/** One option as a fragment sets it: its value as written after `=`, or "n" for `# CONFIG_X is not set`. */
export type FragmentOptions = Map<string, string>;

const SET = /^CONFIG_([A-Za-z0-9_]+)=(y|m|n|"(?:[^"\\]|\\.)*"|-?\d+|0x[0-9a-fA-F]+)$/;
const UNSET = /^# CONFIG_([A-Za-z0-9_]+) is not set$/;

/**
 * The options a fragment sets (the last line wins, as in merge_config.sh), or
 * a FragmentError listing every line that is neither `CONFIG_X=y|m|n|"…"|number`,
 * `# CONFIG_X is not set`, a comment nor blank, every essential option it
 * would take away and every forbidden one it would turn on.
 */
export function parseFragment(text: string): FragmentOptions {
  const options: FragmentOptions = new Map();
  const problems: FragmentProblem[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "").trim();
    const set = SET.exec(line);
    const unset = set ? null : UNSET.exec(line);
    if (!set && !unset) {
      if (line && !line.startsWith("#")) problems.push({ line: i + 1, message: `"${clip(line)}" is not CONFIG_X=y|m|n|"text"|number, "# CONFIG_X is not set" or a comment` });
      return;
    }
    const [option, value] = set ? [set[1], set[2]] : [unset![1], "n"];
    if (ESSENTIAL_OPTIONS[option] && value !== "y") problems.push({ line: i + 1, message: `CONFIG_${option} must stay built in (=y): ${ESSENTIAL_OPTIONS[option]}` });
    if (FORBIDDEN_OPTIONS[option] && (value === "y" || value === "m")) problems.push({ line: i + 1, message: `CONFIG_${option} must stay off: ${FORBIDDEN_OPTIONS[option]}` });
    options.set(option, value);
  });
  if (!options.size && !problems.length) problems.push({ line: 1, message: "the fragment sets no option" });
  if (problems.length) throw new FragmentError(problems);
  return options;
}

/**
 * The user's options that the resolved configuration did not take as asked
 * (olddefconfig drops what a missing dependency forbids, turns m into y when
 * something built in selects it, and ignores options that do not exist).
 */
export function unmetOptions(asked: FragmentOptions, resolvedConfig: string): string[] {
  const resolved = new Map<string, string>();
  for (const line of resolvedConfig.split("\n")) {
    const m = /^CONFIG_([A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (m) resolved.set(m[1], m[2]);
  }
  const warnings: string[] = [];
  for (const [option, want] of asked) {
    const got = resolved.get(option) ?? "n";
    if (got === want) continue;
    const listed = resolved.has(option) || resolvedConfig.includes(`# CONFIG_${option} is not set`);
    const why = !listed ? " (a dependency is missing, or there is no such option for ARCH=um)" : (got === "y" || got === "m") && (want === "n" || want === "m") ? " (something selects it)" : "";
    warnings.push(`CONFIG_${option}=${want} was asked, but it ${got === "n" ? "is not set" : `is ${got}`}${why}`);
  }
  return warnings;
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
