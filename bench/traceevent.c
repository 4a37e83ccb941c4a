/*
 * traceevent: the cost of one trace event, written through the tracer's
 * own event path with tracing on: traceAcquire, a writer (with the status
 * checks every event makes: trace.h's traceEventWriter), the
 * event, traceRelease. The trace goes to /dev/null, or to FILE, which
 * `go tool trace` then reads: what is written is a valid trace.
 *
 *	traceevent [events [FILE]]
 *
 * Three kinds of event, each timed over `events` events (default 1000000)
 * in interleaved rounds (7, and a warm-up round); each row is the median
 * round:
 *
 *   no stack     EvUserLog (the background task, a key, a value) with
 *                stack id 0: no stack captured.
 *   stack, hit   the same event with its caller's stack, 16 frames deep
 *                (traceStack: a frame-pointer walk and a stack-table
 *                lookup that finds the stack already there).
 *   weft_trace_log  the public call from the same place: two string-table
 *                lookups and a stack as deep (weft_trace_log stands where
 *                emit does).
 *
 * The times include everything the event path amortizes: a buffer flush
 * every 64 KiB, and a new generation every 4 MiB or so of events (whose
 * tables start empty: its first stack is a miss). Run it at one P
 * (bench/run does); the trace M ends generations on a thread of its own.
 * It prints Markdown rows:
 *
 *	| no stack (EvUserLog) | 0 | 21.3 | - |
 *
 * (kind, frames in the captured stack, ns per event, target).
 * weft_printf has no floating point: numbers are formatted in integers.
 */
#include "bench.h"
#include "trace.h"

#define NOINLINE __attribute__((noinline))

enum {
	FRAMES = 16, /* the stack's depth, as traceStack captures it */
	MAXDEPTH = 64,
	ROUNDS = 7,
	TARGET_HIT = 60, /* ns per event with a stack already in the table */
};

enum { NOSTACK, STACKHIT, PUBLIC, NKINDS };

static const char *const kindname[NKINDS] = {
	"no stack (EvUserLog)",
	"stack already in the table (EvUserLog)",
	"weft_trace_log (two strings and the stack)",
};

static const char key[] = "bench", value[] = "traceevent";

/* The string ids of key and value in generation strgen, looked up once
 * per generation, as a careful caller would. */
static uint64_t strgen, keyid, valueid;

/* eventwriter is the tracer's traceEventWriter for a running goroutine
 * on its P (the P's and the G's status events, if this generation has
 * not seen them yet), and looks the strings up when the generation is
 * new. */
static inline TraceWriter eventwriter(TraceLocker tl)
{
	TraceWriter w = traceEventWriter(tl, TraceGoRunning, TraceProcRunning);
	if (unlikely(strgen != tl.gen)) {
		keyid = traceString(tl.gen, key, sizeof key - 1);
		valueid = traceString(tl.gen, value, sizeof value - 1);
		strgen = tl.gen;
	}
	return w;
}

/* emit writes one EvUserLog event, with its caller's stack or none. */
static NOINLINE void emit(bool withstack)
{
	TraceLocker tl = traceAcquire();

	if (traceOk(tl)) {
		TraceWriter w = eventwriter(tl);
		traceEvent(w, EvUserLog, 0, keyid, valueid, withstack ? traceStack(NULL, tl.gen) : 0);
		traceRelease(tl);
	}
}

/* walk counts the frames traceStack would capture if called from where
 * walk is: from its own frame record up. */
static NOINLINE int walk(void)
{
	uintptr_t pcs[MAXDEPTH];

	return fpTracebackPCs((uintptr_t)__builtin_frame_address(0), pcs, MAXDEPTH);
}

/* probe stands where emit does, and calls walk where emit calls traceStack. */
static NOINLINE int probe(void)
{
	int n = walk();

	__asm__ volatile("" ::: "memory"); /* not a tail call */
	return n;
}

/* measure times n events of one kind; it returns hundredths of a ns per
 * event, or the stack's depth with kind -1. */
static NOINLINE int64_t measure(int kind, int64_t n)
{
	int64_t i, start;

	if (kind < 0)
		return probe();
	start = weft_nanotime();
	switch (kind) {
	case NOSTACK:
		for (i = 0; i < n; i++)
			emit(false);
		break;
	case STACKHIT:
		for (i = 0; i < n; i++)
			emit(true);
		break;
	default:
		for (i = 0; i < n; i++)
			weft_trace_log(0, key, value);
		break;
	}
	return (weft_nanotime() - start) * 100 / n;
}

/* descend calls measure d frames further down the stack. */
static NOINLINE int64_t descend(int d, int kind, int64_t n)
{
	int64_t r;

	if (d == 0)
		return measure(kind, n);
	r = descend(d - 1, kind, n);
	__asm__ volatile("" ::: "memory"); /* not a tail call */
	return r;
}

int weft_main(int argc, char **argv)
{
	int64_t n = bench_arg(argc, argv, 1, 1000000);
	const char *path = argc > 2 ? argv[2] : "/dev/null";
	static int64_t res[NKINDS][ROUNDS];
	long fd;
	int base, depth;

	/* The depth at which the stack traceStack captures is FRAMES deep. */
	base = (int)descend(0, -1, 0);
	depth = FRAMES - base;
	if (depth < 0 || descend(depth, -1, 0) != FRAMES) {
		weft_eprintf("traceevent: cannot make a %d-frame stack (%d frames at depth 0)\n", FRAMES, base);
		return 1;
	}

	fd = sys_openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		weft_eprintf("traceevent: %s: cannot open (errno %ld)\n", path, -fd);
		return 1;
	}
	if (weft_trace_start((int)fd) != 0) {
		weft_eprintf("traceevent: cannot start the trace (WEFTTRACE set?)\n");
		return 1;
	}
	for (int round = -1; round < ROUNDS; round++)
		for (int i = 0; i < NKINDS; i++) {
			int kind = (round + 1 + i) % NKINDS; /* each kind goes first in turn */
			int64_t v = descend(depth, kind, round < 0 ? n / 10 + 1 : n);
			if (round >= 0)
				res[kind][round] = v;
		}
	if (weft_trace_stop() != 0) {
		weft_eprintf("traceevent: writing the trace to %s failed\n", path);
		return 1;
	}
	sys_close((int)fd);

	weft_printf("| trace event, tracing on | frames | ns/event | target |\n");
	weft_printf("|---|---|---|---|\n");
	for (int kind = 0; kind < NKINDS; kind++) {
		int64_t c = (bench_median(res[kind], ROUNDS) + 5) / 10; /* tenths */
		char target[64] = "-";
		if (kind == STACKHIT)
			weft_snprintf(target, sizeof target, "<= %d ns %s", TARGET_HIT,
				      c <= TARGET_HIT * 10 ? "met" : "MISSED");
		weft_printf("| %s | %d | %lld.%lld | %s |\n", kindname[kind],
			    kind == NOSTACK ? 0 : FRAMES, (long long)(c / 10),
			    (long long)(c % 10), target);
	}
	return 0;
}
