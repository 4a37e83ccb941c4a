/*
 * preempt.c: asynchronous preemption, Go 1.14's for C code.
 *
 * weft's scheduling is cooperative: a goroutine gives up its P when it
 * blocks, yields, or makes a system call. One that loops without a weft
 * call would keep its P for ever: at one P nothing else runs, and a stop
 * of the world (weft_trace_start, weft_setmaxprocs) waits for ever. So,
 * as in Go:
 *
 *  - sysmon (proc.c) notices a P whose goroutine has run one time slice
 *    (PREEMPT_NS, Go's forcePreemptNS, 10 ms) without a scheduling point
 *    and calls preemptone: the goroutine's preempt flag is set, which the
 *    next weft call that is a scheduling point anyway checks
 *    (preemptcheck: a channel operation that completes without blocking,
 *    select, weft_go, mutexes; one that blocks yields anyway), and
 *    SIGURG is sent to its thread (tgkill). SIGURG, as Go chose: no
 *    program relies on it alone (it reports urgent socket data, and a
 *    spurious one is harmless), and its default action is to ignore.
 *  - The handler (sigurg) decides whether the interrupted instruction is
 *    a safe point, below. If it is, it makes the goroutine call
 *    asyncPreempt (per arch, asm.S) from there: asyncPreempt saves every
 *    register the C ABI lets code hold at any instruction, and calls
 *    asyncPreempt2, which yields the goroutine to the global run queue
 *    (gopreempt_m, Go's). When it runs again, on whatever M, the registers
 *    come back and it goes on at the interrupted instruction. If the point
 *    is not safe, the handler returns and sysmon asks again later.
 *
 * The safe-point rules, and why each is needed:
 *
 *  1. The interrupted pc is in code the program was compiled from by
 *     `weft build` (funcPreemptible: SYMTAB_FLAG_USER in the symbol
 *     table, not assembly). Not the runtime: it holds locks, works on g0,
 *     keeps per-M state in locals, and assumes it runs on one M between
 *     the points where it chooses to switch. Not assembly: it may keep
 *     data below the stack pointer or skip the frame-pointer chain. Not
 *     libc (hosted programs) nor a prebuilt object: their code has no
 *     symbol table entry, and libc keeps per-thread state (its malloc
 *     arenas, locks taken inside stdio, errno) that must not change
 *     threads halfway through a call.
 *  2. Every frame on the goroutine's stack, walked by frame pointers from
 *     the interrupted one, returns into weft-built or runtime code. The
 *     program's code may be a callback that libc called (qsort's
 *     comparator, a function that dl_iterate_phdr runs under its lock):
 *     moving the goroutine to another thread there would move libc's
 *     call with it. libc's frames have no frame pointers, so the walk
 *     meets an address no function owns, or leaves the stack: either
 *     says no.
 *  3. The M holds no runtime lock and has not disabled preemption
 *     (M.locks is 0), runs this goroutine (curg, not g0: timer functions
 *     run on g0 under the timers' lock), and holds a P.
 *  4. The interrupted context blocks the signals the M always blocks and
 *     no others: a handler of the program's own (hosted) runs with its
 *     signal blocked, and switching goroutines inside a handler would
 *     return from it on another thread. The handler itself runs on the
 *     M's alternate signal stack, so the kernel's signal frame is never
 *     on the goroutine's stack.
 *  5. The goroutine's stack has room below the interrupted stack pointer
 *     for the red zone (amd64: 128 bytes under rsp that a leaf function
 *     may use without moving rsp, which asyncPreempt must step over),
 *     asyncPreempt's save area (its size is the CPU's: xsave) and the
 *     calls into the scheduler. Without it the goroutine would overflow
 *     in the runtime; left alone it overflows in its own code, where the
 *     report says so.
 *
 * Costs. Nothing on the paths where goroutines block on their own: one
 * store in execute (the flag's reset) and sysmon's look at the running
 * Ps' schedtick, which it makes anyway. Hosted programs pay one more
 * thing: a goroutine blocked inside a libc call (sleep, read) looks
 * running to weft, and SIGURG would cut such calls short (EINTR, for
 * those SA_RESTART does not restart). So there sysmon signals only a
 * thread whose CPU time grew since it last looked: a spinning one.
 *
 * Not preempted: goroutines inside the runtime, libc, assembly or code
 * not built by weft (they reach a scheduling point, or not, on their
 * own); programs without a symbol table (weft build -g0); and, with
 * WEFTDEBUG=asyncpreemptoff=1, everything but the cooperative check.
 *
 * What the program sees: a goroutine may change threads at any
 * instruction of its own code, so a thread's own things (a __thread
 * variable's address kept in a register, errno's location) may change
 * under it between two statements; they already could at any weft call.
 * Goroutines have no thread of their own, as in Go.
 */
#include "runtime.h"
#include "trace.h"

Preempt preempt;

/* The frames rule 2 follows at most; deeper stacks are not preempted. */
enum { PREEMPT_MAXFRAMES = 1024 };

/*
 * stackreturnsok is rule 2: from the frame record at fp, on gp's stack
 * between sp and hi, every return address lies in a function of the
 * symbol table, up to the goroutine's first frame (a zero frame pointer,
 * or goexit / runtime_main, which start every goroutine).
 */
static bool stackreturnsok(uintptr_t fp, uintptr_t sp, uintptr_t hi)
{
	for (int i = 0; i < PREEMPT_MAXFRAMES; i++) {
		if (fp == 0)
			return true;
		if (fp < sp || fp + 2 * sizeof(uintptr_t) > hi || (fp & (sizeof(uintptr_t) - 1)))
			return false;
		const uintptr_t *rec = (const uintptr_t *)fp;
		uintptr_t ret = rec[1];
		if (ret == 0)
			return true;
		const SymtabFunc *f = findfunc(ret - 1);
		if (!f)
			return false;
		if (f->funcid == FUNCID_GOEXIT || f->funcid == FUNCID_RUNTIME_MAIN)
			return true;
		if (rec[0] != 0 && rec[0] <= fp)
			return false; /* callers' records lie higher up */
		sp = fp;
		fp = rec[0];
	}
	return false;
}

/* asyncsafe says whether gp, interrupted on mp with context uc, may be
 * diverted into asyncPreempt: the rules above. */
static bool asyncsafe(M *mp, G *gp, void *uc)
{
	uintptr_t pc = ARCH_UC_PC(uc), sp = ARCH_UC_SP(uc), fp = ARCH_UC_FP(uc);
	if (gp != mp->curg || gp == mp->g0 || mp->locks != 0 || !mp->p || readgstatus(gp) != Grunning)
		return false; /* rule 3 */
	if (ARCH_UC_SIGMASK(uc) != mp->sigmask)
		return false; /* rule 4 */
	if (sp > gp->stack.hi || sp < gp->stack.lo + STACK_GUARD + arch_preemptroom())
		return false; /* rule 5 */
	if (!funcPreemptible(pc))
		return false; /* rule 1 */
	return stackreturnsok(fp, sp, gp->stack.hi); /* rule 2 */
}

/*
 * sigurg is the SIGURG handler, on the M's alternate signal stack. A
 * signal that finds no request (the goroutine yielded meanwhile, or the
 * signal is not sysmon's) changes nothing.
 */
static void sigurg(int sig, void *info, void *uc)
{
	(void)sig, (void)info;
	M *mp = getm();
	G *gp = getg();
	if (!mp)
		return;
	atomic_store(&mp->signalpending, 0);
	if (!gp || !atomic_load(&gp->preempt))
		return;
	if (!asyncsafe(mp, gp, uc)) {
		atomic_xadd(&preempt.unsafe, 1);
		return;
	}
	atomic_xadd(&preempt.async, 1);
	arch_divert(uc, (uintptr_t)asyncPreempt);
}

/* asyncPreempt2 is called by asyncPreempt with the goroutine's registers
 * saved: it yields to the scheduler, and returns when the goroutine runs
 * again. */
void asyncPreempt2(void)
{
	gopreempt();
}

static void preemptask(P *pp, int64_t now, bool force);

/*
 * preemptone asks pp's goroutine, running past its time slice, to give
 * up its P (sysmon, at time now): the cooperative flag, then, unless the
 * signal path is off or a signal is already on its way, SIGURG to its
 * thread. In a hosted program the signal waits until the thread is seen
 * spinning (the comment at the top says why): using CPU an eighth of the
 * time since sysmon's first look at least (a loaded machine shares the
 * CPU; a thread blocked in a system call uses next to none) (pp->preemptcpu, pp->preemptwhen, reset
 * by sysmon at each new slice and here at each signal), over a quarter of
 * a slice at least.
 */
void preemptone(P *pp, int64_t now)
{
	preemptask(pp, now, false);
}

/* preemptall asks every running P's goroutine to yield at once, with no
 * wait for a spinning thread (stopTheWorld: it waits for every P). */
void preemptall(void)
{
	int32_t procs = atomic_load(&gomaxprocs);
	for (int32_t i = 0; i < procs; i++)
		if (atomic_load(&allp[i]->status) == Prunning)
			preemptask(allp[i], 0, true);
}

/* preemptask is preemptone, or preemptall's (force: signal at once). */
static void preemptask(P *pp, int64_t now, bool force)
{
	M *mp = atomic_load(&pp->m);
	if (!mp)
		return;
	G *gp = atomic_load(&mp->curg);
	if (!gp || gp == mp->g0 || atomic_load(&mp->p) != pp)
		return;
	if (!atomic_load(&gp->preempt)) {
		atomic_store(&pp->preemptreq, force ? nanotime() : now);
		atomic_store(&gp->preempt, 1);
		atomic_xadd(&preempt.requests, 1);
	}
	if (!preempt.asyncon)
		return;
	if (!tls_freestanding && !force) {
		int64_t cpu = sys_threadcputime(mp->procid);
		if (cpu < 0)
			return;
		if (pp->preemptcpu < 0) {
			pp->preemptcpu = cpu;
			pp->preemptwhen = now;
			return;
		}
		int64_t wall = now - pp->preemptwhen;
		if (wall < preempt.slice / 4 || 8 * (cpu - pp->preemptcpu) < wall)
			return;
		pp->preemptcpu = cpu;
		pp->preemptwhen = now;
	}
	if (atomic_cas(&mp->signalpending, 0, 1)) {
		atomic_xadd(&preempt.signals, 1);
		sys_tgkill(sys_getpid(), mp->procid, SIGURG);
	}
}

/* preemptinit reads WEFTDEBUG's asyncpreemptoff, preemptus and
 * preemptstats, sizes asyncPreempt's save area, and installs the SIGURG
 * handler. Before any M but m0 exists. */
void preemptinit(void)
{
	preempt.asyncon = weftdebug("asyncpreemptoff", 0) == 0;
	int64_t us = weftdebug("preemptus", PREEMPT_NS / 1000);
	if (us < 50)
		us = 50; /* below that sysmon would not keep up */
	preempt.slice = us * 1000;
	preempt.stats = weftdebug("preemptstats", 0) != 0;
	arch_preemptinit();
	if (!preempt.asyncon)
		return;
	setsignal(SIGURG, sigurg, SA_RESTART, ~0ull);
}

/*
 * Latency, with WEFTDEBUG=preemptstats=1: from sysmon's request to the
 * goroutine leaving its P (gopreempt_m), in a histogram of microseconds
 * with 8 buckets to each power of two (within 12.5%), and the worst
 * exactly.
 */
enum { LAT_SUB = 8, LAT_BUCKETS = 8 * 40 };
static uint64_t latcount[LAT_BUCKETS];
static int64_t latworst;

static int latbucket(uint64_t us)
{
	if (us < LAT_SUB)
		return (int)us;
	int e = 63 - __builtin_clzll(us); /* us in [2^e, 2^(e+1)) */
	int b = (e - 2) * LAT_SUB + (int)((us >> (e - 3)) & (LAT_SUB - 1));
	return b < LAT_BUCKETS ? b : LAT_BUCKETS - 1;
}

/* latlow is the smallest value of bucket b. */
static uint64_t latlow(int b)
{
	if (b < LAT_SUB)
		return (uint64_t)b;
	int e = b / LAT_SUB + 2;
	return ((uint64_t)1 << e) + ((uint64_t)(b % LAT_SUB) << (e - 3));
}

/* preemptlatency records one, as pp's goroutine leaves it preempted. */
void preemptlatency(P *pp)
{
	int64_t req = atomic_load(&pp->preemptreq);
	if (req <= 0)
		return;
	int64_t ns = nanotime() - req;
	if (ns < 0)
		ns = 0;
	atomic_xadd(&latcount[latbucket((uint64_t)ns / 1000)], 1);
	int64_t w = atomic_load(&latworst);
	while (ns > w && !atomic_cas(&latworst, w, ns))
		w = atomic_load(&latworst);
}

/* preemptprintstats prints the counts and the latency
 * (WEFTDEBUG=preemptstats=1), as a program exits normally. */
void preemptprintstats(void)
{
	if (!preempt.stats)
		return;
	rt_printf("preempt: requests=%lld signals=%lld async=%lld cooperative=%lld unsafe=%lld\n",
		  (long long)atomic_load(&preempt.requests), (long long)atomic_load(&preempt.signals),
		  (long long)atomic_load(&preempt.async), (long long)atomic_load(&preempt.coop),
		  (long long)atomic_load(&preempt.unsafe));
	uint64_t n = 0;
	for (int b = 0; b < LAT_BUCKETS; b++)
		n += atomic_load(&latcount[b]);
	if (n == 0)
		return;
	uint64_t seen = 0;
	int b = 0;
	for (; b < LAT_BUCKETS; b++) {
		seen += atomic_load(&latcount[b]);
		if (2 * seen >= n)
			break;
	}
	rt_printf("preempt: latency n=%llu median=%lluus worst=%lldus\n", (unsigned long long)n,
		  (unsigned long long)latlow(b), (long long)(atomic_load(&latworst) / 1000));
}
