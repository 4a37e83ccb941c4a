/*
 * proc.c: checks of goroutines and the scheduler (runtime/proc.c):
 * goroutine ids, the number of Ps, yielding, the run queues and stealing,
 * many goroutines at once, goroutine status, the scheduler's random
 * numbers, changing the number of Ps (weft_setmaxprocs) and ending a
 * goroutine early (weft_goexit).
 *
 * A check program (test/prog/check.h): "proc" runs every check, "proc
 * NAME" the one called NAME, "proc -list" names them. test/proc_test.c
 * runs it at several WEFTMAXPROCS, natively, hosted and on arm64 under
 * qemu.
 */
#include "runtime.h"

#include "check.h"

static void goid_child(void *arg)
{
	int64_t id = weft_goid();

	if (getg()->goid != id)
		id = -id; /* reported as a failure below */
	weft_chan_send(arg, &id);
}

/* goid: main is goroutine 1; every goroutine has its own id. */
static void check_goid(void)
{
	enum { N = 200 };
	int64_t ids[N];
	int got = 0;

	EXPECT(weft_goid() == 1, "weft_main runs as goroutine %lld", (long long)weft_goid());
	EXPECT(getg()->goid == weft_goid());
	weft_chan *c = weft_chan_make(sizeof(int64_t), N);
	for (int i = 0; i < N; i++)
		weft_go(goid_child, c);
	for (; got < N; got++)
		if (recv_within(c, &ids[got], 10 * SEC) != 1)
			break;
	REQUIRE(got == N, "only %d of %d goroutines reported", got, N);
	int dups = 0, bad = 0;
	for (int i = 0; i < N; i++) {
		if (ids[i] <= 1)
			bad++;
		for (int j = 0; j < i; j++)
			if (ids[i] == ids[j])
				dups++;
	}
	EXPECT(bad == 0, "%d goroutines had an id <= 1 or disagreed with getg()->goid", bad);
	EXPECT(dups == 0, "%d duplicate goroutine ids", dups);
	weft_chan_free(c);
}

/* gomaxprocs: WEFTMAXPROCS when set, else the CPUs this process may use. */
static void check_gomaxprocs(void)
{
	int n = weft_gomaxprocs();
	const char *e = weft_getenv("WEFTMAXPROCS");

	EXPECT(n >= 1 && n <= MAX_PROCS, "weft_gomaxprocs() = %d", n);
	EXPECT(n == gomaxprocs, "weft_gomaxprocs() = %d, gomaxprocs = %d", n, (int)gomaxprocs);
	if (e != NULL && *e != '\0') {
		bool ok;
		int64_t v = rt_atoi(e, &ok);
		if (ok && v >= 1 && v <= MAX_PROCS)
			EXPECT(n == v, "WEFTMAXPROCS=%s but weft_gomaxprocs() = %d", e, n);
	} else {
		unsigned char mask[128];
		long r = sys_sched_getaffinity(sizeof mask, mask);
		if (r > 0) {
			int cpus = 0;
			for (long i = 0; i < r; i++)
				cpus += __builtin_popcount(mask[i]);
			if (cpus > MAX_PROCS)
				cpus = MAX_PROCS;
			EXPECT(n == cpus, "%d CPUs in the affinity mask, weft_gomaxprocs() = %d", cpus, n);
		}
	}
	for (int i = 0; i < n; i++)
		EXPECT(allp[i] != NULL && allp[i]->id == i, "allp[%d]", i);
}

static void set_flag(void *arg)
{
	atomic_store((int *)arg, 1);
}

/* yield: a goroutine that only yields lets the others run, even on one P. */
static void check_yield(void)
{
	int flag = 0;
	long i;

	weft_go(set_flag, &flag);
	for (i = 0; i < 10000000 && !atomic_load(&flag); i++)
		weft_yield();
	EXPECT(atomic_load(&flag) == 1, "the other goroutine never ran in %ld yields", i);
	/* Let it finish before flag goes out of scope. */
	for (int k = 0; k < 100; k++)
		weft_yield();
}

enum { RQ_N = 3000, TREE_DEPTH = 10 };
static uint8_t rq_seen[RQ_N];
static weft_waitgroup rq_wg;
static int tree_count;
static weft_waitgroup tree_wg;

static void rq_mark(void *arg)
{
	__atomic_add_fetch(&rq_seen[(uintptr_t)arg], 1, __ATOMIC_SEQ_CST);
	weft_waitgroup_done(&rq_wg);
}

static void tree(void *arg)
{
	uintptr_t depth = (uintptr_t)arg;

	atomic_xadd(&tree_count, 1);
	if (depth > 0) {
		weft_waitgroup_add(&tree_wg, 2);
		weft_go(tree, (void *)(depth - 1));
		weft_go(tree, (void *)(depth - 1));
	}
	weft_waitgroup_done(&tree_wg);
}

/* runq: more goroutines than a run queue holds (RUNQ_SIZE) each run exactly
 * once, whether started by main or by goroutines started by goroutines. */
static void check_runq(void)
{
	memset(rq_seen, 0, sizeof rq_seen);
	weft_waitgroup_add(&rq_wg, RQ_N);
	for (uintptr_t i = 0; i < RQ_N; i++)
		weft_go(rq_mark, (void *)i);
	weft_waitgroup_wait(&rq_wg);
	int bad = 0, first = -1;
	for (int i = 0; i < RQ_N; i++)
		if (rq_seen[i] != 1 && bad++ == 0)
			first = i;
	EXPECT(bad == 0, "%d goroutines ran a number of times other than once (first: #%d ran %d times)",
	       bad, first, first >= 0 ? rq_seen[first] : 0);

	tree_count = 0;
	weft_waitgroup_add(&tree_wg, 1);
	weft_go(tree, (void *)(uintptr_t)TREE_DEPTH);
	weft_waitgroup_wait(&tree_wg);
	EXPECT(tree_count == (1 << (TREE_DEPTH + 1)) - 1, "tree of goroutines: %d ran, want %d",
	       tree_count, (1 << (TREE_DEPTH + 1)) - 1);
}

static uint64_t steal_pmask[MAX_PROCS / 64 + 1];
static int steal_badp;

static void steal_mark(void)
{
	M *mp = acquirem(); /* not preempted while it reads its M's P */
	P *p = mp->p;

	if (p == NULL || p->id < 0 || p->id >= gomaxprocs)
		atomic_xadd(&steal_badp, 1);
	else
		__atomic_fetch_or(&steal_pmask[p->id / 64], 1ULL << (p->id % 64), __ATOMIC_SEQ_CST);
	releasem(mp);
}

static void spinner(void *arg)
{
	int64_t end = weft_nanotime() + 5 * MS;

	steal_mark();
	while (weft_nanotime() < end)
		;
	steal_mark();
	signal_done(arg);
}

/* steal: with several Ps, goroutines that keep their P busy are spread over
 * more than one P (idle Ps wake up and steal); with one P, only P 0 runs. */
static void check_steal(void)
{
	enum { N = 32 };
	weft_chan *done = weft_chan_make(sizeof(int), N);

	memset(steal_pmask, 0, sizeof steal_pmask);
	steal_badp = 0;
	for (int i = 0; i < N; i++)
		weft_go(spinner, done);
	int got = join(done, N, 30 * SEC);
	REQUIRE(got == N, "only %d of %d spinners finished", got, N);
	int used = 0;
	for (size_t i = 0; i < nelem(steal_pmask); i++)
		used += __builtin_popcountll(steal_pmask[i]);
	EXPECT(steal_badp == 0, "%d times a running goroutine had no P or a bad P id", steal_badp);
	if (weft_gomaxprocs() == 1)
		EXPECT(used == 1 && steal_pmask[0] == 1, "one P, yet %d Ps ran goroutines", used);
	else
		EXPECT(used >= 2, "%d Ps, %d busy goroutines, but only %d P ran them",
		       weft_gomaxprocs(), N, used);
	weft_chan_free(done);
}

/* ---- many goroutines ---- */

static int many_started, many_released;

struct many {
	weft_chan *gate;
	weft_waitgroup wg;
};

static void many_member(void *arg)
{
	struct many *m = arg;
	int v = 1;

	atomic_xadd(&many_started, 1);
	if (!weft_chan_recv(m->gate, &v) && v == 0)
		atomic_xadd(&many_released, 1);
	weft_waitgroup_done(&m->wg);
}

/* many: 100000 goroutines alive at once, all blocked on one channel;
 * closing it releases every one. WEFT_TEST_MANY sets another number:
 * under qemu-user, which ignores MADV_GUARD_INSTALL, each stack costs two
 * mappings and the kernel's mapping limit allows about 32000 (stack.c). */
static void check_many(void)
{
	struct many m = {weft_chan_make(sizeof(int), 0), {0, 0}};
	int MANY = 100000;
	const char *e = weft_getenv("WEFT_TEST_MANY");

	if (e != NULL) {
		bool ok;
		int64_t v = rt_atoi(e, &ok);
		REQUIRE(ok && v > 0 && v <= 10000000, "bad WEFT_TEST_MANY=%s", e);
		MANY = (int)v;
	}
	weft_printf("many: %d goroutines\n", MANY);
	many_started = many_released = 0;
	weft_waitgroup_add(&m.wg, MANY);
	for (int i = 0; i < MANY; i++)
		weft_go(many_member, &m);
	int64_t deadline = weft_nanotime() + 120 * SEC;
	while (atomic_load(&many_started) < MANY && weft_nanotime() < deadline)
		weft_sleep(MS);
	REQUIRE(atomic_load(&many_started) == MANY, "only %d of %d goroutines started", many_started, MANY);
	weft_sleep(10 * MS);
	EXPECT(atomic_load(&many_released) == 0, "%d released before the close", many_released);
	weft_chan_close(m.gate);
	weft_waitgroup_wait(&m.wg);
	EXPECT(many_released == MANY, "%d of %d released", many_released, MANY);
	weft_chan_free(m.gate);
}

/* ---- goroutine status, random numbers ---- */

/* status: the running goroutine is Grunning; wait reasons read as Go's. */
static void check_status(void)
{
	EXPECT(readgstatus(getg()) == Grunning, "status %u", readgstatus(getg()));
	M *mp = acquirem();
	bool curg = mp->curg == getg(), running = mp->p != NULL && mp->p->status == Prunning;
	releasem(mp);
	EXPECT(curg, "m->curg is not the running G");
	EXPECT(running);
	EXPECT(streq(waitreason_string(WaitReasonChanReceive), "chan receive"));
	EXPECT(streq(waitreason_string(WaitReasonSleep), "sleep"));
}

/* rand: cheaprandn stays in range and is roughly uniform. */
static void check_rand(void)
{
	int count[10] = {0}, out = 0;

	for (int i = 0; i < 100000; i++) {
		uint32_t r = cheaprandn(10);
		if (r >= 10)
			out++;
		else
			count[r]++;
	}
	EXPECT(out == 0, "%d values out of range", out);
	for (int i = 0; i < 10; i++)
		EXPECT(count[i] > 9000 && count[i] < 11000, "bucket %d: %d of 100000", i, count[i]);
	uint32_t a = cheaprand(), same = 0;
	for (int i = 0; i < 100; i++)
		same += cheaprand() == a;
	EXPECT(same < 5, "cheaprand repeats itself");
}

/* ---- weft_setmaxprocs ---- */

/* setmaxprocs: it returns the previous count and sets the new one; n < 1
 * only reads; n above MAX_PROCS sets MAX_PROCS; every P below the count
 * exists with its id, the caller's P among them, running; and the
 * original count comes back. */
static void check_setmaxprocs(void)
{
	int orig = weft_gomaxprocs();

	EXPECT(weft_setmaxprocs(0) == orig, "n = 0 must only read");
	EXPECT(weft_setmaxprocs(-5) == orig, "n < 0 must only read");
	EXPECT(weft_gomaxprocs() == orig, "reading changed the count to %d", weft_gomaxprocs());
	int seq[] = {3, 1, 8, 8, 2, 5, 1};
	int prev = orig;
	for (size_t i = 0; i < nelem(seq); i++) {
		int r = weft_setmaxprocs(seq[i]);
		EXPECT(r == prev, "weft_setmaxprocs(%d) returned %d, want %d", seq[i], r, prev);
		EXPECT(weft_gomaxprocs() == seq[i], "weft_gomaxprocs() = %d after setting %d", weft_gomaxprocs(),
		       seq[i]);
		M *mp = acquirem();
		P *pp = mp->p;
		int ppid = pp ? pp->id : -1;
		uint32_t ppstatus = pp ? pp->status : 0;
		releasem(mp);
		EXPECT(pp != NULL && ppid < seq[i] && ppstatus == Prunning,
		       "after setting %d the caller runs on P %d (status %u)", seq[i], ppid, ppstatus);
		for (int k = 0; k < seq[i]; k++)
			EXPECT(allp[k] != NULL && allp[k]->id == k && allp[k]->status != Pdead, "allp[%d]", k);
		if (seq[i] < MAX_PROCS && allp[seq[i]] != NULL)
			EXPECT(allp[seq[i]]->status == Pdead, "P %d beyond the count is not dead", seq[i]);
		prev = seq[i];
	}
	EXPECT(weft_setmaxprocs(MAX_PROCS + 100) == prev);
	EXPECT(weft_gomaxprocs() == MAX_PROCS, "setting MAX_PROCS+100 gave %d Ps", weft_gomaxprocs());
	EXPECT(weft_setmaxprocs(orig) == MAX_PROCS);
	EXPECT(weft_gomaxprocs() == orig, "the count did not come back to %d: %d", orig, weft_gomaxprocs());
	EXPECT(weft_setmaxprocs(orig) == orig, "setting the same count again");
}

/* The busy check's goroutines: each kind counts what it did. A running
 * goroutine always holds a P below the count (the count changes only
 * while every P is stopped). */
enum { BUSY_YIELDERS = 16, BUSY_YIELDS = 20000, BUSY_PAIRS = 8, BUSY_MSGS = 2000, BUSY_SLEEPERS = 16,
       BUSY_SLEEPS = 20, BUSY_AFTERS = 200 };
static int64_t busy_yields, busy_recvsum, busy_sleeps, busy_fired, busy_badp;
static weft_waitgroup busy_wg;

static void busy_checkp(void)
{
	M *mp = acquirem();
	P *pp = mp->p;
	if (pp == NULL || pp->id >= atomic_load(&gomaxprocs) || pp->status != Prunning)
		atomic_xadd(&busy_badp, 1);
	releasem(mp);
}

static void busy_yielder(void *arg)
{
	(void)arg;
	for (int i = 0; i < BUSY_YIELDS; i++) {
		busy_checkp();
		atomic_xadd(&busy_yields, 1);
		weft_yield();
	}
	weft_waitgroup_done(&busy_wg);
}

static void busy_sender(void *arg)
{
	for (int64_t i = 1; i <= BUSY_MSGS; i++) {
		busy_checkp();
		weft_chan_send(arg, &i);
	}
	weft_waitgroup_done(&busy_wg);
}

static void busy_receiver(void *arg)
{
	int64_t v;
	for (int i = 0; i < BUSY_MSGS; i++) {
		weft_chan_recv(arg, &v);
		busy_checkp();
		atomic_xadd(&busy_recvsum, v);
	}
	weft_waitgroup_done(&busy_wg);
}

static void busy_sleeper(void *arg)
{
	int64_t ns = (int64_t)(uintptr_t)arg;
	for (int i = 0; i < BUSY_SLEEPS; i++) {
		int64_t t0 = weft_nanotime();
		weft_sleep(ns);
		busy_checkp();
		if (weft_nanotime() - t0 >= ns)
			atomic_xadd(&busy_sleeps, 1);
	}
	weft_waitgroup_done(&busy_wg);
}

/* busy_afters waits for BUSY_AFTERS timers made at once, due over 40 ms,
 * each fired (a value) and not early. */
static void busy_afters(void *arg)
{
	(void)arg;
	weft_chan *c[BUSY_AFTERS];
	int64_t t0 = weft_nanotime();
	for (int i = 0; i < BUSY_AFTERS; i++)
		c[i] = weft_after((int64_t)(i % 40) * MS + 1);
	for (int i = 0; i < BUSY_AFTERS; i++) {
		int64_t when = 0;
		if (weft_chan_recv(c[i], &when) && when >= t0 + (int64_t)(i % 40) * MS)
			atomic_xadd(&busy_fired, 1);
		weft_chan_free(c[i]);
	}
	weft_waitgroup_done(&busy_wg);
}

static void busy_waiter(void *arg)
{
	weft_waitgroup_wait(&busy_wg);
	signal_done(arg);
}

/* setmaxprocs_busy: the count goes down to 1 and up to 8, over and over,
 * while goroutines yield, pass values over channels, sleep and wait for
 * timers: every goroutine finishes, every value arrives, every sleep and
 * every timer ends on time, and no running goroutine ever holds a P
 * beyond the count. */
static void check_setmaxprocs_busy(void)
{
	int orig = weft_gomaxprocs();
	busy_yields = busy_recvsum = busy_sleeps = busy_fired = busy_badp = 0;
	weft_chan *chans[BUSY_PAIRS];

	weft_waitgroup_add(&busy_wg, BUSY_YIELDERS + 2 * BUSY_PAIRS + BUSY_SLEEPERS + 1);
	for (int i = 0; i < BUSY_YIELDERS; i++)
		weft_go(busy_yielder, NULL);
	for (int i = 0; i < BUSY_PAIRS; i++) {
		chans[i] = weft_chan_make(sizeof(int64_t), (size_t)(i % 2) * 4);
		weft_go(busy_sender, chans[i]);
		weft_go(busy_receiver, chans[i]);
	}
	for (int i = 0; i < BUSY_SLEEPERS; i++)
		weft_go(busy_sleeper, (void *)(uintptr_t)((i % 4 + 1) * 200000));
	weft_go(busy_afters, NULL);
	weft_chan *done = weft_chan_make(sizeof(int), 1);
	weft_go(busy_waiter, done);

	/* Change the count until the goroutines are done (or 100 times),
	 * then leave it at 1 until they are: a goroutine left on a P that
	 * went away would never run again. */
	static const int counts[] = {1, 8, 1, 2, 8, 4, 1, 8, 3, 1, 8};
	int prev = orig, rounds = 0, v = 0;
	bool finished = false;
	while (!finished && rounds < 100) {
		int n = counts[rounds % nelem(counts)];
		int r = weft_setmaxprocs(n);
		EXPECT(r == prev, "round %d: weft_setmaxprocs(%d) returned %d, want %d", rounds, n, r, prev);
		prev = n;
		rounds++;
		weft_case cs[1] = {{.chan = done, .dir = WEFT_RECV, .elem = &v}};
		finished = weft_select(cs, 1, false) == 0;
		if (rounds % 3 == 0)
			weft_sleep(100000);
		else
			weft_yield();
	}
	weft_printf("setmaxprocs_busy: %d changes of the count\n", rounds);
	if (!finished) {
		weft_setmaxprocs(1);
		EXPECT(recv_within(done, &v, 60 * SEC) == 1, "at 1 P, the goroutines did not finish in 60 s");
	}
	weft_setmaxprocs(orig);
	EXPECT(rounds >= 3, "only %d changes of the count", rounds);
	EXPECT(busy_badp == 0, "%lld times a running goroutine held a P beyond the count", (long long)busy_badp);
	EXPECT(busy_yields == BUSY_YIELDERS * BUSY_YIELDS, "%lld yields, want %d", (long long)busy_yields,
	       BUSY_YIELDERS * BUSY_YIELDS);
	EXPECT(busy_recvsum == (int64_t)BUSY_PAIRS * BUSY_MSGS * (BUSY_MSGS + 1) / 2, "received sum %lld, want %lld",
	       (long long)busy_recvsum, (long long)BUSY_PAIRS * BUSY_MSGS * (BUSY_MSGS + 1) / 2);
	EXPECT(busy_sleeps == BUSY_SLEEPERS * BUSY_SLEEPS, "%lld sleeps ended on time, want %d",
	       (long long)busy_sleeps, BUSY_SLEEPERS * BUSY_SLEEPS);
	EXPECT(busy_fired == BUSY_AFTERS, "%lld timers fired on time, want %d", (long long)busy_fired, BUSY_AFTERS);
	EXPECT(timers_len() == 0, "%d timers still pending", (int)timers_len());
	for (int i = 0; i < BUSY_PAIRS; i++)
		weft_chan_free(chans[i]);
	weft_chan_free(done);
}

/* The caller's own P goes away: the goroutine that shrinks the count
 * runs on P 0 afterwards. */
static int callerp_claimed, callerp_stop;
static weft_waitgroup callerp_wg;

static void callerp_member(void *arg)
{
	int *result = arg; /* [0]: the P it ran on before, [1]: after, [2]: the count after */
	int64_t end = weft_nanotime() + 20 * SEC;
	while (!atomic_load(&callerp_stop) && weft_nanotime() < end) {
		M *mp = acquirem();
		int id = mp->p->id;
		releasem(mp);
		if (id != 0 && atomic_cas(&callerp_claimed, 0, 1)) {
			result[0] = id;
			weft_setmaxprocs(1);
			mp = acquirem();
			P *now = mp->p;
			result[1] = now->id;
			result[2] = now == allp[0] && now->status == Prunning && now->m == mp ? atomic_load(&gomaxprocs) : -1;
			releasem(mp);
			atomic_store(&callerp_stop, 1);
			break;
		}
		weft_yield();
	}
	weft_waitgroup_done(&callerp_wg);
}

static void check_setmaxprocs_callerp(void)
{
	int orig = weft_gomaxprocs();
	int result[3] = {-1, -1, -1};
	callerp_claimed = callerp_stop = 0;

	weft_setmaxprocs(4);
	weft_waitgroup_add(&callerp_wg, 8);
	for (int i = 0; i < 8; i++)
		weft_go(callerp_member, result);
	weft_waitgroup_wait(&callerp_wg);
	weft_setmaxprocs(orig);
	REQUIRE(callerp_claimed == 1, "no goroutine ran on a P other than 0 in 20 s at 4 Ps");
	EXPECT(result[0] >= 1 && result[0] < 4, "it ran on P %d before", result[0]);
	EXPECT(result[1] == 0 && result[2] == 1, "after shrinking to 1 from P %d it runs on P %d (count %d)",
	       result[0], result[1], result[2]);
}

/* ---- weft_goexit ---- */

static int goexit_after; /* code after weft_goexit ran */
/* Called through a pointer, so that the compiler, not knowing it never
 * returns, keeps the code after each call (and sees no endless
 * recursion in goexit_deep). */
static void (*volatile goexit_call)(void) = weft_goexit;

static __attribute__((noinline)) void goexit_deep(int depth)
{
	if (depth > 0)
		goexit_deep(depth - 1);
	else
		goexit_call();
	atomic_xadd(&goexit_after, 1); /* never */
}

struct goexit_arg {
	weft_chan *c;
	int depth;
};

static void goexit_child(void *arg)
{
	struct goexit_arg *a = arg;
	G *self = getg();
	weft_chan_send(a->c, &self);
	goexit_deep(a->depth);
	atomic_xadd(&goexit_after, 1); /* never */
}

/* allgs_count counts the Gs ever made (allgs never shrinks). */
static int allgs_count(void)
{
	int n = 0;
	for (G *gp = atomic_load(&allgs); gp; gp = atomic_load(&gp->alllink))
		n++;
	return n;
}

/* goexit: weft_goexit from nested calls (3 and 200 frames down) ends
 * the goroutine there: nothing after it runs, the G is dead (Go would run
 * its deferred calls first; weft has none), and dead Gs are reused, so
 * goroutines that end that way, over and over, make no new ones. */
static void check_goexit(void)
{
	enum { N = 300 };
	weft_chan *c = weft_chan_make(sizeof(G *), N);
	G *gs[N];
	int64_t ids[N];
	goexit_after = 0;

	struct goexit_arg shallow = {c, 3}, deep = {c, 200};
	for (int round = 0; round < 3; round++) {
		int before = allgs_count();
		for (int i = 0; i < N; i++)
			weft_go(goexit_child, i % 2 ? &deep : &shallow);
		for (int i = 0; i < N; i++) {
			REQUIRE(recv_within(c, &gs[i], 10 * SEC) == 1, "goroutine %d of %d never started", i, N);
			ids[i] = gs[i]->goid;
		}
		/* Each ends right after its send: dead, or dead and reused
		 * by a later goroutine of this round (a new id). */
		int64_t deadline = weft_nanotime() + 10 * SEC;
		for (int i = 0; i < N; i++) {
			while (readgstatus(gs[i]) != Gdead && gs[i]->goid == ids[i] && weft_nanotime() < deadline)
				weft_sleep(100000);
			EXPECT(readgstatus(gs[i]) == Gdead || gs[i]->goid != ids[i],
			       "goroutine %lld did not end (status %u)", (long long)ids[i], readgstatus(gs[i]));
		}
		if (round > 0)
			EXPECT(allgs_count() <= before + 8,
			       "round %d made %d new Gs for %d goroutines that all ended by weft_goexit", round,
			       allgs_count() - before, N);
	}
	EXPECT(goexit_after == 0, "code after weft_goexit ran %d times", goexit_after);
	weft_chan_free(c);
}

static const struct check checks[] = {
	{"goid", check_goid},
	{"gomaxprocs", check_gomaxprocs},
	{"yield", check_yield},
	{"runq", check_runq},
	{"steal", check_steal},
	{"many", check_many},
	{"status", check_status},
	{"rand", check_rand},
	{"setmaxprocs", check_setmaxprocs},
	{"setmaxprocs_busy", check_setmaxprocs_busy},
	{"setmaxprocs_callerp", check_setmaxprocs_callerp},
	{"goexit", check_goexit},
};

int weft_main(int argc, char **argv)
{
	return checks_main("proc", checks, nelem(checks), argc, argv);
}
