/*
 * stack.c: checks of goroutine stacks (runtime/stack.c): reuse, depth,
 * bursts of goroutines that hold no stack until they run.
 *
 * A check program (test/prog/check.h): "stack" runs every check, "stack
 * NAME" the one called NAME, "stack -list" names them. test/stack_test.c
 * runs it at several WEFTMAXPROCS, natively, hosted and on arm64 under
 * qemu.
 */
#include "runtime.h"

#include "check.h"

/* maps counts the lines of /proc/self/maps and the bytes they map. */
static bool maps(long *lines, uint64_t *bytes)
{
	char *s;
	long n = readfile("/proc/self/maps", &s);

	if (n < 0)
		return false;
	*lines = 0;
	*bytes = 0;
	for (char *p = s; *p;) {
		uint64_t lo = 0, hi = 0;
		for (; *p && *p != '-'; p++)
			lo = lo * 16 + (uint64_t)(*p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10);
		if (*p)
			p++;
		for (; *p && *p != ' '; p++)
			hi = hi * 16 + (uint64_t)(*p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10);
		*bytes += hi - lo;
		(*lines)++;
		while (*p && *p != '\n')
			p++;
		if (*p)
			p++;
	}
	weft_free(s);
	return true;
}

struct wave {
	weft_chan *gate;
	weft_waitgroup started, finished;
};

static void wave_member(void *arg)
{
	struct wave *w = arg;
	volatile char use[16 * 1024]; /* touch some stack */
	int v;

	for (size_t i = 0; i < sizeof use; i += 512)
		use[i] = (char)i;
	weft_waitgroup_done(&w->started);
	weft_chan_recv(w->gate, &v);
	weft_waitgroup_done(&w->finished);
}

/* countgs counts every G ever made (allgs): dead ones stay, for reuse. */
static long countgs(void)
{
	long n = 0;

	lock(&allglock);
	for (G *gp = allgs; gp != NULL; gp = gp->alllink)
		n++;
	unlock(&allglock);
	return n;
}

/* stack_reuse: waves of goroutines, all alive at once within a wave, reuse
 * the Gs and stacks of the waves before. Some may sit in other Ps' caches
 * of dead Gs (GFREE_PER_P each) and a wave may make new ones instead, but
 * that is bounded: neither the Gs nor the mappings (with mprotect guards,
 * as under qemu, two lines a stack) nor the mapped bytes keep growing. */
static void check_stack_reuse(void)
{
	enum { WAVES = 30, PER = 500 };
	long lines0 = 0, lines, gs0 = 0, gs;
	uint64_t bytes0 = 0, bytes;
	long slack = (long)gomaxprocs * GFREE_PER_P + STACK_ARENA_STACKS; /* stacks */

	for (int wv = 0; wv < WAVES; wv++) {
		struct wave w = {weft_chan_make(sizeof(int), 0), {0, 0}, {0, 0}};
		weft_waitgroup_add(&w.started, PER);
		weft_waitgroup_add(&w.finished, PER);
		for (int i = 0; i < PER; i++)
			weft_go(wave_member, &w);
		weft_waitgroup_wait(&w.started);
		weft_chan_close(w.gate);
		weft_waitgroup_wait(&w.finished);
		weft_chan_free(w.gate);
		if (wv == 2) {
			REQUIRE(maps(&lines0, &bytes0), "cannot read /proc/self/maps");
			gs0 = countgs();
		}
	}
	REQUIRE(maps(&lines, &bytes), "cannot read /proc/self/maps");
	gs = countgs();
	weft_printf("stack_reuse: Gs %ld -> %ld, maps %ld -> %ld lines\n", gs0, gs, lines0, lines);
	EXPECT(gs <= gs0 + slack, "Gs grew from %ld to %ld over %d waves of %d", gs0, gs, WAVES - 3, PER);
	EXPECT(lines <= lines0 + 2 * slack + 16, "mappings grew from %ld to %ld lines over %d waves of %d",
	       lines0, lines, WAVES - 3, PER);
	EXPECT(bytes <= bytes0 + (uint64_t)slack * (STACK_SIZE + STACK_GUARD) + (64 << 20),
	       "mapped memory grew from %llu to %llu bytes over %d waves of %d",
	       (unsigned long long)bytes0, (unsigned long long)bytes, WAVES - 3, PER);
}

static volatile int depth_sink;

static int deep(int n)
{
	volatile char pad[1000];

	pad[0] = (char)n;
	pad[sizeof pad - 1] = (char)(n >> 8);
	depth_sink = pad[0];
	if (n == 0)
		return 0;
	int r = deep(n - 1);
	/* Read the frame after the call: it must still be there (no tail
	 * call, no loop). */
	return r + 1 + (pad[sizeof pad - 1] == (char)(n >> 8) ? 0 : 1000);
}

static void deep_goroutine(void *arg)
{
	int r = deep(128); /* about 128 KB of a 256 KB stack */
	weft_chan_send(arg, &r);
}

/* stack_depth: a goroutine can use half of its stack (STACK_SIZE). */
static void check_stack_depth(void)
{
	weft_chan *c = weft_chan_make(sizeof(int), 1);
	int r = 0;

	_Static_assert(STACK_SIZE >= 256 * 1024, "deep() assumes 256 KB stacks");
	weft_go(deep_goroutine, c);
	EXPECT(recv_within(c, &r, 10 * SEC) == 1 && r == 128, "recursion returned %d", r);
	weft_chan_free(c);
}

static weft_waitgroup burst_wg;

static void burst_member(void *arg)
{
	(void)arg;
	weft_waitgroup_done(&burst_wg);
}

/* peakrss returns the process's peak resident memory in bytes (VmHWM),
 * or -1. */
static long peakrss(void)
{
	char *s;
	long kib = -1;

	if (readfile("/proc/self/status", &s) < 0)
		return -1;
	for (char *p = s; *p; p++) {
		if ((p == s || p[-1] == '\n') && rt_hasprefix(p, "VmHWM:")) {
			p += 6;
			while (*p == ' ' || *p == '\t')
				p++;
			for (kib = 0; *p >= '0' && *p <= '9'; p++)
				kib = kib * 10 + (*p - '0');
			break;
		}
	}
	weft_free(s);
	return kib < 0 ? -1 : kib * 1024;
}

/* stack_burst: N goroutines created in one burst (WEFT_TEST_BURST, default
 * 100000), then all waited for. A goroutine takes a stack only when it
 * first runs and gives it back when it ends, so however many wait to
 * run, a burst goes round a few stacks: stacks in use stay below 100
 * (a few per P, at any WEFTMAXPROCS), and the peak resident memory stays
 * under 512 bytes a goroutine plus 64 MiB (test/stack_test.c runs a
 * million at 1 P: under 512 MB). */
static void check_stack_burst(void)
{
	int64_t n = 100000;
	const char *e = weft_getenv("WEFT_TEST_BURST");
	weft_memstats ms;

	if (e != NULL) {
		bool ok;
		n = rt_atoi(e, &ok);
		REQUIRE(ok && n > 0 && n <= 10000000, "bad WEFT_TEST_BURST=%s", e);
	}
	weft_waitgroup_add(&burst_wg, (int)n);
	for (int64_t i = 0; i < n; i++)
		weft_go(burst_member, NULL);
	weft_read_memstats(&ms);
	weft_waitgroup_wait(&burst_wg);
	long peak = peakrss();
	weft_printf("stack_burst: %lld goroutines, %llu stacks in use after the burst, peak RSS %ld MiB\n",
		    (long long)n, (unsigned long long)(ms.stack_inuse / STACK_SIZE), peak >> 20);
	EXPECT(ms.stack_inuse / STACK_SIZE < 100, "%llu stacks in use after a burst of %lld goroutines",
	       (unsigned long long)(ms.stack_inuse / STACK_SIZE), (long long)n);
	REQUIRE(peak > 0, "cannot read VmHWM from /proc/self/status");
	EXPECT(peak < n * 512 + (64L << 20), "peak RSS %ld bytes after a burst of %lld goroutines", peak,
	       (long long)n);
}

static const struct check checks[] = {
	{"stack_reuse", check_stack_reuse},
	{"stack_depth", check_stack_depth},
	{"stack_burst", check_stack_burst},
};

int weft_main(int argc, char **argv)
{
	return checks_main("stack", checks, nelem(checks), argc, argv);
}
