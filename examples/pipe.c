/*
 * pipe.c: goroutines talking over operating-system pipes.
 *
 * A speaker goroutine writes lines into one pipe; an upper-casing goroutine
 * reads them, and writes them back upper-cased into a second pipe, which
 * main reads until end of file. weft_read blocks only the goroutine that
 * calls it: while one waits in the kernel, the scheduler hands its
 * processor to another thread, so the others keep running.
 */
#include <weft.h>

static const char *const lines[] = {
	"hello, pipe\n",
	"goroutines can block in read\n",
	"without blocking each other\n",
};

static size_t length(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

/* writeall writes all n bytes: a pipe write may take only part of them. */
static int writeall(int fd, const char *p, size_t n)
{
	while (n > 0) {
		long w = weft_write(fd, p, n);
		if (w < 0)
			return (int)w; /* -errno */
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* speaker writes the lines into fd, then closes it: the reader sees EOF. */
static void speaker(void *arg)
{
	int fd = *(int *)arg;

	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		writeall(fd, lines[i], length(lines[i]));
	weft_close(fd);
}

struct upper {
	int in, out;
};

/* upcase copies in to out, upper-casing letters, until in reaches EOF. */
static void upcase(void *arg)
{
	struct upper *u = arg;
	char buf[16];
	long n;

	while ((n = weft_read(u->in, buf, sizeof buf)) > 0) {
		for (long i = 0; i < n; i++)
			if (buf[i] >= 'a' && buf[i] <= 'z')
				buf[i] -= 'a' - 'A';
		writeall(u->out, buf, (size_t)n);
	}
	weft_close(u->in);
	weft_close(u->out);
}

int weft_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;

	int to[2], from[2]; /* [0] is the read end, [1] the write end */
	int err;
	if ((err = weft_pipe(to)) < 0 || (err = weft_pipe(from)) < 0) {
		weft_eprintf("pipe: error %d\n", -err);
		return 1;
	}

	struct upper u = {to[0], from[1]};
	weft_go(upcase, &u);
	weft_go(speaker, &to[1]);

	/* Reads return whatever has arrived so far, in pieces of any size;
	 * collect everything up to EOF (a read of 0). */
	char text[256];
	size_t got = 0;
	long n;
	while (got < sizeof text - 1 && (n = weft_read(from[0], text + got, sizeof text - 1 - got)) > 0)
		got += (size_t)n;
	text[got] = '\0';
	weft_close(from[0]);

	weft_printf("%s", text);
	weft_printf("read %zu bytes back through two pipes\n", got);
	return 0;
}
