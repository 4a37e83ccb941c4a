/*
 * traceruntime.c: the events, one function per scheduler transition (Go's
 * traceruntime.go), and the user annotations of weft.h.
 *
 * The scheduler calls them in a fixed pattern, as Go's does:
 *
 *	TraceLocker tl = traceAcquire();
 *	casgstatus(gp, old, new);          (or the P's change)
 *	if (traceOk(tl)) {
 *		traceGoPark(tl, reason);
 *		traceRelease(tl);
 *	}
 *
 * so that the change and its event fall in one generation (trace.c).
 *
 * Each event starts with traceEventWriter, given the states its M's G and
 * P were in before the transition: the first event of a generation that
 * involves a G or a P must be preceded by its status (tracestatus.h
 * explains). Events about another G (GoUnblock) or P (ProcSteal) announce
 * that one themselves.
 */
#include "trace.h"

static inline uint64_t pnextseq(P *pp, uint64_t gen)
{
	return traceNextSeq(&pp->trace.seq, &pp->trace.seqgen, gen);
}

static inline uint64_t gnextseq(G *gp, uint64_t gen)
{
	return traceNextSeq(&gp->trace.seq, &gp->trace.seqgen, gen);
}

/* traceStartStatus announces every P, first thing in a trace, from the
 * M that starts it (which holds one P). */
void traceStartStatus(TraceLocker tl)
{
	TraceWriter w = traceWriter(tl);
	for (int32_t i = 0; i < gomaxprocs; i++) {
		P *pp = allp[i];
		if (!traceAcquireStatus(&pp->trace.statusgen, tl.gen))
			continue;
		pp->trace.syscallm = -1;
		int st = TraceProcIdle;
		if (pp == tl.mp->p)
			st = TraceProcRunning;
		w = traceWriteProcStatus(w, pp->id, st);
	}
}

/* traceStartGoStatus announces every goroutine, when a trace starts in a
 * running program: the world is stopped and no timer function runs, so
 * no goroutine changes state meanwhile but the caller, which is running,
 * and those in system calls, which wait to leave them (exitsyscall0). */
void traceStartGoStatus(TraceLocker tl)
{
	TraceWriter w = traceWriter(tl);
	for (G *gp = atomic_load(&allgs); gp; gp = atomic_load(&gp->alllink)) {
		uint64_t mid = TRACE_NO_THREAD;
		int st;
		switch (readgstatus(gp)) {
		case Grunnable:
			st = TraceGoRunnable;
			break;
		case Gwaiting:
			st = TraceGoWaiting;
			break;
		case Gsyscall:
			st = TraceGoSyscall;
			mid = (uint64_t)gp->m->id;
			break;
		case Grunning:
			if (gp != tl.mp->curg)
				throw("traceStartGoStatus: a goroutine runs while the world is stopped");
			st = TraceGoRunning;
			mid = (uint64_t)tl.mp->id;
			break;
		default:
			continue;
		}
		if (traceAcquireStatus(&gp->trace.statusgen, tl.gen))
			w = traceWriteGoStatus(w, gp->goid, mid, st);
	}
}

/* ProcStart: tl.mp has just acquired its P. */
void traceProcStart(TraceLocker tl)
{
	P *pp = tl.mp->p;
	TraceWriter w = traceEventWriter(tl, TraceGoSyscall, TraceProcIdle);
	traceEvent(w, EvProcStart, (uint64_t)pp->id, pnextseq(pp, tl.gen));
}

/* ProcStop: tl.mp is about to give up its P. */
void traceProcStop(TraceLocker tl)
{
	TraceWriter w = traceEventWriter(tl, TraceGoSyscall, TraceProcRunning);
	traceEvent(w, EvProcStop);
}

/* ProcSteal: pp, whose M is in a system call, has been taken from it:
 * by sysmon's retake, or (inSyscall) by an M leaving its own system call
 * that finds its old P back in syscall state under another M. */
void traceProcSteal(TraceLocker tl, P *pp, bool inSyscall)
{
	int64_t from = pp->trace.syscallm;
	pp->trace.syscallm = -1;
	TraceWriter w = inSyscall ? traceEventWriter(tl, TraceGoSyscall, TraceProcSyscallAbandoned)
				  : traceEventWriter(tl, TraceGoRunning, TraceProcRunning);
	if (!traceStatusWasTraced(&pp->trace.statusgen, tl.gen) &&
	    traceAcquireStatus(&pp->trace.statusgen, tl.gen))
		w = traceWriteProcStatus(w, pp->id, TraceProcSyscallAbandoned);
	traceEvent(w, EvProcSteal, (uint64_t)pp->id, pnextseq(pp, tl.gen), (uint64_t)from);
}

/* ProcsChange (Go's Gomaxprocs): the number of Ps, with the stack of the
 * program's call that started the trace or changed the count
 * (withstack: weft_trace_start, weft_setmaxprocs), or none (WEFTTRACE:
 * the runtime started it). Go's parser wants it from a running
 * goroutine. */
void traceGomaxprocs(TraceLocker tl, int32_t procs, bool withstack)
{
	TraceWriter w = traceEventWriter(tl, TraceGoRunning, TraceProcRunning);
	traceEvent(w, EvProcsChange, (uint64_t)procs, withstack ? traceStack(NULL, tl.gen) : 0);
}

/* GoCreate: newg, starting at startpc, has been made runnable by the
 * current G (or by the M itself, as goroutine 1 is). */
void traceGoCreate(TraceLocker tl, G *newg, uintptr_t startpc)
{
	uint64_t now = traceClockNow(); /* first: the walk overlaps its latency */
	/* A new goroutine's state is known from this event: it needs no
	 * status in this generation, and its sequence starts over. */
	atomic_store(&newg->trace.statusgen, tl.gen);
	newg->trace.seqgen = (uint32_t)tl.gen;
	newg->trace.seq = 0;
	TraceWriter w = traceEventWriter(tl, TraceGoRunning, TraceProcRunning);
	uint64_t stk = traceStack(NULL, tl.gen);
	traceEventAt(w, EvGoCreate, now, (uint64_t)newg->goid, traceStartPC(startpc, tl.gen), stk);
}

/*
 * GoStart: tl.mp->curg, runnable, starts running. With samepoint, the
 * scheduler took it straight from its P's queue right after the M's last
 * goroutine stopped (GoBlock, GoStop, GoDestroy): the two events are one
 * scheduling decision apart, a few dozen instructions, and GoStart takes
 * the stop's time plus one unit (16-32 ns on amd64) instead of reading
 * the clock, which costs more than the decision on some machines (rdtsc
 * is 10-15 ns on AMD and in VMs). The error is below a unit.
 */
void traceGoStart(TraceLocker tl, bool samepoint)
{
	G *gp = tl.mp->curg;
	samepoint = samepoint && tl.mp->trace.stopped;
	tl.mp->trace.stopped = false;
	TraceWriter w = traceEventWriter(tl, TraceGoRunnable, TraceProcRunning);
	traceEventClock(w, EvGoStart, samepoint, (uint64_t)gp->goid, gnextseq(gp, tl.gen));
}

/* GoDestroy: the current G has finished. */
void traceGoEnd(TraceLocker tl)
{
	TraceWriter w = traceEventWriter(tl, TraceGoRunning, TraceProcRunning);
	traceEvent(w, EvGoDestroy);
	tl.mp->trace.stopped = true;
}

/* GoStop: the current G yields (weft_yield) and stays runnable. Called
 * on g0: the stack is the G's, from its saved context. */
void traceGoSched(TraceLocker tl)
{
	uint64_t now = traceClockNow(); /* first: the walk overlaps its latency */
	G *gp = tl.mp->curg;
	TraceWriter w = traceEventWriter(tl, TraceGoRunning, TraceProcRunning);
	uint64_t stk = traceStack(gp, tl.gen);
	traceEventAt(w, EvGoStop, now, trace.reasonYield[tl.gen % 2], stk);
	tl.mp->trace.stopped = true;
}

/* GoBlock: the current G parks for reason (a WaitReason). On g0, like
 * traceGoSched. */
void traceGoPark(TraceLocker tl, int reason)
{
	uint64_t now = traceClockNow(); /* first: the walk overlaps its latency */
	G *gp = tl.mp->curg;
	TraceWriter w = traceEventWriter(tl, TraceGoRunning, TraceProcRunning);
	uint64_t stk = traceStack(gp, tl.gen);
	traceEventAt(w, EvGoBlock, now, trace.reasons[tl.gen % 2][reason], stk);
	tl.mp->trace.stopped = true;
}

/* GoUnblock: gp, waiting, has been made runnable by the current G (its
 * stack), or by the M outside any G (a timer, the scheduler: no stack). */
void traceGoUnpark(TraceLocker tl, G *gp)
{
	uint64_t now = traceClockNow(); /* first: the walk overlaps its latency */
	TraceWriter w = traceEventWriter(tl, TraceGoRunning, TraceProcRunning);
	if (!traceStatusWasTraced(&gp->trace.statusgen, tl.gen) &&
	    traceAcquireStatus(&gp->trace.statusgen, tl.gen))
		w = traceWriteGoStatus(w, gp->goid, TRACE_NO_THREAD, TraceGoWaiting);
	G *cur = getg();
	uint64_t stk = cur && cur != tl.mp->g0 ? traceStack(NULL, tl.gen) : 0;
	traceEventAt(w, EvGoUnblock, now, (uint64_t)gp->goid, gnextseq(gp, tl.gen), stk);
}

/* GoSyscallBegin: the current G enters a blocking system call; its P
 * stays with it, in syscall state, until sysmon takes it. */
void traceGoSysCall(TraceLocker tl)
{
	uint64_t now = traceClockNow(); /* first: the walk overlaps its latency */
	P *pp = tl.mp->p;
	pp->trace.syscallm = tl.mp->id;
	TraceWriter w = traceEventWriter(tl, TraceGoRunning, TraceProcRunning);
	uint64_t stk = traceStack(NULL, tl.gen);
	traceEventAt(w, EvGoSyscallBegin, now, pnextseq(pp, tl.gen), stk);
}

/* GoSyscallEnd (the M got its P back) or GoSyscallEndBlocked (it lost
 * it: it now holds another P, or none). */
void traceGoSysExit(TraceLocker tl, bool lostP)
{
	int procStatus = TraceProcSyscall;
	if (lostP)
		procStatus = TraceProcRunning;
	else
		tl.mp->p->trace.syscallm = -1;
	TraceWriter w = traceEventWriter(tl, TraceGoSyscall, procStatus);
	/* One write for either event, which take the timestamp alone. */
	TRACE_CHECK_NARGS(EvGoSyscallEndBlocked, 1);
	TRACE_CHECK_NARGS(EvGoSyscallEnd, 1);
	traceEventWriteNow(w, lostP ? EvGoSyscallEndBlocked : EvGoSyscallEnd, NULL, 0);
}

/* ---- user annotations (weft.h) ---- */

static uint64_t nexttask; /* task ids: 1, 2, ...; 0 is the background task */

/* ANNOTATE writes a user event from the current goroutine; the calls cost
 * a load and a branch while tracing is off. */
#define ANNOTATE(...)                                                                   \
	do {                                                                            \
		TraceLocker tl = traceAcquire();                                        \
		if (traceOk(tl)) {                                                      \
			if (tl.mp->curg && tl.mp->p) {                                  \
				TraceWriter w = traceEventWriter(tl, TraceGoRunning, TraceProcRunning); \
				(void)(__VA_ARGS__);                                    \
			}                                                               \
			traceRelease(tl);                                               \
		}                                                                       \
	} while (0)

/* traceCString is traceString for the NUL-terminated string s, NULL
 * standing for "". */
static uint64_t traceCString(uint64_t gen, const char *s)
{
	if (!s)
		s = "";
	return traceString(gen, s, rt_strlen(s));
}

__attribute__((noinline)) uint64_t weft_trace_task_begin(uint64_t parent, const char *name)
{
	uint64_t id = atomic_xadd(&nexttask, 1);
	ANNOTATE(traceEvent(w, EvUserTaskBegin, id, parent, traceCString(tl.gen, name), traceStack(NULL, tl.gen)));
	return id;
}

__attribute__((noinline)) void weft_trace_task_end(uint64_t task)
{
	ANNOTATE(traceEvent(w, EvUserTaskEnd, task, traceStack(NULL, tl.gen)));
}

__attribute__((noinline)) void weft_trace_region_begin(uint64_t task, const char *name)
{
	ANNOTATE(traceEvent(w, EvUserRegionBegin, task, traceCString(tl.gen, name), traceStack(NULL, tl.gen)));
}

__attribute__((noinline)) void weft_trace_region_end(uint64_t task, const char *name)
{
	ANNOTATE(traceEvent(w, EvUserRegionEnd, task, traceCString(tl.gen, name), traceStack(NULL, tl.gen)));
}

__attribute__((noinline)) void weft_trace_log(uint64_t task, const char *category, const char *message)
{
	ANNOTATE(traceEvent(w, EvUserLog, task, traceCString(tl.gen, category), traceCString(tl.gen, message),
			    traceStack(NULL, tl.gen)));
}
