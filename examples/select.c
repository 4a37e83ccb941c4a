/*
 * select.c: waiting on several channels at once.
 *
 * weft_select runs whichever case is ready (a random one when several are),
 * so the order in which the two producers' values arrive changes from run to
 * run; the totals printed do not. A closed channel's case is switched off by
 * setting it to NULL: a NULL channel is never ready. weft_after gives a
 * timeout, and a select that must not block returns -1 when nothing is
 * ready.
 */
#include <weft.h>

#define MS 1000000LL

/* numbers sends 1, 2, 3 on c, then closes it. */
static void numbers(void *arg)
{
	weft_chan *c = arg;
	for (int i = 1; i <= 3; i++)
		weft_chan_send(c, &i);
	weft_chan_close(c);
}

/* words sends three strings (pointers) on c, then closes it. */
static void words(void *arg)
{
	static const char *const w[] = {"alpha", "beta", "gamma"};
	weft_chan *c = arg;
	for (int i = 0; i < 3; i++)
		weft_chan_send(c, &w[i]);
	weft_chan_close(c);
}

int weft_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;

	weft_chan *nums = weft_chan_make(sizeof(int), 0);
	weft_chan *strs = weft_chan_make(sizeof(const char *), 0);
	weft_go(numbers, nums);
	weft_go(words, strs);

	int n, count = 0, sum = 0;
	const char *s;
	char joined[64] = "";
	int len = 0;
	weft_case cases[] = {
		{.chan = nums, .dir = WEFT_RECV, .elem = &n},
		{.chan = strs, .dir = WEFT_RECV, .elem = &s},
	};
	int open = 2;
	while (open > 0) {
		int i = weft_select(cases, 2, true);
		if (!cases[i].ok) {        /* closed: stop listening to it */
			cases[i].chan = NULL;
			open--;
		} else if (i == 0) {
			count++;
			sum += n;
		} else { /* each producer's values arrive in the order sent */
			len += weft_snprintf(joined + len, sizeof joined - len, "%s%s", len ? " " : "", s);
		}
	}
	weft_printf("numbers: %d received, sum %d\n", count, sum);
	weft_printf("words: %s\n", joined);

	/* A timeout: nobody ever sends on quiet. */
	weft_chan *quiet = weft_chan_make(sizeof(int), 0);
	weft_chan *timeout = weft_after(20 * MS);
	int64_t when;
	weft_case wait[] = {
		{.chan = quiet, .dir = WEFT_RECV, .elem = &n},
		{.chan = timeout, .dir = WEFT_RECV, .elem = &when},
	};
	if (weft_select(wait, 2, true) == 1)
		weft_printf("quiet: gave up after 20 ms\n");
	weft_chan_free(timeout);

	/* Polling: block = false returns -1 at once when no case is ready. */
	if (weft_select(wait, 1, false) == -1)
		weft_printf("poll: nothing ready\n");

	weft_chan_free(quiet);
	weft_chan_free(nums);
	weft_chan_free(strs);
	return 0;
}
