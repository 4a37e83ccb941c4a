/*
 * malloc.c: checks of weft_alloc and weft_free (runtime/malloc.c), and of
 * what counts memory and goroutines: weft_read_memstats (malloc.c, with
 * stack.c's and proc.c's counts) and weft_numgoroutine (proc.c).
 *
 * A check program (test/prog/check.h): "malloc" runs every check, "malloc
 * NAME" the one called NAME, "malloc -list" names them. test/malloc_test.c
 * runs it at several WEFTMAXPROCS, natively, hosted and on arm64 under
 * qemu.
 */
#include "runtime.h"

#include "check.h"

struct allocw {
	int *nonzero;
	weft_chan *done;
};

static void alloc_worker(void *arg)
{
	struct allocw *a = arg;

	for (int round = 0; round < 200; round++) {
		size_t n = 8 + cheaprandn(500);
		unsigned char *p = weft_alloc(n);
		for (size_t i = 0; i < n; i++)
			if (p[i] != 0) {
				atomic_xadd(a->nonzero, 1);
				break;
			}
		memset(p, 0xab, n);
		weft_yield();
		weft_free(p);
	}
	signal_done(a->done);
}

/* alloc: weft_alloc gives zeroed, aligned, distinct memory, also after
 * frees and from many goroutines at once. */
static void check_alloc(void)
{
	static const size_t sizes[] = {1, 7, 16, 100, 4096, 65536, 1 << 20, 8 << 20};
	enum { N = 1000 };
	static unsigned char *ps[N];

	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < nelem(sizes); i++) {
			unsigned char *p = weft_alloc(sizes[i]);
			REQUIRE(p != NULL, "weft_alloc(%zu) = NULL", sizes[i]);
			EXPECT(((uintptr_t)p & (_Alignof(max_align_t) - 1)) == 0, "weft_alloc(%zu) = %p",
			       sizes[i], (void *)p);
			size_t nz = 0;
			for (size_t k = 0; k < sizes[i]; k++)
				nz += p[k] != 0;
			EXPECT(nz == 0, "round %d: weft_alloc(%zu): %zu non-zero bytes", round, sizes[i], nz);
			memset(p, 0xcd, sizes[i]); /* dirty it for the next round */
			weft_free(p);
		}
	}
	for (int i = 0; i < N; i++) {
		ps[i] = weft_alloc(24);
		memset(ps[i], i & 0xff, 24);
	}
	int bad = 0;
	for (int i = 0; i < N; i++) {
		for (int k = 0; k < 24; k++)
			if (ps[i][k] != (i & 0xff))
				bad++;
		weft_free(ps[i]);
	}
	EXPECT(bad == 0, "%d bytes of 1000 live blocks overwritten: blocks overlap", bad);

	int nonzero = 0;
	struct allocw aw = {&nonzero, weft_chan_make(sizeof(int), 8)};
	for (int i = 0; i < 8; i++)
		weft_go(alloc_worker, &aw);
	REQUIRE(join(aw.done, 8, 30 * SEC) == 8, "the allocating goroutines never finished");
	EXPECT(nonzero == 0, "%d concurrent allocations were not zeroed", nonzero);
	weft_chan_free(aw.done);
}

/* settle waits (up to 5 s) until weft_numgoroutine has held still for
 * 20 ms, for goroutines of earlier checks to finish exiting, and returns
 * it. */
static int settle(void)
{
	int n = weft_numgoroutine();
	for (int still = 0, i = 0; still < 20 && i < 5000; i++) {
		weft_sleep(MS);
		int m = weft_numgoroutine();
		still = m == n ? still + 1 : 0;
		n = m;
	}
	return n;
}

/* until_count polls weft_numgoroutine until it is want, up to 5 s, and
 * returns what it last saw. */
static int until_count(int want)
{
	int n = weft_numgoroutine();
	for (int i = 0; i < 5000 && n != want; i++) {
		weft_sleep(MS);
		n = weft_numgoroutine();
	}
	return n;
}

struct blocker {
	weft_chan *release; /* closed to let them go */
	weft_waitgroup *started, *exited;
};

static void blocker(void *arg)
{
	struct blocker *b = arg;
	int v;

	weft_waitgroup_done(b->started);
	weft_chan_recv(b->release, &v);
	weft_waitgroup_done(b->exited);
}

static void quick(void *arg)
{
	weft_waitgroup_done(arg);
}

/* numgoroutine: weft_numgoroutine counts the goroutines started, blocked
 * or not, and stops counting them once they exit; goroutines started
 * later reuse the dead ones' records without being counted twice. */
static void check_numgoroutine(void)
{
	enum { N = 200 };
	int n0 = settle();
	EXPECT(n0 >= 1, "weft_numgoroutine() = %d in a goroutine", n0);

	for (int round = 0; round < 2; round++) {
		weft_waitgroup started = {0}, exited = {0};
		struct blocker b = {weft_chan_make(sizeof(int), 0), &started, &exited};
		weft_waitgroup_add(&started, N);
		weft_waitgroup_add(&exited, N);
		for (int i = 0; i < N; i++) {
			weft_go(blocker, &b);
			if (i == N / 2) /* counted as soon as started, before running */
				EXPECT(weft_numgoroutine() == n0 + N / 2 + 1, "round %d: %d after starting %d, want %d",
				       round, weft_numgoroutine(), N / 2 + 1, n0 + N / 2 + 1);
		}
		weft_waitgroup_wait(&started);
		EXPECT(weft_numgoroutine() == n0 + N, "round %d: %d with %d blocked, want %d", round,
		       weft_numgoroutine(), N, n0 + N);
		weft_chan_close(b.release);
		weft_waitgroup_wait(&exited);
		/* Each still has to return after its Done. */
		int n = until_count(n0);
		EXPECT(n == n0, "round %d: %d after all %d exited, want %d", round, n, N, n0);
		weft_chan_free(b.release);
	}

	/* Many that come and go: the count comes back. */
	weft_waitgroup wg = {0};
	weft_waitgroup_add(&wg, 5000);
	for (int i = 0; i < 5000; i++) {
		weft_go(quick, &wg);
		if (i % 64 == 0)
			weft_yield();
	}
	weft_waitgroup_wait(&wg);
	int n = until_count(n0);
	EXPECT(n == n0, "%d after 5000 short goroutines, want %d", n, n0);
}

/* memstats_heap: an allocation and its free move the heap's counters by
 * the block's rounded size (a small one its power of two, a large one
 * its whole pages less the 16-byte header) and by one block. Other
 * goroutines of the runtime may allocate meanwhile, so each measure is
 * tried a few times, and must come out exact once. */
static void check_memstats_heap(void)
{
	static const struct {
		size_t n, size;
	} cases[] = {
		{1, 16}, {17, 32}, {1000, 1024}, {32768, 32768}, {32769, 36864 - 16}, {1 << 20, (1 << 20) + 4096 - 16},
	};
	weft_memstats a, b, c;

	for (size_t k = 0; k < nelem(cases); k++) {
		bool exact = false;
		for (int attempt = 0; attempt < 10 && !exact; attempt++) {
			weft_read_memstats(&a);
			void *p = weft_alloc(cases[k].n);
			weft_read_memstats(&b);
			weft_free(p);
			weft_read_memstats(&c);
			exact = b.alloc - a.alloc == cases[k].size && b.total_alloc - a.total_alloc == cases[k].size &&
				b.mallocs - a.mallocs == 1 && b.frees == a.frees && c.alloc == a.alloc &&
				c.total_alloc == b.total_alloc && c.frees - b.frees == 1 && c.mallocs == b.mallocs;
		}
		EXPECT(exact,
		       "weft_alloc(%zu), want %zu bytes: alloc %llu -> %llu -> %llu, total_alloc %llu -> %llu -> %llu, "
		       "mallocs %llu -> %llu -> %llu, frees %llu -> %llu -> %llu",
		       cases[k].n, cases[k].size, (unsigned long long)a.alloc, (unsigned long long)b.alloc,
		       (unsigned long long)c.alloc, (unsigned long long)a.total_alloc,
		       (unsigned long long)b.total_alloc, (unsigned long long)c.total_alloc,
		       (unsigned long long)a.mallocs, (unsigned long long)b.mallocs, (unsigned long long)c.mallocs,
		       (unsigned long long)a.frees, (unsigned long long)b.frees, (unsigned long long)c.frees);
	}

	/* 1000 blocks of 100 bytes: 128 each. */
	enum { N = 1000 };
	static void *ps[N];
	weft_read_memstats(&a);
	for (int i = 0; i < N; i++)
		ps[i] = weft_alloc(100);
	weft_read_memstats(&b);
	for (int i = 0; i < N; i++)
		weft_free(ps[i]);
	weft_read_memstats(&c);
	EXPECT(b.alloc - a.alloc >= N * 128 && b.mallocs - a.mallocs >= N, "1000 blocks: alloc +%llu, mallocs +%llu",
	       (unsigned long long)(b.alloc - a.alloc), (unsigned long long)(b.mallocs - a.mallocs));
	EXPECT(c.frees - b.frees >= N && b.alloc - c.alloc >= N * 128, "1000 frees: frees +%llu, alloc -%lld",
	       (unsigned long long)(c.frees - b.frees), (long long)(b.alloc - c.alloc));
	EXPECT(c.mallocs - c.frees <= c.mallocs && c.alloc <= c.total_alloc && c.alloc <= c.heap_sys,
	       "alloc %llu, total_alloc %llu, heap_sys %llu, mallocs %llu, frees %llu", (unsigned long long)c.alloc,
	       (unsigned long long)c.total_alloc, (unsigned long long)c.heap_sys, (unsigned long long)c.mallocs,
	       (unsigned long long)c.frees);

	/* A large block is mapped for itself: heap_sys grows by its mapping. */
	bool grew = false;
	for (int attempt = 0; attempt < 10 && !grew; attempt++) {
		weft_read_memstats(&a);
		void *p = weft_alloc(8 << 20);
		weft_read_memstats(&b);
		weft_free(p);
		weft_read_memstats(&c);
		grew = b.heap_sys - a.heap_sys == (8 << 20) + 4096 && c.heap_sys == a.heap_sys;
	}
	EXPECT(grew, "an 8 MiB block: heap_sys %llu -> %llu -> %llu", (unsigned long long)a.heap_sys,
	       (unsigned long long)b.heap_sys, (unsigned long long)c.heap_sys);
}

/* memstats_stacks: goroutines equals weft_numgoroutine; 1000 blocked
 * goroutines put 1000 more stacks in use, inside what is mapped for
 * stacks, and they leave use when the goroutines exit (their stacks
 * kept for reuse, still mapped). */
static void check_memstats_stacks(void)
{
	enum { N = 1000 };
	weft_memstats a, b, c;
	int n0 = settle();

	weft_read_memstats(&a);
	EXPECT(a.goroutines == (uint64_t)n0 && a.goroutines == (uint64_t)weft_numgoroutine(),
	       "goroutines %llu, weft_numgoroutine %d", (unsigned long long)a.goroutines, weft_numgoroutine());
	EXPECT(a.stack_inuse >= a.goroutines * STACK_SIZE && a.stack_inuse <= a.stack_sys,
	       "%llu goroutines: stack_inuse %llu, stack_sys %llu", (unsigned long long)a.goroutines,
	       (unsigned long long)a.stack_inuse, (unsigned long long)a.stack_sys);

	weft_waitgroup started = {0}, exited = {0};
	struct blocker bl = {weft_chan_make(sizeof(int), 0), &started, &exited};
	weft_waitgroup_add(&started, N);
	weft_waitgroup_add(&exited, N);
	for (int i = 0; i < N; i++)
		weft_go(blocker, &bl);
	weft_waitgroup_wait(&started);
	weft_read_memstats(&b);
	EXPECT(b.goroutines == a.goroutines + N, "goroutines %llu with %d blocked, want %llu",
	       (unsigned long long)b.goroutines, N, (unsigned long long)(a.goroutines + N));
	/* Each new goroutine's stack: STACK_SIZE more in use (an M started
	 * meanwhile may add its own). */
	EXPECT(b.stack_inuse >= a.stack_inuse + (uint64_t)N * STACK_SIZE && b.stack_inuse <= b.stack_sys,
	       "stack_inuse %llu -> %llu with %d more goroutines of %d bytes; stack_sys %llu",
	       (unsigned long long)a.stack_inuse, (unsigned long long)b.stack_inuse, N, STACK_SIZE,
	       (unsigned long long)b.stack_sys);
	EXPECT(b.stack_sys >= (uint64_t)N * (STACK_SIZE + STACK_GUARD), "stack_sys %llu for %d stacks with guards",
	       (unsigned long long)b.stack_sys, N);

	weft_chan_close(bl.release);
	weft_waitgroup_wait(&exited);
	until_count(n0);
	weft_read_memstats(&c);
	EXPECT(c.goroutines == a.goroutines, "goroutines %llu after they exited, want %llu",
	       (unsigned long long)c.goroutines, (unsigned long long)a.goroutines);
	EXPECT(c.stack_inuse <= b.stack_inuse - (uint64_t)N * STACK_SIZE / 2 && c.stack_sys >= b.stack_sys,
	       "after %d goroutines exited: stack_inuse %llu -> %llu, stack_sys %llu -> %llu", N,
	       (unsigned long long)b.stack_inuse, (unsigned long long)c.stack_inuse,
	       (unsigned long long)b.stack_sys, (unsigned long long)c.stack_sys);
	weft_chan_free(bl.release);
}

/* memstats_rss: the resident memory is known, and grows by about what a
 * program touches: 32 MiB written grows it by at least half that. */
static void check_memstats_rss(void)
{
	enum { SIZE = 32 << 20 };
	weft_memstats a, b;

	weft_read_memstats(&a);
	EXPECT(a.rss > 0, "rss 0");
	unsigned char *p = weft_alloc(SIZE);
	for (size_t i = 0; i < SIZE; i += 4096)
		p[i] = 1;
	weft_read_memstats(&b);
	EXPECT(b.rss >= a.rss + SIZE / 2, "rss %llu -> %llu after touching %d bytes", (unsigned long long)a.rss,
	       (unsigned long long)b.rss, SIZE);
	weft_free(p);
}

static const struct check checks[] = {
	{"alloc", check_alloc},
	{"numgoroutine", check_numgoroutine},
	{"memstats_heap", check_memstats_heap},
	{"memstats_stacks", check_memstats_stacks},
	{"memstats_rss", check_memstats_rss},
};

int weft_main(int argc, char **argv)
{
	return checks_main("malloc", checks, nelem(checks), argc, argv);
}
