/*
 * burst: many goroutines at once. Main starts n goroutines (default
 * 10000) in one burst, each only calling weft_waitgroup_done, and waits
 * for them all; one op is one goroutine, the time the whole burst and
 * the wait over n. There is no warm-up: a warm-up would leave dead
 * goroutines to reuse, and the burst is about making new ones, so the
 * process's peak RSS, which bench/run measures from outside, is what n
 * live goroutines cost at most. Given a hold time in milliseconds, it
 * sleeps that long after printing, so that the runner can read
 * /proc/<pid>/status. Twin: bench/go/burst/main.go.
 *
 *	burst [goroutines [hold-ms]]
 */
#include "bench.h"

static weft_waitgroup wg;

static void worker(void *arg)
{
	(void)arg;
	weft_waitgroup_done(&wg);
}

int weft_main(int argc, char **argv)
{
	int64_t n = bench_arg(argc, argv, 1, 10000);
	int64_t hold = bench_arg(argc, argv, 2, 0);
	int64_t i, start, end;

	if (n > INT32_MAX) {
		weft_eprintf("burst: at most %d goroutines\n", INT32_MAX);
		return 2;
	}
	start = weft_nanotime();
	weft_waitgroup_add(&wg, (int)n);
	for (i = 0; i < n; i++)
		weft_go(worker, NULL);
	weft_waitgroup_wait(&wg);
	end = weft_nanotime();
	bench_report(end - start, n);
	if (hold > 0)
		weft_sleep(hold * 1000 * 1000);
	return 0;
}
