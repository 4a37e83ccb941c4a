/*
 * cpuprof.c: the CPU profiler, Go's (runtime/pprof's CPU profile, which
 * the runtime feeds from sigprof; tracecpu.go's samples in the trace).
 *
 * Sampling. Each M has a timer on its own thread's CPU clock that sends
 * SIGPROF to that thread alone (timer_create with SIGEV_THREAD_ID), as Go
 * does on Linux since 1.18: every thread's time is sampled fairly, where
 * one process-wide timer (setitimer) hands its signal to whichever thread
 * the kernel picks. A thread that runs 2 s gets 200 signals at 100 Hz
 * (WEFTDEBUG=cpuprofilerate=N), one blocked in a system call none. The
 * timers are made by whoever starts the profiler, for every M there is,
 * and by each new M for itself (cpuprofMinit), all under cpuprof.lock;
 * stopping deletes them all. Go arms them lazily in the scheduler
 * instead, which leaves out an M that does not schedule (sysmon, one
 * stuck in a system call); here each is a CPU clock of its own from the
 * start, and a thread that uses no CPU costs nothing.
 *
 * The handler (sigprof) runs on the M's signal stack. It keeps one sample
 * per signal: the interrupted PC, then the callers. The leaf's caller is
 * found by the leaf's frame rule (rulestep, from .eh_frame through the
 * symbol table), which is right at every instruction, the prologue and
 * epilogue included, where the frame-pointer chain still skips the
 * caller (and so below asyncPreempt, where a preemption stopped a
 * function at any instruction); from there on, frame records, read only inside the stack
 * the signal interrupted (a goroutine's or g0's): whatever the registers
 * hold, the walk cannot fault. A PC outside the table (libc, the vDSO)
 * has no rule: then the frame records alone give the rest, as a
 * frame-pointer profiler (perf) would. The sample goes into the M's ring
 * (CpuRing), with the number of periods it stands for: one, or more
 * when the signal came late (the kernel delivers it on the way back to
 * the program, so a long system call can see several periods expire:
 * si_overrun; Go counts such a signal once), which only that M's
 * handler writes and only a drain reads:
 * no lock, no allocation, no system call. A full ring drops the sample
 * and counts it (the profile's end reports how many).
 *
 * Where a sample lands, as in Go: a goroutine's stack, the runtime's
 * frames included (time inside weft_chan_send is the channel's); on g0,
 * the scheduler's stack (schedule, findrunnable, ...) with no goroutine;
 * in a system call, the function that made it (sys_write inside
 * weft_write, ...) and its callers, since the time counts against the
 * thread when the call returns to it.
 *
 * Draining. sysmon drains every M's ring a few times a period, a trace's
 * generation end drains before it closes, and stopping drains last. A
 * drained sample is counted in a hash table of stacks (by value; the
 * profile's memory is the distinct stacks, not the run's length), and,
 * when it was taken while tracing, written into its generation's batch of
 * CPU samples (trace.cpubuf; its stack into the generation's table), as
 * Go's traceReadCPU does. A sample's generation is the one its handler
 * read under the M's trace seqlock (traceAcquireSignal), which the
 * generation's end waits on (trace.c): by the time that end drains, every
 * sample of the generation is in a ring.
 *
 * Writing. weft_cpuprofile_stop, or the exit (return from main,
 * weft_exit, a panic or fatal error: cpuprofExit) for WEFTCPUPROFILE and
 * for a profile the program left running, writes the table through
 * pprof.c. A write that fails is reported once; the program runs on; a
 * WEFTCPUPROFILE file left half-written is removed.
 */
#include "runtime.h"
#include "trace.h"
#include "tracestack.h"

enum {
	SI_TIMER = -2,
	CPUPROF_HZ = 100,       /* Go's default rate */
	CPUPROF_MAXHZ = 10000,  /* a sample per 100 µs of a thread's CPU at most */
	CPUPROF_DEPTH = 64,     /* frames kept per sample (Go's maxCPUProfStack) */
	CPUPROF_RING = 64,      /* samples an M holds between drains: 0.64 s at 100 Hz */
	CPUPROF_MAXWEIGHT = 1000, /* periods one late signal may stand for */
};

/* A sample as the handler took it. */
typedef struct CpuSample {
	uint64_t gen;     /* the trace's generation, or 0: not tracing */
	uint64_t ts;      /* the trace clock, when gen != 0 */
	int64_t goid;     /* 0 on g0 */
	int32_t pid;      /* the M's P, or -1 */
	uint32_t weight;  /* timer expiries it stands for: 1, more if the signal came late */
	int32_t n;        /* pcs[0] the interrupted PC, then return addresses */
	uintptr_t pcs[CPUPROF_DEPTH];
} CpuSample;

/* An M's ring: a single producer (its handler) and a single consumer (a
 * drain, under cpuprof.lock); indices run free, mod CPUPROF_RING. */
struct CpuRing {
	uint32_t tail; /* the handler's: next slot to fill */
	uint32_t head; /* the drain's: next slot to read */
	uint32_t lost; /* samples dropped on a full ring */
	CpuSample s[CPUPROF_RING];
};

/* The table of distinct stacks: entries appended to an arena, found by an
 * open-addressing index of arena offsets (+1; 0 is empty). */
typedef struct StackEnt {
	uint64_t count;
	uint32_t hash, n;
	uintptr_t pcs[];
} StackEnt;

typedef struct StackTab {
	uint8_t *arena;
	size_t used, cap;
	uint32_t *slot;
	size_t mask, nent;
} StackTab;

/* A stopped profile, on its way to its file. */
typedef struct Profile {
	StackTab tab;
	int fd;
	bool ownfd;
	const char *path;
	int64_t period, startwall, duration;
	uint64_t lost;
} Profile;

static struct {
	Mutex lock;       /* all but on: starts, stops, drains, timers */
	uint32_t on;      /* the handlers keep samples (atomic) */
	bool installed;   /* SIGPROF's handler is */
	int fd;
	bool ownfd;       /* WEFTCPUPROFILE's file, closed (or removed) once written */
	const char *path; /* its name */
	bool timerfailed; /* reported once */
	int64_t period;   /* ns of a thread's CPU time per sample */
	int64_t startwall, startmono;
	uint64_t lost;
	StackTab tab;     /* the stacks drained so far */
	uint64_t flushedgen; /* the last trace generation whose samples are out */
} cpuprof = {.fd = -1};

/* ---- the handler ---- */

/* sigprofstack writes the stack the signal interrupted (context uc, on
 * gp's stack when its sp lies there) into pcs; returns the count. */
static int sigprofstack(G *gp, void *uc, uintptr_t *pcs, int max)
{
	UnwindFrame f = {.pc = ARCH_UC_PC(uc), .sp = ARCH_UC_SP(uc), .fp = ARCH_UC_FP(uc),
			 .lr = ARCH_UC_LR(uc), .exactpc = true};
	pcs[0] = f.pc;
	if (!gp || f.sp < gp->stack.lo || f.sp >= gp->stack.hi)
		return 1; /* a stack it cannot bound: the PC alone */
	Stack stk = gp->stack;
	/* At asyncPreempt's first instruction none of it has run: SIGURG
	 * and SIGPROF were pending together, and the kernel ran SIGURG's
	 * handler, which diverted the goroutine there, first. The time
	 * belongs to the instruction the goroutine was at (Go's profiles
	 * show this as time in asyncPreempt: golang/go#59045). */
	const SymtabFunc *fn = findfunc(f.pc);
	if (fn && fn->funcid == FUNCID_ASYNCPREEMPT && f.pc == funcentry(fn) &&
	    f.sp + 2 * sizeof(uintptr_t) <= stk.hi) {
		arch_undivert(&f.pc, &f.sp, &f.lr);
		pcs[0] = f.pc;
	}
	int n = 1;
	/* By frame rules while a frame stands at an interrupted
	 * instruction: the leaf, and below asyncPreempt (whose "return
	 * address" is where a preemption stopped a function, maybe one with
	 * no frame record of its own). */
	for (bool interrupted = true; interrupted && n < max;) {
		const SymtabFunc *fn = findfunc(f.exactpc ? f.pc : f.pc - 1);
		interrupted = fn && fn->funcid == FUNCID_ASYNCPREEMPT;
		if (!rulestep(stk, &f))
			break;
		pcs[n++] = f.pc;
		f.exactpc = interrupted;
	}
	/* fpcallers reads only inside [f.sp, stk.hi): safe here too. */
	return n + fpcallers(f.fp, f.sp, stk.hi, 0, pcs + n, max - n);
}

static void sigprof(int sig, void *info, void *uc)
{
	(void)sig;
	M *mp = getm();
	int code = *(int *)((char *)info + 8);                        /* si_code */
	int overrun = *(int *)((char *)info + 20);                    /* si_overrun */
	uintptr_t value = *(uintptr_t *)((char *)info + 24);          /* si_value */
	if (!mp || code != SI_TIMER || value != (uintptr_t)&cpuprof)
		return; /* not our timer's: a stray SIGPROF is ignored */
	atomic_store(&mp->prof.busy, 1);
	struct CpuRing *r = mp->prof.ring;
	if (!atomic_load(&cpuprof.on) || !r) {
		atomic_store(&mp->prof.busy, 0);
		return;
	}
	uint32_t tail = r->tail;
	if (tail - atomic_load_acq(&r->head) >= CPUPROF_RING) {
		atomic_xadd(&r->lost, 1);
		atomic_store(&mp->prof.busy, 0);
		return;
	}
	CpuSample *s = &r->s[tail % CPUPROF_RING];
	bool opened;
	s->gen = traceAcquireSignal(mp, &opened);
	s->ts = s->gen ? traceClockNow() : 0;
	G *gp = getg();
	P *pp = mp->p;
	s->goid = gp && gp != mp->g0 ? gp->goid : 0;
	s->pid = pp ? pp->id : -1;
	s->weight = 1 + (overrun > 0 ? (uint32_t)(overrun < CPUPROF_MAXWEIGHT ? overrun : CPUPROF_MAXWEIGHT) : 0);
	s->n = sigprofstack(gp, uc, s->pcs, CPUPROF_DEPTH);
	atomic_store_rel(&r->tail, tail + 1);
	traceReleaseSignal(mp, opened);
	atomic_store(&mp->prof.busy, 0);
}

/* ---- timers ---- */

/* settimer gives mp its CPU timer, and its ring if it has none. Returns
 * false, having reported it once, when the kernel refuses. lock held. */
static bool settimer(M *mp)
{
	if (mp->prof.hastimer || !mp->procid)
		return true; /* an M not started yet makes its own (cpuprofMinit) */
	if (!mp->prof.ring) {
		mp->prof.ring = pagealloc(sizeof(struct CpuRing));
		if (!mp->prof.ring)
			return false;
	}
	long id = sys_cputimer_create(mp->procid, SIGPROF, (uintptr_t)&cpuprof);
	if (id >= 0) {
		/* The first expiry at a random point of the period, so that
		 * threads started together do not sample in step. */
		int64_t first = 1 + (int64_t)cheaprandn((uint32_t)cpuprof.period);
		long r = sys_timer_settime((int)id, first, cpuprof.period);
		if (r < 0) {
			sys_timer_delete((int)id);
			id = r;
		}
	}
	if (id < 0) {
		if (!cpuprof.timerfailed)
			rt_printf("runtime: cpu profile: cannot make a CPU timer for thread %ld: %s\n", mp->procid,
				  sys_strerror(id));
		cpuprof.timerfailed = true;
		return false;
	}
	mp->prof.timer = (int)id;
	mp->prof.hastimer = true;
	return true;
}

/* deltimers deletes every M's CPU timer: profiling has gone off. A
 * signal already on its way may still land (the handler checks on).
 * lock held. */
static void deltimers(void)
{
	for (M *mp = atomic_load(&allm); mp; mp = mp->alllink)
		if (mp->prof.hastimer) {
			sys_timer_delete(mp->prof.timer);
			mp->prof.hastimer = false;
		}
}

void cpuprofMinit(M *mp)
{
	if (!atomic_load(&cpuprof.on))
		return;
	lock(&cpuprof.lock);
	if (atomic_load(&cpuprof.on))
		settimer(mp);
	unlock(&cpuprof.lock);
}

/* ---- the table of stacks ---- */

static uint32_t stackhash(const uintptr_t *pcs, int n)
{
	uint64_t h = (uint64_t)n * 0x9E3779B97F4A7C15ull;
	for (int i = 0; i < n; i++)
		h = (h ^ pcs[i]) * 0x100000001B3ull;
	return (uint32_t)(h ^ h >> 32);
}

static StackEnt *entat(const StackTab *t, size_t off)
{
	return (StackEnt *)(t->arena + off);
}

/* growindex doubles t's index (or makes the first), rehashing. Returns
 * false when out of memory. */
static bool growindex(StackTab *t)
{
	size_t nslot = t->slot ? 2 * (t->mask + 1) : 1024;
	uint32_t *slot = pagealloc(nslot * sizeof *slot);
	if (!slot)
		return false;
	for (size_t off = 0; off < t->used;) {
		StackEnt *e = entat(t, off);
		size_t i = e->hash & (nslot - 1);
		while (slot[i])
			i = (i + 1) & (nslot - 1);
		slot[i] = (uint32_t)off + 1;
		off += sizeof *e + e->n * sizeof(uintptr_t);
	}
	pagefree(t->slot, t->slot ? (t->mask + 1) * sizeof *slot : 0);
	t->slot = slot;
	t->mask = nslot - 1;
	return true;
}

/* tabadd counts the stack pcs[0..n) weight times in t; false when t
 * cannot grow to take a new stack. */
static bool tabadd(StackTab *t, const uintptr_t *pcs, int n, uint64_t weight)
{
	uint32_t h = stackhash(pcs, n);
	size_t size = sizeof(StackEnt) + (size_t)n * sizeof(uintptr_t);
	if ((!t->slot || 2 * (t->nent + 1) > t->mask + 1) && !growindex(t))
		return false;
	size_t i = h & t->mask;
	for (; t->slot[i]; i = (i + 1) & t->mask) {
		StackEnt *e = entat(t, t->slot[i] - 1);
		if (e->hash == h && e->n == (uint32_t)n && memcmp(e->pcs, pcs, (size_t)n * sizeof(uintptr_t)) == 0) {
			e->count += weight;
			return true;
		}
	}
	if (t->used + size > t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64 * 1024;
		while (cap < t->used + size)
			cap *= 2;
		if (cap > UINT32_MAX)
			return false;
		uint8_t *arena = pagealloc(cap);
		if (!arena)
			return false;
		if (t->used)
			memcpy(arena, t->arena, t->used);
		pagefree(t->arena, t->cap);
		t->arena = arena;
		t->cap = cap;
	}
	StackEnt *e = entat(t, t->used);
	e->count = weight;
	e->hash = h;
	e->n = (uint32_t)n;
	memcpy(e->pcs, pcs, (size_t)n * sizeof(uintptr_t));
	t->slot[i] = (uint32_t)t->used + 1;
	t->used += size;
	t->nent++;
	return true;
}

static void tabfree(StackTab *t)
{
	pagefree(t->arena, t->cap);
	pagefree(t->slot, t->slot ? (t->mask + 1) * sizeof(uint32_t) : 0);
	*t = (StackTab){0};
}

/* ---- draining ---- */

/* tracesample writes s, taken on mp, into its generation's batch of CPU
 * samples: once for each period it stands for (a signal that came late,
 * after a long system call, stands for several), so that the trace's
 * samples add up to the profile's time. lock held; gen not yet flushed. */
static void tracesample(const CpuSample *s, const M *mp, int n)
{
	uint64_t gen = s->gen;
	uintptr_t pcBuf[CPUPROF_DEPTH + 1];
	pcBuf[0] = CPU_SAMPLE_STACK;
	memcpy(pcBuf + 1, s->pcs, (size_t)n * sizeof(uintptr_t));
	uint64_t stack = traceMapPut(&trace.stackTab[gen % 2], pcBuf, (size_t)(n + 1) * sizeof(uintptr_t), NULL);
	TraceWriter w = traceUnsafeWriter(gen);
	w.buf = trace.cpubuf[gen % 2];
	for (uint32_t i = 0; i < s->weight; i++) {
		if (!w.buf || w.buf->pos + 1 + 5 * TRACE_VARINT_MAX > sizeof w.buf->arr) {
			w = traceRefill(w, TRACE_NO_THREAD);
			traceEntry(w.buf, EvCPUSamples);
		}
		traceEntry(w.buf, EvCPUSample, s->ts, (uint64_t)mp->id, s->pid < 0 ? ~(uint64_t)0 : (uint64_t)s->pid,
			   (uint64_t)s->goid, stack);
	}
	trace.cpubuf[gen % 2] = w.buf;
}

/* trimbottom drops the frames below a goroutine's own function, goexit's
 * and goroutine 1's runtime_main, as the trace's stacks do. */
static int trimbottom(const uintptr_t *pcs, int n)
{
	while (n > 1) {
		const SymtabFunc *f = findfunc(pcs[n - 1] - 1);
		if (!f || (f->funcid != FUNCID_GOEXIT && f->funcid != FUNCID_RUNTIME_MAIN))
			break;
		n--;
	}
	return n;
}

/* drain takes every M's samples: into the table, and into the trace when
 * they were taken in a generation whose samples have not been flushed
 * (cpuprofTraceFlush): a generation's end may have moved trace.gen on and
 * not flushed yet, so the generation before the current one can still
 * take samples. lock held. */
static void drain(void)
{
	for (M *mp = atomic_load(&allm); mp; mp = mp->alllink) {
		struct CpuRing *r = mp->prof.ring;
		if (!r)
			continue;
		uint32_t head = r->head, tail = atomic_load_acq(&r->tail);
		for (; head != tail; head++) {
			const CpuSample *s = &r->s[head % CPUPROF_RING];
			int n = trimbottom(s->pcs, s->n);
			if (!tabadd(&cpuprof.tab, s->pcs, n, s->weight))
				cpuprof.lost += s->weight;
			if (s->gen > cpuprof.flushedgen)
				tracesample(s, mp, n);
		}
		atomic_store_rel(&r->head, head);
		cpuprof.lost += atomic_xchg(&r->lost, 0);
	}
}

/* locktimed takes l, or gives up after ns (exit paths: a
 * thread that died holding it must not hang the exit). */
static bool locktimed(Mutex *l, int64_t ns)
{
	int64_t deadline = nanotime() + ns;
	while (!atomic_cas(&l->key, 0, 1)) {
		if (nanotime() > deadline)
			return false;
		sys_nanosleep(1000 * 1000);
	}
	return true;
}

void cpuprofTick(void)
{
	if (!atomic_load(&cpuprof.on) || !atomic_cas(&cpuprof.lock.key, 0, 1))
		return; /* a drain that is running does this one's work */
	drain();
	unlock(&cpuprof.lock);
}

void cpuprofTraceFlush(uint64_t gen, bool bounded)
{
	if (bounded) {
		if (!locktimed(&cpuprof.lock, 100 * 1000 * 1000))
			return;
	} else {
		lock(&cpuprof.lock);
	}
	drain();
	TraceBuf *b = trace.cpubuf[gen % 2];
	trace.cpubuf[gen % 2] = NULL;
	if (b)
		traceBufFlush(b, gen);
	cpuprof.flushedgen = gen;
	unlock(&cpuprof.lock);
}

/* ---- starting and stopping ---- */

static int64_t walltime(void)
{
	struct sys_timespec ts;
	if (sys_clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* start begins profiling into fd. lock held. */
static int start(int fd)
{
	if (atomic_load(&cpuprof.on) || fd < 0)
		return -1;
	if (!cpuprof.installed) {
		setsignal(SIGPROF, sigprof, SA_RESTART, 0);
		cpuprof.installed = true;
	}
	int64_t hz = weftdebug("cpuprofilerate", CPUPROF_HZ);
	if (hz < 1)
		hz = 1;
	if (hz > CPUPROF_MAXHZ)
		hz = CPUPROF_MAXHZ;
	cpuprof.period = 1000000000 / hz;
	cpuprof.fd = fd;
	cpuprof.lost = 0;
	cpuprof.timerfailed = false;
	cpuprof.startwall = walltime();
	cpuprof.startmono = nanotime();
	atomic_store(&cpuprof.on, 1);
	bool ok = true;
	for (M *mp = atomic_load(&allm); mp && ok; mp = mp->alllink)
		ok = settimer(mp);
	if (!ok) {
		/* No timer, no profile: undo, and say so (settimer did). */
		atomic_store(&cpuprof.on, 0);
		deltimers();
		cpuprof.fd = -1;
		return -1;
	}
	return 0;
}

/* writeprofile writes p to its file and reports a failure (0 or
 * -errno); a WEFTCPUPROFILE file is closed, and removed if the write
 * failed: nothing half-written stays. */
static long writeprofile(Profile *p)
{
	const StackTab *t = &p->tab;
	size_t size = (t->nent ? t->nent : 1) * sizeof(PprofSample);
	PprofSample *ps = pagealloc(size);
	long r = -ENOMEM;
	if (ps) {
		size_t k = 0;
		for (size_t off = 0; off < t->used; k++) {
			StackEnt *e = entat(t, off);
			ps[k] = (PprofSample){.pcs = e->pcs, .n = (int)e->n, .exact0 = true, .count = (int64_t)e->count};
			off += sizeof *e + e->n * sizeof(uintptr_t);
		}
		r = pprofWrite(p->fd, ps, (int)k, p->period, p->startwall, p->duration);
		pagefree(ps, size);
	}
	if (p->lost)
		rt_printf("runtime: cpu profile: %llu samples lost\n", (unsigned long long)p->lost);
	if (r < 0 && p->ownfd)
		rt_printf("runtime: writing the CPU profile (WEFTCPUPROFILE=%s) failed: %s\n", p->path,
			  sys_strerror(r));
	else if (r < 0)
		rt_printf("runtime: writing the CPU profile (fd %d) failed: %s\n", p->fd, sys_strerror(r));
	if (p->ownfd) {
		sys_close(p->fd);
		if (r < 0)
			sys_unlinkat(AT_FDCWD, p->path, 0);
	}
	return r;
}

/*
 * stop ends profiling and hands the profile, to be written, to *p:
 * false when it was not running. With bounded (the exit), a handler
 * still running on another thread is waited for 100 ms at most. lock
 * held; the write happens after, without it, so that a slow file holds
 * up neither sysmon's drains nor the trace's generation ends.
 */
static bool stop(bool bounded, Profile *p)
{
	if (!atomic_load(&cpuprof.on))
		return false;
	atomic_store(&cpuprof.on, 0);
	deltimers();
	/* A handler that saw on before it went off may still be writing
	 * its sample; this M's own cannot be (it would have to interrupt
	 * us, and we wait for nothing of ours). */
	M *self = getm();
	int64_t deadline = nanotime() + 100 * 1000 * 1000;
	for (M *mp = atomic_load(&allm); mp; mp = mp->alllink)
		while (mp != self && atomic_load(&mp->prof.busy) && (!bounded || nanotime() < deadline))
			sys_sched_yield();
	drain();
	*p = (Profile){
		.tab = cpuprof.tab,
		.fd = cpuprof.fd,
		.ownfd = cpuprof.ownfd,
		.path = cpuprof.path,
		.period = cpuprof.period,
		.startwall = cpuprof.startwall,
		.duration = nanotime() - cpuprof.startmono,
		.lost = cpuprof.lost,
	};
	cpuprof.tab = (StackTab){0};
	cpuprof.fd = -1;
	cpuprof.ownfd = false;
	return true;
}

int weft_cpuprofile_start(int fd)
{
	lock(&cpuprof.lock);
	int r = start(fd);
	unlock(&cpuprof.lock);
	return r;
}

/* weft_cpuprofile_stop writes the profile on this thread, as a system
 * call would (another M takes the P meanwhile if it waits). */
int weft_cpuprofile_stop(void)
{
	Profile p;
	lock(&cpuprof.lock);
	bool stopped = stop(false, &p);
	unlock(&cpuprof.lock);
	if (!stopped)
		return -1;
	entersyscall();
	long r = writeprofile(&p);
	exitsyscall();
	tabfree(&p.tab);
	return r < 0 ? -1 : 0;
}

/* cpuprofInit starts the profiler for WEFTCPUPROFILE=FILE, to be written
 * at exit. A file that cannot be made is reported; the program runs on
 * unprofiled. */
void cpuprofInit(void)
{
	const char *path = rt_getenv("WEFTCPUPROFILE");
	if (!path || !*path)
		return;
	long fd = sys_openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		rt_printf("runtime: WEFTCPUPROFILE=%s: cannot create the file: %s; not profiling\n", path,
			  sys_strerror(fd));
		return;
	}
	lock(&cpuprof.lock);
	if (start((int)fd) < 0) {
		sys_close((int)fd);
		sys_unlinkat(AT_FDCWD, path, 0);
	} else {
		cpuprof.ownfd = true;
		cpuprof.path = path;
	}
	unlock(&cpuprof.lock);
}

/* cpuprofExit writes a profile still running as the process ends: the
 * first thread on its way out does, and another waits for it a while
 * (it ends the process once written); it waits for a drain in progress
 * a while, no longer (a thread that died in one must not hang the exit). */
void cpuprofExit(void)
{
	static M *exiter;
	static uint32_t written;
	M *self = getm();
	if (!atomic_load(&cpuprof.on) && !atomic_load(&exiter))
		return;
	M *none = NULL;
	if (!__atomic_compare_exchange_n(&exiter, &none, self, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		for (int i = 0; i < 1000 && none != self && !atomic_load(&written); i++)
			sys_nanosleep(10 * 1000 * 1000);
		return;
	}
	Profile p;
	if (locktimed(&cpuprof.lock, 1000LL * 1000 * 1000)) {
		bool stopped = stop(true, &p);
		unlock(&cpuprof.lock);
		if (stopped)
			writeprofile(&p);
	}
	atomic_store(&written, 1);
}
