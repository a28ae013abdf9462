import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { runSteps, type BuildProgress, type BuildStep } from "../build/steps";
import { hostProgram } from "../host";
import { imagesDir } from "../paths";
import { guestInit } from "./guest-init";
import { remember } from "./remember";
import { imageBytes } from "./size";
import type { DebianRecipe } from "./recipes";

const GUEST = join(import.meta.dirname, "guest");
/** Bump when the way images are built changes (the recipe and guest files are hashed). */
const RECIPE_VERSION = 1;
/** The file system's size as the guest sees it; the image file is sparse, so free space costs nothing. */
const SIZE = "1G";
const DEFAULT_MIRROR = "http://deb.debian.org/debian";
// Documentation and translations are a third of the tree and no lab reads them.
const EXCLUDED = ["/usr/share/doc/*", "/usr/share/man/*", "/usr/share/locale/*", "/usr/share/info/*"];

const INIT_ALIASES = ["frr", "quagga", "zebra", "bind", "bind9"];
const initAlias = (name: string) => `#!/bin/sh
# umlab-alias: umlab's systemctl runs ${name} (guests have no systemd).
exec /usr/local/sbin/systemctl "\${1:-status}" ${name}
`;

const SERVICE = `#!/bin/sh
# umlab: service NAME ACTION runs umlab's systemctl (guests have no systemd).
case "$1" in
  --status-all) for s in /etc/init.d/*; do [ -x "$s" ] && echo " [ ? ]  \${s##*/}"; done; exit 0 ;;
  ""|-*) echo "usage: service NAME start|stop|restart|reload|status" >&2; exit 2 ;;
esac
exec /usr/local/sbin/systemctl "\${2:-status}" "$1"
`;

export interface ImagePlan {
  name: string;
  /** <name>-<hash of recipe, guest files and busybox>: a changed input is a new image. */
  id: string;
  file: string;
  meta: string;
  work: string;
  log: string;
}

/** What an image file carries about itself, next to it as <id>.json. */
export interface ImageMeta {
  name: string;
  id: string;
  suite: string;
  packages: string[];
  builtAt: string;
  seconds: number;
}

/** Where each of umlab's files in a Debian image comes from: a host file, or the text itself. */
function guestFiles(root: string): Record<string, string | Buffer> {
  return {
    init: guestInit(root),
    "etc/umlab/rc": join(GUEST, "rc"),
    "etc/inittab": join(GUEST, "inittab.debian"),
    "usr/local/sbin/systemctl": join(GUEST, "systemctl"),
    // Init scripts labs call that Debian has no script of its own for (Quagga's, Netkit's bind), or whose
    // script needs systemd's world (frr's, through watchfrr): umlab's systemctl runs them.
    ...Object.fromEntries(INIT_ALIASES.map((name) => [`etc/init.d/${name}`, Buffer.from(initAlias(name))])),
    // `service NAME ACTION`, as Debian's (which images without init-system-helpers lack), through umlab's systemctl.
    "usr/local/sbin/service": Buffer.from(SERVICE),
    // busybox udhcpc is the DHCP client (a lab's gateway hands out addresses).
    "etc/udhcpc/default.script": join(GUEST, "udhcpc.script"),
    "usr/local/sbin/udhcpc": Buffer.from("#!/bin/sh\nexec /bin/busybox udhcpc \"$@\"\n"),
    // Busybox's init keeps the console shell (the guest has no systemd); the host's static busybox, so it is the same binary everywhere.
    "usr/bin/busybox": hostProgram("busybox"),
  };
}

const contentOf = (source: string | Buffer) => (typeof source === "string" ? readFileSync(source) : source);

/** umlab's own paths in a Debian image (absolute): a recipe's files must not replace them, or the guest would not boot as umlab expects. */
export function umlabGuestPaths(root: string): string[] {
  return Object.keys(guestFiles(root)).map((p) => `/${p}`);
}

/** A recipe's own files, in a fixed order (the hash must not depend on the order they were given in). */
const recipeFiles = (recipe: DebianRecipe): [string, string][] => Object.entries(recipe.files ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));


export function debianPlan(root: string, recipe: DebianRecipe): ImagePlan {
  const files = guestFiles(root);
  const head = `v${RECIPE_VERSION} ${SIZE}\n${recipe.suite}\n${recipe.packages.join(" ")}\n${EXCLUDED.join(" ")}\n${(recipe.remove ?? []).join(" ")}\n`;
  // A recipe's files enter by their digest, in the remembered key too, so changed files are a new image;
  // a recipe without files keeps the name it had before recipes could have them.
  const own = recipeFiles(recipe);
  const digest = own.length ? createHash("sha256").update(JSON.stringify(own)).digest("hex") : null;
  const inputs = digest ? `${head}files ${digest}\n` : head;
  const hash = remember(`debian ${recipe.name} ${inputs}`, Object.values(files).filter((f): f is string => typeof f === "string"), () => {
    const h = createHash("sha256").update(inputs);
    for (const [path, source] of Object.entries(files)) h.update(`${path}\n`).update(contentOf(source));
    return h.digest("hex").slice(0, 12);
  });
  const id = `${recipe.name}-${hash}`;
  const dir = imagesDir(root);
  return { name: recipe.name, id, file: join(dir, `${id}.img`), meta: join(dir, `${id}.json`), work: join(dir, `.build-${id}`), log: join(dir, `${id}.log`) };
}

/**
 * The build as data. mmdebstrap writes an ext2 image from packages without
 * root or loop mounts (genext2fs), with umlab's guest files copied in; the
 * image then grows to its final size and gets a journal, so a guest killed
 * mid-write recovers its disk at the next mount.
 */
export function debianBuildSteps(plan: ImagePlan, recipe: DebianRecipe, mirror = process.env.UMLAB_DEBIAN_MIRROR ?? DEFAULT_MIRROR): BuildStep[] {
  const img = join(plan.work, "image.img");
  const overlay = join(plan.work, "overlay");
  const own = recipeFiles(recipe).map(([path]) => `.${path}`);
  const tar = join(plan.work, "files.tar");
  // A recipe's files go in as a tarball of the files alone, owned by root: no directory entries, so
  // the image's own directories (/etc, /tmp, /root) keep their modes and owners.
  const pack: BuildStep[] = own.length
    ? [{ label: `packing the recipe's ${own.length} file${own.length > 1 ? "s" : ""}`, argv: ["tar", "--create", `--file=${tar}`, "--owner=0", "--group=0", "--numeric-owner", "--no-recursion", `--directory=${join(plan.work, "files")}`, ...own], cwd: plan.work }]
    : [];
  return [
    ...pack,
    {
      label: `installing Debian ${recipe.suite} with ${recipe.packages.length} packages (mmdebstrap)`,
      argv: [
        "mmdebstrap", "--variant=minbase", "--format=ext2", `--include=${recipe.packages.join(",")}`,
        ...EXCLUDED.map((p) => `--dpkgopt=path-exclude=${p}`),
        `--customize-hook=copy-in ${overlay}/init ${overlay}/etc ${overlay}/usr /`,
        ...(recipe.remove?.length ? [`--customize-hook=rm -f ${recipe.remove.map((p) => `"$1${p}"`).join(" ")}`] : []),
        // The recipe's own files last, so they win over what its packages installed.
        ...(own.length ? [`--customize-hook=tar-in ${tar} /`] : []),
        recipe.suite, img, mirror,
      ],
      cwd: plan.work,
    },
    { label: "growing the file system", argv: ["resize2fs", "-f", img, SIZE], cwd: plan.work },
    { label: "adding a journal", argv: ["tune2fs", "-O", "has_journal", "-J", "size=8", img], cwd: plan.work },
    { label: "checking the file system", argv: ["e2fsck", "-fn", img], cwd: plan.work },
  ];
}

/**
 * Builds an image into the plan's file. Nothing changes unless it all
 * succeeds: the image appears at once (a rename) or not at all, and the
 * images built before stay usable.
 */
export async function buildDebianImage(root: string, recipe: DebianRecipe, onProgress: (p: BuildProgress) => void = () => {}, signal?: AbortSignal): Promise<ImagePlan> {
  const plan = debianPlan(root, recipe);
  if (existsSync(plan.file) && existsSync(plan.meta)) return plan;
  for (const tool of ["mmdebstrap", "genext2fs", "resize2fs", "tune2fs", "e2fsck"]) hostProgram(tool);
  const t0 = Date.now();
  rmSync(plan.work, { recursive: true, force: true });
  mkdirSync(plan.work, { recursive: true });
  try {
    for (const [path, source] of Object.entries(guestFiles(root))) {
      const target = join(plan.work, "overlay", path);
      mkdirSync(join(target, ".."), { recursive: true });
      writeFileSync(target, contentOf(source));
      const executable = !path.startsWith("etc/") || path.startsWith("etc/init.d/") || path.endsWith(".script");
      chmodSync(target, executable ? 0o755 : 0o644);
    }
    writeRecipeFiles(join(plan.work, "files"), recipe);
    await runSteps(debianBuildSteps(plan, recipe), { log: plan.log, onProgress, signal });
    const meta: ImageMeta = { name: recipe.name, id: plan.id, suite: recipe.suite, packages: recipe.packages, builtAt: new Date().toISOString(), seconds: Math.round((Date.now() - t0) / 1000) };
    writeFileSync(join(plan.work, "meta.json"), `${JSON.stringify(meta, null, 2)}\n`);
    renameSync(join(plan.work, "meta.json"), plan.meta);
    renameSync(join(plan.work, "image.img"), plan.file);
    return plan;
  } finally {
    rmSync(plan.work, { recursive: true, force: true });
  }
}

/** A recipe's files, for the tarball that brings them in: a script (#!) executable, the rest readable by all. */
function writeRecipeFiles(dir: string, recipe: DebianRecipe): void {
  for (const [path, text] of recipeFiles(recipe)) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
    chmodSync(target, text.startsWith("#!") ? 0o755 : 0o644);
  }
}

export interface BuiltImage extends ImageMeta {
  file: string;
  /** Bytes the image takes on disk (it is sparse). */
  bytes: number;
}

/** Images of a recipe built under the data root, newest first. */
export function builtImages(root: string, name: string): BuiltImage[] {
  const dir = imagesDir(root);
  if (!existsSync(dir)) return [];
  const found: BuiltImage[] = [];
  for (const f of readdirSync(dir)) {
    if (!f.startsWith(`${name}-`) || !f.endsWith(".json")) continue;
    const file = join(dir, f.replace(/\.json$/, ".img"));
    if (!existsSync(file)) continue;
    try {
      const meta = JSON.parse(readFileSync(join(dir, f), "utf8")) as ImageMeta;
      if (meta.name === name) found.push({ ...meta, file, bytes: imageBytes(file) });
    } catch {
      // a metadata file being written or damaged: not an image yet
    }
  }
  return found.sort((a, b) => b.builtAt.localeCompare(a.builtAt));
}
