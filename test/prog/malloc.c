/*
 * malloc.c: checks of weft_alloc and weft_free (runtime/malloc.c).
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

static const struct check checks[] = {
	{"alloc", check_alloc},
};

int weft_main(int argc, char **argv)
{
	return checks_main("malloc", checks, nelem(checks), argc, argv);
}
