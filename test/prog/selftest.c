/*
 * selftest.c: the runtime's own checks, run inside a weft program.
 *
 *   selftest          runs every check
 *   selftest NAME     runs only the check called NAME
 *
 * Each check prints "ok   NAME" or, after lines saying what went wrong,
 * "FAIL NAME". The last line is exactly
 *
 *	selftest: N passed, M failed
 *
 * and the exit status is 0 only when every check that ran passed. The tests
 * (test/selftest_test.c) run it at several WEFTMAXPROCS, natively, hosted
 * and on arm64 under qemu.
 *
 * It is freestanding like any weft program, but it also includes
 * runtime.h (built with WEFTFLAGS="-Iruntime -Iarch/<arch>") to look at
 * internals that the public API hides: P ids, timer counts, runtime locks
 * and notes, the raw system calls used to read /proc.
 *
 * Checks that wait for other goroutines wait with a timeout where they can
 * (recv_within), so a lost wake-up shows up as a failure with a message
 * rather than a hang. Timing checks assert lower bounds (a sleep never ends
 * early) and only very generous upper bounds: the tests run on loaded
 * machines.
 */
#include "runtime.h"

#include "check.h"

static int main_argc;
static char **main_argv;

/* ---- stacks ---- */

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

/* ---- the two unwinders agree ---- */

/*
 * Random deep stacks of inlined and out-of-line frames. At the bottom,
 * unwind_compare walks the stack twice, by frame pointers and by frame
 * rules, expands both into logical frames and compares them. It runs on
 * goroutines and, from a timer callback, on g0.
 */
enum { UW_MAXF = 256 };
static int uw_mismatches, uw_compared, uw_deepest;

static int logical(const uintptr_t *pcs, int n, const char **names, int *lines, int max)
{
	weft_frames it;
	weft_frame f;
	int k = 0;
	weft_frames_init(&it, pcs, n);
	while (k < max && weft_frames_next(&it, &f)) {
		names[k] = f.function;
		lines[k] = f.line;
		k++;
	}
	return k;
}

static __attribute__((noinline)) void unwind_compare(void)
{
	uintptr_t regs[4], a[UW_MAXF], b[UW_MAXF];
	arch_getcontext(regs);
	G *gp = getg();
	a[0] = regs[0];
	int na = 1 + fpcallers(regs[2], gp->stack.lo, gp->stack.hi, 0, a + 1, UW_MAXF - 1);
	int nb = rulecallers(regs[0], false, regs[1], regs[2], regs[3], b, UW_MAXF);
	const char *an[UW_MAXF * 2], *bn[UW_MAXF * 2];
	int al[UW_MAXF * 2], bl[UW_MAXF * 2];
	int la = logical(a, na, an, al, UW_MAXF * 2), lb = logical(b, nb, bn, bl, UW_MAXF * 2);
	bool same = la == lb && na == nb;
	for (int i = 0; same && i < la; i++)
		same = rt_strcmp(an[i], bn[i]) == 0 && al[i] == bl[i];
	__atomic_add_fetch(&uw_compared, 1, __ATOMIC_SEQ_CST);
	for (int d = uw_deepest; la > d && !__atomic_compare_exchange_n(&uw_deepest, &d, la, false,
								     __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);)
		;
	if (!same && __atomic_add_fetch(&uw_mismatches, 1, __ATOMIC_SEQ_CST) == 1) {
		weft_printf("  frame pointers: %d pcs, %d frames; frame rules: %d pcs, %d frames\n", na, la, nb, lb);
		for (int i = 0; i < la || i < lb; i++)
			weft_printf("  %2d  %-24s %5d | %-24s %5d\n", i, i < la ? an[i] : "", i < la ? al[i] : 0,
				    i < lb ? bn[i] : "", i < lb ? bl[i] : 0);
	}
}

static int uw_step(uint32_t *seed, int depth);

#define UW_ALWAYS static inline __attribute__((always_inline))
UW_ALWAYS int uw_inl2(uint32_t *seed, int depth) { return uw_step(seed, depth - 1) + 1; }
UW_ALWAYS int uw_inl1(uint32_t *seed, int depth) { return uw_inl2(seed, depth) + 1; }
static __attribute__((noinline)) int uw_plain(uint32_t *seed, int depth)
{
	int r = uw_step(seed, depth - 1);
	__asm__ volatile("" ::: "memory");
	return r + 1;
}
static __attribute__((noinline)) int uw_big(uint32_t *seed, int depth)
{
	volatile char pad[300]; /* a frame of another size */
	pad[0] = (char)depth;
	int r = uw_step(seed, depth - 1);
	return r + pad[0];
}

static __attribute__((noinline)) int uw_step(uint32_t *seed, int depth)
{
	if (depth <= 0) {
		unwind_compare();
		return 0;
	}
	*seed = *seed * 1103515245u + 12345u;
	switch ((*seed >> 16) % 3) {
	case 0:
		return uw_inl1(seed, depth) + 1;
	case 1:
		return uw_plain(seed, depth) + 1;
	default:
		return uw_big(seed, depth) + 1;
	}
}

struct uwjob {
	uint32_t seed;
	weft_waitgroup *wg;
};

static void uw_goroutine(void *arg)
{
	struct uwjob *j = arg;
	for (int i = 0; i < 20; i++)
		uw_step(&j->seed, 20 + (int)(j->seed % 40));
	weft_waitgroup_done(j->wg);
}

static volatile int uw_g0_runs;

static void uw_timer(void *arg, int64_t now)
{
	(void)now;
	uint32_t seed = (uint32_t)(uintptr_t)arg;
	uw_step(&seed, 10);
	uw_g0_runs = 1;
}

static void check_unwinders(void)
{
	if (!symtab_present()) {
		weft_printf("  (no symbol table: built without one; skipped)\n");
		return;
	}
	uw_mismatches = uw_compared = 0;
	weft_waitgroup wg = {0};
	struct uwjob jobs[8];
	weft_waitgroup_add(&wg, 8);
	for (int i = 0; i < 8; i++) {
		jobs[i] = (struct uwjob){.seed = 7919u * (uint32_t)i + 1, .wg = &wg};
		weft_go(uw_goroutine, &jobs[i]);
	}
	weft_waitgroup_wait(&wg);

	/* On g0: a timer's function runs on the scheduler's stack. */
	Timer t = {.when = nanotime(), .f = uw_timer, .arg = (void *)(uintptr_t)42, .idx = -1};
	uw_g0_runs = 0;
	addtimer(&t);
	for (int i = 0; i < 100000 && !uw_g0_runs; i++)
		weft_yield();
	EXPECT(uw_g0_runs, "the timer never ran on g0");
	EXPECT(uw_mismatches == 0, "%d of %d stacks differ between the unwinders", uw_mismatches, uw_compared);
	EXPECT(uw_deepest > 40, "the deepest stack had only %d logical frames", uw_deepest);
}

/* ---- the frame-pointer chain ends in goexit ---- */

/*
 * fpwalk follows the frame records from fp, all inside gp's stack, and
 * returns how many it saw; *last is the last return address. The walk must
 * end at a zero frame pointer.
 */
static int fpwalk(G *gp, uintptr_t fp, uintptr_t *last, bool *clean)
{
	int n = 0;
	*last = 0;
	*clean = false;
	while (fp != 0 && n < 1000) {
		if (fp < gp->stack.lo || fp + 16 > gp->stack.hi)
			return n; /* left the stack: not clean */
		uintptr_t *rec = (uintptr_t *)fp;
		if (rec[1] != 0)
			*last = rec[1];
		n++;
		fp = rec[0];
	}
	*clean = fp == 0;
	return n;
}

/* The assembly walk sees the same frames as the C one, and stops in
 * goexit (checked by check_fpchain below). */
static void check_fptraceback(void)
{
	uintptr_t a[64], b[64], regs[4];
	arch_getcontext(regs);
	G *gp = getg();
	int na = fpTracebackPCs(regs[2], a, 64);
	int nb = fpcallers(regs[2], gp->stack.lo, gp->stack.hi, 0, b, 64);
	EXPECT(na == nb && na >= 3, "fpTracebackPCs found %d frames, fpcallers %d", na, nb);
	for (int i = 0; i < na && i < nb; i++)
		EXPECT(a[i] == b[i], "frame %d: 0x%lx vs 0x%lx", i, (unsigned long)a[i], (unsigned long)b[i]);
	EXPECT(fpTracebackPCs(regs[2], a, 2) == 2, "a buffer of 2 takes 2");
	EXPECT(fpTracebackPCs(regs[2], a, 0) == 0, "a buffer of 0 takes none");
	EXPECT(fpTracebackPCs(0, a, 64) == 0, "a zero frame pointer has no frames");
}

static bool ingoexit(uintptr_t pc)
{
	return pc > (uintptr_t)goexit && pc < (uintptr_t)goexit + 64;
}

static __attribute__((noinline)) void fpchain_nest(int depth, uintptr_t *last, bool *clean, int *n)
{
	if (depth > 0) {
		fpchain_nest(depth - 1, last, clean, n);
		__asm__ volatile("" ::: "memory"); /* not a tail call */
		return;
	}
	*n = fpwalk(getg(), (uintptr_t)__builtin_frame_address(0), last, clean);
}

struct fpchain {
	weft_chan *c;
	uintptr_t last;
	bool clean;
	int n;
};

static void fpchain_goroutine(void *arg)
{
	struct fpchain *f = arg;
	fpchain_nest(5, &f->last, &f->clean, &f->n);
	int v = 0;
	weft_chan_recv(f->c, &v); /* park, so main can walk our saved context */
}

static void check_fpchain(void)
{
	uintptr_t last;
	bool clean;
	int n;

	fpchain_nest(3, &last, &clean, &n);
	EXPECT(clean && ingoexit(last), "goroutine 1: walk of %d frames ended %s at 0x%lx, not in goexit",
	       n, clean ? "cleanly" : "outside its stack", (unsigned long)last);

	struct fpchain f = {.c = weft_chan_make(sizeof(int), 0)};
	weft_go(fpchain_goroutine, &f);
	while (__atomic_load_n(&f.n, __ATOMIC_SEQ_CST) == 0)
		weft_yield();
	EXPECT(f.clean && ingoexit(f.last) && f.n >= 7,
	       "new goroutine: walk of %d frames ended %s at 0x%lx, not in goexit", f.n,
	       f.clean ? "cleanly" : "outside its stack", (unsigned long)f.last);

	/* Find it parked and walk its saved context from here. */
	G *gp = NULL;
	for (int tries = 0; tries < 10000 && !gp; tries++) {
		for (G *g = atomic_load(&allgs); g; g = g->alllink)
			if (g->startarg == &f && readgstatus(g) == Gwaiting)
				gp = g;
		if (!gp)
			weft_yield();
	}
	REQUIRE(gp != NULL, "the goroutine never parked");
	n = fpwalk(gp, gp->sched_sp + ARCH_GOBUF_FPSLOT * sizeof(uintptr_t), &last, &clean);
	EXPECT(clean && ingoexit(last) && n >= 4,
	       "parked goroutine: walk of %d frames ended %s at 0x%lx, not in goexit", n,
	       clean ? "cleanly" : "outside its stack", (unsigned long)last);
	int v = 1;
	weft_chan_send(f.c, &v);
	weft_chan_free(f.c);
}

/* ---- memory ---- */

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

/* ---- formatting ---- */

/* snprintf: each conversion and flag weft.h lists, and truncation. */
static void check_snprintf(void)
{
	char buf[128];
	int n;

#define FMT(want, ...)                                                                    \
	do {                                                                              \
		n = weft_snprintf(buf, sizeof buf, __VA_ARGS__);                          \
		EXPECT(streq(buf, want) && n == (int)rt_strlen(want),                     \
		       "weft_snprintf(%s) = \"%s\" (%d), want \"%s\"", #__VA_ARGS__, buf, n, want); \
	} while (0)

	FMT("42", "%d", 42);
	FMT("-42", "%d", -42);
	FMT("0", "%d", 0);
	FMT("7", "%i", 7);
	FMT("-2147483648", "%d", (int)-2147483647 - 1);
	FMT("4294967295", "%u", 4294967295u);
	FMT("   42", "%5d", 42);
	FMT("42   |", "%-5d|", 42);
	FMT("00042", "%05d", 42);
	FMT("-0042", "%05d", -42);
	FMT("12345", "%3d", 12345);
	FMT("ff", "%x", 255u);
	FMT("0", "%x", 0u);
	FMT("0000beef", "%08x", 0xbeefu);
	FMT("deadbeefcafe", "%lx", 0xdeadbeefcafeUL);
	FMT("-9223372036854775808", "%ld", (long)(-9223372036854775807L - 1));
	FMT("9223372036854775807", "%lld", 9223372036854775807LL);
	FMT("18446744073709551615", "%llu", 18446744073709551615ULL);
	FMT("ffffffffffffffff", "%llx", 18446744073709551615ULL);
	FMT("12345", "%zu", (size_t)12345);
	FMT("1a2b", "%zx", (size_t)0x1a2b);
	FMT("hi", "%s", "hi");
	FMT("ab", "a%sb", "");
	FMT("   ab|", "%5s|", "ab");
	FMT("ab   |", "%-5s|", "ab");
	FMT("x", "%c", 'x');
	FMT("[ x]", "[%2c]", 'x');
	FMT("%", "%%");
	FMT("50%", "%d%%", 50);
	FMT("0x1234", "%p", (void *)0x1234);
	FMT("1-two-3", "%d-%s-%c", 1, "two", '3');
	FMT("no conversions", "no conversions");

	/* Truncation: the return value is the full length; the buffer holds
	 * what fits and a NUL. */
	char small[8];
	n = weft_snprintf(small, sizeof small, "%s", "hello world");
	EXPECT(n == 11 && streq(small, "hello w"), "got \"%s\" (%d)", small, n);
	n = weft_snprintf(small, sizeof small, "%d", 123456789);
	EXPECT(n == 9 && streq(small, "1234567"), "got \"%s\" (%d)", small, n);
	small[0] = 'Z';
	n = weft_snprintf(small, 0, "%d", 12345);
	EXPECT(n == 5 && small[0] == 'Z', "n == 0: returned %d, buf[0] '%c'", n, small[0]);
	n = weft_snprintf(small, 1, "%d", 12345);
	EXPECT(n == 5 && small[0] == '\0', "n == 1: returned %d", n);
#undef FMT
}

/* printf: weft_printf writes to standard output (the test checks this
 * exact line). */
static void check_printf(void)
{
	weft_printf("printf: |%d|%5d|%-3s|%x|%c|%%|%s|\n", 42, -7, "ab", 255u, 'z', "end");
}

/* ---- the environment ---- */

/* args: weft_main's argv is the process's, as /proc/self/cmdline has it. */
static void check_args(void)
{
	char *s;
	long n = readfile("/proc/self/cmdline", &s);

	REQUIRE(n > 0, "cannot read /proc/self/cmdline: %ld", n);
	int argc = 0;
	for (char *p = s; p < s + n; p += rt_strlen(p) + 1, argc++)
		if (argc < main_argc)
			EXPECT(streq(p, main_argv[argc]), "argv[%d] is \"%s\", cmdline says \"%s\"",
			       argc, main_argv[argc], p);
	EXPECT(argc == main_argc, "argc %d, cmdline has %d", main_argc, argc);
	EXPECT(main_argv[main_argc] == NULL, "argv[argc] is not NULL");
	weft_free(s);
}

/* getenv: weft_getenv agrees with /proc/self/environ; unknown names and
 * prefixes of real names are NULL. */
static void check_getenv(void)
{
	char *s;
	long n = readfile("/proc/self/environ", &s);

	REQUIRE(n >= 0, "cannot read /proc/self/environ: %ld", n);
	int checked = 0;
	for (char *p = s; p < s + n && checked < 1000; p += rt_strlen(p) + 1) {
		char *eq = p;
		while (*eq && *eq != '=')
			eq++;
		if (*eq != '=' || eq == p)
			continue;
		*eq = '\0';
		const char *v = weft_getenv(p);
		EXPECT(v != NULL && streq(v, eq + 1), "weft_getenv(\"%s\") = \"%s\", want \"%s\"",
		       p, v ? v : "(null)", eq + 1);
		/* A proper prefix of the name is not the name. */
		size_t len = rt_strlen(p);
		if (len >= 2) {
			char prefix[64];
			if (len - 1 < sizeof prefix) {
				memcpy(prefix, p, len - 1);
				prefix[len - 1] = '\0';
				/* unless it is itself a variable */
				bool exists = false;
				for (char *q = s; q < s + n; q += rt_strlen(q) + 1)
					if (rt_hasprefix(q, prefix) && q[len - 1] == '=')
						exists = true;
				if (!exists)
					EXPECT(weft_getenv(prefix) == NULL, "weft_getenv(\"%s\") matched \"%s\"", prefix, p);
			}
		}
		*eq = '=';
		checked++;
	}
	EXPECT(weft_getenv("WEFT_SELFTEST_NO_SUCH_VARIABLE") == NULL);
	weft_free(s);
}

/* ---- runtime internals ---- */

/* strings: the runtime's string and memory helpers. */
static void check_strings(void)
{
	bool ok;
	char b[16] = "abcdefghij";

	EXPECT(rt_strlen("") == 0 && rt_strlen("weft") == 4);
	EXPECT(rt_strcmp("abc", "abc") == 0 && rt_strcmp("abc", "abd") < 0 && rt_strcmp("b", "abc") > 0);
	EXPECT(rt_strcmp("ab", "abc") < 0 && rt_strcmp("abc", "ab") > 0);
	EXPECT(rt_hasprefix("WEFTMAXPROCS=2", "WEFTMAXPROCS") && !rt_hasprefix("WEFT", "WEFTMAXPROCS"));
	EXPECT(rt_atoi("123", &ok) == 123 && ok);
	EXPECT(rt_atoi("-5", &ok) == -5 && ok);
	rt_atoi("12x", &ok);
	EXPECT(!ok, "\"12x\" parsed");
	rt_atoi("", &ok);
	EXPECT(!ok, "\"\" parsed");
	memmove(b + 2, b, 5); /* overlapping, forwards */
	EXPECT(memcmp(b, "ababcdehij", 10) == 0, "memmove forwards: %s", b);
	memmove(b, b + 2, 5); /* backwards */
	EXPECT(memcmp(b, "abcdedehij", 10) == 0, "memmove backwards: %s", b);
	memset(b, 'q', 3);
	EXPECT(memcmp(b, "qqqde", 5) == 0);
	EXPECT(memcmp("a", "b", 1) < 0 && memcmp("b", "a", 1) > 0 && memcmp("\xff", "\x01", 1) > 0,
	       "memcmp compares unsigned bytes");
}

/* ---- the driver of the checks ---- */

static const struct check checks[] = {
	{"stack_reuse", check_stack_reuse},
	{"stack_depth", check_stack_depth},
	{"fpchain", check_fpchain},
	{"fptraceback", check_fptraceback},
	{"unwinders", check_unwinders},
	{"alloc", check_alloc},
	{"snprintf", check_snprintf},
	{"printf", check_printf},
	{"args", check_args},
	{"getenv", check_getenv},
	{"strings", check_strings},
};

int weft_main(int argc, char **argv)
{
	main_argc = argc;
	main_argv = argv;
	return checks_main("selftest", checks, nelem(checks), argc, argv);
}
