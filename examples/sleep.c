/*
 * sleep.c: goroutines that sleep for different times wake in order.
 *
 * weft_sleep parks only the calling goroutine; the others keep running. The
 * sleepers are started longest first, yet they print shortest first: the
 * order comes from the timers, not from the order of weft_go. The times are
 * 20 ms apart, far more than scheduling noise, so the output is fixed.
 */
#include <weft.h>

#define MS 1000000LL /* nanoseconds */

struct sleeper {
	const char *name;
	int ms;
	weft_waitgroup *wg;
};

static void nap(void *arg)
{
	struct sleeper *s = arg;

	weft_sleep(s->ms * MS);
	weft_printf("%s woke after %d ms\n", s->name, s->ms);
	weft_waitgroup_done(s->wg);
}

int weft_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;

	weft_waitgroup wg = {0};
	struct sleeper sleepers[] = {
		{"tortoise", 50, &wg},
		{"cat", 30, &wg},
		{"hare", 10, &wg},
	};
	int n = sizeof sleepers / sizeof sleepers[0];

	int64_t start = weft_nanotime();
	weft_waitgroup_add(&wg, n);
	for (int i = 0; i < n; i++)
		weft_go(nap, &sleepers[i]);
	weft_waitgroup_wait(&wg);

	/* The sleeps overlapped: the wait took about 50 ms, not 90. */
	int64_t elapsed = weft_nanotime() - start;
	if (elapsed < 50 * MS) {
		weft_printf("woke too early: %lld ns\n", (long long)elapsed);
		return 1;
	}
	weft_printf("all awake after at least 50 ms\n");
	return 0;
}
