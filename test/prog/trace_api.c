/*
 * trace_api.c: weft_trace_start and weft_trace_stop in a running program,
 * for the tracer's test (test/trace_test.c).
 *
 *   trace_api FD1 FD2
 *
 * FD1 and FD2 are files the test opened and left open for us (the
 * program has no libc to open them with). The program traces two
 * stretches of its run, one into each, and says what each call returned
 * on standard output, one line each:
 *
 *	stop before start: -1
 *	start: 0
 *	start again: -1
 *	stop: 0
 *	stop again: -1
 *	stopped 1            (FD1 is complete now)
 *	start 2: 0
 *	stop 2: 0
 *	stopped 2            (FD2 is complete now)
 *
 * Each trace starts while goroutines are already blocked on a channel,
 * asleep, and in a system call, so the status events of a trace started
 * mid-run are exercised. After "stopped 2" the program waits for a byte
 * (or end of file) on standard input, so that the test can check both
 * files while it is still running, then works some more, untraced, and
 * exits 0. Nothing may reach the files after their stops.
 */
#include <weft.h>

#include "arg.h"

static weft_chan *gate; /* int: closed to release the waiters */
static weft_waitgroup wg;
static int pipefds[2];

static void waiter(void *arg)
{
	(void)arg;
	int v;
	weft_chan_recv(gate, &v); /* until the gate closes */
	weft_waitgroup_done(&wg);
}

static void sleeper(void *arg)
{
	weft_sleep((int64_t)(intptr_t)arg);
	weft_waitgroup_done(&wg);
}

static void reader(void *arg)
{
	(void)arg;
	char c;
	if (weft_read(pipefds[0], &c, 1) != 1) /* in the kernel until main writes */
		weft_panic("reader: bad read");
	weft_waitgroup_done(&wg);
}

static void pinger(void *arg)
{
	weft_chan *c = arg;
	int v;
	while (weft_chan_recv(c, &v))
		weft_yield();
	weft_waitgroup_done(&wg);
}

/* stretch starts goroutines in every waiting state, lets them block,
 * then traces into fd while releasing them and doing some work. report
 * (1 or 2) numbers the lines it prints. */
static void stretch(int fd, int report)
{
	gate = weft_chan_make(sizeof(int), 0);
	if (weft_pipe(pipefds) != 0)
		weft_panic("pipe failed");
	weft_waitgroup_add(&wg, 5);
	weft_go(waiter, NULL);
	weft_go(waiter, NULL);
	weft_go(sleeper, (void *)(intptr_t)(20 * 1000 * 1000)); /* asleep across the start */
	weft_go(reader, NULL);
	weft_sleep(2 * 1000 * 1000); /* they all block */

	if (report == 1) {
		weft_printf("start: %d\n", weft_trace_start(fd));
		weft_printf("start again: %d\n", weft_trace_start(fd));
	} else {
		weft_printf("start 2: %d\n", weft_trace_start(fd));
	}

	weft_chan *c = weft_chan_make(sizeof(int), 0);
	weft_go(pinger, c);
	for (int i = 0; i < 100; i++)
		weft_chan_send(c, &i);
	weft_chan_close(c);
	weft_chan_close(gate);
	if (weft_write(pipefds[1], "x", 1) != 1)
		weft_panic("write failed");
	weft_waitgroup_wait(&wg);
	weft_close(pipefds[0]);
	weft_close(pipefds[1]);

	if (report == 1) {
		weft_printf("stop: %d\n", weft_trace_stop());
		weft_printf("stop again: %d\n", weft_trace_stop());
	} else {
		weft_printf("stop 2: %d\n", weft_trace_stop());
	}
	weft_printf("stopped %d\n", report);
}

int weft_main(int argc, char **argv)
{
	if (argc != 3) {
		weft_printf("usage: trace_api FD1 FD2\n");
		return 2;
	}
	weft_printf("stop before start: %d\n", weft_trace_stop());
	stretch((int)parse(argv[1]), 1);
	stretch((int)parse(argv[2]), 2);

	char c;
	weft_read(0, &c, 1);
	/* Untraced work: none of it may reach the files. */
	weft_chan *ch = weft_chan_make(sizeof(int), 0);
	weft_waitgroup_add(&wg, 1);
	weft_go(pinger, ch);
	for (int i = 0; i < 100; i++)
		weft_chan_send(ch, &i);
	weft_chan_close(ch);
	weft_waitgroup_wait(&wg);
	weft_printf("exiting\n");
	return 0;
}
