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
 * event of the batch, and its arguments, as uvarints. traceEventAt makes
 * room for the longest encoding once and writes through a local cursor.
 * Each event of a batch is strictly after the one before: one whose time
 * is not (another CPU's counter a hair behind) takes the last event's
 * time plus one unit. The clock costs 10-40 cycles, and two kinds of
 * event spare some of it: one that walks a stack reads the clock first,
 * so that the counter's latency overlaps the walk, and one that follows
 * the M's previous event by a few instructions takes that event's time
 * plus one unit without reading it (samepoint: traceGoStart says when).
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

/* traceEventAt writes event ev at time now: its type, the timestamp
 * delta (each event of a batch strictly after the one before) and nargs
 * arguments. An event that walks a stack reads the clock before the walk
 * and passes it here, so that the counter's latency (10-40 cycles)
 * overlaps the walk. */
static inline TraceWriter traceEventAt(TraceWriter w, uint8_t ev, const uint64_t *args, int nargs, uint64_t now)
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
	return w;
}
/* traceEventClock writes event ev at the time it reads from the clock,
 * or with samepoint at the time of the one before it on this M (plus one
 * unit), without reading the clock: for an event that follows that one
 * by a few dozen instructions (traceGoStart says which). */
static inline TraceWriter traceEventClock(TraceWriter w, uint8_t ev, const uint64_t *args, int nargs,
					  bool samepoint)
{
	return traceEventAt(w, ev, args, nargs, samepoint ? 0 : traceClockNow());
}
static inline TraceWriter traceEventv(TraceWriter w, uint8_t ev, const uint64_t *args, int nargs)
{
	return traceEventClock(w, ev, args, nargs, false);
}
#define TRACE_ARGS(...) ((const uint64_t[]){__VA_ARGS__})
#define traceEvent(w, ev, ...) \
	traceEventv((w), (ev), TRACE_ARGS(__VA_ARGS__), (int)(sizeof TRACE_ARGS(__VA_ARGS__) / sizeof(uint64_t)))

/* The status events, which traceEventWriter writes with the above. */
#include "tracestatus.h"

/* traceEventWriter returns a writer for an event in the context of
 * tl.mp, after announcing its P and its current G if this generation has
 * not seen them yet: the P as procStatus, the G as goStatus. */
static inline __attribute__((always_inline)) TraceWriter traceEventWriter(TraceLocker tl, int goStatus, int procStatus)
{
	TraceWriter w = traceWriter(tl);
	P *pp = tl.mp->p;
	if (pp && !traceStatusWasTraced(&pp->trace.statusgen, tl.gen) &&
	    traceAcquireStatus(&pp->trace.statusgen, tl.gen))
		w = writeProcStatus(w, pp->id, procStatus);
	G *gp = tl.mp->curg;
	if (gp && !traceStatusWasTraced(&gp->trace.statusgen, tl.gen) &&
	    traceAcquireStatus(&gp->trace.statusgen, tl.gen))
		w = writeGoStatus(w, gp->goid, (uint64_t)tl.mp->id, goStatus);
	return w;
}

#endif
