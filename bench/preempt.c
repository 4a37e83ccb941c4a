/*
 * preempt: asynchronous preemption's latency. Two goroutines spin in pure
 * C loops (no weft call) at whatever WEFTMAXPROCS says while main sleeps
 * for the given milliseconds; every time slice ends in a preemption by
 * signal. bench/run runs it with WEFTDEBUG=preemptstats=1 and a short
 * slice (preemptus) and reads the runtime's own figures from standard
 * error: the time from sysmon's request to the goroutine leaving its P,
 * median and worst. No Go twin: Go has no such public figure.
 *
 *	preempt [milliseconds]
 */
#include "bench.h"

static volatile int stop;
static volatile uint64_t spins[2];
static weft_waitgroup wg;

__attribute__((noinline)) static void spinner(void *arg)
{
	int i = (int)(intptr_t)arg;
	while (!stop)
		spins[i]++;
	weft_waitgroup_done(&wg);
}

int weft_main(int argc, char **argv)
{
	int64_t ms = bench_arg(argc, argv, 1, 3000);

	weft_waitgroup_add(&wg, 2);
	weft_go(spinner, (void *)(intptr_t)0);
	weft_go(spinner, (void *)(intptr_t)1);
	weft_sleep(ms * 1000 * 1000);
	stop = 1;
	weft_waitgroup_wait(&wg);
	weft_printf("spins %llu %llu\n", (unsigned long long)spins[0], (unsigned long long)spins[1]);
	return 0;
}
