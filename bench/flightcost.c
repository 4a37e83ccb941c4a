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
 * order that turns over from round to round (default 21 rounds):
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
 * Only the round trips are timed, not the start or the stop. Why phases
 * in one process: on a shared machine the time per op of whole runs
 * drifts by tens of percent as other tenants' load comes and goes, more
 * than the difference between the two ways of tracing; phases a fraction
 * of a second long, side by side, see nearly the same machine, and the
 * ratio of a round's flight phase to its traced phase cancels the drift.
 * It prints
 *
 *	untraced U      the median untraced phase, ns per round trip
 *	traced T        the median traced phase
 *	flight F        the median flight phase
 *	flight/traced R the median over the rounds of each round's ratio, in
 *	                thousandths
 *	quartiles Q1 Q3 the first and third quartiles of those ratios: their
 *	                spread, the noise a difference from 1000 is judged by
 *
 * Hosted (--libc): weft has no open(2).
 */
#include <fcntl.h>
#include <unistd.h>

#include "pingpong.h"

enum { MAXROUNDS = 99, UNTRACED = 0, TRACED, FLIGHT, NPHASES };

static const char *path = "build/bench/tmp/flightcost.trace";

/* phase runs n round trips the way kind says and returns their time. */
static int64_t phase(int kind, int64_t n)
{
	int64_t ns;
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
	ns = roundtrips(n);
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

int weft_main(int argc, char **argv)
{
	int64_t n = bench_arg(argc, argv, 1, 1000000);
	int64_t rounds = bench_arg(argc, argv, 2, 21);
	int64_t ns[NPHASES][MAXROUNDS], ratio[MAXROUNDS];
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
			ns[kind][r] = phase(kind, n);
		}
		ratio[r] = ns[FLIGHT][r] * 1000 / ns[TRACED][r];
	}
	for (int kind = 0; kind < NPHASES; kind++) {
		int64_t c = bench_median(ns[kind], (int)rounds) * 100 / n;
		weft_printf("%s %lld.%02lld\n", names[kind], (long long)(c / 100), (long long)(c % 100));
	}
	weft_printf("flight/traced %lld\n", (long long)bench_median(ratio, (int)rounds));
	/* bench_median sorted the ratios: their quartiles, the noise. */
	weft_printf("quartiles %lld %lld\n", (long long)ratio[rounds / 4], (long long)ratio[(3 * rounds) / 4]);
	pingpong_stop();
	return 0;
}
