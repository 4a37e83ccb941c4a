/*
 * traceback.c: checks of stack walks (runtime/traceback.c and the
 * arch's fpTracebackPCs): the frame-pointer chain of a goroutine ends in
 * goexit, the assembly and C walks agree, and the frame-pointer and
 * frame-rule unwinders agree.
 *
 * A check program (test/prog/check.h): "traceback" runs every check, "traceback
 * NAME" the one called NAME, "traceback -list" names them. test/traceback_test.c
 * runs it at several WEFTMAXPROCS, natively, hosted and on arm64 under
 * qemu.
 */
#include "runtime.h"

#include "check.h"

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
	G *g; /* the goroutine's own */
	uintptr_t last;
	bool clean;
	int n;
};

static void fpchain_goroutine(void *arg)
{
	struct fpchain *f = arg;
	__atomic_store_n(&f->g, getg(), __ATOMIC_SEQ_CST);
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

	/* Find it parked and walk its saved context from here. At 2 Ps it
	 * runs on another thread, which a loaded machine may leave waiting
	 * for milliseconds: wait for it by the clock, not by a count of
	 * yields (10000 of them came to a millisecond and flaked in CI). */
	G *gp = NULL;
	for (int64_t end = nanotime() + 10 * 1000 * 1000 * 1000LL; !gp && nanotime() < end;) {
		G *g = __atomic_load_n(&f.g, __ATOMIC_SEQ_CST);
		if (g && readgstatus(g) == Gwaiting)
			gp = g;
		else
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
	timer_add(&t);
	/* At 2 Ps another M may take the timer and walk its stacks while
	 * this goroutine yields: wait for the function's end, not for a
	 * count of yields (100000 of them took 4 ms, and a run failed so). */
	for (int64_t end = nanotime() + 10 * 1000 * 1000 * 1000LL; !uw_g0_runs && nanotime() < end;)
		weft_yield();
	EXPECT(uw_g0_runs, "the timer never ran on g0");
	EXPECT(uw_mismatches == 0, "%d of %d stacks differ between the unwinders", uw_mismatches, uw_compared);
	EXPECT(uw_deepest > 40, "the deepest stack had only %d logical frames", uw_deepest);
}

static const struct check checks[] = {
	{"fpchain", check_fpchain},
	{"fptraceback", check_fptraceback},
	{"unwinders", check_unwinders},
};

int weft_main(int argc, char **argv)
{
	return checks_main("traceback", checks, nelem(checks), argc, argv);
}
