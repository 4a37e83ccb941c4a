/*
 * sync.c: checks of the ways goroutines and threads wait for each other:
 * weft_mutex, weft_waitgroup, weft_cond, weft_once and weft_rwmutex, the
 * runtime's semaphores and notify lists (runtime/sema.c), and its
 * futex-based locks and notes (runtime/lock_futex.c).
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

/* ---- cond ---- */

/* waitfor polls until *p == want (yielding, so that it works at one P),
 * for at most ns; returns whether it got there. */
static bool waitfor(int *p, int want, int64_t ns)
{
	int64_t end = weft_nanotime() + ns;
	while (atomic_load(p) != want) {
		if (weft_nanotime() > end)
			return false;
		weft_yield();
		weft_sleep(100000);
	}
	return true;
}

/* A bounded queue under a mutex, with a cond for each direction. */
enum { QCAP = 4, PRODUCERS = 6, CONSUMERS = 5, ITEMS = 600 };
struct queue {
	weft_mutex mu;
	weft_cond notempty, notfull;
	long buf[QCAP];
	int head, len;
	long produced, consumed, sum;
	weft_waitgroup wg;
};

static void producer(void *arg)
{
	struct queue *q = arg;

	for (long i = 1; i <= ITEMS; i++) {
		weft_mutex_lock(&q->mu);
		while (q->len == QCAP)
			weft_cond_wait(&q->notfull, &q->mu);
		q->buf[(q->head + q->len++) % QCAP] = i;
		q->produced++;
		weft_cond_signal(&q->notempty);
		weft_mutex_unlock(&q->mu);
		if (i % 7 == 0)
			weft_yield();
	}
	weft_waitgroup_done(&q->wg);
}

static void consumer(void *arg)
{
	struct queue *q = arg;

	for (;;) {
		weft_mutex_lock(&q->mu);
		while (q->len == 0 && q->produced < (long)PRODUCERS * ITEMS)
			weft_cond_wait(&q->notempty, &q->mu);
		if (q->len == 0) { /* everything is produced and taken */
			weft_mutex_unlock(&q->mu);
			break;
		}
		long v = q->buf[q->head];
		q->head = (q->head + 1) % QCAP;
		q->len--;
		q->consumed++;
		q->sum += v;
		if (q->produced == (long)PRODUCERS * ITEMS && q->len == 0)
			weft_cond_broadcast(&q->notempty); /* the others can stop */
		weft_cond_signal(&q->notfull);
		weft_mutex_unlock(&q->mu);
	}
	weft_waitgroup_done(&q->wg);
}

/* cond_prodcons: producers and consumers of a small bounded queue, each
 * waiting on a cond for room or for an item, pass every item once. */
static void check_cond_prodcons(void)
{
	struct queue *q = weft_alloc(sizeof *q);

	weft_waitgroup_add(&q->wg, PRODUCERS + CONSUMERS);
	for (int i = 0; i < CONSUMERS; i++)
		weft_go(consumer, q);
	for (int i = 0; i < PRODUCERS; i++)
		weft_go(producer, q);
	weft_waitgroup_wait(&q->wg);
	EXPECT(q->consumed == (long)PRODUCERS * ITEMS, "consumed %ld of %ld", q->consumed,
	       (long)PRODUCERS * ITEMS);
	EXPECT(q->sum == (long)PRODUCERS * ITEMS * (ITEMS + 1) / 2, "sum %ld", q->sum);
	EXPECT(q->len == 0);
	weft_free(q);
}

/* condtest: waiters count themselves under mu (then take their ticket
 * in weft_cond_wait before unlocking it), and count the wakeups. */
struct condtest {
	weft_mutex mu;
	weft_cond c;
	int waiting; /* under mu */
	int woken;   /* atomic */
	weft_chan *done;
};

static void cond_waiter(void *arg)
{
	struct condtest *t = arg;

	weft_mutex_lock(&t->mu);
	t->waiting++;
	weft_cond_wait(&t->c, &t->mu); /* once: a wakeup is what is counted */
	t->waiting--;
	atomic_xadd(&t->woken, 1);
	weft_mutex_unlock(&t->mu);
	signal_done(t->done);
}

/* waiting_is waits until n goroutines have counted themselves under mu,
 * and so hold their tickets. */
static bool waiting_is(struct condtest *t, int n)
{
	int64_t end = weft_nanotime() + 10 * SEC;
	for (;;) {
		weft_mutex_lock(&t->mu);
		int w = t->waiting;
		weft_mutex_unlock(&t->mu);
		if (w == n)
			return true;
		if (weft_nanotime() > end)
			return false;
		weft_sleep(100000);
	}
}

/* cond_signal: with N goroutines waiting, each signal wakes exactly one
 * of them; a broadcast then wakes the rest. */
static void check_cond_signal(void)
{
	enum { N = 5 };
	struct condtest t = {.done = weft_chan_make(sizeof(int), N)};

	for (int i = 0; i < N; i++)
		weft_go(cond_waiter, &t);
	REQUIRE(waiting_is(&t, N), "the waiters never all waited");
	for (int k = 1; k <= 2; k++) {
		weft_cond_signal(&t.c);
		EXPECT(join(t.done, 1, 10 * SEC) == 1, "signal %d woke nobody", k);
		weft_sleep(20 * MS); /* time for a second wakeup to show */
		EXPECT(atomic_load(&t.woken) == k, "%d signals woke %d waiters", k, atomic_load(&t.woken));
	}
	weft_cond_broadcast(&t.c);
	EXPECT(join(t.done, N - 2, 10 * SEC) == N - 2, "the broadcast did not wake the other %d", N - 2);
	EXPECT(atomic_load(&t.woken) == N, "woken %d of %d", atomic_load(&t.woken), N);
	EXPECT(t.c.head == NULL && t.c.tail == NULL, "waiters left on the list");
	weft_chan_free(t.done);
}

/* cond_broadcast: a broadcast wakes every waiter, with the mutex held or
 * not, and a second one with nobody waiting does nothing. */
static void check_cond_broadcast(void)
{
	enum { N = 40 };
	struct condtest t = {.done = weft_chan_make(sizeof(int), N)};

	for (int round = 0; round < 2; round++) {
		atomic_store(&t.woken, 0);
		for (int i = 0; i < N; i++)
			weft_go(cond_waiter, &t);
		REQUIRE(waiting_is(&t, N), "round %d: the waiters never all waited", round);
		if (round == 0) {
			weft_mutex_lock(&t.mu);
			weft_cond_broadcast(&t.c);
			weft_mutex_unlock(&t.mu);
		} else {
			weft_cond_broadcast(&t.c);
		}
		EXPECT(join(t.done, N, 10 * SEC) == N, "round %d: the broadcast did not wake all", round);
		EXPECT(atomic_load(&t.woken) == N, "round %d: woken %d of %d", round, atomic_load(&t.woken), N);
		weft_cond_broadcast(&t.c);
		EXPECT(t.c.wait == t.c.notify);
	}
	weft_chan_free(t.done);
}

/* cond_lost: a signal or broadcast with nobody waiting is lost: a
 * goroutine that waits afterwards is not woken by it. */
static void check_cond_lost(void)
{
	struct condtest t = {.done = weft_chan_make(sizeof(int), 1)};
	int v;

	weft_cond_signal(&t.c);
	weft_cond_broadcast(&t.c);
	weft_cond_signal(&t.c);
	weft_go(cond_waiter, &t);
	REQUIRE(waiting_is(&t, 1));
	EXPECT(recv_within(t.done, &v, 30 * MS) == -1, "an earlier signal woke a later waiter");
	EXPECT(atomic_load(&t.woken) == 0);
	weft_cond_signal(&t.c);
	EXPECT(join(t.done, 1, 10 * SEC) == 1, "the signal after the wait woke nobody");
	weft_chan_free(t.done);
}

/*
 * cond_ticket: a signal goes to a waiter that was waiting when it was
 * sent, even one not yet parked, and never to a later one that parked
 * first. Played on the notify list itself: take a ticket (as
 * weft_cond_wait does before it unlocks), let another goroutine wait and
 * park, signal (before that goroutine waits, or after), then wait on the
 * ticket: it returns at once, and the other goroutine is still waiting.
 */
struct ticketwait {
	NotifyList *l;
	uint32_t ticket;
	weft_chan *done;
};

static void ticket_waiter(void *arg)
{
	struct ticketwait *w = arg;

	notifyListWait(w->l, w->ticket);
	signal_done(w->done);
}

static void check_cond_ticket(void)
{
	struct condtest t = {.done = weft_chan_make(sizeof(int), 1)};
	struct ticketwait w = {(NotifyList *)&t.c, 0, weft_chan_make(sizeof(int), 1)};
	int v;

	for (int round = 0; round < 2; round++) {
		/* Round 0 signals before the other goroutine waits, round 1
		 * after it has parked: it is on the list, the ticket is not,
		 * and still the ticket is the one woken. */
		w.ticket = notifyListAdd(w.l);
		if (round == 0)
			weft_cond_signal(&t.c);
		weft_go(cond_waiter, &t);
		REQUIRE(waiting_is(&t, 1));
		weft_sleep(10 * MS); /* it parks */
		if (round == 1)
			weft_cond_signal(&t.c);
		/* Waiting on the signalled ticket returns at once (if it
		 * parked, nobody would wake it). */
		weft_go(ticket_waiter, &w);
		EXPECT(recv_within(w.done, &v, 10 * SEC) == 1, "round %d: the signalled ticket was not woken",
		       round);
		EXPECT(recv_within(t.done, &v, 30 * MS) == -1, "round %d: the signal woke the later waiter", round);
		weft_cond_signal(&t.c);
		EXPECT(join(t.done, 1, 10 * SEC) == 1, "round %d: the second signal woke nobody", round);
		REQUIRE(failures() == 0);
	}
	weft_chan_free(t.done);
	weft_chan_free(w.done);
}

/* ---- once ---- */

struct oncetest {
	weft_once once;
	int runs;        /* atomic */
	int value;       /* set by fn, after a sleep */
	weft_chan *gate; /* closed to start every caller at once */
	weft_chan *seen; /* each caller sends the value it saw */
};

static void once_fn(void *arg)
{
	struct oncetest *o = arg;

	atomic_xadd(&o->runs, 1);
	weft_sleep(5 * MS); /* the others arrive meanwhile */
	weft_yield();
	o->value = 42;
}

static void once_other(void *arg)
{
	struct oncetest *o = arg;
	o->value = -1; /* must never run */
}

static void once_caller(void *arg)
{
	struct oncetest *o = arg;
	int x;

	weft_chan_recv(o->gate, &x);
	weft_once_do(&o->once, once_fn, o);
	int v = o->value;
	weft_chan_send(o->seen, &v);
}

/* once: 64 goroutines call weft_once_do at once; fn (which sleeps) runs
 * exactly once, and every caller sees its result on return. Later calls,
 * with another fn, run nothing. */
static void check_once(void)
{
	enum { N = 64 };
	struct oncetest o = {.gate = weft_chan_make(sizeof(int), 0), .seen = weft_chan_make(sizeof(int), N)};

	for (int i = 0; i < N; i++)
		weft_go(once_caller, &o);
	weft_sleep(2 * MS);
	weft_chan_close(o.gate);
	for (int i = 0; i < N; i++) {
		int v = 0;
		REQUIRE(recv_within(o.seen, &v, 10 * SEC) == 1, "caller %d never returned", i);
		EXPECT(v == 42 || failures() >= 3, "a caller returned before fn was done: saw %d", v);
	}
	EXPECT(atomic_load(&o.runs) == 1, "fn ran %d times", atomic_load(&o.runs));
	weft_once_do(&o.once, once_other, &o);
	EXPECT(o.value == 42, "a second fn ran");
	EXPECT(o.once.done == 1 && o.once.m.state == 0);
	weft_chan_free(o.gate);
	weft_chan_free(o.seen);
}

/* ---- rwmutex ---- */

struct rwtest {
	weft_rwmutex rw;
	int inside;  /* readers inside (atomic) */
	int writers; /* writers inside (atomic) */
	long value;  /* written under the write lock */
	int bad;     /* invariant violations seen (atomic) */
	int all;     /* readers_together: the target */
	weft_waitgroup wg;
};

static void reader_together(void *arg)
{
	struct rwtest *t = arg;

	weft_rwmutex_rlock(&t->rw);
	atomic_xadd(&t->inside, 1);
	/* Stay until every reader is inside with us: they must be able to
	 * come in while we hold the read lock. */
	if (!waitfor(&t->inside, t->all, 10 * SEC))
		atomic_xadd(&t->bad, 1);
	weft_rwmutex_runlock(&t->rw);
	weft_waitgroup_done(&t->wg);
}

/* rwmutex_readers: readers hold the lock together: each waits, holding
 * it, until all N are inside (yielding, so at one P too). */
static void check_rwmutex_readers(void)
{
	enum { N = 16 };
	struct rwtest t = {.all = N};

	weft_waitgroup_add(&t.wg, N);
	for (int i = 0; i < N; i++)
		weft_go(reader_together, &t);
	weft_waitgroup_wait(&t.wg);
	EXPECT(atomic_load(&t.bad) == 0, "%d readers never saw all %d inside together", t.bad, N);
	EXPECT(t.rw.readercount == 0 && t.rw.readerwait == 0 && t.rw.w.state == 0,
	       "state left: count %d wait %d w %u", t.rw.readercount, t.rw.readerwait, t.rw.w.state);
}

static void rw_writer(void *arg)
{
	struct rwtest *t = arg;

	for (int i = 0; i < 300; i++) {
		weft_rwmutex_lock(&t->rw);
		if (atomic_xadd(&t->writers, 1) != 1 || atomic_load(&t->inside) != 0)
			atomic_xadd(&t->bad, 1);
		long v = t->value; /* odd while a writer is inside */
		t->value = v + 1;
		if (i % 10 == 0)
			weft_yield();
		t->value = v + 2;
		atomic_xadd(&t->writers, -1);
		weft_rwmutex_unlock(&t->rw);
	}
	weft_waitgroup_done(&t->wg);
}

static void rw_reader(void *arg)
{
	struct rwtest *t = arg;

	for (int i = 0; i < 600; i++) {
		weft_rwmutex_rlock(&t->rw);
		atomic_xadd(&t->inside, 1);
		if (atomic_load(&t->writers) != 0 || (t->value & 1) != 0)
			atomic_xadd(&t->bad, 1);
		if (i % 10 == 0)
			weft_yield();
		atomic_xadd(&t->inside, -1);
		weft_rwmutex_runlock(&t->rw);
	}
	weft_waitgroup_done(&t->wg);
}

/* rwmutex_writers: writers exclude each other and every reader: a writer
 * finds nobody else inside, readers never see a writer's half-done
 * update, and no update is lost. */
static void check_rwmutex_writers(void)
{
	enum { W = 4, R = 8 };
	struct rwtest t = {0};

	weft_waitgroup_add(&t.wg, W + R);
	for (int i = 0; i < R; i++)
		weft_go(rw_reader, &t);
	for (int i = 0; i < W; i++)
		weft_go(rw_writer, &t);
	weft_waitgroup_wait(&t.wg);
	EXPECT(atomic_load(&t.bad) == 0, "%d violations of exclusion", t.bad);
	EXPECT(t.value == 2L * W * 300, "value %ld, want %d", t.value, 2 * W * 300);
	EXPECT(t.rw.readercount == 0 && t.rw.readerwait == 0 && t.rw.w.state == 0,
	       "state left: count %d wait %d w %u", t.rw.readercount, t.rw.readerwait, t.rw.w.state);
}

/* The writer preference check's goroutines and what they saw. */
struct preftest {
	weft_rwmutex rw;
	int step;         /* atomic: how far the run got */
	int writer_in;    /* the writer holds the lock (atomic) */
	int writer_out;   /* the writer has unlocked (atomic) */
	int reader_in;    /* the late reader holds the read lock (atomic) */
	int reader_saw;   /* writer_out when the late reader got in */
	weft_chan *done;
};

static void pref_writer(void *arg)
{
	struct preftest *p = arg;

	weft_rwmutex_lock(&p->rw);
	atomic_store(&p->writer_in, 1);
	weft_sleep(10 * MS); /* the late reader must still wait */
	if (atomic_load(&p->reader_in))
		atomic_store(&p->reader_saw, -1);
	atomic_store(&p->writer_out, 1);
	weft_rwmutex_unlock(&p->rw);
	signal_done(p->done);
}

static void pref_reader(void *arg)
{
	struct preftest *p = arg;

	weft_rwmutex_rlock(&p->rw);
	if (atomic_load(&p->reader_saw) == 0)
		atomic_store(&p->reader_saw, atomic_load(&p->writer_out) ? 1 : 2);
	atomic_store(&p->reader_in, 1);
	weft_rwmutex_runlock(&p->rw);
	signal_done(p->done);
}

/*
 * rwmutex_writer_preference: while a writer waits for a reader to leave,
 * a new reader is kept out, though only readers hold the lock; it gets
 * in after the writer is done. Main read-locks, a writer blocks (seen in
 * the count, which turns negative), a second reader comes and must wait
 * behind the writer.
 */
static void check_rwmutex_writer_preference(void)
{
	struct preftest p = {.done = weft_chan_make(sizeof(int), 2)};

	weft_rwmutex_rlock(&p.rw);
	weft_go(pref_writer, &p);
	int64_t end = weft_nanotime() + 10 * SEC;
	while (atomic_load(&p.rw.readercount) >= 0 && weft_nanotime() < end)
		weft_sleep(100000);
	REQUIRE(atomic_load(&p.rw.readercount) < 0, "the writer never announced itself");
	weft_go(pref_reader, &p);
	weft_sleep(20 * MS);
	EXPECT(!atomic_load(&p.reader_in), "a reader got in while a writer waited");
	EXPECT(!atomic_load(&p.writer_in), "the writer got in while a reader held the lock");
	weft_rwmutex_runlock(&p.rw);
	EXPECT(join(p.done, 2, 10 * SEC) == 2, "the writer or the late reader never finished");
	EXPECT(p.reader_saw == 1, "the late reader got in %s", p.reader_saw == 2 ? "before the writer unlocked"
							      : "while the writer held the lock");
	EXPECT(p.rw.readercount == 0 && p.rw.readerwait == 0 && p.rw.w.state == 0);
	weft_chan_free(p.done);
}

/* The zero-value check's goroutines. */
static void zero_fn(void *arg)
{
	(*(int *)arg)++;
}

/* zero: freshly zeroed objects (weft_alloc zeroes) work with no set-up:
 * a cond, a once, an rwmutex. */
static void check_zero(void)
{
	struct {
		weft_once o;
		weft_rwmutex rw;
		weft_cond c;
		weft_mutex mu;
	} *z = weft_alloc(sizeof *z);
	int n = 0;

	weft_once_do(&z->o, zero_fn, &n);
	weft_once_do(&z->o, zero_fn, &n);
	EXPECT(n == 1, "fn ran %d times", n);
	weft_rwmutex_rlock(&z->rw);
	weft_rwmutex_rlock(&z->rw);
	weft_rwmutex_runlock(&z->rw);
	weft_rwmutex_runlock(&z->rw);
	weft_rwmutex_lock(&z->rw);
	weft_rwmutex_unlock(&z->rw);
	EXPECT(z->rw.readercount == 0 && z->rw.w.state == 0);
	weft_cond_signal(&z->c);
	weft_cond_broadcast(&z->c);
	EXPECT(z->c.wait == 0 && z->c.notify == 0 && z->c.head == NULL);
	weft_free(z);
}

static const struct check checks[] = {
	{"mutex", check_mutex},
	{"waitgroup", check_waitgroup},
	{"note", check_note},
	{"lock", check_lock},
	{"sema", check_sema},
	{"cond_prodcons", check_cond_prodcons},
	{"cond_signal", check_cond_signal},
	{"cond_broadcast", check_cond_broadcast},
	{"cond_lost", check_cond_lost},
	{"cond_ticket", check_cond_ticket},
	{"once", check_once},
	{"rwmutex_readers", check_rwmutex_readers},
	{"rwmutex_writers", check_rwmutex_writers},
	{"rwmutex_writer_preference", check_rwmutex_writer_preference},
	{"zero", check_zero},
};

int weft_main(int argc, char **argv)
{
	return checks_main("sync", checks, nelem(checks), argc, argv);
}
