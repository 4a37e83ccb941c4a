/*
 * rss: the memory of blocked goroutines. Starts n goroutines (default
 * 100000) that each block receiving from one channel; once all of them are
 * blocked it prints "goroutines n" and the time per goroutine started, and,
 * given a hold time in milliseconds, sleeps that long so the runner can read
 * /proc/<pid>/status. bench/run measures the process's peak RSS from
 * outside. Twin: bench/go/rss/main.go.
 *
 *	rss [goroutines [hold-ms]]
 */
#include "bench.h"

static weft_chan *ch;
static weft_waitgroup wg;

static void blocked(void *arg)
{
	int64_t v;

	(void)arg;
	weft_waitgroup_done(&wg);
	weft_chan_recv(ch, &v);
}

int weft_main(int argc, char **argv)
{
	int64_t n = bench_arg(argc, argv, 1, 100000);
	int64_t hold = bench_arg(argc, argv, 2, 0);
	int64_t i, start, end;

	ch = weft_chan_make(sizeof(int64_t), 0);
	weft_waitgroup_add(&wg, (int)n);
	start = weft_nanotime();
	for (i = 0; i < n; i++)
		weft_go(blocked, NULL);
	weft_waitgroup_wait(&wg);
	end = weft_nanotime();
	/* Done comes just before the receive: give the last ones time to park. */
	weft_sleep(10 * 1000 * 1000);
	weft_printf("goroutines %lld\n", (long long)n);
	bench_report(end - start, n);
	if (hold > 0)
		weft_sleep(hold * 1000 * 1000);
	return 0;
}
