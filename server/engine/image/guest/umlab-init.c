/*
 * umlab's /init, PID 1 of every guest, before anything else runs: mounts the
 * kernel file systems, names the node (umlab.node= on the kernel command
 * line), brings lo and every ethN up, mounts the kernel's modules disk
 * (/dev/ubdc) and the node's config disk (/dev/ubdb), turns forwarding on for
 * routers, then hands over to /etc/umlab/rc (overlay, startup scripts, exec
 * agent, busybox init). In C rather than shell because every command a shell
 * runs costs a fork and an exec, 10-40 ms each in a UML guest: the same steps
 * as a script took ~0.4 s of a 0.5 s boot.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static void warn(const char *what, const char *where) {
  fprintf(stderr, "umlab-init: %s %s: %s\n", what, where, strerror(errno));
}

static void mnt(const char *src, const char *dir, const char *type, unsigned long flags, const char *opts) {
  if (mount(src, dir, type, flags, opts) != 0 && errno != EBUSY) warn("cannot mount", dir);
}

static int exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

/** The whole of a small file, NUL-terminated, or "" when it cannot be read. */
static char *slurp(const char *path, char *buf, size_t size) {
  buf[0] = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return buf;
  ssize_t n = read(fd, buf, size - 1);
  close(fd);
  buf[n > 0 ? n : 0] = 0;
  return buf;
}

static void put(const char *path, const char *text, int flags) {
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);
  if (fd < 0 || write(fd, text, strlen(text)) < 0) warn("cannot write", path);
  if (fd >= 0) close(fd);
}

static void link_up(int sock, const char *name) {
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (ioctl(sock, SIOCGIFFLAGS, &ifr) != 0) return;
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(sock, SIOCSIFFLAGS, &ifr) != 0) warn("cannot bring up", name);
}

int main(void) {
  char buf[4096], node[65] = "uml";

  mnt("proc", "/proc", "proc", 0, NULL);
  mnt("sysfs", "/sys", "sysfs", 0, NULL);
  mnt("devtmpfs", "/dev", "devtmpfs", 0, NULL);
  mkdir("/dev/pts", 0755);
  mkdir("/dev/shm", 01777);
  mnt("devpts", "/dev/pts", "devpts", 0, "gid=5,mode=620");
  mnt("tmpfs", "/dev/shm", "tmpfs", 0, "mode=1777");
  mnt("tmpfs", "/tmp", "tmpfs", 0, "mode=1777");
  mnt("tmpfs", "/run", "tmpfs", 0, "mode=755");
  mnt(NULL, "/", NULL, MS_REMOUNT, NULL);
  mkdir("/run/lock", 0755);
  mkdir("/var/log", 0755);

  for (char *arg = strtok(slurp("/proc/cmdline", buf, sizeof buf), " \n"); arg; arg = strtok(NULL, " \n"))
    if (strncmp(arg, "umlab.node=", 11) == 0) snprintf(node, sizeof node, "%s", arg + 11);
  if (sethostname(node, strlen(node)) != 0) warn("cannot set the host name", node);
  snprintf(buf, sizeof buf, "%s\n", node);
  put("/etc/hostname", buf, O_TRUNC);
  char hosts[8192], line[96];
  snprintf(line, sizeof line, " %s\n", node);
  if (!strstr(slurp("/etc/hosts", hosts, sizeof hosts), line)) {
    snprintf(line, sizeof line, "127.0.1.1 %s\n", node);
    put("/etc/hosts", line, O_APPEND);
  }

  // lo and every Ethernet interface up (no address), as in Kathará: startup
  // scripts may just add addresses, and DHCP clients find a link that is up.
  int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock >= 0) {
    link_up(sock, "lo");
    DIR *d = opendir("/sys/class/net");
    for (struct dirent *e; d && (e = readdir(d));)
      if (strncmp(e->d_name, "eth", 3) == 0) link_up(sock, e->d_name);
    if (d) closedir(d);
    close(sock);
  }

  // The kernel's modules, when it has any (a read-only disk per kernel).
  if (exists("/dev/ubdc")) {
    mkdir("/lib/modules", 0755);
    mnt("/dev/ubdc", "/lib/modules", "ext2", MS_RDONLY, NULL);
  }
  // The node's config disk: role, overlays, startup scripts, exec agent.
  if (exists("/dev/ubdb")) {
    mkdir("/umlab", 0755);
    mnt("/dev/ubdb", "/umlab", "ext2", MS_RDONLY, NULL);
    if (strcmp(slurp("/umlab/role", buf, sizeof buf), "router\n") == 0) put("/proc/sys/net/ipv4/ip_forward", "1\n", O_TRUNC);
  }

  setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
  setenv("HOME", "/root", 1);
  setenv("TERM", "linux", 1);
  execl("/bin/sh", "sh", "/etc/umlab/rc", (char *)NULL);
  warn("cannot run", "/etc/umlab/rc");
  execl("/bin/busybox", "init", (char *)NULL);
  return 1;
}
