import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { hostProgram } from "../host";
import { imagesDir } from "../paths";
import { guestInit } from "./guest-init";
import { remember } from "./remember";

const GUEST = join(import.meta.dirname, "guest");
/** Bump when the way the image is laid out changes. */
const RECIPE_VERSION = 3;
const SIZE = "128M";

/**
 * The default guest image: busybox-static, an init and a profile, packed by
 * `mke2fs -d` without root or loop mounts. Its file name carries a hash of
 * everything that goes into it, so a changed recipe gives a new file and the
 * COW disks made over the old one stay valid.
 */
export function busyboxImage(root: string): string {
  const busybox = hostProgram("busybox");
  const init = guestInit(root);
  const guest = ["rc", "profile", "inittab.busybox", "udhcpc.script"].map((f) => join(GUEST, f));
  const hash = remember(`busybox ${RECIPE_VERSION} ${SIZE}`, [busybox, init, ...guest], () => {
    const h = createHash("sha256").update(`v${RECIPE_VERSION} ${SIZE}\n`);
    for (const f of [busybox, init, ...guest]) h.update(readFileSync(f));
    return h.digest("hex").slice(0, 12);
  });
  const image = join(imagesDir(root), `busybox-${hash}.img`);
  if (existsSync(image)) return image;

  const [rc, profile, inittab, udhcpc] = guest.map((f) => readFileSync(f));
  mkdirSync(imagesDir(root), { recursive: true });
  const work = mkdtempSync(join(imagesDir(root), ".build-"));
  try {
    const tree = join(work, "root");
    for (const d of ["bin", "sbin", "usr/bin", "usr/sbin", "etc", "proc", "sys", "dev", "tmp", "run", "root", "var/log", "mnt", "lib/modules"])
      mkdirSync(join(tree, d), { recursive: true });
    copyFileSync(busybox, join(tree, "bin/busybox"));
    chmodSync(join(tree, "bin/busybox"), 0o755);
    const applets = execFileSync(busybox, ["--list-full"], { encoding: "utf8" }).split("\n").filter(Boolean);
    for (const applet of applets) {
      const link = join(tree, applet);
      if (existsSync(link)) continue;
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync("/bin/busybox", link);
    }
    copyFileSync(init, join(tree, "init"));
    chmodSync(join(tree, "init"), 0o755);
    mkdirSync(join(tree, "etc/umlab"), { recursive: true });
    writeFileSync(join(tree, "etc/umlab/rc"), rc);
    writeFileSync(join(tree, "etc/profile"), profile);
    writeFileSync(join(tree, "etc/inittab"), inittab);
    mkdirSync(join(tree, "etc/udhcpc"), { recursive: true });
    writeFileSync(join(tree, "etc/udhcpc/default.script"), udhcpc, { mode: 0o755 });
    writeFileSync(join(tree, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
    writeFileSync(join(tree, "etc/group"), "root:x:0:\ntty:x:5:\n");
    writeFileSync(join(tree, "etc/hosts"), "127.0.0.1 localhost\n");
    writeFileSync(join(tree, "etc/fstab"), "");
    const tmp = join(work, "image.img");
    execFileSync(hostProgram("mke2fs"), ["-q", "-F", "-t", "ext2", "-E", "root_owner=0:0", "-d", tree, tmp, SIZE], { stdio: "pipe" });
    renameSync(tmp, image);
    return image;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
