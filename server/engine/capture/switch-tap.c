/*
 * umlab's capture plugin for vde_switch (vde2 2.3), loaded into a running
 * switch by its management console (`plugin/add`). Each capture of the
 * switch gets a ring: a file on tmpfs the engine made, mapped here, into
 * which the switch copies the frames the capture wants as they pass. The
 * engine reads a ring only when someone needs its frames (a packet list,
 * an export) and its header for the counts:
 *
 *   switchtap/ring ID all FILE   every frame that enters the switch, once (a switch or hub capture)
 *   switchtap/ring ID N FILE     every frame in and out of port N (a link capture)
 *   switchtap/unring ID          the capture stops: the ring is left to the engine
 *   switchtap/stats              each ring's counts
 *
 * Why a ring the engine maps as a file rather than a stream: a stream (a
 * FIFO the engine read, with a writer thread of this plugin's) cost the
 * engine a read and a copy of every frame, and each of its wake-ups took a
 * turn from the switch and the guests on a small host: 12-28 % of a
 * transfer's frame rate. Here a frame costs one copy, by the switch, and
 * nothing else runs while nobody looks. vde2's own pdump plugin writes each
 * frame once as it enters and once more for every port it leaves by, a
 * write(2) each, and cost the switch 27-29 %.
 *
 * The file: a 64-byte header, then `cap` bytes of records, written round
 * and round (a record may wrap at the end). A record is a 16-byte header
 * (little-endian u32 seconds, u32 microseconds, u32 length; u16 port; u8
 * direction, 0 = into the switch at that port, 1 = out of it; u8 0) and the
 * frame. Byte offsets count all bytes ever written: a record at offset o is
 * at o % cap. The oldest records leave as new ones need their room; before
 * their bytes are overwritten, `tail` moves past them (and `gen` is odd
 * while `tail` and `tail_no` change together), so a reader that finds a
 * record below `tail` after reading it knows it may be torn.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
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
	.help = "umlab: frames into the engine's capture rings",
};

#define HEADER 16
#define MAX_PORTS 1024
#define MAX_FRAME 65535
/* A lab holds at most 16 captures (captures.ts MAX_CAPTURES). */
#define MAX_RINGS 16
#define ID_MAX 16
/* The most a ring may hold (types.ts RING_MIB.max), and the least. */
#define CAP_MAX (256ULL * 1024 * 1024)
#define CAP_MIN 4096

/* The file's header (ring-file.ts reads it): 64 bytes, little-endian. */
struct ring_head {
	char magic[8];          /* "UMLRING1" */
	uint64_t gen;           /* odd while tail and tail_no change */
	uint64_t head;          /* bytes written, all told: the next record's offset */
	uint64_t tail;          /* the oldest record held */
	uint64_t tail_no;       /* its number, from 0 */
	uint64_t frames;        /* records written, all told */
	uint64_t too_big;       /* frames larger than the ring, not kept */
	uint64_t cap;           /* bytes of records the file holds after this header */
};

struct ring {
	char id[ID_MAX];
	int port;               /* -1: every frame entering the switch */
	struct ring_head *h;
	unsigned char *data;
	uint64_t cap;
	size_t mapped;
};

static struct ring rings[MAX_RINGS];
static int nrings;
static int subscribed;

static void copy_in(struct ring *r, uint64_t off, const void *src, size_t n)
{
	size_t at = (size_t)(off % r->cap), first = r->cap - at < n ? (size_t)(r->cap - at) : n;
	memcpy(r->data + at, src, first);
	if (first < n)
		memcpy(r->data, (const unsigned char *)src + first, n - first);
}

static uint32_t length_at(struct ring *r, uint64_t off)
{
	uint32_t len;
	size_t at = (size_t)((off + 8) % r->cap), first = r->cap - at < 4 ? (size_t)(r->cap - at) : 4;
	memcpy(&len, r->data + at, first);
	if (first < 4)
		memcpy((unsigned char *)&len + first, r->data, 4 - first);
	return len;
}

/* Keeps a record in a ring: the oldest leave first, and say so before their bytes go. */
static void put(struct ring *r, const unsigned char *hdr, const unsigned char *frame, size_t len)
{
	struct ring_head *h = r->h;
	uint64_t need = HEADER + len, head = h->head, tail = h->tail, no = h->tail_no;
	if (need > r->cap) {
		h->too_big++;
		return;
	}
	if (head + need - tail > r->cap) {
		while (tail < head && head + need - tail > r->cap) {
			uint32_t l = length_at(r, tail);
			/* Only this plugin writes the ring: a length past a frame's would be its own bug; start afresh. */
			if (l > MAX_FRAME) {
				no = h->frames;
				tail = head;
				break;
			}
			tail += HEADER + l;
			no++;
		}
		if (tail > head)
			tail = head;
		__atomic_store_n(&h->gen, h->gen + 1, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		__atomic_store_n(&h->tail, tail, __ATOMIC_RELAXED);
		__atomic_store_n(&h->tail_no, no, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		__atomic_store_n(&h->gen, h->gen + 1, __ATOMIC_RELAXED);
		/* The new tail is out before the bytes it gave up are written. */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
	copy_in(r, head, hdr, HEADER);
	copy_in(r, head + HEADER, frame, len);
	__atomic_store_n(&h->frames, h->frames + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&h->head, head + need, __ATOMIC_RELEASE);
}

/* A frame entering (D_IN) or leaving (D_OUT) the switch at a port: its arguments are the port, the frame and its length. */
static int frame_event(struct dbgcl *event, void *arg, va_list v)
{
	(void)arg;
	int port = va_arg(v, int);
	unsigned char *frame = va_arg(v, unsigned char *);
	int len = va_arg(v, int);
	int out = (event->tag & (D_IN | D_OUT)) == D_OUT;
	if (len <= 0 || len > MAX_FRAME)
		return 0;
	unsigned char h[HEADER];
	int stamped = 0;
	for (int i = 0; i < nrings; i++) {
		struct ring *r = &rings[i];
		if (r->port < 0 ? out : r->port != port)
			continue;
		if (!stamped) {
			struct timespec now;
			clock_gettime(CLOCK_REALTIME, &now);
			uint32_t sec = (uint32_t)now.tv_sec, usec = (uint32_t)(now.tv_nsec / 1000), l = (uint32_t)len;
			uint16_t p = (uint16_t)port;
			memcpy(h, &sec, 4);
			memcpy(h + 4, &usec, 4);
			memcpy(h + 8, &l, 4);
			memcpy(h + 12, &p, 2);
			h[14] = (unsigned char)out;
			h[15] = 0;
			stamped = 1;
		}
		put(r, h, frame, (size_t)len);
	}
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

static int find(const char *id)
{
	for (int i = 0; i < nrings; i++)
		if (!strcmp(rings[i].id, id))
			return i;
	return -1;
}

static int valid_id(const char *id)
{
	size_t n = strlen(id);
	if (!n || n >= ID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= '0' && id[i] <= '9')))
			return 0;
	return 1;
}

/* "ID all FILE" or "ID PORT FILE": the file is the engine's, as large as the ring's header and records. */
static int tap_ring(char *arg)
{
	char id[ID_MAX + 1], what[16], path[4096];
	if (!arg || sscanf(arg, "%16s %15s %4095s", id, what, path) != 3 || !valid_id(id))
		return EINVAL;
	int port = -1;
	if (strcmp(what, "all")) {
		char *end;
		long p = strtol(what, &end, 10);
		if (*end || p < 0 || p >= MAX_PORTS)
			return EINVAL;
		port = (int)p;
	}
	if (find(id) >= 0)
		return EEXIST;
	if (nrings == MAX_RINGS)
		return ENOSPC;
	int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno;
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < sizeof(struct ring_head) + CAP_MIN ||
	    (uint64_t)st.st_size > sizeof(struct ring_head) + CAP_MAX) {
		close(fd);
		return EINVAL;
	}
	/* Its memory taken now: a tmpfs that is full refuses the ring here, where a write into the mapping would kill the switch (SIGBUS). */
	int e = posix_fallocate(fd, 0, st.st_size);
	if (e) {
		close(fd);
		return e;
	}
	/* Populated now, so the first lap's page faults do not fall on the switch's frames. */
	void *m = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return errno;
	struct ring *r = &rings[nrings];
	memset(r, 0, sizeof *r);
	strcpy(r->id, id);
	r->port = port;
	r->h = m;
	r->data = (unsigned char *)m + sizeof(struct ring_head);
	r->cap = (uint64_t)st.st_size - sizeof(struct ring_head);
	r->mapped = (size_t)st.st_size;
	memset(r->h, 0, sizeof *r->h);
	r->h->cap = r->cap;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	memcpy(r->h->magic, "UMLRING1", 8);
	nrings++;
	subscribe(1);
	return 0;
}

static void unmap(int i)
{
	munmap(rings[i].h, rings[i].mapped);
	rings[i] = rings[--nrings];
	subscribe(nrings > 0);
}

static int tap_unring(char *arg)
{
	int i = arg ? find(arg) : -1;
	if (i < 0)
		return ENOENT;
	unmap(i);
	return 0;
}

static int tap_stats(FILE *f)
{
	for (int i = 0; i < nrings; i++) {
		struct ring_head *h = rings[i].h;
		printoutc(f, "%s port=%d frames=%llu held=%llu too-big=%llu", rings[i].id, rings[i].port, (unsigned long long)h->frames,
			  (unsigned long long)(h->frames - h->tail_no), (unsigned long long)h->too_big);
	}
	return 0;
}

static struct comlist commands[] = {
	{ "switchtap", "============", "umlab's capture rings", NULL, 0 },
	{ "switchtap/ring", "ID all|PORT FILE", "copy the frames entering the switch, or in and out of PORT, into the ring FILE", tap_ring, STRARG },
	{ "switchtap/unring", "ID", "stop filling ring ID", tap_unring, STRARG },
	{ "switchtap/stats", "", "each ring's frames", tap_stats, WITHFILE },
};

static void __attribute__((constructor)) init(void)
{
	addcl(sizeof commands / sizeof commands[0], commands);
}

static void __attribute__((destructor)) fini(void)
{
	while (nrings)
		unmap(0);
	delcl(sizeof commands / sizeof commands[0], commands);
}
