/*
 * Preloaded into slirpvde, a lab's gateway: it keeps the lab's guests off
 * the host itself. slirp opens the host's sockets for its guests, and maps
 * 10.0.2.2 (and every 10.0.2.x but the DNS address) to the host's
 * 127.0.0.1: without this, any guest could talk to every service listening
 * on the host's loopback (umlab's own server among them).
 *
 * Refused (connect: ECONNREFUSED, which slirp answers with a TCP reset;
 * sendto/sendmsg: EACCES, the datagram is dropped):
 *   - loopback (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104) and the unspecified
 *     address (0.0.0.0, ::, which reach the loopback too),
 *   - any address of the host's own interfaces (one a socket can be bound to),
 * unless the port is listed in UMLAB_HOST_PORTS ("8080,5432"): ports of the
 * host the lab's owner opened to the lab on purpose (a gateway's hostPorts);
 *   - link-local addresses (169.254.0.0/16, fe80::/10: a cloud's metadata
 *     service), always.
 * Everything else (the internet, the host's LAN) passes unchanged.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

static int port_allowed(unsigned port) {
  const char *p = getenv("UMLAB_HOST_PORTS");
  while (p && *p) {
    char *end;
    unsigned long n = strtoul(p, &end, 10);
    if (end == p) return 0;
    if (n == port) return 1;
    p = *end == ',' ? end + 1 : end;
  }
  return 0;
}

/* An address of this host: a socket can be bound to it. Unsure counts as yes. */
static int bindable(const struct sockaddr *sa, socklen_t len) {
  struct sockaddr_storage copy;
  if (len > sizeof copy) return 1;
  memcpy(&copy, sa, len);
  if (copy.ss_family == AF_INET) ((struct sockaddr_in *)&copy)->sin_port = 0;
  else ((struct sockaddr_in6 *)&copy)->sin6_port = 0;
  int s = socket(copy.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return 1;
  int r = bind(s, (struct sockaddr *)&copy, len);
  int err = errno;
  close(s);
  return r == 0 || err != EADDRNOTAVAIL;
}

enum verdict { PASS, HOST, LINK_LOCAL };

static enum verdict v4(uint32_t a) {
  if ((a >> 24) == 127 || a == 0) return HOST;
  if ((a >> 16) == 0xa9fe) return LINK_LOCAL;
  return PASS;
}

/* Whether a connection or datagram to this address is refused. */
static int refused(const struct sockaddr *sa, socklen_t len) {
  if (!sa) return 0;
  enum verdict v;
  unsigned port;
  if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
    port = ntohs(in->sin_port);
    v = v4(ntohl(in->sin_addr.s_addr));
  } else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
    const struct in6_addr *a = &in6->sin6_addr;
    port = ntohs(in6->sin6_port);
    if (IN6_IS_ADDR_V4MAPPED(a)) {
      uint32_t x;
      memcpy(&x, &a->s6_addr[12], 4);
      v = v4(ntohl(x));
    } else if (IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_UNSPECIFIED(a)) v = HOST;
    else if (IN6_IS_ADDR_LINKLOCAL(a)) v = LINK_LOCAL;
    else v = PASS;
  } else {
    return 0; /* unix sockets and the rest: the sandbox sees only the lab's folder */
  }
  if (v == LINK_LOCAL) return 1;
  if (v == PASS && !bindable(sa, len)) return 0;
  return !port_allowed(port);
}

int connect(int fd, const struct sockaddr *sa, socklen_t len) {
  static int (*real)(int, const struct sockaddr *, socklen_t);
  if (!real) real = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "connect");
  if (refused(sa, len)) {
    errno = ECONNREFUSED;
    return -1;
  }
  return real(fd, sa, len);
}

ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *sa, socklen_t len) {
  static ssize_t (*real)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
  if (!real) real = (ssize_t(*)(int, const void *, size_t, int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "sendto");
  if (refused(sa, len)) {
    errno = EACCES;
    return -1;
  }
  return real(fd, buf, n, flags, sa, len);
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
  static ssize_t (*real)(int, const struct msghdr *, int);
  if (!real) real = (ssize_t(*)(int, const struct msghdr *, int))dlsym(RTLD_NEXT, "sendmsg");
  if (msg && refused(msg->msg_name, msg->msg_namelen)) {
    errno = EACCES;
    return -1;
  }
  return real(fd, msg, flags);
}
