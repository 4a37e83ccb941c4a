/*
 * flightcost: what the flight recorder costs a running program beside
 * tracing to a file, both measured inside one process, in short phases
 * that take turns. No Go twin: Go 1.23 has no flight recorder.
 *
 *	flightcost [round-trips [rounds [file]]]
 *
 * The workload is bench/pingpong.c's (pingpong.h), the densest in trace
 * events of the scheduler benchmarks (six a round trip). Each round runs
 * three phases of `round-trips` round trips (default 1000000), in an
 * order that turns over from round to round (default 31 rounds):
 *
 *   untraced   nothing running;
 *   traced     weft_trace_start on the file (default
 *              build/bench/tmp/flightcost.trace, truncated), removed as
 *              soon as the trace stops so that the kernel never writes its
 *              pages back while a later phase runs;
 *   flight     weft_flight_start(0, 0), the default bounds (16 MiB, 2 s),
 *              which a phase passes: the recorder drops and reuses old
 *              generations as it does in a long run.
 *
 * Only the round trips are measured, not the start or the stop, two ways:
 * their wall time, what the program sees, and the CPU time of the whole
 * process meanwhile (getrusage: every thread, user and system), what the
 * machine pays, the trace M's writes to the file included. At 1 P the
 * trace M writes on the CPU the program leaves idle: the file's cost
 * shows in the CPU time only.
 *
 * Why phases in one process: on a shared machine the time per op of
 * whole runs drifts by tens of percent as other tenants' load comes and
 * goes, more than the difference between the two ways of tracing; phases
 * a fraction of a second long, side by side, see nearly the same machine,
 * and the ratio of a round's flight phase to its traced phase cancels the
 * drift. It prints
 *
 *	untraced W C    the median untraced phase, ns per round trip, wall
 *	                and CPU
 *	traced W C      the median traced phase
 *	flight W C      the median flight phase
 *	wall R LO HI    the median over the rounds of each round's flight/traced
 *	                wall-time ratio, in thousandths, and a 95% confidence
 *	                interval for it (below)
 *	cpu R LO HI     the same for CPU time
 *
 * The interval is distribution-free (ratioline, below): with 31 rounds, the
 * 10th smallest and the 10th largest ratio, which hold the true median
 * between them with probability 97%. An interval that holds 1000 is no
 * measurable difference.
 *
 * Hosted (--libc): weft has no open(2) and no getrusage.
 */
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "pingpong.h"

enum { MAXROUNDS = 99, UNTRACED = 0, TRACED, FLIGHT, NPHASES };

static const char *path = "build/bench/tmp/flightcost.trace";

/* cputime returns the CPU time of every thread of the process so far,
 * user and system, in ns. */
static int64_t cputime(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		weft_panic("flightcost: getrusage failed");
	return (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
	       (int64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

/* phase runs n round trips the way kind says and returns their wall
 * time; *cpu gets the process's CPU time meanwhile. */
static int64_t phase(int kind, int64_t n, int64_t *cpu)
{
	int64_t ns, c;
	int fd = -1;

	switch (kind) {
	case TRACED:
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (fd < 0)
			weft_panic("flightcost: cannot open %s", path);
		if (weft_trace_start(fd) != 0)
			weft_panic("flightcost: weft_trace_start failed");
		break;
	case FLIGHT:
		if (weft_flight_start(0, 0) != 0)
			weft_panic("flightcost: weft_flight_start failed");
		break;
	}
	c = cputime();
	ns = roundtrips(n);
	*cpu = cputime() - c;
	switch (kind) {
	case TRACED:
		if (weft_trace_stop() != 0)
			weft_panic("flightcost: weft_trace_stop failed");
		close(fd);
		unlink(path);
		break;
	case FLIGHT:
		if (weft_flight_stop() != 0)
			weft_panic("flightcost: weft_flight_stop failed");
		break;
	}
	return ns;
}

/* ratioline sorts the n ratios at v and prints their median, then a 95%
 * confidence interval for it: v[k] and v[n-1-k] (0-based), k the largest
 * for which P(X <= k) <= 2.5%, X ~ Binomial(n, 1/2) the count of values
 * below the true median. The median lies below v[k] only if at most k
 * values do, and above v[n-1-k] likewise. Too few values for any k: the
 * whole range. */
static void ratioline(const char *name, int64_t *v, int n)
{
	double term = 1, tail = 0;
	int k = 0;
	int64_t m = bench_median(v, n); /* sorts */

	for (int i = 0; i < n; i++)
		term /= 2; /* P(X = 0) */
	for (int i = 0; i < n / 2; i++) {
		tail += term; /* P(X <= i) */
		if (tail > 0.025)
			break;
		k = i;
		term = term * (n - i) / (i + 1);
	}
	weft_printf("%s %lld %lld %lld\n", name, (long long)m, (long long)v[k], (long long)v[n - 1 - k]);
}

int weft_main(int argc, char **argv)
{
	int64_t n = bench_arg(argc, argv, 1, 1000000);
	int64_t rounds = bench_arg(argc, argv, 2, 31);
	int64_t ns[NPHASES][MAXROUNDS], cpu[NPHASES][MAXROUNDS];
	int64_t wall[MAXROUNDS], cpuratio[MAXROUNDS];
	static const char *const names[NPHASES] = {"untraced", "traced", "flight"};

	if (argc > 3)
		path = argv[3];
	if (rounds > MAXROUNDS) {
		weft_eprintf("flightcost: at most %d rounds\n", MAXROUNDS);
		return 2;
	}
	pingpong_start();
	roundtrips(n / 100 + 1); /* warm-up */

	for (int64_t r = 0; r < rounds; r++) {
		for (int k = 0; k < NPHASES; k++) {
			int kind = (int)((k + r) % NPHASES);
			ns[kind][r] = phase(kind, n, &cpu[kind][r]);
		}
		wall[r] = ns[FLIGHT][r] * 1000 / ns[TRACED][r];
		cpuratio[r] = cpu[FLIGHT][r] * 1000 / cpu[TRACED][r];
	}
	for (int kind = 0; kind < NPHASES; kind++) {
		int64_t w = bench_median(ns[kind], (int)rounds) * 100 / n;
		int64_t c = bench_median(cpu[kind], (int)rounds) * 100 / n;
		weft_printf("%s %lld.%02lld %lld.%02lld\n", names[kind], (long long)(w / 100), (long long)(w % 100),
			    (long long)(c / 100), (long long)(c % 100));
	}
	ratioline("wall", wall, (int)rounds);
	ratioline("cpu", cpuratio, (int)rounds);
	pingpong_stop();
	return 0;
}
