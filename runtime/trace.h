/*
 * trace.h: the execution tracer's internal interface. trace.c explains
 * the design: generations, per-M buffers, the writer. Each piece has the
 * name of its counterpart in Go's runtime, to be read beside it:
 *
 *	trace.c          start, stop, generations, the trace M, exit flush
 *	traceruntime.c   the events, one function per scheduler transition;
 *	                 the user annotations
 *	traceevent.h     writing an event; the event writer
 *	tracestatus.h    G and P statuses and sequence numbers
 *	tracebuf.h, .c   per-M buffers, the writer, the batch framing
 *	tracetime.h, .c  the clock and the frequency
 *	tracestack.h, .c stacks: capture, fpunwindExpand, the table dump
 *	tracestring.c    the string table
 *	tracemap.h, .c   the hash trie both tables are made of
 *	traceregion.c    the memory the trie's nodes come from
 *
 * and abi/traceevent.h, the wire format: the event table, shared with
 * the host tools that read a trace. config.h has the sizes and periods.
 *
 * Names. Every tracer function is trace followed by words in camelCase,
 * without underscores (static helpers that are not trace* keep the
 * runtime's short lower-case names: dumpstack, waitwriters). Where Go has
 * the function, the words are Go's. A function keeps its name, trace
 * first: traceAdvance, traceStack, traceBufFlush, traceClockNow, and
 * StartTrace is traceStart. A method is its receiver's noun and its own
 * name: (*traceMap).put is traceMapPut, (*traceRegionAlloc).drop
 * traceRegionDrop, the stack table's dump traceStackDump, the string
 * table's reset traceStringReset. The receivers that every event goes
 * through, the locker, the writer, the buffer and a G's or P's status,
 * are left out, as Go's calls leave them implicit: tl.GoPark is
 * traceGoPark, tl.Gomaxprocs traceGomaxprocs, tl.startPC traceStartPC,
 * w.refill traceRefill, w.writeGoStatus traceWriteGoStatus, buf.varint
 * traceVarint, r.acquireStatus traceAcquireStatus. fpunwindExpand and
 * fpTracebackPCs, Go's frame-pointer helpers, keep Go's names whole.
 * Function-like macros on the event path are named as functions
 * (traceEvent, traceEntry); other macros are TRACE_*.
 */
#ifndef WEFT_TRACE_H
#define WEFT_TRACE_H

#include "runtime.h"
#include "tracemap.h"
#include "../abi/traceevent.h" /* by path: runtime/traceevent.h has its name */

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
	 * end it (traceHelp). */
	uint64_t overgen;
	uint64_t procsgen; /* the last generation given a ProcsChange event */
	char pad[64 - 32];

	Mutex lock; /* the lists below */
	TraceBuf *empty;
	TraceBuf *full[2], *fulltail[2]; /* per generation, in flush order */
	uint64_t fullbytes[2];

	TraceMap stackTab[2]; /* per generation, gen % 2 */
	TraceBuf *cpubuf[2];  /* CPU samples' batch, per generation (cpuprof.c: under its lock) */
	TraceMap stringTab[2];
	uint64_t reasons[2][16]; /* GoBlock reason strings' ids, per generation */
	uint64_t reasonYield[2];
	uint64_t reasonPreempted[2];

	/* With asymfence, an M opens its seqlock with a plain store and a
	 * generation's end pays for the barrier instead, with membarrier(2)
	 * (tracebuf.c). */
	bool asymfence;
	int fd;            /* where the trace goes; -1 when not tracing */
	bool fpunwindoff;  /* WEFTDEBUG=tracefpunwindoff=1 */
	int64_t period;    /* generation length */
	uint64_t genmax;   /* a generation ends once its full buffers pass this many bytes */
	uint64_t ticks0;    /* cputicks at the start: timestamps count from here */
	uint64_t nsPerTick; /* the counter's rate, 32.32 fixed point (tracetime.c) */
};
extern struct Trace trace;

/* ---- the event path: lock, buffer, clock, event ---- */

/* A TraceLocker is an M's right to write events in generation gen; mp
 * is NULL when tracing is off (Go's traceLocker, of traceruntime.go;
 * tracebuf.c has the seqlock that traceAcquire opens and traceRelease
 * closes). */
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
/* The same for a signal handler that may have interrupted mp inside the
 * tracer (the CPU profiler): the generation, or 0 (tracebuf.c). */
uint64_t traceAcquireSignal(M *mp, bool *opened);
void traceReleaseSignal(M *mp, bool opened);

#include "tracebuf.h"
#include "tracetime.h"
#include "traceevent.h"

/* ---- traceruntime.c: one call per transition, Go's traceLocker methods.
 * Each takes a locker from traceAcquire that is ok. ---- */
void traceProcStart(TraceLocker tl);
void traceProcStop(TraceLocker tl);
void traceProcSteal(TraceLocker tl, P *pp, bool inSyscall);
void traceGomaxprocs(TraceLocker tl, int32_t procs, bool withstack);
void traceGoCreate(TraceLocker tl, G *newg, uintptr_t startpc);
void traceGoStart(TraceLocker tl, bool samepoint);
void traceGoEnd(TraceLocker tl);
void traceGoSched(TraceLocker tl);
void traceGoPreempt(TraceLocker tl);
void traceGoPark(TraceLocker tl, int reason);
void traceGoUnpark(TraceLocker tl, G *gp);
void traceGoSysCall(TraceLocker tl);
void traceGoSysExit(TraceLocker tl, bool lostP);
/* traceStartStatus: every P's status, first thing in a trace. */
void traceStartStatus(TraceLocker tl);
/* traceStartGoStatus: every goroutine's, when a running program starts a
 * trace (the world stopped). */
void traceStartGoStatus(TraceLocker tl);
/* traceResetStatus forgets every G's and P's status claims, as a trace
 * starts (the world stopped, or no goroutine yet). */
void traceResetStatus(void);
/* traceUntracedSnapshot and traceUntracedWrite announce, at generation
 * gen's end, the Gs and Ps that no event of gen did (traceruntime.c):
 * the first before gen ends, the second once no M can write in it. */
void traceUntracedSnapshot(uint64_t gen);
void traceUntracedWrite(uint64_t gen);

/* ---- tracestack.c ---- */
/* traceStack: the id of an event's stack in generation gen's table, the
 * current goroutine's (gp NULL) or the parked gp's (tracestack.c has the
 * contract). */
uint64_t traceStack(G *gp, uint64_t gen);
/* traceStackRace: gp's stack, gp perhaps running meanwhile (a bounded
 * walk: wrong frames at worst, never a fault). */
uint64_t traceStackRace(G *gp, uint64_t gen);
/* traceStartPC: the id of a new goroutine's one-frame start stack. */
uint64_t traceStartPC(uintptr_t fn, uint64_t gen);
/* traceStackDump writes generation gen's stack table (and the strings
 * its frames name) and empties it. */
void traceStackDump(uint64_t gen);

/* ---- tracestring.c ---- */
uint64_t traceString(uint64_t gen, const char *s, size_t n);
void traceStringReset(uint64_t gen);
void traceRegisterReasons(uint64_t gen);

/* ---- trace.c ---- */
void traceInit(void);                  /* at start-up: WEFTTRACE, WEFTFLIGHT, WEFTDEBUG */
void traceExitFlush(bool crash);       /* on exit (crash: a panic, a fatal error, SIGQUIT) */
/* traceWriteList writes the buffers of list to fd whole, after the
 * trace's header if header, in one writev(2) unless there are more than
 * IOV_MAX or the kernel writes part of them: 0, -errno, or 1 if fd took
 * no byte. */
long traceWriteList(int fd, bool header, TraceBuf *list);

/* ---- traceflight.c: the flight recorder ---- */
extern struct TraceFlight {
	bool on;
	uint64_t maxbytes;  /* completed generations kept: at most this many bytes */
	int64_t minage;     /* ... and a generation at least every minage / 2 */
	TraceBuf *head, *tail; /* their buffers, oldest first, whole generations */
	uint64_t bytes;
	uint32_t writing;   /* weft_flight_write in progress */
	char path[256];     /* WEFTFLIGHT: where a crash writes the window */
} traceflight;
/* traceFlightKeep takes generation gen's buffers, list, that writegen has
 * written (or not), and drops the oldest generations past the bound.
 * advlock held. */
void traceFlightKeep(TraceBuf *list, uint64_t bytes);
/* traceFlightInit starts the recorder for WEFTFLIGHT (traceInit). */
void traceFlightInit(void);
/* traceFlightCrash writes the window to WEFTFLIGHT's file, the program
 * dying (traceExitFlush). */
void traceFlightCrash(void);
/* The tracer's own, for traceflight.c: traceStart begins tracing into fd
 * (-1: the recorder alone), traceAdvance ends a generation (stop: the
 * last), traceSetPeriod the generation length and bound. advlock held. */
extern Mutex advlock;
extern weft_mutex traceapimu; /* one start or stop of a trace or the recorder at a time */
int64_t weftdebug(const char *name, int64_t def); /* a WEFTDEBUG number, or def */
int traceStart(int fd, bool gstatus);
int traceStartWorld(int fd); /* traceStart from a goroutine, the world stopped; traceapimu held */
void traceAdvance(bool stop, bool bounded);
void traceSetPeriod(void);
void traceMainStarted(bool withstack); /* goroutine 1 runs, or the program started a trace */
void traceWake(void);                  /* a generation grew past its bound */
void traceHelpSlow(void);
/* traceHelp: called by schedule with no locks held; ends a generation
 * that grew past its bound when the trace M has not (trace.c). */
static inline void traceHelp(void)
{
	if (unlikely(__atomic_load_n(&trace.overgen, __ATOMIC_RELAXED) != 0))
		traceHelpSlow();
}

#endif
