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
		if (!traceAcquireStatus(&pp->trace.statustraced, tl.gen))
			continue;
		pp->trace.syscallm = -1;
		int st = TraceProcIdle;
		if (pp == tl.mp->p)
			st = TraceProcRunning;
		pp->trace.state = (uint8_t)st;
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
		if (traceAcquireStatus(&gp->trace.statustraced, tl.gen))
			w = traceWriteGoStatus(w, gp->goid, mid, st);
	}
}

/* traceResetStatus forgets every G's and P's status claims as a trace
 * starts: those of an earlier trace's generations would look like this
 * one's (tracestatus.h keeps three generations' bits). The world is
 * stopped, or no goroutine runs yet. */
void traceResetStatus(void)
{
	for (G *gp = atomic_load(&allgs); gp; gp = atomic_load(&gp->alllink))
		atomic_store(&gp->trace.statustraced, 0);
	for (int32_t i = 0; i < MAX_PROCS && allp && allp[i]; i++) {
		atomic_store(&allp[i]->trace.statustraced, 0);
		allp[i]->trace.state = 0;
	}
}

/*
 * The Gs and Ps that no event announced in a generation (Go's untracedGs
 * of traceAdvance, and its forEachP for the Ps): a goroutine blocked, or
 * runnable, or in a system call, for the whole generation, an idle P.
 * Each generation must announce every G and P, so that it reads without
 * the ones before it (a flight recorder's window, a trace cut short at
 * its start). At a generation's end, before it ends, the snapshot notes
 * each G and P whose status no event claimed yet, with its state then;
 * once no M can write in the generation any more, those still unclaimed
 * are written, with the noted state. That state is right: any change
 * after the snapshot and before the end was made by an event of the same
 * generation, which claimed the status (every casgstatus falls inside
 * its event's traceAcquire window: traceruntime.c's pattern), and a P's
 * state is the one its last event left (PTrace.state), not its field.
 *
 * A G running all generation long without an event (weft has no
 * preemption yet) is announced in a batch of its own M's, with its P,
 * as that M would have if it had written an event: Go's parser binds a
 * running G to the M whose batch announces it. A G blocked or runnable
 * has its stack (GoStatusStack, Go 1.23's), read by a bounded walk
 * (traceStackRace); one in a system call, its M. Ps in system calls
 * need none: each generation's start takes them from their Ms
 * (retakeall, as Go's forEachP does), so none stays in one a whole
 * generation.
 */
typedef struct Untraced {
	void *p;           /* the G or the P */
	int64_t id;        /* goid, or the P's id */
	int64_t mid;       /* a G's M (in a system call, running) or -1 */
	int32_t pid;       /* a running G's P, or -1 */
	uint8_t isg;       /* a G, else a P */
	uint8_t status;    /* TraceGo* or TraceProc* */
	uint64_t stk;      /* a blocked or runnable G's stack, or 0 */
} Untraced;

static struct {
	Untraced *v;
	size_t n, cap;
	uint64_t time; /* the snapshot's, for the events: before the next generation's first */
	int32_t procs; /* the count of Ps then */
} untraced;

static void untracedPush(Untraced u)
{
	if (untraced.n == untraced.cap) {
		size_t cap = untraced.cap ? 2 * untraced.cap : 4096;
		Untraced *v = sys_mmap(NULL, cap * sizeof *v, PROT_READ | PROT_WRITE, 0);
		if (!v)
			return; /* out of memory: those left out go unannounced */
		if (untraced.v) {
			memcpy(v, untraced.v, untraced.n * sizeof *v);
			sys_munmap(untraced.v, untraced.cap * sizeof *v);
		}
		untraced.v = v;
		untraced.cap = cap;
	}
	untraced.v[untraced.n++] = u;
}

/* traceUntracedSnapshot notes generation gen's unannounced Gs and Ps,
 * gen still current, and clears every G's and P's claim of the next
 * generation (traceReadyNextGen). The generation's end, advlock held. */
void traceUntracedSnapshot(uint64_t gen)
{
	untraced.n = 0;
	untraced.time = traceClockNow();
	untraced.procs = atomic_load(&gomaxprocs);
	for (G *gp = atomic_load(&allgs); gp; gp = atomic_load(&gp->alllink)) {
		traceReadyNextGen(&gp->trace.statustraced, gen);
		if (traceStatusWasTraced(&gp->trace.statustraced, gen))
			continue;
		Untraced u = {.p = gp, .id = atomic_load(&gp->goid), .mid = -1, .pid = -1, .isg = 1};
		M *mp = atomic_load(&gp->m);
		switch (readgstatus(gp)) {
		case Grunnable:
			u.status = TraceGoRunnable;
			u.stk = traceStackRace(gp, gen);
			break;
		case Gwaiting:
			u.status = TraceGoWaiting;
			u.stk = traceStackRace(gp, gen);
			break;
		case Gsyscall:
			if (!mp)
				continue;
			u.status = TraceGoSyscall;
			u.mid = mp->id;
			break;
		case Grunning: {
			if (!mp)
				continue;
			P *pp = atomic_load(&mp->p);
			u.status = TraceGoRunning;
			u.mid = mp->id;
			u.pid = pp ? pp->id : -1;
			break;
		}
		default:
			continue;
		}
		untracedPush(u);
	}
	int32_t procs = atomic_load(&gomaxprocs);
	for (int32_t i = 0; i < MAX_PROCS && allp[i]; i++) {
		P *pp = allp[i];
		traceReadyNextGen(&pp->trace.statustraced, gen);
		if (i >= procs || traceStatusWasTraced(&pp->trace.statustraced, gen))
			continue;
		uint8_t st = atomic_load(&pp->trace.state);
		if (st == 0 || st == TraceProcIdle)
			untracedPush((Untraced){.p = pp, .id = pp->id, .mid = -1, .pid = -1, .status = TraceProcIdle});
	}
}

/* traceProcsClaim claims generation gen's ProcsChange: true for the one
 * caller that is to write it. Go writes one in every generation, so that
 * each reads alone, from a running goroutine, which its parser wants. */
static bool traceProcsClaim(uint64_t gen)
{
	uint64_t g = atomic_load(&trace.procsgen);
	return g != gen && atomic_cas(&trace.procsgen, g, gen);
}

/* traceUntracedWrite writes the statuses of the Gs and Ps the snapshot
 * noted that are still unannounced in generation gen, now that no M can
 * write in it: in a batch of no thread, but for running Gs, each in a
 * batch of its M's. The generation's end, advlock held. */
void traceUntracedWrite(uint64_t gen)
{
	TraceWriter w = traceUnsafeWriter(gen);
	uint64_t t = untraced.time;
	for (size_t i = 0; i < untraced.n; i++) {
		Untraced *u = &untraced.v[i];
		if (!u->isg) {
			P *pp = u->p;
			if (traceAcquireStatus(&pp->trace.statustraced, gen)) {
				if (!w.buf)
					w = traceRefillAt(w, TRACE_NO_THREAD, t);
				w = traceEventAt(w, EvProcStatus, t, (uint64_t)u->id, (uint64_t)u->status);
			}
			continue;
		}
		G *gp = u->p;
		if (!traceAcquireStatus(&gp->trace.statustraced, gen))
			continue;
		if (u->status == TraceGoRunning) {
			/* A batch of its M's, as that M would have written. */
			TraceWriter mw = traceRefillAt(traceUnsafeWriter(gen), (uint64_t)u->mid, t);
			P *pp = u->pid >= 0 ? allp[u->pid] : NULL;
			if (pp && traceAcquireStatus(&pp->trace.statustraced, gen))
				mw = traceEventAt(mw, EvProcStatus, t, (uint64_t)pp->id, TraceProcRunning);
			mw = traceEventAt(mw, EvGoStatus, t, (uint64_t)u->id, (uint64_t)u->mid, TraceGoRunning);
			/* A generation whose goroutines all ran through it without
			 * an event still says how many Ps there are. */
			if (pp && traceProcsClaim(gen))
				mw = traceEventAt(mw, EvProcsChange, t, (uint64_t)untraced.procs, 0);
			traceBufFlush(mw.buf, gen);
			continue;
		}
		if (!w.buf)
			w = traceRefillAt(w, TRACE_NO_THREAD, t);
		uint64_t mid = u->mid >= 0 ? (uint64_t)u->mid : TRACE_NO_THREAD;
		if (u->stk)
			w = traceEventAt(w, EvGoStatusStack, t, (uint64_t)u->id, mid, (uint64_t)u->status, u->stk);
		else
			w = traceEventAt(w, EvGoStatus, t, (uint64_t)u->id, mid, (uint64_t)u->status);
	}
	if (w.buf)
		traceBufFlush(w.buf, gen);
}

/* ProcStart: tl.mp has just acquired its P. */
void traceProcStart(TraceLocker tl)
{
	P *pp = tl.mp->p;
	TraceWriter w = traceEventWriter(tl, TraceGoSyscall, TraceProcIdle);
	traceEvent(w, EvProcStart, (uint64_t)pp->id, pnextseq(pp, tl.gen));
	pp->trace.state = TraceProcRunning;
}

/* ProcStop: tl.mp is about to give up its P. */
void traceProcStop(TraceLocker tl)
{
	TraceWriter w = traceEventWriter(tl, TraceGoSyscall, TraceProcRunning);
	traceEvent(w, EvProcStop);
	tl.mp->p->trace.state = TraceProcIdle;
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
	if (!traceStatusWasTraced(&pp->trace.statustraced, tl.gen) &&
	    traceAcquireStatus(&pp->trace.statustraced, tl.gen))
		w = traceWriteProcStatus(w, pp->id, TraceProcSyscallAbandoned);
	traceEvent(w, EvProcSteal, (uint64_t)pp->id, pnextseq(pp, tl.gen), (uint64_t)from);
	pp->trace.state = TraceProcIdle;
}

/* ProcsChange (Go's Gomaxprocs): the number of Ps, with the stack of the
 * program's call that started the trace or changed the count
 * (withstack: weft_trace_start, weft_setmaxprocs), or none (WEFTTRACE:
 * the runtime started it). Go's parser wants it from a running
 * goroutine. */
void traceGomaxprocs(TraceLocker tl, int32_t procs, bool withstack)
{
	atomic_store(&trace.procsgen, tl.gen);
	TraceWriter w = traceEventWriter(tl, TraceGoRunning, TraceProcRunning);
	traceEvent(w, EvProcsChange, (uint64_t)procs, withstack ? traceStack(NULL, tl.gen) : 0);
}

/* traceProcsOnce writes this generation's ProcsChange into w, the
 * writer of a running goroutine's M, if no one has yet: traceEventWriter
 * calls it as it announces a running goroutine. The M holds a P: the
 * count changes only while every other P is stopped, so the count read
 * is the count at the event's time (an M without one may be returning
 * from a system call while it changes). */
TraceWriter traceProcsOnce(TraceWriter w, uint64_t gen)
{
	if (traceProcsClaim(gen))
		w = traceEvent(w, EvProcsChange, (uint64_t)atomic_load(&gomaxprocs), 0);
	return w;
}

/* traceGomaxprocsOnce: the same from an event of a goroutine that may have
 * been announced already (GoStart, GoCreate, GoSyscallEnd); the cost on
 * every other event is one load and a branch. */
static inline void traceGomaxprocsOnce(TraceLocker tl)
{
	if (likely(atomic_load(&trace.procsgen) == tl.gen) || !tl.mp->curg || !tl.mp->p)
		return;
	traceProcsOnce(traceEventWriter(tl, TraceGoRunning, TraceProcRunning), tl.gen);
}

/* GoCreate: newg, starting at startpc, has been made runnable by the
 * current G (or by the M itself, as goroutine 1 is). */
void traceGoCreate(TraceLocker tl, G *newg, uintptr_t startpc)
{
	uint64_t now = traceClockNow(); /* first: the walk overlaps its latency */
	/* A new goroutine's state is known from this event: it needs no
	 * status in this generation, and its sequence starts over. */
	traceAcquireStatus(&newg->trace.statustraced, tl.gen);
	newg->trace.seqgen = (uint32_t)tl.gen;
	newg->trace.seq = 0;
	TraceWriter w = traceEventWriter(tl, TraceGoRunning, TraceProcRunning);
	uint64_t stk = traceStack(NULL, tl.gen);
	traceEventAt(w, EvGoCreate, now, (uint64_t)newg->goid, traceStartPC(startpc, tl.gen), stk);
	traceGomaxprocsOnce(tl);
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
	traceGomaxprocsOnce(tl);
}

/* GoDestroy: the current G has finished. */
void traceGoEnd(TraceLocker tl)
{
	TraceWriter w = traceEventWriter(tl, TraceGoRunning, TraceProcRunning);
	traceEvent(w, EvGoDestroy);
	tl.mp->trace.stopped = true;
}

/* GoStop: the current G stops and stays runnable, for reason (a string
 * id of this generation's). Called on g0: the stack is the G's, from its
 * saved context. */
static void traceGoStop(TraceLocker tl, uint64_t reason)
{
	uint64_t now = traceClockNow(); /* first: the walk overlaps its latency */
	G *gp = tl.mp->curg;
	TraceWriter w = traceEventWriter(tl, TraceGoRunning, TraceProcRunning);
	uint64_t stk = traceStack(gp, tl.gen);
	traceEventAt(w, EvGoStop, now, reason, stk);
	tl.mp->trace.stopped = true;
}

/* GoStop "yield": the current G yields (weft_yield). */
void traceGoSched(TraceLocker tl)
{
	traceGoStop(tl, trace.reasonYield[tl.gen % 2]);
}

/* GoStop "preempted": the current G was preempted (gopreempt_m); the
 * stack passes through asyncPreempt's frame into the program's (the dump
 * starts it there). */
void traceGoPreempt(TraceLocker tl)
{
	traceGoStop(tl, trace.reasonPreempted[tl.gen % 2]);
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
	if (!traceStatusWasTraced(&gp->trace.statustraced, tl.gen) &&
	    traceAcquireStatus(&gp->trace.statustraced, tl.gen))
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
	pp->trace.state = TraceProcSyscall;
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
	if (!lostP) {
		tl.mp->p->trace.state = TraceProcRunning;
		traceGomaxprocsOnce(tl);
	}
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
