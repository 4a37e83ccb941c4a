/*
 * proc.c: checks of goroutines and the scheduler (runtime/proc.c):
 * goroutine ids, the number of Ps, yielding, the run queues and stealing,
 * many goroutines at once, goroutine status, the scheduler's random
 * numbers.
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
	P *p = getm()->p;

	if (p == NULL || p->id < 0 || p->id >= gomaxprocs) {
		atomic_xadd(&steal_badp, 1);
		return;
	}
	__atomic_fetch_or(&steal_pmask[p->id / 64], 1ULL << (p->id % 64), __ATOMIC_SEQ_CST);
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
	EXPECT(getm() != NULL && getm()->curg == getg(), "m->curg is not the running G");
	EXPECT(getm()->p != NULL && getm()->p->status == Prunning);
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

static const struct check checks[] = {
	{"goid", check_goid},
	{"gomaxprocs", check_gomaxprocs},
	{"yield", check_yield},
	{"runq", check_runq},
	{"steal", check_steal},
	{"many", check_many},
	{"status", check_status},
	{"rand", check_rand},
};

int weft_main(int argc, char **argv)
{
	return checks_main("proc", checks, nelem(checks), argc, argv);
}
