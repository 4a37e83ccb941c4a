/*
 * bench.h: what every weft benchmark shares: reading the iteration count
 * from argv and printing the one line bench/run reads. Programs use weft.h
 * only (they are freestanding: no libc), and weft_printf has no floating
 * point, so the result is printed as a fixed-point decimal computed in
 * integers. The Go twins (bench/go/<name>/main.go) print the same line the
 * same way.
 */
#ifndef WEFT_BENCH_H
#define WEFT_BENCH_H

#include "weft.h"

/* bench_arg returns argv[i] as a positive integer, def when it is absent;
 * anything else is a usage error (exit status 2). */
static inline int64_t bench_arg(int argc, char **argv, int i, int64_t def)
{
	const char *s;
	int64_t v = 0;

	if (argc <= i)
		return def;
	for (s = argv[i]; *s >= '0' && *s <= '9' && v < INT64_MAX / 10; s++)
		v = v * 10 + (*s - '0');
	if (*s != '\0' || s == argv[i] || v <= 0) {
		weft_eprintf("usage: %s [iterations]\n", argv[0]);
		weft_exit(2);
	}
	return v;
}

/* bench_report prints "ns/op <ns/ops with two decimals>", the line bench/run
 * reads, for ops operations that took ns nanoseconds in all. */
static inline void bench_report(int64_t ns, int64_t ops)
{
	int64_t c = ns * 100 / ops;

	weft_printf("ns/op %lld.%02lld\n", (long long)(c / 100), (long long)(c % 100));
}

/* bench_median sorts the n values at v and returns their median (for the
 * benchmarks that time interleaved rounds themselves). */
static inline int64_t bench_median(int64_t *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
			int64_t x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif
