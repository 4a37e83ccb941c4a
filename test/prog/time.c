/*
 * time.c: checks of sleeping, timers and the clock (runtime/time.c).
 *
 * A check program (test/prog/check.h): "time" runs every check, "time
 * NAME" the one called NAME, "time -list" names them. test/time_test.c
 * runs it at several WEFTMAXPROCS, natively, hosted and on arm64 under
 * qemu.
 */
#include "runtime.h"

#include "check.h"

struct napper {
	int64_t ns;
	int early;
	weft_waitgroup *wg;
};

static void nap(void *arg)
{
	struct napper *n = arg;
	int64_t t0 = weft_nanotime();

	weft_sleep(n->ns);
	if (weft_nanotime() - t0 < n->ns)
		n->early = 1;
	weft_waitgroup_done(n->wg);
}

/* sleep: weft_sleep sleeps at least as long as asked, alone or with many
 * goroutines sleeping at once; zero and negative durations return. */
static void check_sleep(void)
{
	static const int64_t ds[] = {1 * MS, 5 * MS, 20 * MS};

	for (size_t i = 0; i < nelem(ds); i++) {
		int64_t t0 = weft_nanotime();
		weft_sleep(ds[i]);
		int64_t el = weft_nanotime() - t0;
		EXPECT(el >= ds[i], "weft_sleep(%lld) returned after %lld ns", (long long)ds[i], (long long)el);
		EXPECT(el < ds[i] + 10 * SEC, "weft_sleep(%lld) took %lld ns", (long long)ds[i], (long long)el);
	}
	int64_t t0 = weft_nanotime();
	weft_sleep(0);
	weft_sleep(-5);
	EXPECT(weft_nanotime() - t0 < 5 * SEC, "weft_sleep(0) and weft_sleep(-5) took long");

	enum { N = 100 };
	static struct napper ns[N];
	weft_waitgroup wg = {0};
	weft_waitgroup_add(&wg, N);
	for (int i = 0; i < N; i++) {
		ns[i] = (struct napper){(int64_t)(cheaprandn(20) + 1) * MS, 0, &wg};
		weft_go(nap, &ns[i]);
	}
	weft_waitgroup_wait(&wg);
	int early = 0;
	for (int i = 0; i < N; i++)
		early += ns[i].early;
	EXPECT(early == 0, "%d of %d concurrent sleepers woke early", early, N);
}

/* after: weft_after's channel receives the time, no earlier than asked;
 * weft_after(0) fires at once; freeing a pending one stops its timer. */
static void check_after(void)
{
	int64_t t0 = weft_nanotime(), v = 0;
	weft_chan *c = weft_after(10 * MS);

	EXPECT(recv_within(c, &v, 10 * SEC) == 1, "weft_after(10ms) never fired");
	int64_t t1 = weft_nanotime();
	EXPECT(t1 - t0 >= 10 * MS, "received after %lld ns", (long long)(t1 - t0));
	EXPECT(v >= t0 + 10 * MS && v <= t1, "value %lld not in [%lld, %lld]",
	       (long long)v, (long long)(t0 + 10 * MS), (long long)t1);
	weft_chan_free(c);

	c = weft_after(0);
	EXPECT(recv_within(c, &v, 5 * SEC) == 1, "weft_after(0) never fired");
	weft_chan_free(c);

	int32_t n0 = timers_len();
	c = weft_after(60 * SEC);
	EXPECT(timers_len() == n0 + 1, "timers_len %d -> %d after weft_after", n0, timers_len());
	weft_chan_free(c);
	EXPECT(timers_len() == n0, "timers_len %d after freeing a pending weft_after (was %d)",
	       timers_len(), n0);

	/* Free many pending timers, then make sure the heap still works. */
	weft_chan *cs[32];
	for (int i = 0; i < 32; i++)
		cs[i] = weft_after((int64_t)(i + 1) * MS);
	for (int i = 0; i < 32; i += 2)
		weft_chan_free(cs[i]);
	for (int i = 1; i < 32; i += 2) {
		EXPECT(recv_within(cs[i], &v, 10 * SEC) == 1, "timer %d of the survivors never fired", i);
		weft_chan_free(cs[i]);
	}
	EXPECT(timers_len() == n0, "timers_len %d, want %d", timers_len(), n0);
}

/* timers: many timers, created in a random order, fire no earlier than
 * asked and in the order of their deadlines (2 ms apart; a timer may fire
 * at most 1 ms after a later one, for timers run by different threads). */
static void check_timers(void)
{
	enum { N = 60 };
	weft_chan *cs[N];
	int64_t deadline[N], v[N];
	int order[N];

	for (int i = 0; i < N; i++)
		order[i] = i;
	for (int i = N - 1; i > 0; i--) {
		int j = (int)cheaprandn((uint32_t)i + 1), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (int k = 0; k < N; k++) {
		int i = order[k];
		int64_t d = (int64_t)(i + 1) * 2 * MS;
		deadline[i] = weft_nanotime() + d;
		cs[i] = weft_after(d);
	}
	for (int i = 0; i < N; i++) {
		if (recv_within(cs[i], &v[i], 20 * SEC) != 1) {
			failf(__LINE__, "recv", "timer %d never fired", i);
			return;
		}
	}
	int early = 0, late = 0, disorder = 0;
	for (int i = 0; i < N; i++) {
		if (v[i] < deadline[i])
			early++;
		if (v[i] > deadline[i] + 10 * SEC)
			late++;
		if (i > 0 && v[i - 1] > v[i] + MS) {
			if (disorder++ == 0)
				failf(__LINE__, "order", "timer %d (due %lld) fired at %lld, after timer %d (due %lld) at %lld",
				      i - 1, (long long)deadline[i - 1], (long long)v[i - 1], i,
				      (long long)deadline[i], (long long)v[i]);
		}
		weft_chan_free(cs[i]);
	}
	EXPECT(early == 0, "%d timers fired early", early);
	EXPECT(late == 0, "%d timers fired more than 10 s late", late);
	EXPECT(disorder == 0, "%d timers fired out of order", disorder);
}

/* nanotime: the monotonic clock never goes backwards and agrees with the
 * runtime's. */
static void check_nanotime(void)
{
	int64_t prev = weft_nanotime(), back = 0;

	for (int i = 0; i < 100000; i++) {
		int64_t t = weft_nanotime();
		if (t < prev)
			back++;
		prev = t;
	}
	EXPECT(back == 0, "the clock went backwards %lld times", (long long)back);
	int64_t a = weft_nanotime(), b = nanotime(), c = weft_nanotime();
	EXPECT(a <= b && b <= c, "weft_nanotime %lld, nanotime %lld, weft_nanotime %lld",
	       (long long)a, (long long)b, (long long)c);
	EXPECT(a > 0);
}

static const struct check checks[] = {
	{"sleep", check_sleep},
	{"after", check_after},
	{"timers", check_timers},
	{"nanotime", check_nanotime},
};

int weft_main(int argc, char **argv)
{
	return checks_main("time", checks, nelem(checks), argc, argv);
}
