/*
 * proc.c: the scheduler.
 *
 * The model is Go's (runtime/proc.go), in C:
 *
 *	G  a goroutine: a stack, a saved context, a status.
 *	M  an OS thread. It runs Gs, and scheduler code on its own g0 stack.
 *	P  a processor: the right to run Gs. There are gomaxprocs of them
 *	   (WEFTMAXPROCS, default the number of CPUs; weft_setmaxprocs
 *	   changes the count with the world stopped, procresize). An M must
 *	   hold a P to run a G; an M in a blocking system call may lose its P.
 *
 * Each P has a local run queue (a lock-free ring its owner pushes to and
 * anyone may take from) plus a runnext slot, which only the owner touches:
 * a G readied by the running G, say the receiver of a channel send, runs
 * next and inherits the time slice, which keeps producer/consumer pairs on
 * one P. Overflow goes to the
 * global run queue (sched.lock). An M whose P has nothing to run looks in
 * the global queue, then steals half of another P's queue; while it looks
 * it is "spinning". When no work is found it gives its P back to the idle
 * list and parks on a futex (stopm). Whoever makes a G runnable while Ps
 * are idle and no M is spinning wakes one (wakep), so work never sits in a
 * queue while a P idles; the spinning protocol (an M that stops spinning
 * re-checks every queue) closes the race with a concurrent wakeup. A
 * spinning M that sees only runnext Gs on running Ps pauses a moment
 * before it gives up (findRunnable says why).
 *
 * Context switches happen only at calls into the runtime: a G leaves its
 * stack through mcall, which saves its context on its own stack and runs a
 * function on g0 (park_m, gosched_m, goexit0, exitsyscall0); g0 picks the
 * next G in schedule() and jumps into it with gogo. schedule never returns;
 * every trip through g0 starts again at the top of the g0 stack.
 *
 * Scheduling is cooperative: C code cannot be preempted safely at
 * arbitrary points, so a G runs until it blocks, yields or exits. Blocking
 * system calls (weft_read, weft_write, ...) bracket themselves with
 * entersyscall/exitsyscall: the P stays with the M but is marked Psyscall,
 * and sysmon, a thread without a P, hands such a P to another M once the
 * call has lasted SYSCALL_RETAKE_NS. On return the G takes its P back if it
 * is still there, else an idle P, else it queues itself and its M parks.
 *
 * Timers (time.c) live in one heap. Every trip through schedule runs the
 * ones that are due; an M that finds no work sleeps until the next one
 * (at most one M does; the others park until woken).
 *
 * When the last M parks with nothing running, no timer pending and no
 * system call in flight, every goroutine is blocked forever: checkdead
 * reports the deadlock, as Go does.
 *
 * Rejected: one global queue with a lock (the lock is the bottleneck at 2
 * Ps already); thread-per-goroutine (no); signal-based preemption (C code
 * holding libc or runtime locks can't be stopped safely).
 */
#include "runtime.h"
#include "trace.h"

struct Sched sched;
P **allp;
int32_t gomaxprocs;
M *allm;
G *allgs;
Mutex allglock;
int64_t ncpu;
RtHooks rthooks;

__thread M *tls_m;
__thread G *tls_g;
static M m0;
static bool mainStarted;
static int32_t nallgs;

#if ARCH_TLS_INLINE
/* setg makes gp the calling thread's G: g0 while it runs scheduler code,
 * else the goroutine it runs. Only the thread itself sets it. */
static inline void setg(G *gp) { tls_g = gp; }
#else
/* getg and getm (runtime.h) are calls here, never inlined: a goroutine may
 * resume on another thread, and a call reads that thread's pointer anew. */
__attribute__((noinline)) G *getg(void) { return tls_g; }
__attribute__((noinline)) M *getm(void) { return tls_m; }
/* setg makes gp the calling thread's G (out of line, as getg). */
__attribute__((noinline)) static void setg(G *gp) { tls_g = gp; }
#endif

static _Noreturn void schedule(void);
static void stwstopm(void);
static void runtime_main(void *arg);
static void wakep(void);
static void startm(P *pp, bool spinning);
static void procresize(int32_t nprocs);
static void gfpurge(P *pp);
__attribute__((noinline, cold)) static void gostart(G *gp, P *pp);

/* waitreason_string names wait reason r for dumps and the trace (Go's
 * waitReason.String), "?" when r is none of them. Any thread; no lock. */
const char *waitreason_string(int r)
{
	static const char *const names[] = {
#define X(name, str, traceReason) str,
		WAITREASONS(X)
#undef X
	};
	if (r < 0 || (size_t)r >= nelem(names))
		return "?";
	return names[r];
}

/*
 * cheaprand returns a pseudo-random number from the current M's state,
 * which mcommoninit seeds from the clock and the M's id. It is
 * xorshift64+, two 32-bit xorshift sequences added together (Marsaglia's
 * shift triplet [17, 7, 16]): what Go's cheaprand does on arches without a
 * fast 64-bit multiply (elsewhere Go uses wyrand). Fast, not for
 * cryptography: it picks a steal victim or a select's poll order. An M's
 * state is its thread's alone; a thread with no M (a hosted program's
 * own, in weft_select) uses m0's, unlocked: a race there only garbles
 * numbers that are random anyway.
 */
uint32_t cheaprand(void)
{
	M *mp = getm();
	uint32_t *s = mp ? mp->cheaprand : m0.cheaprand;
	uint32_t s1 = s[0], s0 = s[1];
	s[0] = s0;
	s1 ^= s1 << 17;
	s1 = s1 ^ s0 ^ (s1 >> 7) ^ (s0 >> 16);
	s[1] = s1;
	return s0 + s1;
}

/* cheaprandn returns a uniform number in [0, n) (Lemire's reduction). */
uint32_t cheaprandn(uint32_t n)
{
	return (uint32_t)(((uint64_t)cheaprand() * n) >> 32);
}

/* ---- G status ---- */

/* readgstatus returns gp's status, read atomically: any thread may ask,
 * but only the owner of gp's next transition (see casgstatus) can rely on
 * the answer staying true. */
uint32_t readgstatus(G *gp)
{
	return atomic_load(&gp->atomicstatus);
}

/* badgstatus reports a status transition that found gp in the wrong state
 * (see casgstatus in runtime.h). */
_Noreturn void badgstatus(G *gp, uint32_t old, uint32_t new, uint32_t cur)
{
	rt_printf("runtime: casgstatus: goroutine %lld: %u -> %u, but status was %u\n", (long long)gp->goid,
		  old, new, cur);
	throw("casgstatus: bad incoming values");
}

/* ---- run queues ---- */

/* runqringempty reports whether pp's ring is empty, runnext aside: whether
 * a thief would find anything (runqgrab). Any thread, lock-free; the
 * answer may be stale at once. */
static bool runqringempty(P *pp)
{
	return atomic_load(&pp->runqhead) == atomic_load(&pp->runqtail);
}

/*
 * runqempty reports whether pp has no G to run, in its ring or runnext.
 * Any thread, lock-free; it may be stale at once, but it never says empty
 * while a G sits there all along: runqput can kick the old runnext into
 * the ring while runqget empties runnext, so an empty ring read before
 * and an empty runnext read after would miss that G, and tail is read
 * again to make sure the ring did not move meanwhile.
 */
static bool runqempty(P *pp)
{
	for (;;) {
		uint32_t head = atomic_load(&pp->runqhead);
		uint32_t tail = atomic_load(&pp->runqtail);
		G *next = atomic_load(&pp->runnext);
		if (tail == atomic_load(&pp->runqtail))
			return head == tail && next == NULL;
	}
}

/* globrunqput puts gp at the tail of the global run queue. sched.lock
 * must be held. */
static void globrunqput(G *gp)
{
	gp->schedlink = NULL;
	if (sched.runqtail)
		sched.runqtail->schedlink = gp;
	else
		sched.runqhead = gp;
	sched.runqtail = gp;
	sched.runqsize++;
}

/* globrunqputhead puts gp at the head of the global run queue, to run
 * before the rest: the Gs of a P that goes away keep their place ahead
 * of those queued later. sched.lock must be held. */
static void globrunqputhead(G *gp)
{
	gp->schedlink = sched.runqhead;
	sched.runqhead = gp;
	if (!sched.runqtail)
		sched.runqtail = gp;
	sched.runqsize++;
}

/* globrunqputbatch puts the n Gs linked through schedlink from head to
 * tail at the tail of the global run queue. sched.lock must be held. */
static void globrunqputbatch(G *head, G *tail, int32_t n)
{
	tail->schedlink = NULL;
	if (sched.runqtail)
		sched.runqtail->schedlink = head;
	else
		sched.runqhead = head;
	sched.runqtail = tail;
	sched.runqsize += n;
}

/* globrunqpop takes the G at the head of the global run queue, or returns
 * NULL when it is empty. sched.lock must be held. */
static G *globrunqpop(void)
{
	G *gp = sched.runqhead;
	if (gp) {
		sched.runqhead = gp->schedlink;
		if (!sched.runqhead)
			sched.runqtail = NULL;
		sched.runqsize--;
	}
	return gp;
}

static bool runqputslow(P *pp, G *gp, uint32_t head, uint32_t tail);

/*
 * runqput puts gp on pp's local queue; with next, into runnext, kicking
 * the old runnext to the tail. A full queue moves half of itself to the
 * global queue. Only pp's owner may call it.
 */
static void runqput(P *pp, G *gp, bool next)
{
	if (next) {
		G *old = pp->runnext;
		atomic_store_rel(&pp->runnext, gp);
		if (!old)
			return;
		gp = old;
	}
	for (;;) {
		uint32_t head = atomic_load_acq(&pp->runqhead);
		uint32_t tail = pp->runqtail;
		if (tail - head < RUNQ_SIZE) {
			pp->runq[tail % RUNQ_SIZE] = gp;
			atomic_store_rel(&pp->runqtail, tail + 1);
			return;
		}
		if (runqputslow(pp, gp, head, tail))
			return;
	}
}

/* runqputslow moves half of pp's full ring (as runqput read head and
 * tail), then gp, to the global queue, and returns true; it returns false
 * and moves nothing if a thief took from the ring meanwhile (runqput then
 * tries again). Owner only; it takes sched.lock. */
static bool runqputslow(P *pp, G *gp, uint32_t head, uint32_t tail)
{
	G *batch[RUNQ_SIZE / 2 + 1];
	uint32_t n = (tail - head) / 2;

	for (uint32_t i = 0; i < n; i++)
		batch[i] = pp->runq[(head + i) % RUNQ_SIZE];
	if (!atomic_cas(&pp->runqhead, head, head + n))
		return false; /* a thief took some; retry the fast path */
	batch[n] = gp;
	for (uint32_t i = 0; i < n; i++)
		batch[i]->schedlink = batch[i + 1];
	lock(&sched.lock);
	globrunqputbatch(batch[0], batch[n], (int32_t)n + 1);
	unlock(&sched.lock);
	return true;
}

/* runqget takes the next G from pp's local queue; *inherit says it came
 * from runnext and keeps the current time slice. Owner only. */
static G *runqget(P *pp, bool *inherit)
{
	G *next = pp->runnext;
	if (next) {
		atomic_store_rel(&pp->runnext, NULL);
		*inherit = true;
		return next;
	}
	*inherit = false;
	for (;;) {
		uint32_t head = atomic_load_acq(&pp->runqhead);
		uint32_t tail = pp->runqtail;
		if (tail == head)
			return NULL;
		G *gp = pp->runq[head % RUNQ_SIZE];
		if (atomic_cas(&pp->runqhead, head, head + 1))
			return gp;
	}
}

/*
 * runqgrab copies up to half of pp's queue into batch, for a thief. It
 * never takes runnext, which belongs to pp's owner alone (so the owner
 * updates it with plain stores): a running P's runnext is about to run
 * there, an idle P has none, and a P whose M sits in a system call goes,
 * runnext and all, to another M (handoffp).
 */
static uint32_t runqgrab(P *pp, G **batch)
{
	for (;;) {
		uint32_t head = atomic_load_acq(&pp->runqhead);
		uint32_t tail = atomic_load_acq(&pp->runqtail);
		uint32_t n = tail - head;
		n = n - n / 2;
		if (n == 0)
			return 0;
		if (n > RUNQ_SIZE / 2)
			continue; /* read an inconsistent head and tail */
		for (uint32_t i = 0; i < n; i++)
			batch[i] = pp->runq[(head + i) % RUNQ_SIZE];
		if (atomic_cas(&pp->runqhead, head, head + n))
			return n;
	}
}

/* runqsteal moves half of victim's ring (never its runnext) to pp's, and
 * returns one G of it to run, or NULL when there was nothing to take. pp
 * is the caller's own P, with room in its ring (findRunnable steals only
 * once its own queue is empty); victim may be running anywhere. */
static G *runqsteal(P *pp, P *victim)
{
	G *batch[RUNQ_SIZE / 2];
	uint32_t n = runqgrab(victim, batch);
	if (n == 0)
		return NULL;
	G *gp = batch[--n];
	if (n == 0)
		return gp;
	uint32_t tail = pp->runqtail;
	for (uint32_t i = 0; i < n; i++)
		pp->runq[(tail + i) % RUNQ_SIZE] = batch[i];
	atomic_store_rel(&pp->runqtail, tail + n);
	return gp;
}

/* globrunqget takes a batch from the global queue for pp, the caller's
 * own P: one G, which it returns (NULL when the queue is empty), and a
 * fair share more into pp's local queue; at most max in all (0: no
 * limit). sched.lock must be held. */
static G *globrunqget(P *pp, int32_t max)
{
	if (sched.runqsize == 0)
		return NULL;
	int32_t n = sched.runqsize / gomaxprocs + 1;
	if (n > sched.runqsize)
		n = sched.runqsize;
	if (max > 0 && n > max)
		n = max;
	if (n > RUNQ_SIZE / 2)
		n = RUNQ_SIZE / 2;
	G *gp = globrunqpop();
	while (--n > 0)
		runqput(pp, globrunqpop(), false);
	return gp;
}

/* ---- Ps and Ms ---- */

/* pidleput puts pp, whose run queue must be empty, on the idle list; while
 * the world is stopping it stops pp instead, counting it for stopTheWorld.
 * pp belongs to no M. sched.lock must be held. */
static void pidleput(P *pp)
{
	if (!runqempty(pp))
		throw("pidleput: P has non-empty run queue");
	if (atomic_load(&sched.stopping)) {
		/* The world is stopping: this P stops instead. */
		atomic_store(&pp->status, Pstopped);
		if (--sched.stopwait == 0)
			notewakeup(&sched.stopnote);
		return;
	}
	pp->link = sched.pidle;
	sched.pidle = pp;
	atomic_xadd(&sched.npidle, 1);
}

/* pidleget takes a P off the idle list, or returns NULL; taking one wakes
 * sysmon if it sleeps for want of a running P. The caller then owns the P
 * (acquirep, or a new M's nextp). sched.lock must be held. */
static P *pidleget(void)
{
	P *pp = sched.pidle;
	if (pp) {
		sched.pidle = pp->link;
		atomic_xadd(&sched.npidle, -1);
		if (sched.sysmonwait) {
			sched.sysmonwait = false;
			notewakeup(&sched.sysmonnote);
		}
	}
	return pp;
}

/* acquirep attaches pp to the current M and marks it running. The M must
 * hold no P, and pp must be the caller's to give: off the idle list, its
 * own P taken back, or handed over in nextp. */
static void acquirep(P *pp)
{
	M *mp = getm();
	if (mp->p || pp->m)
		throw("acquirep: invalid P state");
	mp->p = pp;
	pp->m = mp;
	atomic_store(&pp->status, Prunning);
	TraceLocker tl = traceAcquire();
	if (traceOk(tl)) {
		traceProcStart(tl);
		traceRelease(tl);
	}
}

/* releasep detaches the P running on the current M, marks it idle and
 * returns it; the caller decides where it goes (the idle list, stopped,
 * another M). */
static P *releasep(void)
{
	M *mp = getm();
	P *pp = mp->p;
	if (!pp || pp->m != mp || atomic_load(&pp->status) != Prunning)
		throw("releasep: invalid P state");
	TraceLocker tl = traceAcquire();
	if (traceOk(tl)) {
		traceProcStop(tl);
		traceRelease(tl);
	}
	mp->p = NULL;
	pp->m = NULL;
	atomic_store(&pp->status, Pidle);
	return pp;
}

/* mput puts mp, which is about to park on its note, on the idle M list.
 * sched.lock must be held. */
static void mput(M *mp)
{
	mp->schedlink = sched.midle;
	sched.midle = mp;
	sched.nmidle++;
}

/* mget takes an M off the idle list, or returns NULL; the caller must wake
 * it (startm). sched.lock must be held. */
static M *mget(void)
{
	M *mp = sched.midle;
	if (mp) {
		sched.midle = mp->schedlink;
		sched.nmidle--;
	}
	return mp;
}

/*
 * checkdead reports a deadlock when no M is left to run anything: every M
 * is idle (or is sysmon), no timer is pending and nothing is runnable.
 * Ms in system calls count as running, so a G blocked in read(2) is not a
 * deadlock. When no goroutine is left at all, goroutine 1 ended by
 * weft_goexit and every other has ended since: Go's "no goroutines"
 * error, whatever timers are pending (no goroutine can see them fire).
 * Called with sched.lock held by an M about to park.
 */
static void checkdead(void)
{
	if (!mainStarted)
		return;
	/* A P that sysmon is handing off counts as running: the M it came
	 * from may park meanwhile, its G queued for that very P. */
	int32_t run = sched.mnext - sched.nmidle - sched.nmsys - (sched.timerwaiting ? 1 : 0) +
		      sched.nretaking;
	if (run > 0)
		return;
	if (run < 0) {
		rt_printf("runtime: checkdead: nmidle=%d mcount=%d nmsys=%d\n", sched.nmidle, sched.mnext,
			  sched.nmsys);
		throw("checkdead: inconsistent counts");
	}
	/* Every G is parked, dead or (in allgs but not yet started) idle:
	 * a runnable one would have an M. Count the parked ones. */
	int32_t nwaiting = 0;
	for (G *gp = atomic_load(&allgs); gp; gp = atomic_load(&gp->alllink))
		if (readgstatus(gp) == Gwaiting)
			nwaiting++;
	if (nwaiting == 0) {
		unlock(&sched.lock);
		fatal("no goroutines (main called runtime.Goexit) - deadlock!");
	}
	if (timers_len() > 0)
		return;
	if (sched.runqsize > 0)
		throw("checkdead: runnable goroutines on the global queue");
	for (int32_t i = 0; i < atomic_load(&gomaxprocs); i++)
		if (!runqempty(allp[i]))
			throw("checkdead: runnable goroutines on a P");
	unlock(&sched.lock);
	fatal("all goroutines are asleep - deadlock!");
}

/* stopm parks the current M, which holds no P, until startm hands it one. */
static void stopm(void)
{
	M *mp = getm();
	if (mp->p)
		throw("stopm holding p");
	if (mp->spinning)
		throw("stopm spinning");
	lock(&sched.lock);
	mput(mp);
	checkdead();
	unlock(&sched.lock);
	notesleep(&mp->park);
	noteclear(&mp->park);
	acquirep(mp->nextp);
	mp->nextp = NULL;
}

/*
 * startm runs pp (or an idle P, if pp is NULL) on an idle M, or on a new
 * one. With spinning, the caller has already counted the M in
 * sched.nmspinning, and the M starts out looking for work.
 */
static void startm(P *pp, bool spinning)
{
	lock(&sched.lock);
	if (!pp) {
		pp = pidleget();
		if (!pp) {
			unlock(&sched.lock);
			if (spinning && atomic_xadd(&sched.nmspinning, -1) < 0)
				throw("startm: negative nmspinning");
			return;
		}
	}
	M *nmp = mget();
	if (!nmp) {
		/* Count the new M before dropping the lock, so checkdead on
		 * another M doesn't see zero running Ms in between. */
		unlock(&sched.lock);
		newm(NULL, pp, spinning);
		return;
	}
	unlock(&sched.lock);
	if (nmp->spinning || nmp->nextp)
		throw("startm: M is spinning or has a P");
	nmp->spinning = spinning;
	nmp->nextp = pp;
	notewakeup(&nmp->park);
}

/* wakep starts a spinning M if there is an idle P and no M is spinning
 * already (that one would find the work). Any M, holding no scheduler
 * lock: startm takes sched.lock. */
static void wakep(void)
{
	if (atomic_load(&sched.npidle) == 0)
		return;
	if (atomic_load(&sched.nmspinning) != 0 || !atomic_cas(&sched.nmspinning, 0, 1))
		return;
	startm(NULL, true);
}

/* handoffp gives away the P of an M that is blocked in a system call (or
 * exiting it without a P): to a new M if there is work, else to the idle
 * list. */
static void handoffp(P *pp)
{
	if (!runqempty(pp) || atomic_load(&sched.runqsize) != 0) {
		startm(pp, false);
		return;
	}
	if (atomic_load(&sched.nmspinning) + atomic_load(&sched.npidle) == 0 &&
	    atomic_cas(&sched.nmspinning, 0, 1)) {
		startm(pp, true);
		return;
	}
	lock(&sched.lock);
	if (sched.runqsize != 0) {
		unlock(&sched.lock);
		startm(pp, false);
		return;
	}
	pidleput(pp);
	unlock(&sched.lock);
	/* Timers need some M to sleep until they are due. */
	if (timers_len() > 0 && !atomic_load(&sched.timerwaiting))
		wakep();
}

/* resetspinning: the current M, which was spinning, found work and stops;
 * if it was the last spinning M, it wakes another for the rest of the
 * work (wakep). */
static void resetspinning(void)
{
	M *mp = getm();
	mp->spinning = false;
	if (atomic_xadd(&sched.nmspinning, -1) < 0)
		throw("findrunnable: negative nmspinning");
	wakep();
}

/* ---- stopping the world ---- */

/* stwstopm stops the current M's P for stopTheWorld and parks the M until
 * the world starts again and hands it a P (Go's gcstopm). */
static void stwstopm(void)
{
	M *mp = getm();
	if (mp->spinning) {
		mp->spinning = false;
		if (atomic_xadd(&sched.nmspinning, -1) < 0)
			throw("stwstopm: negative nmspinning");
	}
	P *pp = releasep();
	lock(&sched.lock);
	atomic_store(&pp->status, Pstopped);
	if (--sched.stopwait == 0)
		notewakeup(&sched.stopnote);
	unlock(&sched.lock);
	stopm();
}

/* worldsema admits one stopper of the world at a time (Go's worldsema):
 * weft_setmaxprocs and weft_trace_start. stopTheWorld takes it,
 * startTheWorld gives it back. */
static weft_mutex worldsema;
/* newprocs: the number of Ps that startTheWorld sets, or 0 for no change
 * (Go's newprocs). Written by the world's stopper. */
static int32_t newprocs;

/*
 * stealbegin and stealend bracket, while tracing (tl ok), a CAS that
 * takes pp out of Psyscall and the event that says so (ProcSteal, or
 * its own M's GoSyscallEnd). An M back from a system call that finds
 * its P taken waits for the count to drop before it writes anything: its
 * next events (ProcStart of another P, GoSyscallEndBlocked) follow the
 * steal in Go's parser, so they must not carry earlier times, as they
 * would if the stealer were descheduled between its CAS and its event.
 */
static void stealbegin(P *pp, TraceLocker tl)
{
	if (traceOk(tl))
		atomic_xadd(&pp->trace.stealing, 1);
}

static void stealend(P *pp, TraceLocker tl)
{
	if (traceOk(tl))
		atomic_xadd(&pp->trace.stealing, -1);
}

/*
 * stopTheWorld stops every P but the caller's: idle ones and ones in a
 * system call at once (these stolen from their M, as sysmon's retake
 * does), running ones when their M next enters the scheduler (stwstopm);
 * it sleeps on sched.stopnote until the last has stopped. The caller is
 * a goroutine holding a P (its own P is marked stopped too, and stays
 * with it). A second stopper waits in worldsema until the first has
 * started the world again. Returns with every P Pstopped.
 */
void stopTheWorld(void)
{
	weft_mutex_lock(&worldsema);
	M *mp = getm(); /* after the lock: the goroutine may have moved */
	lock(&sched.lock);
	sched.stopwait = gomaxprocs;
	atomic_store(&sched.stopping, 1);
	atomic_store(&mp->p->status, Pstopped);
	sched.stopwait--;
	for (int32_t i = 0; i < gomaxprocs; i++) {
		P *pp = allp[i];
		TraceLocker tl = traceAcquire();
		stealbegin(pp, tl);
		if (atomic_cas(&pp->status, Psyscall, Pstopped)) {
			/* Its M, back from the call, must not take it again
			 * (exitsyscall compares syscallticks), and the trace
			 * must see the P leave that M. */
			pp->syscalltick++;
			if (traceOk(tl))
				traceProcSteal(tl, pp, false);
			sched.stopwait--;
		}
		stealend(pp, tl);
		if (traceOk(tl))
			traceRelease(tl);
	}
	P *pp;
	while ((pp = pidleget())) {
		atomic_store(&pp->status, Pstopped);
		sched.stopwait--;
	}
	bool wait = sched.stopwait > 0;
	if (wait)
		noteclear(&sched.stopnote);
	unlock(&sched.lock);
	if (wait) {
		preemptall(); /* a goroutine that never blocks stops too */
		notesleep(&sched.stopnote);
		noteclear(&sched.stopnote);
	}
	if (sched.stopwait != 0)
		throw("stopTheWorld: not stopped");
}

/* startTheWorld undoes stopTheWorld, from the goroutine that stopped the
 * world: first the number of Ps changes if the stopper set newprocs
 * (procresize, which may give the caller another P); then its P runs
 * again, and every other P goes back to the idle list, or, with Gs
 * queued, to an M of its own. */
void startTheWorld(void)
{
	M *mp = getm();
	P *run[MAX_PROCS];
	int nrun = 0;
	if (newprocs) {
		procresize(newprocs);
		newprocs = 0;
	}
	lock(&sched.lock);
	atomic_store(&sched.stopping, 0);
	atomic_store(&mp->p->status, Prunning);
	for (int32_t i = 0; i < gomaxprocs; i++) {
		P *pp = allp[i];
		if (pp == mp->p)
			continue;
		if (atomic_load(&pp->status) != Pstopped)
			throw("startTheWorld: P not stopped");
		atomic_store(&pp->status, Pidle);
		if (runqempty(pp))
			pidleput(pp);
		else
			run[nrun++] = pp;
	}
	unlock(&sched.lock);
	for (int i = 0; i < nrun; i++)
		startm(run[i], false);
	wakep();
	weft_mutex_unlock(&worldsema);
}

/* ---- timers and the scheduler ---- */

/* sched_timerchanged wakes the M sleeping until the next timer if a new
 * timer is due earlier, or finds an M to do that sleeping. */
void sched_timerchanged(int64_t when)
{
	if (!mainStarted)
		return;
	lock(&sched.lock);
	if (sched.timerwaiting) {
		if (!sched.timernotified && when < sched.timerwhen) {
			sched.timernotified = true;
			notewakeup(&sched.timernote);
		}
		unlock(&sched.lock);
		return;
	}
	unlock(&sched.lock);
	wakep();
}

/*
 * timersleep: the M has no P and found no work. If no other M is sleeping
 * until the next timer, this one does: it wakes when the timer is due (or
 * an earlier one is added), runs what is due, and returns true if it got a
 * P to run the result. Returns false if the caller should park instead.
 */
static bool timersleep(void)
{
	for (;;) {
		lock(&sched.lock);
		int64_t next = timers_waketime();
		if (sched.timerwaiting || next < 0) {
			unlock(&sched.lock);
			return false;
		}
		sched.timerwaiting = true;
		sched.timernotified = false;
		sched.timerwhen = next;
		noteclear(&sched.timernote);
		unlock(&sched.lock);

		int64_t now = nanotime();
		if (next > now)
			notetsleep(&sched.timernote, next - now);

		lock(&sched.lock);
		sched.timerwaiting = false;
		unlock(&sched.lock);

		timers_check(nanotime()); /* readied Gs go to the global queue */
		lock(&sched.lock);
		P *pp = NULL;
		if (sched.runqsize > 0)
			pp = pidleget();
		unlock(&sched.lock);
		if (pp) {
			acquirep(pp);
			return true;
		}
		/* Nothing to do now (or every P is busy and will see the work
		 * in its own schedule): wait for the next timer. */
	}
}

/*
 * findRunnable finds a G to run, blocking the M until there is one. The M
 * holds its P on return.
 */
static G *findRunnable(bool *inherit)
{
	M *mp = getm();
top:
	if (unlikely(atomic_load(&sched.stopping)))
		stwstopm();
	P *pp = mp->p;
	G *gp;

	if (timers_waketime() >= 0)
		timers_check(nanotime());

	if ((gp = runqget(pp, inherit)))
		return gp;
	if (atomic_load(&sched.runqsize) > 0) {
		lock(&sched.lock);
		gp = globrunqget(pp, 0);
		unlock(&sched.lock);
		if (gp) {
			*inherit = false;
			return gp;
		}
	}

	/* Steal, unless too many Ms are spinning already (they would only
	 * burn CPU finding nothing). */
	if (mp->spinning || 2 * atomic_load(&sched.nmspinning) < gomaxprocs - atomic_load(&sched.npidle)) {
		if (!mp->spinning) {
			mp->spinning = true;
			atomic_xadd(&sched.nmspinning, 1);
		}
		bool paused = false;
	steal:;
		bool sawnext = false;
		for (int i = 0; i < 4; i++) {
			uint32_t off = cheaprandn((uint32_t)gomaxprocs);
			for (int32_t j = 0; j < gomaxprocs; j++) {
				P *victim = allp[(off + (uint32_t)j) % (uint32_t)gomaxprocs];
				if (victim == pp)
					continue;
				if ((gp = runqsteal(pp, victim))) {
					*inherit = false;
					return gp;
				}
				if (atomic_load(&victim->runnext) && atomic_load(&victim->status) == Prunning)
					sawnext = true;
			}
		}
		/*
		 * A running P's runnext holds a G that was just readied there
		 * (a channel's partner, say): its owner will run it next, and
		 * the thief leaves it. But an M that gives up now is woken
		 * again by the next such readying (wakep sees no spinning M),
		 * once a handoff in a ping-pong: a futex wake and sleep each
		 * time, which cost far more than the handoff. So, as Go's
		 * runqgrab does before it takes a runnext, it pauses a few
		 * microseconds, still spinning (so no one wakes another M),
		 * and looks once more.
		 */
		if (sawnext && !paused) {
			paused = true;
			sys_nanosleep(3000);
			goto steal;
		}
	}

	/* Nothing: give up the P. */
	lock(&sched.lock);
	if (sched.runqsize > 0) {
		gp = globrunqget(pp, 0);
		unlock(&sched.lock);
		*inherit = false;
		return gp;
	}
	releasep();
	pidleput(pp);
	unlock(&sched.lock);

	/*
	 * A spinning M that stops spinning must look at every queue once
	 * more, the global one included: a G may have been readied after our
	 * last look by someone who saw us spinning and so did not wake
	 * another M.
	 */
	if (mp->spinning) {
		mp->spinning = false;
		if (atomic_xadd(&sched.nmspinning, -1) < 0)
			throw("findrunnable: negative nmspinning");
		lock(&sched.lock);
		if (sched.runqsize > 0 && (pp = pidleget())) {
			gp = globrunqget(pp, 0);
			unlock(&sched.lock);
			acquirep(pp);
			mp->spinning = true;
			atomic_xadd(&sched.nmspinning, 1);
			*inherit = false;
			return gp;
		}
		unlock(&sched.lock);
		/* Only what stealing can take counts: a G in another P's
		 * runnext is its owner's to run (runqgrab leaves it), and
		 * taking a P for it would only spin, find nothing and give
		 * the P back, over and over. Holding no P, this M may run
		 * while the world is stopped and the count changes: it reads
		 * the count once (allp holds a P below any count there was). */
		int32_t procs = atomic_load(&gomaxprocs);
		for (int32_t i = 0; i < procs; i++) {
			if (!runqringempty(allp[i])) {
				lock(&sched.lock);
				pp = pidleget();
				unlock(&sched.lock);
				if (pp) {
					acquirep(pp);
					mp->spinning = true;
					atomic_xadd(&sched.nmspinning, 1);
					goto top;
				}
				break;
			}
		}
	}

	if (!timersleep())
		stopm();
	goto top;
}

/* execute runs gp, which the caller took off a run queue or readied
 * itself, on the current M and its P; it does not return. inherit: gp
 * continues the time slice (runnext). samepoint: gp came straight off the
 * local queue after the last G stopped (the trace may reuse that time,
 * traceGoStart). */
static _Noreturn void execute(G *gp, bool inherit, bool samepoint)
{
	M *mp = getm();
	mp->curg = gp; /* first: a fatal error in gostart names gp */
	if (unlikely(gp->stackstate != StackReady)) {
		if (gp->stackstate == StackNone)
			gostart(gp, mp->p);
		if (gp->stackstate == StackRunguard)
			stack_guardon(mp, gp);
	}
	gp->m = mp;
	gp->preempt = 0; /* a new time slice */
	TraceLocker tl = traceAcquire();
	casgstatus(gp, Grunnable, Grunning);
	if (traceOk(tl)) {
		traceGoStart(tl, samepoint);
		traceRelease(tl);
	}
	if (!inherit)
		mp->p->schedtick++;
	setg(gp);
	uintptr_t sp = gp->sched_sp;
	gp->sched_sp = 0;
	arch_gogo(sp);
}

/* schedule: one round of the scheduler on g0: find a G (run due timers,
 * the queues, then findRunnable, which may park the M) and execute it.
 * The M holds a P and no runtime lock. Never returns. */
static _Noreturn void schedule(void)
{
	M *mp = getm();
	if (mp->locks)
		throw("schedule: holding locks");
	if (unlikely(atomic_load(&sched.stopping)))
		stwstopm();
	traceHelp();
	P *pp = mp->p;
	G *gp = NULL;
	bool inherit = false;

	bool samepoint = true;
	int64_t next = timers_waketime();
	if (next >= 0 && next <= nanotime()) {
		timers_check(nanotime());
		samepoint = false;
	}

	/* Now and then take from the global queue first, so that two Gs
	 * handing off to each other cannot starve it. */
	if (pp->schedtick % 61 == 0 && atomic_load(&sched.runqsize) > 0) {
		lock(&sched.lock);
		gp = globrunqget(pp, 1);
		unlock(&sched.lock);
		/* Another M may have queued it after this M's last event: its
		 * GoStart needs the clock, not that event's time. */
		if (gp)
			samepoint = false;
	}
	if (!gp)
		gp = runqget(pp, &inherit);
	if (gp && inherit && ++pp->runnextstreak >= RUNNEXT_STREAK_MAX) {
		/* The time slice is used up: to the back of the line. */
		runqput(pp, gp, false);
		gp = runqget(pp, &inherit);
	}
	if (!gp) {
		gp = findRunnable(&inherit);
		samepoint = false;
	}
	if (!inherit)
		pp->runnextstreak = 0;
	if (mp->spinning)
		resetspinning();
	execute(gp, inherit, samepoint);
}

/* mcall_guardoff is mcall's fn when the goroutine leaving has a stack
 * guarded only while it runs: on g0, it gives back the guard that
 * execute put on (stack_guardoff), then calls the real fn. */
static void mcall_guardoff(G *gp)
{
	M *mp = getm();
	stack_guardoff(mp);
	mp->mcallfn(gp);
}

/* mcall switches to g0 and calls fn(gp) there, gp being the current G. fn
 * must not return; gp resumes when someone gogo's it. Every switch from a
 * goroutine to the scheduler comes through here, so here a stack guarded
 * only while it runs has its guard given back (mcall_guardoff: a detour
 * rather than a call, which would cost every switch its registers' saves). */
static void mcall(void (*fn)(G *))
{
	G *gp = getg();
	M *mp = getm();
	if (unlikely(mp->runguard)) {
		mp->mcallfn = fn;
		fn = mcall_guardoff;
	}
	setg(mp->g0);
	arch_mcall(&gp->sched_sp, (void (*)(void *))fn, gp, mp->g0->stack.hi);
}

/* dropg unlinks gp from the current M (curg, gp->m) once it stops running
 * there: on g0, as gp parks, yields, exits or leaves a system call
 * without a P. */
static void dropg(G *gp)
{
	M *mp = getm();
	mp->curg = NULL;
	gp->m = NULL;
}

/*
 * park_m is gopark's second half, on g0 (mcall): gp, off its stack, is
 * parked (Grunning -> Gwaiting); then the M's waitunlockf, if any, runs
 * with waitlock. If it returns false gp runs again at once, keeping its
 * time slice; else the M schedules another G. Once unlockf has released
 * its lock a waker may goready gp, on any thread: park_m does not touch gp
 * after that. Never returns.
 */
static _Noreturn void park_m(G *gp)
{
	M *mp = getm();
	TraceLocker tl = traceAcquire();
	casgstatus(gp, Grunning, Gwaiting);
	if (traceOk(tl)) {
		traceGoPark(tl, gp->waitreason);
		traceRelease(tl);
	}
	dropg(gp);
	bool (*fn)(G *, void *) = mp->waitunlockf;
	void *lk = mp->waitlock;
	mp->waitunlockf = NULL;
	mp->waitlock = NULL;
	if (fn && !fn(gp, lk)) {
		tl = traceAcquire();
		casgstatus(gp, Gwaiting, Grunnable);
		if (traceOk(tl)) {
			traceGoUnpark(tl, gp);
			traceRelease(tl);
		}
		execute(gp, true, false);
	}
	schedule();
}

/*
 * gopark puts the current G to sleep with the given wait reason. On g0,
 * after the G's state is saved, unlockf(gp, lock) runs, if there is one;
 * if it returns false the G continues at once. Otherwise someone must
 * goready(gp); a G parked with no unlockf and that nobody will ready (a
 * nil channel, an empty select) sleeps forever.
 */
void gopark(bool (*unlockf)(G *, void *), void *lock, int reason)
{
	G *gp = getg();
	M *mp = getm();
	if (!gp || gp == mp->g0)
		throw("gopark on g0");
	gp->waitreason = (uint8_t)reason;
	mp->waitunlockf = unlockf;
	mp->waitlock = lock;
	mcall((void (*)(G *))park_m);
}

/* parkunlock is goparkunlock's unlockf (Go's parkunlock_c): it unlocks
 * the runtime Mutex l once gp is parked, and lets gp sleep. */
static bool parkunlock(G *gp, void *l)
{
	(void)gp;
	unlock((Mutex *)l);
	return true;
}

/* goparkunlock parks the current G and then unlocks l. */
void goparkunlock(Mutex *l, int reason)
{
	gopark(parkunlock, l, reason);
}

/* goready makes a waiting gp runnable. Callable from a G, from g0 and from
 * a timer callback on an M with no P (the G then goes to the global queue). */
void goready(G *gp)
{
	/* It will most likely run next: start loading the context that
	 * arch_gogo will pop and the frames (with their sudog) it returns
	 * into, which after a while asleep are out of cache. */
	for (uintptr_t off = 0; off < 256; off += 64)
		__builtin_prefetch((void *)(gp->sched_sp + off));
	TraceLocker tl = traceAcquire();
	casgstatus(gp, Gwaiting, Grunnable);
	if (traceOk(tl)) {
		traceGoUnpark(tl, gp);
		traceRelease(tl);
	}
	M *mp = getm();
	if (mp && mp->p) {
		runqput(mp->p, gp, true);
	} else {
		lock(&sched.lock);
		globrunqput(gp);
		unlock(&sched.lock);
	}
	wakep();
}

/* gosched_m is gosched's second half, on g0 (mcall): gp (Grunning ->
 * Grunnable) goes to the back of the current P's local queue, and the M
 * schedules. Never returns. */
static _Noreturn void gosched_m(G *gp)
{
	TraceLocker tl = traceAcquire();
	casgstatus(gp, Grunning, Grunnable);
	if (traceOk(tl)) {
		traceGoSched(tl);
		traceRelease(tl);
	}
	dropg(gp);
	runqput(getm()->p, gp, false);
	schedule();
}

/* gopreempt_m is gopreempt's second half, on g0 (mcall): gp, preempted
 * (Grunning -> Grunnable), goes to the global queue, as Go's gopreempt_m
 * has it: a goroutine that ran a whole time slice waits behind the
 * others everywhere, not first in line on this P. Never returns. */
static _Noreturn void gopreempt_m(G *gp)
{
	TraceLocker tl = traceAcquire();
	casgstatus(gp, Grunning, Grunnable);
	if (traceOk(tl)) {
		traceGoPreempt(tl);
		traceRelease(tl);
	}
	if (unlikely(preempt.stats))
		preemptlatency(getm()->p);
	dropg(gp);
	lock(&sched.lock);
	globrunqput(gp);
	unlock(&sched.lock);
	wakep(); /* an idle P may take it while this one runs the next */
	schedule();
}

/* gopreempt yields the processor for preemption (preempt.c): from
 * asyncPreempt2 or a weft call's preemptcheck. */
void gopreempt(void)
{
	G *gp = getg();
	gp->preempt = 0;
	mcall((void (*)(G *))gopreempt_m);
}

/* acquirem returns the current M with preemption off (M.locks) until
 * releasem. Code outside the runtime that reads its M's state (the
 * check programs in test/prog) needs it: a goroutine may change Ms at any
 * of that code's instructions (preempt.c). Not inlined: the runtime's
 * own code is never preempted, so the M read is the M counted. Neither
 * blocks; nothing between them may (schedule throws). */
__attribute__((noinline)) M *acquirem(void)
{
	M *mp = getm();
	mp->locks++;
	return mp;
}

__attribute__((noinline)) void releasem(M *mp)
{
	mp->locks--;
}

/* gosched yields the processor: the current G goes to the back of its P's
 * queue. (Go uses the global queue; the local one is cheaper and other Ps
 * can still steal from it.) */
void gosched(void)
{
	mcall((void (*)(G *))gosched_m);
}

/* weft_yield (weft.h) lets other goroutines run; the caller runs again
 * later. On a thread running no goroutine it is a fatal error (mustbeg). */
void weft_yield(void)
{
	mustbeg("weft_yield");
	gosched();
}

/*
 * mustbeg returns the running goroutine, for a public call (named call)
 * that needs one: to park it, to yield it, to queue a new goroutine on its
 * P. A thread that runs none (one that a hosted program started itself,
 * or an M on its scheduler stack) has no goroutine to park, so the call is
 * the program's mistake, and a fatal error rather than a panic (there is
 * no goroutine to panic on): "fatal error: weft_sleep called from a thread
 * that is not running a goroutine". The calls ask only where they would
 * need the goroutine, on their blocking paths, so their fast paths pay
 * nothing, and those that never block work on any thread (weft.h).
 */
G *mustbeg(const char *call)
{
	G *gp = getg();
	if (likely(gp != NULL && gp != getm()->g0))
		return gp;
	char msg[128];
	weft_snprintf(msg, sizeof msg, "%s called from a thread that is not running a goroutine", call);
	fatal(msg);
}

/* ---- goroutine creation and exit ---- */

/* gfspill moves dead Gs from pp's free list to the global one (under
 * sched.gflock) until pp keeps at most keep. pp is the current M's P, or
 * one nobody holds while the world is stopped. */
static void gfspill(P *pp, int32_t keep)
{
	lock(&sched.gflock);
	while (pp->gfreecnt > keep) {
		G *g = pp->gfree;
		pp->gfree = g->schedlink;
		pp->gfreecnt--;
		g->schedlink = sched.gfree;
		sched.gfree = g;
		sched.ngfree++;
	}
	unlock(&sched.gflock);
}

/* gfput keeps dead gp, without a stack, on pp's free list, and moves half
 * of that list to the global one (under sched.gflock) once it holds
 * GFREE_PER_P. pp is the current M's P, which only its M touches. */
static void gfput(P *pp, G *gp)
{
	gp->schedlink = pp->gfree;
	pp->gfree = gp;
	if (++pp->gfreecnt < GFREE_PER_P)
		return;
	gfspill(pp, GFREE_PER_P / 2); /* half to the global list */
}

/* gfpurge moves all of pp's dead Gs to the global free list (a P that
 * goes away, pdestroy). The world is stopped. */
static void gfpurge(P *pp)
{
	gfspill(pp, 0);
}

/* gfget takes a dead G off pp's free list, which it refills from the
 * global list (sched.gflock) when empty; NULL when there is none. pp is
 * the current M's P. */
static G *gfget(P *pp)
{
	if (!pp->gfree && atomic_load(&sched.ngfree) > 0) {
		lock(&sched.gflock);
		while (pp->gfreecnt < GFREE_PER_P / 2 && sched.gfree) {
			G *g = sched.gfree;
			sched.gfree = g->schedlink;
			sched.ngfree--;
			g->schedlink = pp->gfree;
			pp->gfree = g;
			pp->gfreecnt++;
		}
		unlock(&sched.gflock);
	}
	G *gp = pp->gfree;
	if (gp) {
		pp->gfree = gp->schedlink;
		pp->gfreecnt--;
	}
	return gp;
}

/* allgadd appends gp to allgs, so that dumps list goroutines oldest
 * first. Readers walk the list without the lock: a G is linked in only
 * once it is fully set up. */
static void allgadd(G *gp)
{
	static G *allgstail;
	lock(&allglock);
	gp->alllink = NULL;
	if (allgstail)
		atomic_store(&allgstail->alllink, gp);
	else
		atomic_store(&allgs, gp);
	allgstail = gp;
	nallgs++;
	unlock(&allglock);
}

/*
 * gostart gives gp, about to run for the first time, a stack from pp's
 * cache (stackalloc) and lays it out so that gogo "returns" into goexit,
 * which calls gp's function. The saved frame pointer is zero: walks of
 * this stack end in goexit. With no stack to be had (memory or the
 * kernel's mapping limit exhausted) the program stops here, naming the
 * goroutine (the dump that follows shows its function).
 */
static void gostart(G *gp, P *pp)
{
	_Static_assert(sizeof(G) <= 112, "a G has grown past 112 bytes");
	bool runguard;
	if (!stackalloc(pp, &gp->stack, &runguard)) {
		char msg[160];
		weft_snprintf(msg, sizeof msg,
			      "out of memory: cannot allocate a stack for goroutine %lld (memory or the "
			      "kernel's mapping limit is exhausted)",
			      (long long)gp->goid);
		fatal(msg);
	}
	/* Stacks lie at equal strides, so their hot tops would all fall in
	 * the same cache sets; start each at one of 16 offsets ("colors") in
	 * its top page. */
	uintptr_t color = ((gp->stack.hi / (STACK_SIZE + STACK_GUARD)) % 16) * 176;
	uintptr_t top = (gp->stack.hi - color) & ~(uintptr_t)15;
	uintptr_t sp = top - ARCH_STACK_ALIGN_ADJ - ARCH_GOBUF_WORDS * sizeof(uintptr_t);
	uintptr_t *w = (uintptr_t *)sp;
	for (uintptr_t *p = w; p < (uintptr_t *)top; p++)
		*p = 0;
	w[ARCH_GOBUF_PCSLOT] = (uintptr_t)goexit;
	w[ARCH_GOBUF_FNSLOT] = (uintptr_t)gp->startfn;
	w[ARCH_GOBUF_ARGSLOT] = (uintptr_t)gp->startarg;
	gp->sched_sp = sp;
	gp->waiting = NULL; /* over startfn and startarg, now on the stack */
	gp->param = NULL;
	gp->stackstate = runguard ? StackRunguard : StackReady;
}

/* newproc creates a goroutine running fn(arg) and queues it in the
 * caller's P's runnext, as Go does. The G holds no stack until it first
 * runs (gostart). */
void newproc(void (*fn)(void *), void *arg)
{
	M *mp = getm();
	P *pp = mp->p;
	G *gp = gfget(pp);
	if (!gp) {
		gp = persistentalloc(sizeof *gp, 16); /* Gs are never freed */
		gp->atomicstatus = Gdead;
		gp->goid = -1;
		allgadd(gp);
	}
	gp->stackstate = StackNone;
	gp->startfn = fn; /* waiting and param share their words */
	gp->startarg = arg;
	gp->goid = atomic_xadd(&sched.goidgen, 1);
	gp->waitreason = WaitReasonZero;
	TraceLocker tl = traceAcquire();
	casgstatus(gp, Gdead, Grunnable);
	if (traceOk(tl)) {
		/* Goroutine 1's function, as the trace names it, is weft_main. */
		traceGoCreate(tl, gp, fn == runtime_main ? (uintptr_t)weft_main : (uintptr_t)fn);
		traceRelease(tl);
	}
	runqput(pp, gp, true);
	if (mainStarted)
		wakep();
}

/* weft_go (weft.h) starts a goroutine running fn(arg), to run next on the
 * caller's P. A NULL fn panics; a thread running no goroutine is a fatal
 * error (mustbeg). */
void weft_go(void (*fn)(void *), void *arg)
{
	if (!fn)
		gopanic("weft_go: nil function");
	mustbeg("weft_go"); /* newproc queues it on the caller's P */
	newproc(fn, arg);
	preemptcheck();
}

/* weft_goid (weft.h) returns the running goroutine's id, 0 on a thread
 * that runs none (g0's id is 0 too). Any thread. */
int64_t weft_goid(void)
{
	G *gp = getg();
	return gp ? gp->goid : 0;
}

/* weft_gomaxprocs (weft.h) returns the number of Ps: WEFTMAXPROCS or
 * the CPUs at start-up, then what weft_setmaxprocs last set. Any thread. */
int weft_gomaxprocs(void)
{
	return atomic_load(&gomaxprocs);
}

/*
 * weft_setmaxprocs (weft.h) sets the number of Ps to n, clamped to
 * MAX_PROCS, and returns the previous number (Go's runtime.GOMAXPROCS).
 * n < 1 only returns it, on any thread; otherwise the caller must be a
 * goroutine (mustbeg): it stops the world, and startTheWorld resizes
 * (procresize). Calls serialize in worldsema; each returns the count
 * its own change replaced. A count equal to the current one changes
 * nothing and stops nothing.
 */
int weft_setmaxprocs(int n)
{
	int32_t ret = atomic_load(&gomaxprocs);
	if (n < 1)
		return ret;
	mustbeg("weft_setmaxprocs");
	if (n > MAX_PROCS)
		n = MAX_PROCS;
	if (n == ret)
		return ret;
	stopTheWorld();
	ret = gomaxprocs; /* another call may have changed it meanwhile */
	newprocs = n;
	startTheWorld();
	return ret;
}

/*
 * weft_goexit (weft.h) ends the calling goroutine at once, from any
 * depth, as if its function had returned (Go's runtime.Goexit; weft has
 * no deferred calls to run first): the same path, goexit1, GoDestroy in
 * a trace. On goroutine 1, weft_main never returns, so the program does
 * not exit: the others run on, and when none is left checkdead ends it
 * with "no goroutines (main called runtime.Goexit) - deadlock!". On a
 * thread that runs no goroutine it is a fatal error (mustbeg).
 */
_Noreturn void weft_goexit(void)
{
	mustbeg("weft_goexit");
	goexit1();
}

/* goexit0 is goexit1's second half, on g0 (mcall): gp is dead (Grunning ->
 * Gdead); its stack goes to the current P's stack cache and the G to its
 * free list, for later newprocs; the M schedules. Never returns. */
static _Noreturn void goexit0(G *gp)
{
	TraceLocker tl = traceAcquire();
	casgstatus(gp, Grunning, Gdead);
	if (traceOk(tl)) {
		traceGoEnd(tl);
		traceRelease(tl);
	}
	dropg(gp);
	gp->waitreason = WaitReasonZero;
	gp->sched_sp = 0;
	P *pp = getm()->p;
	stackfree(pp, &gp->stack, gp->stackstate == StackRunguard);
	gfput(pp, gp);
	schedule();
}

/* goexit1 finishes the current goroutine; goexit calls it when the
 * goroutine's function returns. */
_Noreturn void goexit1(void)
{
	mcall((void (*)(G *))goexit0);
	throw("goexit1 returned");
}

/* ---- system calls ---- */

/* ongoroutine reports whether the caller is a goroutine of a running
 * scheduler: not g0, not a thread that runs none, not before runtime_main
 * starts (entersyscall and exitsyscall do nothing otherwise). */
static bool ongoroutine(void)
{
	G *gp = getg();
	return mainStarted && gp && gp != getm()->g0;
}

/*
 * entersyscall marks the current G as in a blocking system call. Its M
 * keeps the P but marks it Psyscall, so sysmon can hand it to another M if
 * the call blocks. A no-op on g0 and before the scheduler runs.
 */
void entersyscall(void)
{
	if (!ongoroutine())
		return;
	G *gp = getg();
	M *mp = getm();
	P *pp = mp->p;
	mp->syscalltick = ++pp->syscalltick;
	TraceLocker tl = traceAcquire();
	casgstatus(gp, Grunning, Gsyscall);
	if (traceOk(tl))
		traceGoSysCall(tl);
	pp->m = NULL;
	mp->oldp = pp;
	mp->p = NULL;
	atomic_store(&pp->status, Psyscall);
	if (traceOk(tl))
		traceRelease(tl);
}

/*
 * exitsyscall0 is exitsyscall's slow path, on g0 (mcall), for gp back
 * from a system call with its P taken and no idle P free: once the world
 * is not stopped, gp becomes runnable and runs at once on an idle P if
 * one has appeared, else goes to the global queue while the M parks
 * (stopm) until it is given a P. Never returns.
 */
static _Noreturn void exitsyscall0(G *gp)
{
	/* While the world is stopped, leave gp in its system call: the
	 * world's stopper may be reading the goroutines' states (sched.lock
	 * orders this with stopTheWorld). */
	lock(&sched.lock);
	while (atomic_load(&sched.stopping)) {
		unlock(&sched.lock);
		sys_nanosleep(20 * 1000);
		lock(&sched.lock);
	}
	TraceLocker tl = traceAcquire();
	casgstatus(gp, Gsyscall, Grunnable);
	if (traceOk(tl)) {
		traceGoSysExit(tl, true);
		traceRelease(tl);
	}
	dropg(gp);
	P *pp = pidleget();
	if (!pp)
		globrunqput(gp);
	unlock(&sched.lock);
	if (pp) {
		acquirep(pp);
		execute(gp, false, false);
	}
	stopm();
	schedule();
}

/* exitsyscall: the system call returned. Take the old P back if sysmon
 * has not taken it, else an idle P, else queue the G and park the M. */
void exitsyscall(void)
{
	if (!ongoroutine())
		return;
	G *gp = getg();
	M *mp = getm();
	P *oldp = mp->oldp;
	mp->oldp = NULL;
	TraceLocker tl = traceAcquire();
	if (oldp)
		stealbegin(oldp, tl);
	if (oldp && atomic_cas(&oldp->status, Psyscall, Prunning)) {
		mp->p = oldp;
		oldp->m = mp;
		/* The P may have been taken meanwhile and be in another M's
		 * system call now: then this takes it from that M (which
		 * will find it gone), and the trace must say so. */
		bool lostP = mp->syscalltick != oldp->syscalltick;
		if (lostP) {
			oldp->syscalltick++;
			if (traceOk(tl)) {
				traceProcSteal(tl, oldp, true);
				traceProcStart(tl);
			}
		}
		casgstatus(gp, Gsyscall, Grunning);
		if (traceOk(tl)) {
			traceGoSysExit(tl, lostP);
			if (lostP)
				traceGoStart(tl, false);
			stealend(oldp, tl);
			traceRelease(tl);
		}
		return;
	}
	if (traceOk(tl)) {
		/* The P is gone: let whoever took it write that first. */
		if (oldp) {
			stealend(oldp, tl);
			while (atomic_load(&oldp->trace.stealing))
				sys_sched_yield();
		}
		traceRelease(tl);
	}
	if (atomic_load(&sched.npidle) > 0) {
		lock(&sched.lock);
		P *pp = pidleget();
		unlock(&sched.lock);
		if (pp) {
			acquirep(pp);
			TraceLocker tl = traceAcquire();
			casgstatus(gp, Gsyscall, Grunning);
			if (traceOk(tl)) {
				/* It lost its P: it blocked, and starts again. */
				traceGoSysExit(tl, true);
				traceGoStart(tl, false);
				traceRelease(tl);
			}
			return;
		}
	}
	mcall((void (*)(G *))exitsyscall0);
}

/* ---- sysmon ---- */

/* retakep takes pp from its M in a system call, if it still is in one,
 * and hands it off: to another M if it has work, else to the idle list.
 * Returns whether it took it. */
static int retakep(P *pp)
{
	lock(&sched.lock);
	sched.nretaking++;
	unlock(&sched.lock);
	TraceLocker tl = traceAcquire();
	stealbegin(pp, tl);
	bool took = atomic_cas(&pp->status, Psyscall, Pidle);
	if (traceOk(tl)) {
		if (took)
			traceProcSteal(tl, pp, false);
		stealend(pp, tl);
		traceRelease(tl);
	}
	if (took)
		handoffp(pp);
	lock(&sched.lock);
	sched.nretaking--;
	checkdead(); /* as an M that parked meanwhile would have */
	unlock(&sched.lock);
	return took;
}

/* retake hands off Ps whose M has been in one system call for longer
 * than SYSCALL_RETAKE_NS. Returns how many it took. It runs while the
 * count of Ps may change: a P left beyond it is Pdead, never Psyscall. */
static int retake(int64_t now)
{
	int n = 0;
	int32_t procs = atomic_load(&gomaxprocs);
	for (int32_t i = 0; i < procs; i++) {
		P *pp = allp[i];
		if (atomic_load(&pp->status) != Psyscall)
			continue;
		uint32_t t = atomic_load(&pp->syscalltick);
		if (pp->sysmontick != t) {
			pp->sysmontick = t;
			pp->sysmonwhen = now;
			continue;
		}
		if (now - pp->sysmonwhen < SYSCALL_RETAKE_NS)
			continue;
		/* Nothing else to run and someone idle to run it later: no
		 * need to wake a thread, unless the call is very long. */
		if (runqempty(pp) && atomic_load(&sched.runqsize) == 0 &&
		    atomic_load(&sched.nmspinning) + atomic_load(&sched.npidle) > 0 &&
		    now - pp->sysmonwhen < 10 * 1000 * 1000)
			continue;
		n += retakep(pp);
	}
	return n;
}

/* preemptlong asks every P's goroutine that has run one time slice
 * (preempt.slice) without a scheduling point to yield (preemptone): a
 * P's schedtick moves at every new slice, so one sysmon sees unchanged
 * for that long is one goroutine's. Returns whether any is overdue. */
static bool preemptlong(int64_t now)
{
	bool overdue = false;
	int32_t procs = atomic_load(&gomaxprocs);
	for (int32_t i = 0; i < procs; i++) {
		P *pp = allp[i];
		if (atomic_load(&pp->status) != Prunning)
			continue;
		uint32_t t = atomic_load(&pp->schedtick);
		if (pp->schedseen != t || pp->schedwhen == 0) {
			pp->schedseen = t;
			pp->schedwhen = now;
			pp->preemptcpu = -1;
			continue;
		}
		if (now - pp->schedwhen < preempt.slice)
			continue;
		overdue = true;
		preemptone(pp, now);
	}
	return overdue;
}

/* retakeall takes every P in a system call from its M, however short
 * the call so far, as Go's forEachP does at each trace generation's
 * start: so no G stays in one system call a whole generation with a P,
 * and every generation announces its Ps (traceruntime.c). The tracer
 * calls it, from any M. */
void retakeall(void)
{
	/* Not the caller's own (weft_flight_write ends a generation from
	 * inside entersyscall): it comes back for it in a moment. */
	M *self = getm();
	P *own = self ? self->oldp : NULL;
	int32_t procs = atomic_load(&gomaxprocs);
	for (int32_t i = 0; i < procs; i++)
		if (allp[i] != own && atomic_load(&allp[i]->status) == Psyscall)
			retakep(allp[i]);
}

/* sysmon runs on its own M, without a P. It sleeps 20 µs at first,
 * backing off to 10 ms while there is nothing to take, and parks while
 * every P is idle. */
static void sysmon(void)
{
	int64_t delay = SYSMON_MIN_SLEEP_US;
	int idle = 0;
	for (;;) {
		if (idle == 0)
			delay = SYSMON_MIN_SLEEP_US;
		else if (idle > 50)
			delay *= 2;
		if (delay > SYSMON_MAX_SLEEP_US)
			delay = SYSMON_MAX_SLEEP_US;
		/* It looks at least twice a time slice (preempt.c): every
		 * 5 ms at most by default, less with a short preemptus. */
		if (delay > preempt.slice / 2000)
			delay = preempt.slice / 2000;
		sys_nanosleep(delay * 1000);

		if (atomic_load(&sched.npidle) == gomaxprocs) {
			lock(&sched.lock);
			if (atomic_load(&sched.npidle) == gomaxprocs) {
				sched.sysmonwait = true;
				noteclear(&sched.sysmonnote);
				unlock(&sched.lock);
				notesleep(&sched.sysmonnote);
				idle = 0;
				continue;
			}
			unlock(&sched.lock);
		}
		int64_t now = nanotime();
		if (retake(now) > 0)
			idle = 0;
		else
			idle++;
		cpuprofTick();
		/* A goroutine past its slice: look again soon, at most a
		 * tenth of a slice later, until it yields. */
		if (preemptlong(now) && delay > preempt.slice / 10000)
			delay = preempt.slice / 10000;
	}
}

/* ---- Ms ---- */

/* mcommoninit gives mp its id and random seed and links it into allm. */
void mcommoninit(M *mp)
{
	lock(&sched.lock);
	mp->id = sched.mnext++;
	mp->alllink = allm;
	atomic_store(&allm, mp);
	unlock(&sched.lock);
	uint64_t seed = (uint64_t)nanotime() ^ ((uint64_t)mp->id * 0x9E3779B97F4A7C15ull);
	mp->cheaprand[0] = (uint32_t)seed | 1;
	mp->cheaprand[1] = (uint32_t)(seed >> 32) | 1;
}

/* mstart0 is where every M begins, on its g0 stack: it records that
 * stack's bounds, sets up signal handling, runs the M's start function if
 * it has one, and enters the scheduler. */
void mstart0(void *arg)
{
	M *mp = arg;
	tls_m = mp;
	setg(mp->g0);
	mp->procid = sys_gettid();
	/* Everything below this frame is free for the scheduler: mcall
	 * switches to g0's stack.hi, and this frame is dead once schedule
	 * runs (it never returns). A hosted thread's g0 is the pthread stack. */
	uintptr_t hi = ((uintptr_t)__builtin_frame_address(0) & ~(uintptr_t)15) - 64;
	if (mp->g0->stack.hi == 0)
		mp->g0->stack.lo = hi - (G0_STACK_SIZE - 32 * 1024);
	mp->g0->stack.hi = hi;
	minitsignals(mp);
	cpuprofMinit(mp);
	if (mp->mstartfn) {
		mp->mstartfn();
		throw("mstartfn returned");
	}
	if (mp->nextp) {
		acquirep(mp->nextp);
		mp->nextp = NULL;
	}
	schedule();
}
WEFT_FUNCID(mstart0, FUNCID_MSTART);

/* newm creates an M, running fn (no P) or with pp, on a new thread. */
void newm(void (*fn)(void), P *pp, bool spinning)
{
	M *mp = persistentalloc(sizeof *mp, CACHELINE);
	mp->g0 = rtalloc(sizeof(G));
	mp->g0->goid = 0;
	mp->g0->atomicstatus = Grunning;
	mp->mstartfn = fn;
	mp->nextp = pp;
	mp->spinning = spinning;
	if (fn) {
		lock(&sched.lock);
		sched.nmsys++;
		unlock(&sched.lock);
	}
	mcommoninit(mp);

	long r;
	if (rthooks.newosproc) {
		mp->g0->stack.hi = 0; /* mstart0 measures the pthread stack */
		r = rthooks.newosproc(mp, NULL, G0_STACK_SIZE);
	} else {
		if (!stackalloc(NULL, &mp->g0->stack, NULL))
			fatal("out of memory: cannot allocate a thread stack");
		void *tp = tls_newblock();
		if (!tp)
			fatal("out of memory: cannot allocate thread-local storage");
		mp->tls = tp;
		unsigned long flags = 0x100 | 0x200 | 0x400 | 0x800 | 0x10000 | 0x40000 | 0x80000;
		/* CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS */
		r = arch_clone(flags, (void *)mp->g0->stack.hi, tp, mstart0, mp);
	}
	if (r < 0) {
		rt_printf("runtime: failed to create new OS thread: %s\n", sys_strerror(r));
		fatal("newosproc");
	}
}

/* ---- start-up ---- */

/*
 * pdestroy retires pp, a P beyond the new count (Go's (*p).destroy): its
 * runnable Gs, runnext first, go to the head of the global queue in
 * their order, its dead Gs to the global free list, its free stacks to
 * the global one, its sudogs to the central cache, and it becomes Pdead. Its struct stays in allp for a
 * later growth. The world is stopped and pp stopped with it (no M holds
 * it: it is no thief's and no owner's); the caller holds no lock.
 */
static void pdestroy(P *pp)
{
	lock(&sched.lock);
	uint32_t head = atomic_load(&pp->runqhead), tail = atomic_load(&pp->runqtail);
	while (tail != head) {
		tail--;
		globrunqputhead(pp->runq[tail % RUNQ_SIZE]);
	}
	atomic_store(&pp->runqtail, tail);
	if (pp->runnext) {
		globrunqputhead(pp->runnext);
		atomic_store(&pp->runnext, NULL);
	}
	unlock(&sched.lock);
	gfpurge(pp);
	stackcache_clear(pp);
	Sudog *first = pp->sudogcache;
	if (first) {
		Sudog *last = first;
		while (last->next)
			last = last->next;
		lock(&sched.sudoglock);
		last->next = sched.sudogcache;
		sched.sudogcache = first;
		unlock(&sched.sudoglock);
		pp->sudogcache = NULL;
	}
	pp->runnextstreak = 0;
	atomic_store(&pp->status, Pdead);
}

/*
 * procresize sets the number of Ps to nprocs (Go's procresize): at
 * start-up from schedinit (nothing runs yet; the caller then puts the
 * other Ps on the idle list), and from startTheWorld for
 * weft_setmaxprocs (the world stopped, every P Pstopped; startTheWorld
 * then restarts the first nprocs). Ps from the old count up are created
 * (the first time) or revived, Pstopped; those from nprocs up are
 * retired (pdestroy). The calling M keeps its P if that P stays, else it
 * moves to P 0, and the trace shows its goroutine stopping and starting
 * again there, as Go's does. gomaxprocs changes once every P below it
 * exists; then a trace records the new count (ProcsChange) with the
 * caller's stack.
 */
static void procresize(int32_t nprocs)
{
	M *mp = getm();
	int32_t old = gomaxprocs;
	if (nprocs < 1 || nprocs > MAX_PROCS)
		throw("procresize: invalid arg");
	if (!allp)
		allp = persistentalloc(sizeof(P *) * MAX_PROCS, CACHELINE);
	for (int32_t i = old; i < nprocs; i++) {
		P *pp = allp[i];
		if (!pp) {
			pp = persistentalloc(sizeof *pp, CACHELINE);
			pp->id = i;
			pp->trace.syscallm = -1;
			atomic_store(&allp[i], pp);
		}
		atomic_store(&pp->status, Pstopped);
	}
	P *cur = mp->p;
	if (!cur || cur->id >= nprocs) {
		if (cur) {
			/* Pretend the goroutine was descheduled and then
			 * scheduled again, on P 0, to keep the trace
			 * consistent. */
			TraceLocker tl = traceAcquire();
			if (traceOk(tl)) {
				traceGoSched(tl);
				traceProcStop(tl);
				traceRelease(tl);
			}
			cur->m = NULL;
			mp->p = NULL;
		}
		acquirep(allp[0]); /* stopped (or new): no M holds it */
		if (cur) {
			TraceLocker tl = traceAcquire();
			if (traceOk(tl)) {
				traceGoStart(tl, false);
				traceRelease(tl);
			}
		}
	}
	for (int32_t i = nprocs; i < old; i++)
		pdestroy(allp[i]);
	atomic_store(&gomaxprocs, nprocs);
	/* The new count is written once it is the count: a generation that
	 * begins while the Ps change (the goroutine's move to P 0 may be the
	 * first event of one) says the count an M reads then, the old one,
	 * and this event, after it, the change. Written first, the change
	 * could be followed by the old count again in a new generation. */
	TraceLocker tl = traceAcquire();
	if (traceOk(tl)) {
		traceGomaxprocs(tl, nprocs, true);
		traceRelease(tl);
	}
}

/* getproccount returns how many CPUs the process may run on (its affinity
 * mask), at least 1. */
static int64_t getproccount(void)
{
	uint8_t mask[1024];
	long r = sys_sched_getaffinity(sizeof mask, mask);
	if (r <= 0)
		return 1;
	int64_t n = 0;
	for (long i = 0; i < r; i++)
		for (uint8_t b = mask[i]; b; b &= b - 1) /* no libgcc popcount */
			n++;
	return n > 0 ? n : 1;
}

/* schedinit sets ncpu and gomaxprocs (ncpu, or WEFTMAXPROCS, at most
 * MAX_PROCS; a bad WEFTMAXPROCS is fatal) and creates the Ps. Once, from
 * rt0_go, on m0's initial stack. */
static void schedinit(void)
{
	ncpu = getproccount();
	int64_t procs = ncpu;
	const char *s = rt_getenv("WEFTMAXPROCS");
	if (s && *s) {
		bool ok;
		int64_t n = rt_atoi(s, &ok);
		if (!ok || n < 1) {
			rt_printf("runtime: WEFTMAXPROCS=%s: want a positive number\n", s);
			fatal("bad WEFTMAXPROCS");
		}
		procs = n;
	}
	if (procs > MAX_PROCS)
		procs = MAX_PROCS;
	procresize((int32_t)procs); /* P 0 goes to m0 */
	lock(&sched.lock);
	for (int32_t i = (int32_t)procs - 1; i > 0; i--) {
		atomic_store(&allp[i]->status, Pidle);
		pidleput(allp[i]);
	}
	unlock(&sched.lock);
}

/* runtime_main is goroutine 1: it starts sysmon, runs the program's
 * weft_main and exits with its result. */
static void runtime_main(void *arg)
{
	(void)arg;
	mainStarted = true;
	newm(sysmon, NULL, false);
	traceMainStarted(false);
	weft_exit(weft_main(rt_argc, rt_argv));
}
WEFT_FUNCID(runtime_main, FUNCID_RUNTIME_MAIN);

/* m0start runs on m0's g0 stack, where rt0_go switches with arch_mcall,
 * and starts m0 as any M starts (mstart0). Never returns. */
static void m0start(void *arg)
{
	(void)arg;
	M *mp = &m0;
	mp->g0->stack.hi = 1; /* bounds known; mstart0 fixes hi */
	mstart0(mp);
}

/*
 * rt0_go starts the runtime: it is called once, on the process's initial
 * thread, by _start (freestanding) or by the hosted shim's main. It never
 * returns; the program ends when weft_main returns or something fails.
 */
_Noreturn void rt0_go(int argc, char **argv, char **envp, const uintptr_t *auxv)
{
	rt_argc = argc;
	rt_argv = argv;
	rt_envp = envp;
	vdso_init(auxv);
	symtab_init();
	if (tls_freestanding)
		tls_init(auxv);

	M *mp = &m0;
	tls_m = mp;
	mp->g0 = rtalloc(sizeof(G));
	mp->g0->atomicstatus = Grunning;
	if (!stackalloc(NULL, &mp->g0->stack, NULL))
		fatal("out of memory: cannot allocate the scheduler stack");
	setg(mp->g0);
	mcommoninit(mp);
	initsig();
	preemptinit();
	schedinit();
	traceInit();
	cpuprofInit();
	newproc(runtime_main, NULL);

	/* Leave the process's initial stack for m0's g0 stack, and never
	 * come back. */
	uintptr_t dummy;
	arch_mcall(&dummy, m0start, NULL, mp->g0->stack.hi);
	throw("rt0_go: m0 returned");
}
WEFT_FUNCID(rt0_go, FUNCID_RT0);

/* ---- counting goroutines ---- */

/*
 * gcount (Go's gcount) returns how many goroutines exist: every G ever
 * made (allgs; Gs are never freed) less the dead ones kept for reuse on
 * the Ps' and the global free lists. Any thread. It takes no lock: the counts move
 * while it reads them (a G between a P's list and the global one may be
 * missed or seen twice), so the result is a snapshot, exact when no
 * goroutine starts or exits meanwhile. At least 1: goroutine 1 runs
 * weft_main as long as the program does.
 */
int32_t gcount(void)
{
	int32_t idle = atomic_load(&sched.ngfree);
	int32_t nprocs = atomic_load(&gomaxprocs);
	for (int32_t i = 0; i < nprocs; i++)
		idle += atomic_load(&allp[i]->gfreecnt);
	int32_t all = atomic_load(&nallgs);
	if (idle > all)
		idle = all;
	return all - idle < 1 ? 1 : all - idle;
}

/* weft_numgoroutine (weft.h) returns the number of goroutines that exist
 * (gcount). Any thread. */
int weft_numgoroutine(void)
{
	return gcount();
}
