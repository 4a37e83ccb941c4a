/*
 * preempt_libc.c: a hosted program (built with --libc) whose goroutines
 * call the C library in tight loops while being preempted
 * (test/preempt_test.c). libc must never be interrupted at an unsafe
 * point: a goroutine switched away inside malloc, holding its arena's
 * lock or in the middle of its free lists, would corrupt the heap or
 * deadlock the next malloc on that thread.
 *
 *	preempt_libc [SECONDS [GOROUTINES]]
 *
 * GOROUTINES goroutines (default 4) each run for SECONDS (default 3),
 * with no weft call: malloc blocks of random sizes, fill them with a
 * pattern of their own (in a loop of ours, not memset, so that there is
 * preemptible code between the calls), check the pattern and free them
 * at random later; format a line with snprintf and compare it with the
 * same line built by hand; check strlen against the length built by
 * hand. Each goroutine looks at the time (libc's clock_gettime) every 64
 * rounds and stops at the deadline, which is the same for all, so the
 * program ends by itself with or without preemption. It prints
 *
 *	libc: goroutine I: N rounds        (one line each)
 *	libc: rounds min N max M
 *	libc: OK
 *
 * or "libc: E errors" (each described on standard error) and exits 1.
 * With preemption the goroutines share the Ps and each does a fair part
 * of the rounds; without it (more goroutines than Ps) the last ones start
 * after the deadline and do almost none.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <weft.h>

#include "arg.h"

enum { SLOTS = 32, MAX_GOROUTINES = 64 };

struct block {
	unsigned char *p;
	size_t size;
	uint32_t seed;
};

struct worker {
	int id;
	long rounds;
	long errors;
};

static struct worker workers[MAX_GOROUTINES];
static weft_waitgroup wg;
static int64_t deadline; /* CLOCK_MONOTONIC, ns */

static int64_t now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint32_t next(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 33);
}

static unsigned char pattern(uint32_t seed, size_t k)
{
	return (unsigned char)(seed + k * 131 + (k >> 8));
}

static void fill(struct block *b)
{
	for (size_t k = 0; k < b->size; k++)
		b->p[k] = pattern(b->seed, k);
}

/* check returns the offset of the first byte of b that is not its
 * pattern, or -1. */
static long check(const struct block *b)
{
	for (size_t k = 0; k < b->size; k++)
		if (b->p[k] != pattern(b->seed, k))
			return (long)k;
	return -1;
}

/* put appends s to out at *n (by hand: no libc). */
static void put(char *out, size_t *n, const char *s)
{
	while (*s)
		out[(*n)++] = *s++;
}

static void put_dec(char *out, size_t *n, unsigned long v)
{
	char tmp[24];
	int k = 0;
	do {
		tmp[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (k > 0)
		out[(*n)++] = tmp[--k];
}

static void put_hex8(char *out, size_t *n, uint32_t v)
{
	for (int shift = 28; shift >= 0; shift -= 4)
		out[(*n)++] = "0123456789abcdef"[(v >> shift) & 15];
}

static const char *const words[] = {"weft", "goroutine", "preempted", "signal", "", "a somewhat longer word"};

static void fail(struct worker *w, const char *what, long round, long detail)
{
	if (w->errors++ < 3)
		weft_eprintf("libc: goroutine %d round %ld: %s (%ld)\n", w->id, round, what, detail);
}

static void run(void *arg)
{
	struct worker *w = arg;
	struct block slots[SLOTS] = {{0}};
	uint64_t rng = 0x9E3779B97F4A7C15ull * (uint64_t)(w->id + 1);
	char got[128], want[128];

	for (long round = 0;; round++) {
		if ((round & 63) == 0 && now() >= deadline)
			break;
		/* malloc, fill, check, free */
		struct block *b = &slots[next(&rng) % SLOTS];
		if (b->p) {
			long bad = check(b);
			if (bad >= 0)
				fail(w, "a block's pattern changed at offset", round, bad);
			free(b->p);
		}
		uint32_t r = next(&rng);
		b->size = 1 + (r % 64 == 0 ? r % (256 << 10) : r % 8192);
		b->seed = next(&rng);
		b->p = malloc(b->size);
		if (!b->p) {
			fail(w, "malloc returned NULL for size", round, (long)b->size);
			continue;
		}
		fill(b);

		/* snprintf against the same line built by hand */
		const char *word = words[r % (sizeof words / sizeof words[0])];
		uint32_t h = next(&rng);
		int len = snprintf(got, sizeof got, "%d-%lu-%s-%08x|", w->id, (unsigned long)round, word, h);
		size_t n = 0;
		put_dec(want, &n, (unsigned long)w->id);
		put(want, &n, "-");
		put_dec(want, &n, (unsigned long)round);
		put(want, &n, "-");
		put(want, &n, word);
		put(want, &n, "-");
		put_hex8(want, &n, h);
		put(want, &n, "|");
		want[n] = '\0';
		if (len != (int)n || strcmp(got, want) != 0)
			fail(w, "snprintf wrote another line; its length", round, len);
		if (strlen(got) != n)
			fail(w, "strlen disagrees with the length built by hand", round, (long)strlen(got));
		w->rounds++;
	}
	for (int i = 0; i < SLOTS; i++) {
		if (slots[i].p && check(&slots[i]) >= 0)
			fail(w, "a block's pattern changed (at the end), slot", -1, i);
		free(slots[i].p);
	}
	weft_waitgroup_done(&wg);
}

int weft_main(int argc, char **argv)
{
	long seconds = argc > 1 ? parse(argv[1]) : 3;
	long ngo = argc > 2 ? parse(argv[2]) : 4;
	if (argc > 3 || seconds < 1 || ngo < 1 || ngo > MAX_GOROUTINES) {
		weft_eprintf("usage: preempt_libc [SECONDS [GOROUTINES (1..%d)]]\n", MAX_GOROUTINES);
		return 2;
	}
	deadline = now() + seconds * 1000000000;
	weft_waitgroup_add(&wg, (int)ngo);
	for (int i = 0; i < ngo; i++) {
		workers[i].id = i;
		weft_go(run, &workers[i]);
	}
	weft_waitgroup_wait(&wg);

	long errors = 0, min = -1, max = 0;
	for (int i = 0; i < ngo; i++) {
		weft_printf("libc: goroutine %d: %ld rounds\n", i, workers[i].rounds);
		errors += workers[i].errors;
		if (min < 0 || workers[i].rounds < min)
			min = workers[i].rounds;
		if (workers[i].rounds > max)
			max = workers[i].rounds;
	}
	weft_printf("libc: rounds min %ld max %ld\n", min, max);
	if (errors) {
		weft_printf("libc: %ld errors\n", errors);
		return 1;
	}
	weft_printf("libc: OK\n");
	return 0;
}
