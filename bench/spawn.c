/*
 * spawn: a goroutine's start, run and exit. Goroutines are started in
 * batches of 1000, each calling weft_waitgroup_done and returning; main
 * waits for each batch, so dead goroutines are reused as they are in a
 * steady state. One op is one goroutine. Twin: bench/go/spawn/main.go.
 *
 *	spawn [goroutines]
 */
#include "bench.h"

enum { BATCH = 1000 };

static weft_waitgroup wg;

static void worker(void *arg)
{
	(void)arg;
	weft_waitgroup_done(&wg);
}

static void run(int64_t rounds)
{
	int64_t r;
	int i;

	for (r = 0; r < rounds; r++) {
		weft_waitgroup_add(&wg, BATCH);
		for (i = 0; i < BATCH; i++)
			weft_go(worker, NULL);
		weft_waitgroup_wait(&wg);
	}
}

int weft_main(int argc, char **argv)
{
	int64_t n = bench_arg(argc, argv, 1, 500000);
	int64_t rounds = (n + BATCH - 1) / BATCH;
	int64_t start;

	run(rounds / 100 + 1);
	start = weft_nanotime();
	run(rounds);
	bench_report(weft_nanotime() - start, rounds * BATCH);
	return 0;
}
