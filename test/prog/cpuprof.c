/*
 * cpuprof.c: CPU-bound work of a known shape, for test/cpuprof_test.c,
 * which profiles it (WEFTCPUPROFILE) and reads the profile with
 * `go tool pprof`.
 *
 *   cpuprof split MS [G [masked]]
 *                          heavy and light share MS ms of the process's
 *                          CPU time 3:1, in G goroutines (default 1);
 *                          masked: goroutine 1 starts them with SIGPROF
 *                          and SIGURG blocked in its thread
 *   cpuprof leaf MS        caller_fn calls leaf_fn in a tight loop for MS
 *                          ms of CPU time
 *
 * split: each goroutine runs rounds of heavy (3u iterations of the spin
 * loop) then light (u iterations of the same loop), so the CPU time of
 * the two is 3:1 whatever the machine's speed. heavy does its work in
 * heavy_work, always inlined into it: a profile names heavy_work as an
 * entry of its own, at the line of its loop. The rounds are long, light's
 * part about 25 ms (2.5 sampling periods) and heavy's three times that,
 * so that the samples in each part, one every 10 ms of a thread's CPU
 * time, are as many as the part is long, give or take one; and of
 * random length, so that the samples do not fall at the same point of
 * every round (rounds of a fixed length, a multiple of the period, would
 * put every round's samples in the same part). Before it starts, the
 * program checks with weft_frames that the symbol table has heavy_work
 * inlined into heavy, and prints what the test compares pprof's output
 * with:
 *
 *	inline heavy_work FILE:LINE    the line of heavy_work's loop
 *	light FILE:LINE                the line of light's
 *
 * leaf: caller_fn, called by leaf_loop, calls leaf_fn in a loop.
 * leaf_fn is a short chain of arithmetic in registers, a leaf that
 * compilers give no frame at all (gcc even with
 * -mno-omit-leaf-frame-pointer): its return address stays on top of the
 * stack (amd64) or in the link register (arm64), and the frame pointer
 * is still caller_fn's. A profiler that walks frame pointers from the
 * interrupted frame as if the leaf had set one up gives such a sample
 * caller_fn's caller as leaf_fn's caller. Under qemu, which delivers
 * signals where a translated block starts, nearly every sample in
 * leaf_fn is at its first instruction. Both are global and never called
 * through a constant, so that the compiler keeps them under their own
 * names.
 *
 * split masked: threads the runtime makes while goroutine 1 starts the
 * goroutines begin with its thread's mask, which blocks the profiler's
 * and preemption's signals; each M must unblock them (minitsignals) for
 * its CPU time to be sampled. Goroutine 1 unblocks them in its own
 * thread once they are started.
 *
 * Both end with "cpu NS" (the process's CPU time so far, from
 * CLOCK_PROCESS_CPUTIME_ID) and "ok", or print "FAIL ..." and exit 1.
 */
#include "runtime.h"

#include "arg.h"
#include "fail.h"

enum { MAXPCS = 64, CLOCK_PROCESS_CPUTIME = 2, CLOCK_THREAD_CPUTIME = 3, MS = 1000 * 1000 };

static int64_t cputime(int clk)
{
	struct sys_timespec ts;
	if (sys_clock_gettime(clk, &ts) < 0)
		return 0;
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static bool streq(const char *a, const char *b)
{
	return rt_strcmp(a, b) == 0;
}

/* SPIN runs n steps of a linear congruential generator on x, each
 * depending on the one before, which the compiler can neither skip nor
 * merge. One line: every instruction of the loop is at the line where
 * SPIN is written. */
#define SPIN(x, n) for (long i_ = 0; i_ < (n); i_++) { (x) = (x) * 6364136223846793005ull + 1442695040888963407ull; __asm__ volatile("" : "+r"(x)); }

/* ---- split ---- */

static int line_work, line_probe, line_light;
static uintptr_t probe_pcs[MAXPCS];
static int probe_n;

/* heavy_work does heavy's work; always inlined. With probe set it does
 * none and takes its caller's stack instead, from inside the inlined
 * body, for checkinlined. */
static inline __attribute__((always_inline)) uint64_t heavy_work(uint64_t x, long n, bool probe)
{
	if (probe) {
		line_probe = __LINE__ + 1;
		probe_n = weft_callers(1, probe_pcs, MAXPCS);
		return x;
	}
	line_work = __LINE__ + 1;
	SPIN(x, n);
	return x;
}

__attribute__((noinline)) uint64_t heavy(uint64_t x, long n, bool probe)
{
	return heavy_work(x, n, probe);
}

__attribute__((noinline)) uint64_t light(uint64_t x, long n)
{
	line_light = __LINE__ + 1;
	SPIN(x, n);
	return x;
}

/* Reached through pointers, so that no compiler specializes them. */
static uint64_t (*volatile heavy_fn)(uint64_t, long, bool) = heavy;
static uint64_t (*volatile light_fn)(uint64_t, long) = light;

/* checkinlined: the symbol table must give the probe's first frame as
 * heavy_work, inlined, then heavy. Prints heavy_work's and light's
 * lines for the test. */
static void checkinlined(void)
{
	heavy_fn(1, 1, false); /* sets line_work */
	light_fn(1, 1);        /* sets line_light */
	heavy_fn(1, 0, true);
	weft_frames it;
	weft_frame f0, f1;
	weft_frames_init(&it, probe_pcs, probe_n);
	if (!weft_frames_next(&it, &f0) || !weft_frames_next(&it, &f1)) {
		FAIL("heavy's stack has fewer than two frames");
		return;
	}
	if (!streq(f0.function, "heavy_work") || !f0.inlined || f0.line != line_probe)
		FAIL("frame 0 is %s %s:%d inlined=%d, want heavy_work at line %d, inlined", f0.function, f0.file,
		     f0.line, f0.inlined, line_probe);
	if (!streq(f1.function, "heavy") || f1.inlined)
		FAIL("frame 1 is %s inlined=%d, want heavy, not inlined", f1.function, f1.inlined);
	/* heavy_work's loop is a few lines below the probe, in the same file;
	 * light is in the same file too. */
	weft_printf("inline heavy_work %s:%d\n", f0.file, line_work);
	weft_printf("light %s:%d\n", f0.file, line_light);
}

static int64_t cpu_target;    /* the process's CPU time at which the work ends */
static weft_waitgroup done_wg;
static uint64_t sink;

/* splitter runs rounds of heavy and light until the process has used
 * cpu_target of CPU time. Each round's u is the size for light's 25 ms
 * times a random factor in [0.5, 1.5); the size comes from the rounds'
 * thread CPU time. */
static void splitter(void *arg)
{
	(void)arg;
	long u = 1000 * 1000;
	uint64_t x = 1, r = (uint64_t)weft_nanotime() * 2654435761u + (uint64_t)weft_goid();
	while (cputime(CLOCK_PROCESS_CPUTIME) < cpu_target) {
		r ^= r << 13, r ^= r >> 7, r ^= r << 17;
		long ur = u / 2 + (long)(r % (uint64_t)u);
		int64_t t0 = cputime(CLOCK_THREAD_CPUTIME);
		x = heavy_fn(x, 3 * ur, false);
		x = light_fn(x, ur);
		int64_t round = cputime(CLOCK_THREAD_CPUTIME) - t0;
		/* A round that moved to another thread measures nothing
		 * useful: keep u then. */
		if (round > 0 && round < 1000 * MS) {
			long nu = (long)((double)ur * (100.0 * MS) / (double)round);
			if (nu < 10 * 1000)
				nu = 10 * 1000;
			if (nu > 200 * 1000 * 1000)
				nu = 200 * 1000 * 1000;
			u = (u + nu) / 2;
		}
	}
	__atomic_fetch_add(&sink, x, __ATOMIC_RELAXED);
	weft_waitgroup_done(&done_wg);
}

static void split(long ms, long g, bool masked)
{
	checkinlined();
	uint64_t sigs = (1ull << (SIGPROF - 1)) | (1ull << (SIGURG - 1));
	if (masked)
		arch_syscall4(SYS_rt_sigprocmask, SIG_BLOCK, (long)&sigs, 0, SIGSETSIZE);
	cpu_target = cputime(CLOCK_PROCESS_CPUTIME) + ms * MS;
	weft_waitgroup_add(&done_wg, (int)g);
	for (long i = 0; i < g; i++)
		weft_go(splitter, NULL);
	if (masked)
		arch_syscall4(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&sigs, 0, SIGSETSIZE);
	weft_waitgroup_wait(&done_wg);
}

/* ---- leaf ---- */

/* STEP: one step of a chain the compiler must keep, in registers. */
#define STEP(x) (x) = (x) * 3 + 1; __asm__ volatile("" : "+r"(x));
#define STEP4(x) STEP(x) STEP(x) STEP(x) STEP(x)

__attribute__((noinline)) uint64_t leaf_fn(uint64_t x)
{
	STEP4(x) STEP4(x) STEP4(x) STEP4(x)
	return x;
}

__attribute__((noinline)) uint64_t caller_fn(uint64_t x, long n)
{
	for (long i = 0; i < n; i++)
		x = leaf_fn(x);
	return x;
}

static uint64_t (*volatile caller_ptr)(uint64_t, long) = caller_fn;

/* leaf_loop: caller_fn's caller, a function of its own (not inlined
 * into weft_main), so that the test knows what must follow caller_fn. */
__attribute__((noinline)) static void leaf_loop(long ms)
{
	int64_t end = cputime(CLOCK_PROCESS_CPUTIME) + ms * MS;
	uint64_t x = 1;
	while (cputime(CLOCK_PROCESS_CPUTIME) < end)
		x = caller_ptr(x, 200 * 1000);
	sink = x;
}

int weft_main(int argc, char **argv)
{
	long ms = argc >= 3 ? parse(argv[2]) : -1;
	long g = argc >= 4 ? parse(argv[3]) : 1;
	bool masked = argc == 5 && streq(argv[4], "masked");
	if (argc >= 3 && (argc <= 4 || masked) && streq(argv[1], "split") && ms > 0 && g > 0)
		split(ms, g, masked);
	else if (argc == 3 && streq(argv[1], "leaf") && ms > 0)
		leaf_loop(ms);
	else {
		weft_eprintf("usage: cpuprof split MS [G [masked]] | cpuprof leaf MS\n");
		return 2;
	}
	weft_printf("cpu %lld\n", (long long)cputime(CLOCK_PROCESS_CPUTIME));
	if (failures)
		return 1;
	weft_printf("ok\n");
	return 0;
}
