/*
 * sync.c: checks of the ways goroutines and threads wait for each other:
 * weft_mutex and weft_waitgroup, the runtime's semaphores (runtime/sema.c),
 * and its futex-based locks and notes (runtime/lock_futex.c).
 *
 * A check program (test/prog/check.h): "sync" runs every check, "sync
 * NAME" the one called NAME, "sync -list" names them. test/sync_test.c
 * runs it at several WEFTMAXPROCS, natively, hosted and on arm64 under
 * qemu.
 */
#include "runtime.h"

#include "check.h"

/* ---- mutex and waitgroup ---- */

struct counter {
	weft_mutex mu;
	long n;
	weft_waitgroup wg;
};

static void increment(void *arg)
{
	struct counter *c = arg;

	for (int i = 0; i < 5000; i++) {
		weft_mutex_lock(&c->mu);
		long v = c->n; /* a non-atomic read-modify-write ... */
		if (i % 50 == 0)
			weft_yield(); /* ... with a switch in the middle */
		c->n = v + 1;
		weft_mutex_unlock(&c->mu);
	}
	weft_waitgroup_done(&c->wg);
}

/* mutex: goroutines incrementing a counter under the lock (yielding while
 * holding it) lose no updates. */
static void check_mutex(void)
{
	enum { N = 8 };
	struct counter c = {0};

	weft_waitgroup_add(&c.wg, N);
	for (int i = 0; i < N; i++)
		weft_go(increment, &c);
	weft_waitgroup_wait(&c.wg);
	EXPECT(c.n == N * 5000, "counter %ld, want %d", c.n, N * 5000);
	EXPECT(c.mu.state == 0, "mutex state %u after the last unlock", c.mu.state);
}

struct wgtest {
	weft_waitgroup wg;
	int finished;
	weft_chan *res;
};

static void wg_worker(void *arg)
{
	struct wgtest *w = arg;

	weft_sleep(MS);
	atomic_xadd(&w->finished, 1);
	weft_waitgroup_done(&w->wg);
}

static void wg_waiter(void *arg)
{
	struct wgtest *w = arg;

	weft_waitgroup_wait(&w->wg);
	int f = atomic_load(&w->finished);
	weft_chan_send(w->res, &f);
}

/* waitgroup: Wait returns only after every Done; several waiters are all
 * released; a WaitGroup can be reused; Wait at zero returns at once. */
static void check_waitgroup(void)
{
	enum { N = 50, W = 3 };
	struct wgtest w = {{0, 0}, 0, weft_chan_make(sizeof(int), W)};

	weft_waitgroup_wait(&w.wg); /* zero: must not block */
	for (int round = 0; round < 2; round++) {
		w.finished = 0;
		weft_waitgroup_add(&w.wg, N);
		for (int i = 0; i < W; i++)
			weft_go(wg_waiter, &w);
		for (int i = 0; i < N; i++)
			weft_go(wg_worker, &w);
		weft_waitgroup_wait(&w.wg);
		EXPECT(atomic_load(&w.finished) == N, "round %d: Wait returned with %d of %d done",
		       round, w.finished, N);
		for (int i = 0; i < W; i++) {
			int f = -1;
			int r = recv_within(w.res, &f, 10 * SEC);
			EXPECT(r == 1, "round %d: waiter %d of %d never released", round, i, W);
			if (r != 1)
				return;
			EXPECT(f == N, "round %d: a waiter was released with %d of %d done", round, f, N);
		}
	}
	weft_chan_free(w.res);
}

/* ---- the runtime's notes and locks ---- */

/* note: notetsleep times out no earlier than asked; a woken note wakes. */
static void check_note(void)
{
	Note n;

	noteclear(&n);
	int64_t t0 = nanotime();
	EXPECT(!notetsleep(&n, 5 * MS), "a cleared note woke");
	EXPECT(nanotime() - t0 >= 5 * MS, "notetsleep timed out after %lld ns", (long long)(nanotime() - t0));
	notewakeup(&n);
	t0 = nanotime();
	EXPECT(notetsleep(&n, 5 * SEC), "a woken note timed out");
	EXPECT(nanotime() - t0 < 4 * SEC);
}

struct locktest {
	Mutex l;
	long n;
	weft_waitgroup wg;
};

static void lock_worker(void *arg)
{
	struct locktest *t = arg;

	for (int i = 0; i < 20000; i++) {
		lock(&t->l);
		long v = t->n;
		arch_procyield();
		t->n = v + 1;
		unlock(&t->l);
	}
	weft_waitgroup_done(&t->wg);
}

/* lock: the runtime's futex lock excludes across threads. */
static void check_lock(void)
{
	struct locktest t = {{0}, 0, {0, 0}};

	weft_waitgroup_add(&t.wg, 4);
	for (int i = 0; i < 4; i++)
		weft_go(lock_worker, &t);
	weft_waitgroup_wait(&t.wg);
	EXPECT(t.n == 4 * 20000, "counter %ld", t.n);
	EXPECT(t.l.key == 0, "lock key %u after the last unlock", t.l.key);
}

/* ---- semaphores ---- */

struct semtest {
	uint32_t sema;
	int acquired;
	weft_chan *done;
};

static void sem_waiter(void *arg)
{
	struct semtest *s = arg;

	semacquire(&s->sema, WaitReasonSemacquire);
	atomic_store(&s->acquired, 1);
	signal_done(s->done);
}

/* sema: semacquire takes a released count at once, and otherwise waits
 * for semrelease. */
static void check_sema(void)
{
	struct semtest s = {0, 0, weft_chan_make(sizeof(int), 1)};

	semrelease(&s.sema, false);
	semacquire(&s.sema, WaitReasonSemacquire); /* must not block */
	EXPECT(s.sema == 0, "count %u after acquire", s.sema);
	weft_go(sem_waiter, &s);
	weft_sleep(20 * MS);
	EXPECT(atomic_load(&s.acquired) == 0, "semacquire returned with the count at 0");
	semrelease(&s.sema, false);
	EXPECT(join(s.done, 1, 10 * SEC) == 1, "semrelease did not wake the waiter");
	EXPECT(atomic_load(&s.acquired) == 1);
	weft_chan_free(s.done);
}

static const struct check checks[] = {
	{"mutex", check_mutex},
	{"waitgroup", check_waitgroup},
	{"note", check_note},
	{"lock", check_lock},
	{"sema", check_sema},
};

int weft_main(int argc, char **argv)
{
	return checks_main("sync", checks, nelem(checks), argc, argv);
}
