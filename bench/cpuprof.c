/*
 * cpuprof: a CPU-bound program, the workload on which bench/run measures
 * what the CPU profiler costs (WEFTCPUPROFILE) beside Go's
 * (pprof.StartCPUProfile). It makes no scheduler call in its timed part,
 * so what profiling adds shows as it is: the profiling timer's signals
 * and their handler, every 10 ms of each thread's CPU time at 100 Hz.
 *
 * One op is a fixed amount of arithmetic: 4000 steps of xorshift64, each
 * step depending on the one before (so no compiler can vectorize or fold
 * them), 3000 in heavy and 1000 in light, which is inlined into its
 * caller: the 3:1 split of issue 14's test program, so that its profile
 * reads the same way (heavy about 75% of the samples, light 25%, under
 * op). The ops are shared among one worker goroutine per P, so that every
 * P is busy and none is preempted for another. After the ns/op line it
 * prints the workers' results xored ("sum <hex>"), the same as the twin's
 * for the same count and Ps; printing them also keeps the compiler from
 * dropping the work as dead. Twin: bench/go/cpuprof/main.go.
 *
 *	cpuprof [ops]
 */
#include "bench.h"

enum { STEPS = 1000 }; /* light's steps; heavy does 3 times as many */

static weft_waitgroup wg;
static uint64_t sink[64]; /* each worker's result */

/* step is one xorshift64 step (Marsaglia's 13, 7, 17). */
static inline uint64_t step(uint64_t x)
{
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return x;
}

/* heavy does three quarters of an op's work, in a frame of its own. */
__attribute__((noinline)) uint64_t heavy(uint64_t x)
{
	for (int i = 0; i < 3 * STEPS; i++)
		x = step(x);
	return x;
}

/* light does the other quarter, inlined into op: its samples are op's
 * PCs that the symbol table maps to light. */
static inline __attribute__((always_inline)) uint64_t light(uint64_t x)
{
	for (int i = 0; i < STEPS; i++)
		x = step(x);
	return x;
}

/* op is one op. */
__attribute__((noinline)) uint64_t op(uint64_t x)
{
	return light(heavy(x));
}

struct work {
	int64_t ops;
	int id;
};

static void worker(void *arg)
{
	struct work *w = arg;
	uint64_t x = (uint64_t)w->id + 1;

	for (int64_t i = 0; i < w->ops; i++)
		x = op(x);
	sink[w->id] = x;
	weft_waitgroup_done(&wg);
}

/* run does n ops, shared among one goroutine per P, and returns their
 * results xored. */
static uint64_t run(int64_t n)
{
	static struct work work[64];
	int ps = weft_gomaxprocs();
	uint64_t sum = 0;

	if (ps > 64)
		ps = 64;
	weft_waitgroup_add(&wg, ps);
	for (int i = 0; i < ps; i++) {
		work[i].ops = n / ps + (i < n % ps);
		work[i].id = i;
		weft_go(worker, &work[i]);
	}
	weft_waitgroup_wait(&wg);
	for (int i = 0; i < ps; i++)
		sum ^= sink[i];
	return sum;
}

int weft_main(int argc, char **argv)
{
	int64_t n = bench_arg(argc, argv, 1, 100000);
	int64_t start;
	uint64_t sum;

	run(n / 100 + 1);
	start = weft_nanotime();
	sum = run(n);
	bench_report(weft_nanotime() - start, n);
	weft_printf("sum %llx\n", (unsigned long long)sum);
	return 0;
}
