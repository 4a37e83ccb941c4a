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

/* ticks receives n ticks from c into v, each within 10 s, noting in at
 * when each came; returns how many came. */
static int ticks(weft_chan *c, int64_t *v, int64_t *at, int n)
{
	for (int i = 0; i < n; i++) {
		if (recv_within(c, &v[i], 10 * SEC) != 1)
			return i;
		at[i] = weft_nanotime();
	}
	return n;
}

/* on_phase checks that ticks v[0..n) of a ticker of period p increase and
 * lie on its phase: each a whole number of periods after the one before
 * (the values are the times the ticks were due), and that none came
 * before it was due (at[i] >= v[i]). */
static void on_phase(const int64_t *v, const int64_t *at, int n, int64_t p, int line)
{
	for (int i = 0; i < n; i++) {
		if (at[i] < v[i])
			failf(line, "at >= v", "tick %d, due at %lld, came early, at %lld", i, (long long)v[i],
			      (long long)at[i]);
		if (i > 0 && (v[i] <= v[i - 1] || (v[i] - v[i - 1]) % p != 0))
			failf(line, "phase", "tick %d at %lld, tick %d at %lld: not a positive multiple of %lld apart",
			      i - 1, (long long)v[i - 1], i, (long long)v[i], (long long)p);
	}
}

/* ticker: a ticker's first tick comes a period after it was made, and the
 * next ones a period apart (a multiple, for ticks a loaded machine made
 * late: they are dropped, never queued), on the phase it started on; it
 * stays one pending timer while it ticks, and freeing it removes that. */
static void check_ticker(void)
{
	enum { N = 8 };
	const int64_t p = 10 * MS;
	int64_t v[N], at[N];
	int32_t n0 = timers_len();
	int64_t t0 = weft_nanotime();
	weft_chan *c = weft_ticker(p);
	int64_t t1 = weft_nanotime();

	EXPECT(timers_len() == n0 + 1, "timers_len %d -> %d after weft_ticker", n0, timers_len());
	int got = ticks(c, v, at, N);
	REQUIRE(got == N, "only %d of %d ticks came", got, N);
	EXPECT(v[0] >= t0 + p && v[0] <= t1 + p, "the first tick due at %lld, not a period after [%lld, %lld]",
	       (long long)v[0], (long long)t0, (long long)t1);
	on_phase(v, at, N, p, __LINE__);
	int64_t span = v[N - 1] - v[0];
	EXPECT(span >= (N - 1) * p && span <= 10 * SEC, "%d ticks of %lld ns spanned %lld ns", N, (long long)p,
	       (long long)span);
	EXPECT(timers_len() == n0 + 1, "timers_len %d while ticking, want %d", timers_len(), n0 + 1);
	weft_chan_free(c);
	EXPECT(timers_len() == n0, "timers_len %d after freeing the ticker, want %d", timers_len(), n0);
	weft_sleep(3 * p); /* nothing re-arms it later */
	EXPECT(timers_len() == n0, "timers_len %d a while after freeing the ticker, want %d", timers_len(), n0);
}

/* ticker_lag: a receiver that sleeps through 10 periods finds one stale
 * tick, the first, and then the next tick on the phase: the 9 missed
 * ticks were dropped, neither queued nor sent in a burst. */
static void check_ticker_lag(void)
{
	enum { N = 4 };
	const int64_t p = 50 * MS;
	int64_t v[N], at[N];
	int64_t t0 = weft_nanotime();
	weft_chan *c = weft_ticker(p);
	int64_t t1 = weft_nanotime();

	weft_sleep(10 * p);
	int64_t woke = weft_nanotime();
	EXPECT(weft_chan_len(c) == 1, "%zu ticks waiting after 10 periods, want 1", weft_chan_len(c));
	weft_case r = {.chan = c, .dir = WEFT_RECV, .elem = &v[0]};
	REQUIRE(weft_select(&r, 1, false) == 0, "no tick waiting after 10 periods");
	at[0] = weft_nanotime();
	EXPECT(v[0] >= t0 + p && v[0] <= t1 + p, "the stale tick is due at %lld, not the first [%lld, %lld]",
	       (long long)v[0], (long long)(t0 + p), (long long)(t1 + p));
	int got = ticks(c, v + 1, at + 1, N - 1);
	REQUIRE(got == N - 1, "only %d of %d ticks came after the stale one", got, N - 1);
	on_phase(v, at, N, p, __LINE__);
	/* Queued ticks would be v[0] + p, v[0] + 2p, ...; the next real one
	 * is due after the receiver woke (a loaded machine may run the timer
	 * late and its value is then earlier: allow 4 periods). */
	EXPECT(v[1] >= v[0] + 5 * p && v[1] >= woke - 4 * p,
	       "after the stale tick (%lld), one due at %lld: the receiver woke at %lld; queued ticks?",
	       (long long)v[0], (long long)v[1], (long long)woke);
	weft_chan_free(c);
}

/* ticker_stop: freeing tickers at random moments, ticking fast, while
 * their timers fire: each stops for good (the timer count comes back
 * and stays), and freeing never races a tick into freed memory. */
static void check_ticker_stop(void)
{
	int32_t n0 = timers_len();
	int64_t v;

	for (int i = 0; i < 200; i++) {
		weft_chan *c = weft_ticker(50000 + (int64_t)cheaprandn(50000));
		if (i % 4 == 0)
			weft_chan_recv(c, &v);
		weft_sleep((int64_t)cheaprandn(200000));
		if (i % 7 == 0)
			weft_chan_close(c); /* a closed ticker's ticks are dropped */
		weft_sleep((int64_t)cheaprandn(100000));
		weft_chan_free(c);
		if (timers_len() != n0) {
			failf(__LINE__, "timers_len", "%d timers pending after freeing ticker %d, want %d", timers_len(),
			      i, n0);
			return;
		}
	}
	weft_sleep(20 * MS);
	EXPECT(timers_len() == n0, "%d timers pending a while after freeing the tickers, want %d", timers_len(),
	       n0);
}

struct tickee {
	int64_t period;
	int bad, got;
	weft_waitgroup *wg;
};

static void tickee(void *arg)
{
	enum { N = 5 };
	struct tickee *t = arg;
	int64_t v[N], at[N];
	weft_chan *c = weft_ticker(t->period);

	t->got = ticks(c, v, at, N);
	for (int i = 1; i < t->got; i++)
		if (at[i - 1] < v[i - 1] || v[i] <= v[i - 1] || (v[i] - v[i - 1]) % t->period != 0)
			t->bad++;
	weft_chan_free(c);
	weft_waitgroup_done(t->wg);
}

/* tickers: 100 goroutines, each with a ticker of its own (1 to 10 ms),
 * all get their ticks, on their phases, none early; then the timer heap
 * is back as it was. */
static void check_tickers(void)
{
	enum { N = 100 };
	static struct tickee ts[N];
	weft_waitgroup wg = {0};
	int32_t n0 = timers_len();

	weft_waitgroup_add(&wg, N);
	for (int i = 0; i < N; i++) {
		ts[i] = (struct tickee){.period = (int64_t)(i % 10 + 1) * MS, .wg = &wg};
		weft_go(tickee, &ts[i]);
	}
	weft_waitgroup_wait(&wg);
	int short_ = 0, bad = 0;
	for (int i = 0; i < N; i++) {
		short_ += ts[i].got != 5;
		bad += ts[i].bad;
	}
	EXPECT(short_ == 0, "%d of %d tickers missed ticks for 10 s", short_, N);
	EXPECT(bad == 0, "%d ticks off their phase or early", bad);
	EXPECT(timers_len() == n0, "%d timers pending after freeing %d tickers, want %d", timers_len(), N, n0);
}

static const struct check checks[] = {
	{"sleep", check_sleep},
	{"after", check_after},
	{"timers", check_timers},
	{"nanotime", check_nanotime},
	{"ticker", check_ticker},
	{"ticker_lag", check_ticker_lag},
	{"ticker_stop", check_ticker_stop},
	{"tickers", check_tickers},
};

int weft_main(int argc, char **argv)
{
	return checks_main("time", checks, nelem(checks), argc, argv);
}
