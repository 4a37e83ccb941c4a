/*
 * callers.c: the cost of capturing a stack, per frame, on a 32-deep stack:
 * weft_callers and fpTracebackPCs (frame pointers), weft's frame-rule
 * unwinder (no frame pointers needed), glibc's backtrace() and, when built with
 * -DHAVE_LIBUNWIND, libunwind's unw_backtrace. All run in the same
 * process, in interleaved rounds, on the same goroutine stack; the medians
 * are printed as Markdown table rows for bench/run: method, frames,
 * ns/frame, ratio to libunwind, and the target where there is one
 * (weft_callers at most 0.5x libunwind, fpTracebackPCs at most 1 ns/frame).
 *
 * A hosted program (weft build --libc): glibc and libunwind need libc.
 * It includes the runtime's internal header for the frame-rule unwinder.
 */
#define _GNU_SOURCE
#include <execinfo.h>
#include <stdio.h>
#include <stdlib.h>
#ifdef HAVE_LIBUNWIND
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#endif

#include "runtime.h"

#define NOINLINE __attribute__((noinline))

enum { DEPTH = 32, MAXF = 128, ROUNDS = 7 };

/* The targets, each met at or below. */
#define TARGET_CALLERS_RATIO 0.5 /* weft_callers, to libunwind */
#define TARGET_FP_NS 1.0         /* fpTracebackPCs, ns per frame */

typedef int (*unwinder)(uintptr_t *pcs, int n);

static NOINLINE int by_fp(uintptr_t *pcs, int n)
{
	return weft_callers(0, pcs, n);
}

static NOINLINE int by_asm(uintptr_t *pcs, int n)
{
	return fpTracebackPCs((uintptr_t)__builtin_frame_address(0), pcs, n);
}

static NOINLINE int by_rules(uintptr_t *pcs, int n)
{
	uintptr_t regs[4];
	arch_getcontext(regs);
	return rulecallers(regs[0], false, regs[1], regs[2], regs[3], pcs, n);
}

static NOINLINE int by_glibc(uintptr_t *pcs, int n)
{
	return backtrace((void **)pcs, n);
}

#ifdef HAVE_LIBUNWIND
static NOINLINE int by_libunwind(uintptr_t *pcs, int n)
{
	return unw_backtrace((void **)pcs, n);
}
#endif

static const struct {
	const char *name;
	unwinder fn;
	long iters;
} methods[] = {
	{"weft_callers (frame pointers)", by_fp, 200000},
	{"fpTracebackPCs (assembly, the tracer's walk)", by_asm, 200000},
	{"weft frame-rule unwinder (no frame pointers)", by_rules, 20000},
	{"glibc backtrace()", by_glibc, 20000},
#ifdef HAVE_LIBUNWIND
	{"libunwind unw_backtrace()", by_libunwind, 20000},
#endif
};
enum { NMETHODS = sizeof methods / sizeof methods[0] };

static double results[NMETHODS][ROUNDS];
static int frames[NMETHODS];

/* measure times one method at the bottom of the 32-deep stack. */
static NOINLINE void measure(int m, int round)
{
	uintptr_t pcs[MAXF];
	int n = 0;
	int64_t t0 = weft_nanotime();
	for (long i = 0; i < methods[m].iters; i++)
		n = methods[m].fn(pcs, MAXF);
	int64_t t = weft_nanotime() - t0;
	frames[m] = n;
	results[m][round] = (double)t / (double)methods[m].iters / (n ? n : 1);
}

static NOINLINE int descend(int d, int m, int round)
{
	if (d == 0) {
		measure(m, round);
		return 0;
	}
	int r = descend(d - 1, m, round);
	__asm__ volatile("" ::: "memory"); /* not a tail call */
	return r + 1;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int weft_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (int round = 0; round < ROUNDS; round++)
		for (int m = 0; m < NMETHODS; m++)
			descend(DEPTH, m, round);
	double median[NMETHODS];
	for (int m = 0; m < NMETHODS; m++) {
		qsort(results[m], ROUNDS, sizeof(double), cmp);
		median[m] = results[m][ROUNDS / 2];
	}
	double libunwind = NMETHODS > 4 ? median[4] : 0;
	for (int m = 0; m < NMETHODS; m++) {
		char ratio[32] = "-", target[64] = "-";
		if (libunwind > 0)
			snprintf(ratio, sizeof ratio, "%.3f", median[m] / libunwind);
		if (methods[m].fn == by_fp && libunwind > 0)
			snprintf(target, sizeof target, "<= %.1fx libunwind %s", TARGET_CALLERS_RATIO,
				 median[m] / libunwind <= TARGET_CALLERS_RATIO ? "met" : "MISSED");
		else if (methods[m].fn == by_fp)
			snprintf(target, sizeof target, "<= %.1fx libunwind (no libunwind)", TARGET_CALLERS_RATIO);
		else if (methods[m].fn == by_asm)
			snprintf(target, sizeof target, "<= %.0f ns/frame %s", TARGET_FP_NS,
				 median[m] <= TARGET_FP_NS ? "met" : "MISSED");
		printf("| %s | %d | %.2f | %s | %s |\n", methods[m].name, frames[m], median[m], ratio, target);
	}
	if (!symtab_present())
		printf("(no symbol table: the frame-rule unwinder found nothing to walk)\n");
#ifndef HAVE_LIBUNWIND
	printf("(libunwind-dev is not installed: no libunwind row; scripts/deps bench installs it)\n");
#endif
	return 0;
}
