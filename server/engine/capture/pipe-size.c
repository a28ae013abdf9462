/*
 * pipe-size FIFO BYTES: gives the pipe of a FIFO the engine holds open a
 * buffer of BYTES (up to /proc/sys/fs/pipe-max-size), and prints the size
 * it got. The size is the pipe's, so it stays while anyone holds the FIFO
 * open. Node has no fcntl; a capture of a switch reads its dump every few
 * milliseconds, not at every write, and 64 KiB would fill in between and
 * hold the switch up (capture/switch-dump.ts).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct stat st;
	char *end;
	long bytes;
	int fd, got;

	if (argc != 3) {
		fprintf(stderr, "usage: pipe-size FIFO BYTES\n");
		return 2;
	}
	bytes = strtol(argv[2], &end, 10);
	if (*end || bytes <= 0 || bytes > 1L << 30) {
		fprintf(stderr, "pipe-size: not a size: %s\n", argv[2]);
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		fprintf(stderr, "pipe-size: %s is not a FIFO\n", argv[1]);
		return 1;
	}
	got = fcntl(fd, F_SETPIPE_SZ, (int)bytes);
	if (got < 0) {
		perror("pipe-size: F_SETPIPE_SZ");
		return 1;
	}
	printf("%d\n", got);
	return 0;
}
