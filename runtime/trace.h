/*
 * trace.h: the execution tracer's internal interface. trace.c explains
 * the design: generations, per-M buffers, the writer. The pieces:
 *
 *	trace.c         start, stop, generations, the trace M, exit flush
 *	tracebuf.c      per-M buffers and the batch framing
 *	traceruntime.c  the events, one function per scheduler transition
 *	tracestack.c    stacks: capture, fpunwindExpand, the table dump
 *	tracestring.c   the string table
 *	tracetime.c     the clock and the frequency
 *	tracemap.c      the hash trie both tables are made of
 */
#ifndef WEFT_TRACE_H
#define WEFT_TRACE_H

#include "runtime.h"
#include "tracemap.h"
#include "traceevent.h"

/* The sizes and periods are config.h's (TRACE_*). */
#define TRACE_TIME_UNIT_NS (1u << TRACE_TIME_UNIT_SHIFT)

struct TraceBuf {
	TraceBuf *link;
	uint64_t lastTime; /* timestamp of the last event, for deltas */
	uint32_t pos;      /* bytes used in arr */
	uint32_t lenPos;   /* where the batch length goes */
	uint8_t arr[TRACE_BUF_SIZE - 24];
};

/* The tracer's global state. */
struct __attribute__((aligned(64))) Trace {
	/* The event path reads these two, on a cache line of their own.
	 * gen is the current generation (1, 2, ..., counting on from the
	 * last trace's) or 0 when tracing is off; enabled is a cheaper test
	 * of the same thing for code that has not yet taken the seqlock. */
	uint32_t enabled;
	uint64_t gen;
	/* A generation whose full buffers passed 1.5 x TRACE_GEN_MAX_BYTES
	 * before the trace M could end it, or 0: the Ms that schedule help
	 * end it (trace_help). */
	uint64_t overgen;
	char pad[64 - 24];

	Mutex lock; /* the lists below */
	TraceBuf *empty;
	TraceBuf *full[2], *fulltail[2]; /* per generation, in flush order */
	uint64_t fullbytes[2];

	TraceMap stackTab[2]; /* per generation, gen % 2 */
	TraceMap stringTab[2];
	uint64_t reasons[2][16]; /* GoBlock reason strings' ids, per generation */
	uint64_t reasonYield[2];

	/* With asymfence, an M opens its seqlock with a plain store and a
	 * generation's end pays for the barrier instead, with membarrier(2)
	 * (tracebuf.c). */
	bool asymfence;
	int fd;            /* where the trace goes; -1 when not tracing */
	bool fpunwindoff;  /* WEFTDEBUG=tracefpunwindoff=1 */
	int64_t period;    /* generation length */
	uint64_t ticks0;    /* cputicks at the start: timestamps count from here */
	uint64_t nsPerTick; /* the counter's rate, 32.32 fixed point (tracetime.c) */
};
extern struct Trace trace;

/* ---- the event path ---- */

/* A TraceLocker is an M's right to write events in generation gen; mp
 * is NULL when tracing is off. */
typedef struct TraceLocker {
	M *mp;
	uint64_t gen;
} TraceLocker;

TraceLocker traceAcquireEnabled(void);
static inline TraceLocker traceAcquire(void)
{
	if (likely(!__atomic_load_n(&trace.enabled, __ATOMIC_RELAXED)))
		return (TraceLocker){0};
	return traceAcquireEnabled();
}
static inline bool traceOk(TraceLocker tl) { return tl.mp != NULL; }
void traceRelease(TraceLocker tl);

/* A TraceWriter appends to its M's buffer for the locker's generation. */
typedef struct TraceWriter {
	TraceLocker tl;
	TraceBuf *buf;
} TraceWriter;

static inline TraceWriter traceWriter(TraceLocker tl)
{
	return (TraceWriter){tl, tl.mp->trace.buf[tl.gen % 2]};
}
/* traceUnsafeWriter writes generation gen's batches that belong to no
 * thread (the tables, the frequency), with no M's seqlock: only the
 * generation's end uses it. Its first traceRefill starts a buffer. */
TraceWriter traceUnsafeWriter(uint64_t gen);
/* traceRefill flushes w's buffer and starts a new batch; traceEnsure
 * makes room for n more bytes, refilling when needed. */
TraceWriter traceRefill(TraceWriter w, uint64_t mid);
static inline TraceWriter traceEnsure(TraceWriter w, uint32_t n)
{
	if (unlikely(!w.buf || w.buf->pos + n > sizeof w.buf->arr))
		w = traceRefill(w, w.tl.mp ? (uint64_t)w.tl.mp->id : TRACE_NO_THREAD);
	return w;
}
static inline void traceByte(TraceBuf *b, uint8_t v) { b->arr[b->pos++] = v; }
static inline uint8_t *tracePutVarint(uint8_t *p, uint64_t v)
{
	for (; v >= 0x80; v >>= 7)
		*p++ = 0x80 | (uint8_t)v;
	*p++ = (uint8_t)v;
	return p;
}
static inline void traceVarint(TraceBuf *b, uint64_t v)
{
	uint8_t *p = b->arr + b->pos, *p0 = p;
	for (; v >= 0x80; v >>= 7)
		*p++ = 0x80 | (uint8_t)v;
	*p++ = (uint8_t)v;
	b->pos += (uint32_t)(p - p0);
}
/* traceClockNow: the time in trace units since the trace's start
 * (tracetime.c). A counter a hair behind the start's, on another CPU,
 * reads as the start. */
static inline uint64_t traceClockNow(void)
{
	int64_t d = (int64_t)(arch_cputicks() - trace.ticks0);
	if (d < 0)
		d = 0;
	return (uint64_t)(((unsigned __int128)(uint64_t)d * trace.nsPerTick) >> (32 + TRACE_TIME_UNIT_SHIFT));
}

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

/* traceBufFlush hands the buffer to its generation's full list. */
void traceBufFlush(TraceBuf *b, uint64_t gen);


/* ---- statuses and sequence numbers ---- */
static inline bool traceStatusWasTraced(uint64_t *statusgen, uint64_t gen)
{
	return atomic_load_acq(statusgen) == gen;
}
/* traceAcquireStatus claims the status event of generation gen: true for
 * the one caller that must write it. */
static inline bool traceAcquireStatus(uint64_t *statusgen, uint64_t gen)
{
	uint64_t old = atomic_load(statusgen);
	return old != gen && atomic_cas(statusgen, old, gen);
}
static inline uint64_t traceNextSeq(uint64_t *seq, uint64_t *seqgen, uint64_t gen)
{
	if (*seqgen != gen) {
		*seqgen = gen;
		*seq = 0;
	}
	return ++*seq;
}

/* ---- status events (traceruntime.c explains them) ---- */
static inline TraceWriter writeGoStatus(TraceWriter w, int64_t goid, uint64_t mid, int status)
{
	return traceEvent(w, EvGoStatus, (uint64_t)goid, mid, (uint64_t)status);
}

static inline TraceWriter writeProcStatus(TraceWriter w, int32_t pid, int status)
{
	return traceEvent(w, EvProcStatus, (uint64_t)pid, (uint64_t)status);
}

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

/* ---- traceruntime.c: one call per transition, Go's traceLocker methods.
 * Each takes a locker from traceAcquire that is ok. ---- */
void traceProcStart(TraceLocker tl);
void traceProcStop(TraceLocker tl);
void traceProcSteal(TraceLocker tl, P *pp, bool inSyscall);
void traceProcsChange(TraceLocker tl, int32_t procs, bool withstack);
void traceGoCreate(TraceLocker tl, G *newg, uintptr_t startpc);
void traceGoStart(TraceLocker tl, bool samepoint);
void traceGoEnd(TraceLocker tl);
void traceGoSched(TraceLocker tl);
void traceGoPark(TraceLocker tl, int reason);
void traceGoUnpark(TraceLocker tl, G *gp);
void traceGoSysCall(TraceLocker tl);
void traceGoSysExit(TraceLocker tl, bool lostP);
/* traceStartStatus: every P's status, first thing in a trace. */
void traceStartStatus(TraceLocker tl);
/* traceStartGoStatus: every goroutine's, when a running program starts a
 * trace (the world stopped). */
void traceStartGoStatus(TraceLocker tl);

/* ---- tracestack.c ---- */
/* traceStack: the id of an event's stack in generation gen's table, the
 * current goroutine's (gp NULL) or the parked gp's (tracestack.c has the
 * contract). */
uint64_t traceStack(G *gp, uint64_t gen);
/* traceStartStack: the id of a new goroutine's one-frame start stack. */
uint64_t traceStartStack(uintptr_t fn, uint64_t gen);
/* traceStackDump writes generation gen's stack table (and the strings
 * its frames name) and empties it. */
void traceStackDump(uint64_t gen);

/* ---- tracestring.c ---- */
uint64_t traceString(uint64_t gen, const char *s, size_t n);
void traceStringDump(uint64_t gen);
void traceRegisterReasons(uint64_t gen);

/* ---- tracetime.c ---- */
void traceClockStart(void);
void traceFrequency(uint64_t gen);

/* ---- trace.c ---- */
void trace_init(void);       /* at start-up: WEFTTRACE, WEFTDEBUG */
void trace_exitflush(void);  /* on exit, panic or fatal error */
void trace_mainstarted(bool withstack); /* goroutine 1 runs, or the program started a trace */
void trace_wake(void);       /* a generation grew past its bound */
void trace_helpslow(void);
/* trace_help: called by schedule with no locks held; ends a generation
 * that grew past its bound when the trace M has not (trace.c). */
static inline void trace_help(void)
{
	if (unlikely(__atomic_load_n(&trace.overgen, __ATOMIC_RELAXED) != 0))
		trace_helpslow();
}

#endif
