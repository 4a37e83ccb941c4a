/*
 * sigpipe.c: writes to a pipe whose reader has gone (test/signal_test.c).
 *
 *   sigpipe stdout   writes lines to fd 1 until something stops it; the
 *                    test closed the pipe's read end: SIGPIPE must end it
 *   sigpipe fd       writes to a pipe of its own whose read end it closed:
 *                    weft_write must return -EPIPE and the program go on
 *   sigpipe busy MS  switches goroutines for MS milliseconds, then says
 *                    "done": a traced run whose trace's reader leaves
 */
#include <weft.h>

static void pinger(void *arg)
{
	weft_chan *c = arg;
	int v;
	while (weft_chan_recv(c, &v))
		;
}

int weft_main(int argc, char **argv)
{
	if (argc < 2)
		return 100;
	if (argv[1][0] == 's') {
		static const char line[] = "a line to a reader that has gone\n";
		for (int i = 0; i < 100000; i++)
			weft_write(1, line, sizeof line - 1);
		weft_eprintf("sigpipe: still running after 100000 writes\n");
		return 3;
	}
	if (argv[1][0] == 'f') {
		int fds[2];
		if (weft_pipe(fds) < 0)
			return 4;
		weft_close(fds[0]);
		long r = weft_write(fds[1], "x", 1);
		weft_printf("write: %ld\n", r);
		return r == -32 ? 0 : 1;
	}
	long ms = 0;
	for (const char *p = argc > 2 ? argv[2] : "100"; *p >= '0' && *p <= '9'; p++)
		ms = ms * 10 + (*p - '0');
	weft_chan *c = weft_chan_make(sizeof(int), 0);
	weft_go(pinger, c);
	int64_t end = weft_nanotime() + ms * 1000000;
	for (int i = 0; weft_nanotime() < end; i++)
		weft_chan_send(c, &i);
	weft_chan_close(c);
	weft_printf("done\n");
	return 0;
}
