/*
 * select.c: checks of weft_select (runtime/select.c): fairness,
 * non-blocking selects, timeouts, NULL channels, wake-ups, many selecting
 * goroutines.
 *
 * A check program (test/prog/check.h): "select" runs every check, "select
 * NAME" the one called NAME, "select -list" names them. test/select_test.c
 * runs it at several WEFTMAXPROCS, natively, hosted and on arm64 under
 * qemu.
 */
#include "runtime.h"

#include "check.h"

/* select_fair: with two cases always ready, each is chosen about half the
 * time (10000 selects; a fair coin lands within 4000..6000 always, in
 * practice). */
static void check_select_fair(void)
{
	enum { N = 10000 };
	weft_chan *a = weft_chan_make(sizeof(int), 1);
	weft_chan *b = weft_chan_make(sizeof(int), 1);
	int va = 1, vb = 2, x;
	int count[2] = {0, 0}, bad = 0;
	weft_case cs[2] = {
		{.chan = a, .dir = WEFT_RECV, .elem = &x},
		{.chan = b, .dir = WEFT_RECV, .elem = &x},
	};

	weft_chan_send(a, &va);
	weft_chan_send(b, &vb);
	for (int i = 0; i < N; i++) {
		int k = weft_select(cs, 2, true);
		if (k != 0 && k != 1) {
			failf(__LINE__, "select", "returned %d", k);
			return;
		}
		count[k]++;
		if (x != k + 1 || !cs[k].ok)
			bad++;
		weft_chan_send(k == 0 ? a : b, k == 0 ? &va : &vb); /* ready again */
	}
	EXPECT(bad == 0, "%d selects delivered the wrong value", bad);
	EXPECT(count[0] >= 4000 && count[0] <= 6000, "case 0 chosen %d times, case 1 %d times",
	       count[0], count[1]);

	/* A non-blocking select is fair too. */
	count[0] = count[1] = 0;
	for (int i = 0; i < N; i++) {
		int k = weft_select(cs, 2, false);
		if (k != 0 && k != 1) {
			failf(__LINE__, "select", "non-blocking returned %d with both ready", k);
			return;
		}
		count[k]++;
		weft_chan_send(k == 0 ? a : b, k == 0 ? &va : &vb);
	}
	EXPECT(count[0] >= 4000 && count[0] <= 6000, "non-blocking: case 0 chosen %d times, case 1 %d",
	       count[0], count[1]);
	weft_chan_free(a);
	weft_chan_free(b);
}

/* select_nonblock: block false returns -1 when nothing is ready, and runs
 * a ready send or receive. */
static void check_select_nonblock(void)
{
	weft_chan *a = weft_chan_make(sizeof(int), 1);
	weft_chan *b = weft_chan_make(sizeof(int), 0);
	int x = 0, y = 42;
	weft_case cs[2] = {
		{.chan = a, .dir = WEFT_RECV, .elem = &x},
		{.chan = b, .dir = WEFT_RECV, .elem = &x},
	};

	EXPECT(weft_select(cs, 2, false) == -1);
	EXPECT(weft_select(cs, 0, false) == -1, "n == 0, non-blocking");
	weft_chan_send(a, &y);
	EXPECT(weft_select(cs, 2, false) == 0 && x == 42 && cs[0].ok, "x = %d", x);
	EXPECT(weft_select(cs, 2, false) == -1, "the value was received twice");

	weft_case snd[2] = {
		{.chan = b, .dir = WEFT_SEND, .elem = &y},
		{.chan = a, .dir = WEFT_SEND, .elem = &y},
	};
	y = 43;
	EXPECT(weft_select(snd, 2, false) == 1, "send to the buffered channel with room");
	EXPECT(weft_chan_len(a) == 1);
	EXPECT(weft_select(snd, 2, false) == -1, "send to a full channel and to one without a receiver");
	EXPECT(weft_chan_recv(a, &x) && x == 43, "x = %d", x);

	/* A NULL elem discards the received value. */
	weft_chan_send(a, &y);
	weft_case discard = {.chan = a, .dir = WEFT_RECV, .elem = NULL};
	EXPECT(weft_select(&discard, 1, false) == 0 && discard.ok, "recv into NULL");
	EXPECT(weft_chan_len(a) == 0);
	weft_chan_free(a);
	weft_chan_free(b);
}

/* select_timeout: a select on a quiet channel and a weft_after channel
 * wakes on the timer, no earlier than asked. */
static void check_select_timeout(void)
{
	weft_chan *quiet = weft_chan_make(sizeof(int), 0);
	int64_t t0 = weft_nanotime();
	weft_chan *t = weft_after(30 * MS);
	int64_t when = 0;
	int x;
	weft_case cs[2] = {
		{.chan = quiet, .dir = WEFT_RECV, .elem = &x},
		{.chan = t, .dir = WEFT_RECV, .elem = &when},
	};

	int k = weft_select(cs, 2, true);
	int64_t t1 = weft_nanotime();
	EXPECT(k == 1, "select returned %d", k);
	EXPECT(t1 - t0 >= 30 * MS, "woke after %lld ns", (long long)(t1 - t0));
	EXPECT(t1 - t0 < 10 * SEC, "woke after %lld ns", (long long)(t1 - t0));
	EXPECT(when >= t0 + 30 * MS && when <= t1, "timer value %lld, started %lld, woke %lld",
	       (long long)when, (long long)t0, (long long)t1);
	weft_chan_free(t);

	/* The quiet channel's case was withdrawn: nobody waits on it now. */
	x = 1;
	weft_case s = {.chan = quiet, .dir = WEFT_SEND, .elem = &x};
	EXPECT(weft_select(&s, 1, false) == -1, "a send found a receiver: the select left a waiter behind");
	weft_chan_free(quiet);
}

/* select_nil: a case on a NULL channel is never ready. */
static void check_select_nil(void)
{
	weft_chan *a = weft_chan_make(sizeof(int), 1);
	int x = 1, picked_nil = 0;
	weft_case cs[3] = {
		{.chan = NULL, .dir = WEFT_RECV, .elem = &x},
		{.chan = a, .dir = WEFT_RECV, .elem = &x},
		{.chan = NULL, .dir = WEFT_SEND, .elem = &x},
	};

	for (int i = 0; i < 1000; i++) {
		weft_chan_send(a, &x);
		int k = weft_select(cs, 3, true);
		if (k != 1)
			picked_nil++;
		if (k == -1)
			break;
	}
	EXPECT(picked_nil == 0, "a NULL channel's case ran %d times", picked_nil);
	weft_case nils[2] = {cs[0], cs[2]};
	EXPECT(weft_select(nils, 2, false) == -1);

	int64_t when;
	weft_chan *t = weft_after(5 * MS);
	weft_case withtimer[2] = {cs[0], {.chan = t, .dir = WEFT_RECV, .elem = &when}};
	EXPECT(weft_select(withtimer, 2, true) == 1);
	weft_chan_free(t);
	weft_chan_free(a);
}

struct selector {
	weft_chan *a, *b, *res;
	int dir;
};

static void select_once(void *arg)
{
	struct selector *s = arg;
	int v = 7;
	weft_case cs[2] = {
		{.chan = s->a, .dir = s->dir, .elem = &v},
		{.chan = s->b, .dir = s->dir, .elem = &v},
	};
	int k = weft_select(cs, 2, true);
	int res[2] = {k, v};

	weft_chan_send(s->res, res);
}

/* select_wake: a goroutine blocked in select on two channels is woken by
 * one of them, which is then the case it reports, and it no longer waits on
 * the other. Both for receives and for sends. */
static void check_select_wake(void)
{
	struct selector s = {
		weft_chan_make(sizeof(int), 0), weft_chan_make(sizeof(int), 0),
		weft_chan_make(2 * sizeof(int), 1), WEFT_RECV,
	};
	int x = 99, res[2];

	weft_go(select_once, &s);
	weft_case send_a = {.chan = s.a, .dir = WEFT_SEND, .elem = &x};
	weft_case send_b = {.chan = s.b, .dir = WEFT_SEND, .elem = &x};
	int k = -1;
	for (int tries = 0; tries < 5000 && k != 0; tries++)
		if ((k = weft_select(&send_a, 1, false)) != 0)
			weft_sleep(MS);
	REQUIRE(k == 0, "the selecting goroutine never took a send on a");
	EXPECT(recv_within(s.res, res, 10 * SEC) == 1 && res[0] == 0 && res[1] == 99,
	       "select reported case %d value %d", res[0], res[1]);
	EXPECT(weft_select(&send_b, 1, false) == -1, "still a receiver on b after the select finished");

	s.dir = WEFT_SEND;
	weft_go(select_once, &s);
	x = 0;
	EXPECT(recv_within(s.b, &x, 10 * SEC) == 1 && x == 7, "received %d from the selecting sender", x);
	EXPECT(recv_within(s.res, res, 10 * SEC) == 1 && res[0] == 1, "select reported case %d", res[0]);
	weft_case recv_a = {.chan = s.a, .dir = WEFT_RECV, .elem = &x};
	EXPECT(weft_select(&recv_a, 1, false) == -1, "still a sender on a after the select finished");
	weft_chan_free(s.a);
	weft_chan_free(s.b);
	weft_chan_free(s.res);
}

struct stress {
	weft_chan *a, *b, *done;
	weft_mutex mu;
	long sum;
	int count;
};

static void stress_producer(void *arg)
{
	struct stress *s = arg;
	static int ids;
	int id = atomic_xadd(&ids, 1);

	for (int i = 1; i <= 5000; i++)
		weft_chan_send(id % 2 ? s->a : s->b, &i);
	signal_done(s->done);
}

static void stress_consumer(void *arg)
{
	struct stress *s = arg;
	int v;
	long sum = 0;
	int count = 0;
	weft_case cs[2] = {
		{.chan = s->a, .dir = WEFT_RECV, .elem = &v},
		{.chan = s->b, .dir = WEFT_RECV, .elem = &v},
	};

	while (cs[0].chan != NULL || cs[1].chan != NULL) {
		int k = weft_select(cs, 2, true);
		if (!cs[k].ok) {
			cs[k].chan = NULL;
			continue;
		}
		sum += v;
		count++;
	}
	weft_mutex_lock(&s->mu);
	s->sum += sum;
	s->count += count;
	weft_mutex_unlock(&s->mu);
	signal_done(s->done);
}

/* select_stress: four producers and four selecting consumers; every value
 * is received exactly once. */
static void check_select_stress(void)
{
	struct stress s = {weft_chan_make(sizeof(int), 0), weft_chan_make(sizeof(int), 8),
			   weft_chan_make(sizeof(int), 8), {0, 0}, 0, 0};

	for (int i = 0; i < 4; i++)
		weft_go(stress_consumer, &s);
	for (int i = 0; i < 4; i++)
		weft_go(stress_producer, &s);
	int got = join(s.done, 4, 60 * SEC);
	REQUIRE(got == 4, "only %d of 4 producers finished", got);
	weft_chan_close(s.a);
	weft_chan_close(s.b);
	got = join(s.done, 4, 60 * SEC);
	REQUIRE(got == 4, "only %d of 4 consumers finished", got);
	EXPECT(s.count == 20000, "received %d values, want 20000", s.count);
	EXPECT(s.sum == 4L * 5000 * 5001 / 2, "sum %ld, want %ld", s.sum, 4L * 5000 * 5001 / 2);
	weft_chan_free(s.a);
	weft_chan_free(s.b);
	weft_chan_free(s.done);
}

static const struct check checks[] = {
	{"select_fair", check_select_fair},
	{"select_nonblock", check_select_nonblock},
	{"select_timeout", check_select_timeout},
	{"select_nil", check_select_nil},
	{"select_wake", check_select_wake},
	{"select_stress", check_select_stress},
};

int weft_main(int argc, char **argv)
{
	return checks_main("select", checks, nelem(checks), argc, argv);
}
