/*
 * preempt_spin.c: a goroutine that never makes a weft call must not keep
 * its P (test/preempt_test.c, asynchronous preemption).
 *
 * A goroutine spins in a pure C loop (spin_loop: it reads a volatile flag,
 * calls nothing). Goroutine 1 sleeps 1 ms twenty times, timing each sleep
 * with weft_nanotime, then sets the flag, waits for the spinner to return
 * and exits 0. It prints
 *
 *	spin: spinning
 *	spin: sleeps of 1 ms: median N us, max M us
 *	spin: done
 *
 * At WEFTMAXPROCS=1 only a preemption of the spinner lets goroutine 1 run
 * again after each sleep: with preemption each sleep returns within a time
 * slice (10 ms by default), and without it (WEFTDEBUG=asyncpreemptoff=1)
 * the program never gets past its first sleep.
 */
#include <weft.h>

enum { SLEEPS = 20, SLEEP_NS = 1000 * 1000 };

static volatile int stop;
static volatile uint64_t spins;
static weft_waitgroup wg;

/* spin_loop spins until stop is set: no call, no scheduling point. */
__attribute__((noinline)) static void spin_loop(void)
{
	while (!stop)
		spins++;
}

static void spinner(void *arg)
{
	(void)arg;
	spin_loop();
	weft_waitgroup_done(&wg);
}

static void sort(int64_t *a, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && a[j - 1] > a[j]; j--) {
			int64_t t = a[j];
			a[j] = a[j - 1];
			a[j - 1] = t;
		}
}

int weft_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	int64_t took[SLEEPS];

	weft_waitgroup_add(&wg, 1);
	weft_go(spinner, NULL);
	weft_printf("spin: spinning\n");
	for (int i = 0; i < SLEEPS; i++) {
		int64_t t0 = weft_nanotime();
		weft_sleep(SLEEP_NS);
		took[i] = weft_nanotime() - t0;
	}
	sort(took, SLEEPS);
	/* The median of an even count: the mean of the middle two. */
	int64_t median = (took[SLEEPS / 2 - 1] + took[SLEEPS / 2]) / 2;
	weft_printf("spin: sleeps of 1 ms: median %lld us, max %lld us\n", (long long)(median / 1000),
		    (long long)(took[SLEEPS - 1] / 1000));
	stop = 1;
	weft_waitgroup_wait(&wg);
	weft_printf("spin: done\n");
	return 0;
}
