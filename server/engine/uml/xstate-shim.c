/*
 * Preloaded into linux.uml on hosts whose XSAVE area is larger than UML 6.1
 * expects (AVX-512: 2696 bytes, AMX: 11008).
 *
 * Why: UML saves a guest process's FPU state with
 * ptrace(PTRACE_GETREGSET, NT_X86_XSTATE) into a fixed 832-byte buffer
 * (the host truncates it) and restores it with PTRACE_SETREGSET, which the
 * host rejects with EFAULT unless the buffer is the full XSAVE size: the
 * guest's init dies at once ("ptrace set fp regs failed, errno = 14").
 * Falling back to the 512-byte FXSAVE calls instead loses the AVX upper
 * halves and corrupts glibc's vectorised string functions in the guest.
 * So a short SETREGSET is completed to full size: the task's current state
 * is read in full and UML's bytes (legacy area, header, AVX) laid over it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

/*
 * The second adaptation, asked for with UMLAB_RAW_STDIN=1: the console pty
 * made raw before UML runs. UML's fd: channel leaves the host side cooked, so
 * the host's line discipline ate ^C (signalling linux.uml itself, not the
 * guest's foreground job), echoed typed-ahead input and turned ^S into flow
 * control. The variable is removed so the helpers UML starts do not repeat it.
 */
__attribute__((constructor)) static void umlab_raw_stdin(void) {
  if (!getenv("UMLAB_RAW_STDIN")) return;
  unsetenv("UMLAB_RAW_STDIN");
  struct termios t;
  if (isatty(0) && tcgetattr(0, &t) == 0) {
    cfmakeraw(&t);
    tcsetattr(0, TCSANOW, &t);
  }
}

#define NT_X86_XSTATE_ 0x202

typedef long (*ptrace_fn)(int, pid_t, void *, void *);

long ptrace(enum __ptrace_request req, ...) {
  static ptrace_fn real;
  static __thread unsigned char full[32768] __attribute__((aligned(64)));
  if (!real) real = (ptrace_fn)dlsym(RTLD_NEXT, "ptrace");

  va_list ap;
  va_start(ap, req);
  pid_t pid = va_arg(ap, pid_t);
  void *addr = va_arg(ap, void *);
  void *data = va_arg(ap, void *);
  va_end(ap);

  if (req == PTRACE_SETREGSET && (unsigned long)addr == NT_X86_XSTATE_) {
    struct iovec *iov = data, whole = { full, sizeof full };
    if (real(PTRACE_GETREGSET, pid, addr, &whole) == 0 && whole.iov_len > iov->iov_len) {
      memcpy(full, iov->iov_base, iov->iov_len);
      return real(PTRACE_SETREGSET, pid, addr, &whole);
    }
  }
  return real(req, pid, addr, data);
}
