/*
 * umlab's capture plugin for vde_switch (vde2 2.3), loaded into a running
 * switch by its management console (`plugin/add`). It hands the engine the
 * frames of a switch through a FIFO, for the switch's captures and for the
 * captures of single links (ports):
 *
 *   switchtap/open FIFO    write to FIFO (opened non-blocking; the engine reads it),
 *                          its pipe made 1 MiB (answers "pipe=BYTES", the size it got)
 *   switchtap/all 0|1      every frame that enters the switch, once (a switch or hub capture)
 *   switchtap/port N 0|1   every frame in and out of port N (a link capture)
 *   switchtap/gather MS    how long frames gather before they are written (1-50 ms, 20 at first)
 *   switchtap/close        stop and close
 *
 * Why not vde2's own pdump plugin: it writes each frame once as it enters
 * and once more for every port it leaves by, with a write(2) each time, and
 * that cost the switch 27-29 % of its frame rate. Here the switch thread
 * only copies a frame into memory; a thread of the plugin's hands what
 * gathered every few ms (or each 512 KiB) to the pipe in one vmsplice(2),
 * its pages lent, not copied. The engine says how long: 2 ms while someone
 * watches the packet list live, 20 ms while the frames only go to a ring
 * (each of the writer's wake-ups, and each of the engine's that it causes,
 * takes a turn from the switch and the guests).
 *
 * Stream: "UMLTAP01", then per frame a 16-byte header (little-endian u32
 * seconds, u32 microseconds, u32 length; u16 port; u8 direction, 0 = into
 * the switch at that port, 1 = out of it; u8 0) and the frame. Frames that
 * find the buffers full are dropped and counted (`switchtap/stats`).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* vde2's plugin interface (vdeplugin.h, which Debian ships among vde2's examples only): the parts used here. */
#define STRARG 2
#define WITHFILE 0x40
#define D_PACKET 01000
#define D_IN 01
#define D_OUT 02
struct comlist {
	char *path;
	char *syntax;
	char *help;
	int (*doit)();
	unsigned char type;
	struct comlist *next;
};
struct dbgcl {
	char *path;
	char *help;
	int tag;
	/* the switch's own fields follow */
};
struct plugin {
	char *name;
	char *help;
	void *handle;
	struct plugin *next;
};
int eventadd(int (*fun)(), char *path, void *arg);
int eventdel(int (*fun)(), char *path, void *arg);
void addcl(int ncl, struct comlist *cl);
void delcl(int ncl, struct comlist *cl);
void printoutc(FILE *f, const char *format, ...);

struct plugin vde_plugin_data = {
	.name = "switchtap",
	.help = "umlab: frames to the engine's captures",
};

/*
 * Two buffers: the switch fills one while the writer empties the other. Each
 * holds 100 ms of the fastest flood measured here (40 MB/s), for when the
 * engine is slow to read and the pipe is full.
 */
#define BUF (4 * 1024 * 1024)
#define HEADER 16
#define MAX_PORTS 1024
/* The FIFO's pipe: what a flood writes while the engine rests between two reads (Linux's most for a user, pipe-max-size). */
#define PIPE_BYTES (1024 * 1024)
/* How long the writer lets frames gather before it writes them (switchtap/gather), unless WRITE_AT gathered sooner. */
#define GATHER_MS_FIRST 20
#define GATHER_MS_MAX 50
#define WRITE_AT (512 * 1024)

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t more = PTHREAD_COND_INITIALIZER;
static unsigned char *bufs[2];
static size_t used[2];
static int filling;
static int fd = -1;
static int running;
static pthread_t writer;
static unsigned long long frames, dropped, lost;
static int all;
static long gather_ns = GATHER_MS_FIRST * 1000000L;
static unsigned char ports[MAX_PORTS];
static int subscribed;

/* Waits up to `ms` for room in the pipe; 0 when the reader went away or the tap closes. */
static int still_read(int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	poll(&pfd, 1, ms);
	return __atomic_load_n(&running, __ATOMIC_RELAXED) && !(pfd.revents & (POLLERR | POLLHUP));
}

/*
 * Hands all of p[0..n) to the FIFO; 0 when the reader went away. The pages
 * are spliced into the pipe, not copied: the engine's read is then the only
 * copy a frame takes after the switch's own (a write's copy into the pipe was
 * most of what a capture cost the switch). The pipe refers to the buffer
 * until the engine has read it, so the buffer is not filled again before
 * (drained(), just before the switch is given it). Where vmsplice is
 * refused, a plain write.
 */
static int write_all(const unsigned char *p, size_t n)
{
	static int no_splice;
	while (n) {
		struct iovec iov = { .iov_base = (void *)p, .iov_len = n };
		ssize_t w = no_splice ? write(fd, p, n) : vmsplice(fd, &iov, 1, SPLICE_F_NONBLOCK);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			if (!still_read(10))
				return 0;
			continue;
		}
		if (w < 0 && !no_splice && (errno == ENOSYS || errno == EPERM || errno == EINVAL)) {
			no_splice = 1;
			continue;
		}
		return 0;
	}
	return 1;
}

/* Waits until the engine has read all the pipe holds (the spliced buffer is its own again); 0 when the tap closes or the engine went away. */
static int drained(void)
{
	for (;;) {
		int queued = 0;
		if (ioctl(fd, FIONREAD, &queued) != 0 || queued <= 0)
			return 1;
		if (!still_read(0))
			return 0;
		/* The engine reads every few ms (2 to 22): look again in a while, not at each of its reads. */
		struct timespec nap = { 0, 2 * 1000000L };
		nanosleep(&nap, NULL);
	}
}

static void *write_loop(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	for (;;) {
		while (running && used[filling] == 0)
			pthread_cond_wait(&more, &mu);
		if (!running)
			break;
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += gather_ns;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (running && used[filling] < WRITE_AT)
			if (pthread_cond_timedwait(&more, &mu, &until) == ETIMEDOUT)
				break;
		/*
		 * The other buffer, which the switch fills next, must be back from
		 * the pipe: the engine has read it meanwhile as a rule (it rests
		 * about as long as frames gather), so this seldom waits.
		 */
		pthread_mutex_unlock(&mu);
		int back = drained();
		pthread_mutex_lock(&mu);
		int b = filling;
		filling ^= 1;
		size_t n = used[b];
		pthread_mutex_unlock(&mu);
		if (!back || !write_all(bufs[b], n)) {
			pthread_mutex_lock(&mu);
			lost += n ? 1 : 0;
			pthread_mutex_unlock(&mu);
		}
		pthread_mutex_lock(&mu);
		used[b] = 0;
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

/* A frame entering (D_IN) or leaving (D_OUT) the switch at a port: its arguments are the port, the frame and its length. */
static int frame_event(struct dbgcl *event, void *arg, va_list v)
{
	(void)arg;
	int port = va_arg(v, int);
	unsigned char *frame = va_arg(v, unsigned char *);
	int len = va_arg(v, int);
	int out = (event->tag & (D_IN | D_OUT)) == D_OUT;
	int watched = port >= 0 && port < MAX_PORTS && ports[port];
	if (!(watched || (all && !out)) || len <= 0 || len > 65535)
		return 0;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	unsigned char h[HEADER];
	uint32_t sec = (uint32_t)now.tv_sec, usec = (uint32_t)(now.tv_nsec / 1000), l = (uint32_t)len;
	uint16_t p = (uint16_t)port;
	memcpy(h, &sec, 4);
	memcpy(h + 4, &usec, 4);
	memcpy(h + 8, &l, 4);
	memcpy(h + 12, &p, 2);
	h[14] = (unsigned char)out;
	h[15] = 0;
	pthread_mutex_lock(&mu);
	size_t at = used[filling];
	if (at + HEADER + (size_t)len > BUF) {
		dropped++;
		pthread_mutex_unlock(&mu);
		return 0;
	}
	memcpy(bufs[filling] + at, h, HEADER);
	memcpy(bufs[filling] + at + HEADER, frame, (size_t)len);
	used[filling] = at + HEADER + (size_t)len;
	frames++;
	pthread_mutex_unlock(&mu);
	/* The writer waits for a first frame, then for its time to pass or this much to gather. */
	if (at == 0 || (at < WRITE_AT && at + HEADER + (size_t)len >= WRITE_AT))
		pthread_cond_signal(&more);
	return 0;
}

static void subscribe(int on)
{
	if (on == subscribed)
		return;
	if (on) {
		eventadd(frame_event, "packet/in", NULL);
		eventadd(frame_event, "packet/out", NULL);
	} else {
		eventdel(frame_event, "packet/in", NULL);
		eventdel(frame_event, "packet/out", NULL);
	}
	subscribed = on;
}

static int anything_watched(void)
{
	if (all)
		return 1;
	for (int i = 0; i < MAX_PORTS; i++)
		if (ports[i])
			return 1;
	return 0;
}

static int tap_close(void)
{
	subscribe(0);
	if (fd < 0)
		return 0;
	pthread_mutex_lock(&mu);
	running = 0;
	pthread_cond_signal(&more);
	pthread_mutex_unlock(&mu);
	pthread_join(writer, NULL);
	close(fd);
	fd = -1;
	used[0] = used[1] = 0;
	all = 0;
	gather_ns = GATHER_MS_FIRST * 1000000L;
	memset(ports, 0, sizeof ports);
	return 0;
}

static int tap_open(FILE *out, char *path)
{
	static const unsigned char magic[8] = { 'U', 'M', 'L', 'T', 'A', 'P', '0', '1' };
	if (fd >= 0)
		return EBUSY;
	if (!path || !*path)
		return EINVAL;
	if (!bufs[0] && (!(bufs[0] = malloc(BUF)) || !(bufs[1] = malloc(BUF))))
		return ENOMEM;
	int f = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (f < 0)
		return errno;
	if (write(f, magic, sizeof magic) != (ssize_t)sizeof magic) {
		int e = errno ? errno : EIO;
		close(f);
		return e;
	}
	/* Refused (a lower pipe-max-size), it stays as it was: the engine then reads each write as it comes. */
	fcntl(f, F_SETPIPE_SZ, PIPE_BYTES);
	printoutc(out, "pipe=%d", fcntl(f, F_GETPIPE_SZ));
	fd = f;
	used[0] = used[1] = 0;
	filling = 0;
	running = 1;
	if (pthread_create(&writer, NULL, write_loop, NULL) != 0) {
		running = 0;
		close(fd);
		fd = -1;
		return EAGAIN;
	}
	return 0;
}

static int tap_all(char *arg)
{
	if (fd < 0)
		return ENXIO;
	all = atoi(arg) != 0;
	subscribe(anything_watched());
	return 0;
}

static int tap_port(char *arg)
{
	int port, on;
	if (fd < 0)
		return ENXIO;
	if (sscanf(arg, "%i %i", &port, &on) != 2 || port < 0 || port >= MAX_PORTS)
		return EINVAL;
	ports[port] = on != 0;
	subscribe(anything_watched());
	return 0;
}

static int tap_gather(char *arg)
{
	int ms;
	if (sscanf(arg, "%i", &ms) != 1 || ms < 1 || ms > GATHER_MS_MAX)
		return EINVAL;
	pthread_mutex_lock(&mu);
	gather_ns = ms * 1000000L;
	pthread_mutex_unlock(&mu);
	return 0;
}

static int tap_stats(FILE *f)
{
	pthread_mutex_lock(&mu);
	unsigned long long n = frames, d = dropped, l = lost;
	long g = gather_ns / 1000000L;
	pthread_mutex_unlock(&mu);
	printoutc(f, "frames=%llu dropped=%llu lost-writes=%llu gather-ms=%ld", n, d, l, g);
	return 0;
}

static struct comlist commands[] = {
	{ "switchtap", "============", "umlab's capture tap", NULL, 0 },
	{ "switchtap/open", "FIFO", "write frames to FIFO", tap_open, STRARG | WITHFILE },
	{ "switchtap/all", "0/1", "every frame entering the switch", tap_all, STRARG },
	{ "switchtap/port", "N 0/1", "every frame in and out of port N", tap_port, STRARG },
	{ "switchtap/gather", "MS", "how long frames gather before a write", tap_gather, STRARG },
	{ "switchtap/stats", "", "frames written, dropped; the gather time", tap_stats, WITHFILE },
	{ "switchtap/close", "", "stop and close", tap_close, 0 },
};

static void __attribute__((constructor)) init(void)
{
	addcl(sizeof commands / sizeof commands[0], commands);
}

static void __attribute__((destructor)) fini(void)
{
	tap_close();
	delcl(sizeof commands / sizeof commands[0], commands);
}
