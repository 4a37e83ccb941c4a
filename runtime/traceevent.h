/*
 * traceevent.h: writing an event (Go's traceevent.go). Part of trace.h,
 * which includes it.
 *
 * Go's traceevent.go also declares the event types; weft's are in
 * abi/traceevent.h, the wire format it shares with the host tools that
 * read a trace. The runtime includes that one by its path
 * ("../abi/traceevent.h", in trace.h): this file has the same name, and
 * in the runtime's files "traceevent.h" means this one.
 *
 * An event is its type byte, its timestamp as a delta from the previous
 * event of the batch, and its arguments, as uvarints. traceEventWrite
 * makes room for the longest encoding once and writes through a local
 * cursor.
 * Each event of a batch is strictly after the one before: one whose time
 * is not (another CPU's counter a hair behind) takes the last event's
 * time plus one unit. The clock costs 10-40 cycles, and two kinds of
 * event spare some of it: one that walks a stack reads the clock first,
 * so that the counter's latency overlaps the walk, and one that follows
 * the M's previous event by a few instructions takes that event's time
 * plus one unit without reading it (samepoint: traceGoStart says when).
 *
 * Events are written by name, through macros that count their arguments
 * and check the count against the event table when they are compiled
 * (the writers' check, below): the table's nargs column is the writers'
 * specification, not a comment.
 *
 * traceEventWriter is where the scheduler's events start (Go's
 * eventWriter): the M's writer, after the status events of its P and its
 * G if this generation has not seen them (tracestatus.h).
 */
#ifndef WEFT_TRACEEVENT_H
#define WEFT_TRACEEVENT_H
#ifndef WEFT_TRACE_H
#error "runtime/traceevent.h is part of trace.h: include trace.h (or, for the wire format alone, abi/traceevent.h by its path)"
#endif

/* How far ahead of the writer traceEventWrite warms its buffer: bytes,
 * some ten events. */
enum { TRACE_PREFETCH_AHEAD = 256 };

/* traceEventWrite writes event ev at time now: its type, the timestamp
 * delta and nargs arguments; with now 0 (or any time not after the
 * batch's last event), at the last event's time plus one unit. Events are
 * written through the macros below, which check nargs. */
static inline TraceWriter traceEventWrite(TraceWriter w, uint8_t ev, const uint64_t *args, int nargs, uint64_t now)
{
	w = traceEnsure(w, 1 + (uint32_t)(nargs + 1) * TRACE_VARINT_MAX);
	TraceBuf *b = w.buf;
	uint64_t last = b->lastTime;
	if (now <= last)
		now = last + 1;
	b->lastTime = now;
	/* A local cursor: byte stores through b would make the compiler
	 * reload b->pos after each one. */
	uint8_t *p = b->arr + b->pos;
	*p++ = ev;
	p = tracePutVarint(p, now - last);
	for (int i = 0; i < nargs; i++)
		p = tracePutVarint(p, args[i]);
	b->pos = (uint32_t)(p - b->arr);
	/* The lines a few events on, for writing: a flight recorder's
	 * buffers come back cold, the oldest of its window (file tracing's
	 * come back warm from writev), and a miss on every new line
	 * cost it a few percent against file tracing. Past the buffer's
	 * end it warms only a neighbour in its chunk (a prefetch never
	 * faults). */
	__builtin_prefetch(p + TRACE_PREFETCH_AHEAD, 1, 3);
	return w;
}
/* traceEventWriteClock is traceEventWrite at the time it reads from the
 * clock, after the arguments are computed, or with samepoint at the M's
 * last event's time plus one unit, without reading the clock;
 * traceEventWriteNow is it without samepoint. (gcc allocates the event
 * path's registers a little differently without that last layer.) */
static inline TraceWriter traceEventWriteClock(TraceWriter w, uint8_t ev, const uint64_t *args, int nargs,
					       bool samepoint)
{
	return traceEventWrite(w, ev, args, nargs, samepoint ? 0 : traceClockNow());
}
static inline TraceWriter traceEventWriteNow(TraceWriter w, uint8_t ev, const uint64_t *args, int nargs)
{
	return traceEventWriteClock(w, ev, args, nargs, false);
}

/*
 * The writers' check. Every event is written by its name through one of
 * the macros below, with its arguments and never their count: the macro
 * counts them (TRACE_COUNT, at most 8) and stops the build unless the
 * count is the event's nargs in abi/traceevent.h, the timestamp included
 * for an event. A row of the table that is wrong, or a writer that passes
 * an argument too many or too few, does not compile:
 *
 *	traceevent.h: error: static assertion failed: "EvGoStop: the
 *	arguments written are not its nargs in abi/traceevent.h"
 *
 * The check is a declaration inside sizeof: it costs no code.
 */
enum {
#define TRACE_EVENT_NARGS(name, code, nargs) name##_nargs = nargs,
	TRACE_EVENTS(TRACE_EVENT_NARGS)
#undef TRACE_EVENT_NARGS
};
#define TRACE_COUNT(...) TRACE_COUNT_(_, ##__VA_ARGS__, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define TRACE_COUNT_(_, a1, a2, a3, a4, a5, a6, a7, a8, n, ...) n
#define TRACE_CHECK_NARGS(ev, n)                                                                     \
	((void)sizeof(struct {                                                                       \
		_Static_assert(ev##_nargs == (n),                                                    \
			       #ev ": the arguments written are not its nargs in abi/traceevent.h"); \
		int ok;                                                                              \
	}))
#define TRACE_ARGS(...) ((const uint64_t[]){__VA_ARGS__})

/* traceEvent(w, ev, args...) writes event ev, named, at the clock's time. */
#define traceEvent(w, ev, ...)                                \
	(TRACE_CHECK_NARGS(ev, 1 + TRACE_COUNT(__VA_ARGS__)), \
	 traceEventWriteNow((w), (ev), TRACE_ARGS(__VA_ARGS__), TRACE_COUNT(__VA_ARGS__)))
/* traceEventAt(w, ev, now, args...) writes it at time now, from the clock
 * earlier: an event that walks a stack reads the clock first, so that the
 * counter's latency overlaps the walk. */
#define traceEventAt(w, ev, now, ...)                         \
	(TRACE_CHECK_NARGS(ev, 1 + TRACE_COUNT(__VA_ARGS__)), \
	 traceEventWrite((w), (ev), TRACE_ARGS(__VA_ARGS__), TRACE_COUNT(__VA_ARGS__), (now)))
/* traceEventClock(w, ev, samepoint, args...) writes it at the clock's
 * time or, with samepoint, at the M's last event's plus one unit, for an
 * event that follows that one by a few dozen instructions (traceGoStart
 * says which). */
#define traceEventClock(w, ev, samepoint, ...)                \
	(TRACE_CHECK_NARGS(ev, 1 + TRACE_COUNT(__VA_ARGS__)), \
	 traceEventWriteClock((w), (ev), TRACE_ARGS(__VA_ARGS__), TRACE_COUNT(__VA_ARGS__), (samepoint)))

/* traceEntry(b, ev, fields...) writes an untimed entry into b, which has
 * room for it: a table batch's header or entry (its frames or bytes
 * follow), or the frequency. Its fields are checked as an event's
 * arguments are, with no timestamp. */
#define traceEntry(b, ev, ...)                                               \
	do {                                                                 \
		TRACE_CHECK_NARGS(ev, TRACE_COUNT(__VA_ARGS__));             \
		traceByte((b), (ev));                                        \
		TRACE_VARINTS(TRACE_COUNT(__VA_ARGS__), (b), ##__VA_ARGS__); \
	} while (0)
#define TRACE_VARINTS(n, b, ...) TRACE_VARINTS_(n, b, ##__VA_ARGS__)
#define TRACE_VARINTS_(n, b, ...) TRACE_VARINTS_##n(b, ##__VA_ARGS__)
#define TRACE_VARINTS_0(b)
#define TRACE_VARINTS_1(b, x) traceVarint(b, x)
#define TRACE_VARINTS_2(b, x, ...) (traceVarint(b, x), TRACE_VARINTS_1(b, __VA_ARGS__))
#define TRACE_VARINTS_3(b, x, ...) (traceVarint(b, x), TRACE_VARINTS_2(b, __VA_ARGS__))
#define TRACE_VARINTS_4(b, x, ...) (traceVarint(b, x), TRACE_VARINTS_3(b, __VA_ARGS__))
#define TRACE_VARINTS_5(b, x, ...) (traceVarint(b, x), TRACE_VARINTS_4(b, __VA_ARGS__))

/* The status events, which traceEventWriter writes with the above. */
#include "tracestatus.h"

/* A running goroutine's first event of a generation writes its
 * ProcsChange, if none has been yet (traceruntime.c). */
TraceWriter traceProcsOnce(TraceWriter w, uint64_t gen);

/* traceEventWriter returns a writer for an event in the context of
 * tl.mp, after announcing its P and its current G if this generation has
 * not seen them yet: the P as procStatus, the G as goStatus. */
static inline __attribute__((always_inline)) TraceWriter traceEventWriter(TraceLocker tl, int goStatus, int procStatus)
{
	TraceWriter w = traceWriter(tl);
	P *pp = tl.mp->p;
	if (pp && !traceStatusWasTraced(&pp->trace.statustraced, tl.gen) &&
	    traceAcquireStatus(&pp->trace.statustraced, tl.gen))
		w = traceWriteProcStatus(w, pp->id, procStatus);
	G *gp = tl.mp->curg;
	if (gp && !traceStatusWasTraced(&gp->trace.statustraced, tl.gen) &&
	    traceAcquireStatus(&gp->trace.statustraced, tl.gen)) {
		w = traceWriteGoStatus(w, gp->goid, (uint64_t)tl.mp->id, goStatus);
		if (goStatus == TraceGoRunning && pp)
			w = traceProcsOnce(w, tl.gen);
	}
	return w;
}

#endif
