/*
 * preempt_trace.c: weft_trace_start while goroutines spin, and the trace
 * of their preemptions (test/preempt_test.c).
 *
 *	preempt_trace FD
 *
 * FD is a file the test opened and left open for us (the program has no
 * libc to open it with). Goroutine 1 starts one goroutine more than there
 * are Ps, each spinning in spin_forever (a pure C loop: no weft call), so
 * that every P is taken and one spinner always waits for a P. It sleeps
 * 20 ms (at one P it gets its P back only by a preemption), then starts a
 * trace into FD and measures how long weft_trace_start took: it stops the
 * world, and at more than one P a spinner holds another P, so only a
 * preemption lets it return. It sleeps 100 ms while the spinners run,
 * and are preempted, traced; then stops the trace, stops the spinners,
 * waits for them and exits 0. It prints
 *
 *	trace: N spinners
 *	trace: weft_trace_start returned 0 after N us
 *	trace: weft_trace_stop returned 0 after N us
 *	trace: done
 */
#include <weft.h>

#include "arg.h"

static volatile int stop;
static volatile uint64_t spins;
static weft_waitgroup wg;

/* spin_forever spins until stop is set: no call, no scheduling point.
 * The test looks for it in the stacks of the trace's preemptions. */
__attribute__((noinline)) static void spin_forever(void)
{
	while (!stop)
		spins++;
}

static void spinner(void *arg)
{
	(void)arg;
	spin_forever();
	weft_waitgroup_done(&wg);
}

int weft_main(int argc, char **argv)
{
	long fd = argc == 2 ? parse(argv[1]) : -1;
	if (fd < 0) {
		weft_eprintf("usage: preempt_trace FD\n");
		return 2;
	}
	int n = weft_gomaxprocs() + 1;
	weft_waitgroup_add(&wg, n);
	for (int i = 0; i < n; i++)
		weft_go(spinner, NULL);
	weft_printf("trace: %d spinners\n", n);
	weft_sleep(20 * 1000 * 1000);

	int64_t t0 = weft_nanotime();
	int rc = weft_trace_start((int)fd);
	int64_t t1 = weft_nanotime();
	weft_printf("trace: weft_trace_start returned %d after %lld us\n", rc, (long long)((t1 - t0) / 1000));
	weft_sleep(100 * 1000 * 1000);
	t0 = weft_nanotime();
	rc = weft_trace_stop();
	t1 = weft_nanotime();
	weft_printf("trace: weft_trace_stop returned %d after %lld us\n", rc, (long long)((t1 - t0) / 1000));

	stop = 1;
	weft_waitgroup_wait(&wg);
	weft_printf("trace: done\n");
	return 0;
}
