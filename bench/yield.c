/*
 * yield: weft_yield between two goroutines (Go's runtime.Gosched). Two
 * goroutines each yield n times while main waits on a WaitGroup; one op is
 * one yield. At 1 P every yield switches to the other goroutine. Twin:
 * bench/go/yield/main.go.
 *
 *	yield [iterations]
 */
#include "bench.h"

static weft_waitgroup wg;

static void yielder(void *arg)
{
	int64_t n = (int64_t)(intptr_t)arg;
	int64_t i;

	for (i = 0; i < n; i++)
		weft_yield();
	weft_waitgroup_done(&wg);
}

static void run(int64_t n)
{
	weft_waitgroup_add(&wg, 2);
	weft_go(yielder, (void *)(intptr_t)n);
	weft_go(yielder, (void *)(intptr_t)n);
	weft_waitgroup_wait(&wg);
}

int weft_main(int argc, char **argv)
{
	int64_t n = bench_arg(argc, argv, 1, 500000);
	int64_t start;

	run(n / 100 + 1);
	start = weft_nanotime();
	run(n);
	bench_report(weft_nanotime() - start, 2 * n);
	return 0;
}
