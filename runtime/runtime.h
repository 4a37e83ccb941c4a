/*
 * runtime.h: the runtime's internal types and the functions its files
 * share. Names follow Go's runtime where the concept exists there (G, M, P,
 * gopark, goready, sudog, ...); module prefixes (sys_, sched_, ...) mark the
 * rest. Only compiler-provided headers are included: the runtime has no libc.
 */
#ifndef WEFT_RUNTIME_H
#define WEFT_RUNTIME_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "config.h"
#include "funcid.h"
#include "rt0.h"
#include "symtab.h"
#include "weft.h"

typedef struct G G;
typedef struct M M;
typedef struct P P;
typedef struct Sudog Sudog;
typedef struct Timer Timer;
typedef struct TraceBuf TraceBuf;

/* The tracer's per-M, per-G and per-P state (trace.h, trace.c). An M's
 * seqlock is odd while it writes events: the generation it read stays
 * open until it is even again. A G's or P's statustraced says for which
 * generations its status event has been claimed (tracestatus.h: one
 * writer per generation); seq counts its sequenced events in seqgen,
 * the generation's low 32 bits (a G untouched for 2^32 generations would
 * be the only one fooled). */
typedef struct MTrace {
	uint64_t seqlock;
	TraceBuf *buf[2]; /* per generation, gen % 2 */
	bool stopped;     /* its last event ended a goroutine's run (traceGoStart) */
	struct TraceStackCache *stackcache; /* tracestack.c */
} MTrace;
/* The CPU profiler's per-M state (cpuprof.c): the samples its SIGPROF
 * handler took and a drain has not, and its thread's CPU timer. */
typedef struct MProf {
	struct CpuRing *ring;
	int timer;       /* the kernel's timer id, when hastimer */
	bool hastimer;
	uint32_t busy;   /* 1 while its handler runs */
} MProf;
typedef struct GTrace {
	uint32_t statustraced;
	uint32_t seq, seqgen;
} GTrace;
typedef struct PTrace {
	uint32_t statustraced;
	uint32_t seq, seqgen;
	uint8_t state;    /* TraceProc*: its state as its last event left it (0: none yet) */
	uint32_t stealing; /* Ms between a CAS out of Psyscall and its event (proc.c) */
	int64_t syscallm; /* the M in a system call with this P */
} PTrace;

/* ---- arch/<arch>/asm.S: the same routines on every arch ----
 *
 * arch_mcall saves the caller's context on its stack, stores the stack
 * pointer in *save, switches to the stack g0sp and calls fn(arg), which
 * must not return. arch_gogo(*save) later resumes the caller as if
 * arch_mcall had returned. */
void arch_mcall(uintptr_t *save, void (*fn)(void *), void *arg, uintptr_t g0sp);
_Noreturn void arch_gogo(uintptr_t sp);
/* The saved context is read and laid out here by arch.h's ARCH_GOBUF_*
 * slots, which asm.S checks its instructions against. The saved frame
 * pointer and the return address above it form a frame record, where a
 * walk of the parked goroutine starts; a new goroutine's fn and arg have
 * slots of their own. */
_Static_assert(ARCH_GOBUF_PCSLOT == ARCH_GOBUF_FPSLOT + 1, "arch.h: the saved fp and pc must form a frame record");
_Static_assert(ARCH_GOBUF_PCSLOT < ARCH_GOBUF_WORDS && ARCH_GOBUF_FNSLOT < ARCH_GOBUF_WORDS &&
		       ARCH_GOBUF_ARGSLOT < ARCH_GOBUF_WORDS && ARCH_GOBUF_FNSLOT != ARCH_GOBUF_ARGSLOT &&
		       ARCH_GOBUF_FNSLOT != ARCH_GOBUF_FPSLOT && ARCH_GOBUF_FNSLOT != ARCH_GOBUF_PCSLOT &&
		       ARCH_GOBUF_ARGSLOT != ARCH_GOBUF_FPSLOT && ARCH_GOBUF_ARGSLOT != ARCH_GOBUF_PCSLOT,
	       "arch.h: the saved frame's slots overlap or lie outside it");
/* goexit: the bottom frame of every goroutine. It calls the goroutine's
 * function, then goexit1. Its frame record holds a zero frame pointer, so
 * every frame-pointer walk ends there. */
void goexit(void);
/* arch_clone starts a thread running fn(arg) on stack with thread pointer
 * tls; the thread exits when fn returns. Returns the tid or -errno. */
long arch_clone(unsigned long flags, void *stack, void *tls, void (*fn)(void *), void *arg);
/* arch_sigreturn: the signal-return trampoline (sa_restorer). */
void arch_sigreturn(void);
/* arch_getcontext stores its caller's registers as of the call: regs[0]
 * the pc (the call's return address), [1] sp, [2] fp, [3] lr. */
void arch_getcontext(uintptr_t regs[4]);
/* fpTracebackPCs writes the return address of each frame record on the
 * chain at fp into pcBuf, stopping at a zero frame pointer or return
 * address or after n; it returns the count (Go's fpTracebackPCs). */
int fpTracebackPCs(uintptr_t fp, uintptr_t *pcBuf, int n);

#define nelem(a) (sizeof(a) / sizeof((a)[0]))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define ROUNDUP(x, n) (((x) + (n) - 1) & ~((uintptr_t)(n) - 1))

/* Atomics: the compiler's __atomic builtins, sequentially consistent unless
 * a name says otherwise. */
#define atomic_load(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define atomic_load_acq(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define atomic_store(p, v) __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)
#define atomic_store_rel(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define atomic_xadd(p, v) __atomic_add_fetch((p), (v), __ATOMIC_SEQ_CST) /* returns the new value */
#define atomic_xchg(p, v) __atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)
#define atomic_cas(p, old, new)                                                \
	({                                                                     \
		__typeof__(*(p)) _o = (old);                                   \
		__atomic_compare_exchange_n((p), &_o, (new), false,             \
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
	})

/* ---- sys_linux.c: system calls (return -errno on failure) ---- */
enum {
	EINTR = 4, EAGAIN = 11, ENOMEM = 12, EFAULT = 14, EINVAL = 22, EPIPE = 32, ETIMEDOUT = 110,
	PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2,
	MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000, MAP_POPULATE = 0x8000,
	MADV_NORMAL = 0, MADV_HUGEPAGE = 14, MADV_NOHUGEPAGE = 15, MADV_POPULATE_WRITE = 23, MADV_GUARD_INSTALL = 102, IOV_MAX = 1024,
	FUTEX_WAIT_PRIVATE = 128, FUTEX_WAKE_PRIVATE = 129,
	CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1,
	O_RDONLY = 0, O_WRONLY = 1, O_CREAT = 0100, O_TRUNC = 01000, O_CLOEXEC = 02000000, AT_FDCWD = -100,
	SIGQUIT = 3, SIGBUS = 7, SIGFPE = 8, SIGKILL = 9, SIGSEGV = 11, SIGPIPE = 13, SIGURG = 23, SIGPROF = 27,
	MEMBARRIER_CMD_PRIVATE_EXPEDITED = 8, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED = 16,
	SA_SIGINFO = 4, SA_ONSTACK = 0x08000000, SA_RESTART = 0x10000000,
	SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIGSETSIZE = 8 /* the kernel's sigset_t: 64 signals */,
};
struct sys_timespec {
	long tv_sec;
	long tv_nsec;
};
long sys_read(int fd, void *p, size_t n);
long sys_write(int fd, const void *p, size_t n);
struct sys_iovec {
	const void *base;
	size_t len;
};
long sys_writev(int fd, const struct sys_iovec *iov, int n);
const char *sys_strerror(long err);
long sys_close(int fd);
long sys_pipe2(int fds[2], int flags);
long sys_openat(int dirfd, const char *path, int flags, int mode);
long sys_sched_yield(void);
long sys_membarrier(int cmd);
void *sys_mmap(void *addr, size_t n, int prot, int flags); /* anonymous private; NULL on failure (see sys_mmap_err) */
long sys_mmap_err(void *addr, size_t n, int prot, int flags, void **out);
long sys_munmap(void *p, size_t n);
long sys_mprotect(void *p, size_t n, int prot);
long sys_madvise(void *p, size_t n, int advice);
long sys_pidfd_open(long pid);
long sys_rename(const char *from, const char *to);
long sys_unlinkat(int dirfd, const char *path, int flags);
long sys_process_madvise(int pidfd, const struct sys_iovec *iov, int n, int advice);
long sys_getpid(void);
long sys_futex(uint32_t *addr, int op, uint32_t val, const struct sys_timespec *ts);
_Noreturn void sys_exit_group(int status);
long sys_gettid(void);
long sys_tgkill(long pid, long tid, int sig);
long sys_sched_getaffinity(size_t n, void *mask);
long sys_nanosleep(int64_t ns);
long sys_clock_gettime(int clk, struct sys_timespec *ts);
int64_t sys_threadcputime(long tid); /* another thread's CPU time in ns, or -1 */
long sys_cputimer_create(long tid, int sig, uintptr_t value); /* a timer on tid's CPU time: id or -errno */
long sys_timer_settime(int id, int64_t first, int64_t interval);
long sys_timer_delete(int id);

/* ---- vdso.c ---- */
void vdso_init(const uintptr_t *auxv);
int64_t nanotime(void); /* monotonic, through the vDSO when there is one */

/* ---- string.c: what the compiler may call, plus a few helpers ---- */
void *memcpy(void *restrict d, const void *restrict s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t rt_strlen(const char *s);
size_t strlen(const char *s);
int bcmp(const void *a, const void *b, size_t n);
int rt_strcmp(const char *a, const char *b);
bool rt_hasprefix(const char *s, const char *prefix);
int64_t rt_atoi(const char *s, bool *ok); /* decimal; *ok false on junk */

/* ---- print.c: formatting with no libc ---- */
int rt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
/* rt_printf writes to standard error directly, never entering the
 * scheduler: safe in fatal paths, signal handlers and on g0. */
void rt_printf(const char *fmt, ...) WEFT_PRINTF(1, 2);
void rt_vfdprintf(int fd, bool syscall, const char *fmt, va_list ap);

/* ---- malloc.c: the runtime's memory ---- */
void *rtalloc(size_t n); /* zeroed; throws when out of memory */
void rtfree(void *p);
/* blockstate tells a public free (weft_free, weft_chan_free) what p is,
 * without faulting on a large block that a first free unmapped: a block
 * rtalloc handed out and nobody freed, one freed already (until the
 * memory is handed out again), or anything else. */
enum { BlockLive, BlockFreed, BlockBad };
int blockstate(void *p);
/* persistentalloc: memory that is never freed (Ms, Ps, Gs, sudogs), with
 * no header, aligned to align. */
void *persistentalloc(size_t n, size_t align);
/* A cache line: Ms, Ps and the semaphore table's roots are aligned to
 * one, so that no two share it. */
#define CACHELINE 64

/* ---- lock_futex.c: runtime locks and notes, on futexes ---- */
typedef struct Mutex {
	uint32_t key; /* 0 unlocked, 1 locked, 2 locked with sleepers */
} Mutex;
void lock(Mutex *l);
void unlock(Mutex *l);
/* A Note is a one-shot event: notewakeup once, notesleep by one M. */
typedef struct Note {
	uint32_t key;
} Note;
void noteclear(Note *n);
void notewakeup(Note *n);
void notesleep(Note *n);
bool notetsleep(Note *n, int64_t ns); /* false on timeout; ns < 0 sleeps forever */

/* ---- panic.c ---- */
_Noreturn void throw(const char *msg);     /* fatal error: an invariant is broken */
_Noreturn void fatal(const char *msg);     /* fatal error: the user's program can't go on */
_Noreturn void gopanic(const char *fmt, ...) WEFT_PRINTF(1, 2);
void printstack(uintptr_t pc, uintptr_t fp, G *gp); /* return addresses of a frame chain */
void dumpgoroutines(G *skip);

/* ---- stack.c ---- */
typedef struct Stack {
	uintptr_t lo, hi; /* usable [lo, hi); a guard lies below lo */
} Stack;
/* stackalloc: a goroutine's stack from its P's cache, or (pp NULL) a new
 * one for an M; false when out of memory, fatal at the mapping limit;
 * *runguard: guarded only while it runs (stack_guardon, stack_guardoff).
 * stackfree gives a goroutine's back to pp's cache; stackcache_clear
 * empties the cache of a P that goes away. */
bool stackalloc(P *pp, Stack *s, bool *runguard);
void stackfree(P *pp, Stack *s, bool runguard);
void stackcache_clear(P *pp);
void stack_guardon(M *mp, G *gp);
void stack_guardoff(M *mp);
bool stack_guardfault(uintptr_t addr, G **gp); /* addr in some goroutine's guard? */
/* stack_counts: the bytes of stack in use (guards excluded), and the
 * bytes mapped for stacks, guards included (for weft_read_memstats). */
void stack_counts(uint64_t *inuse, uint64_t *mapped);

/* ---- proc.c: the scheduler ---- */
enum {
	Gidle,     /* just allocated */
	Grunnable, /* on a run queue */
	Grunning,  /* running on an M with a P */
	Gsyscall,  /* in a blocking system call, on an M */
	Gwaiting,  /* parked: on a channel, semaphore or timer */
	Gdead,     /* finished; on a free list */
};

/* Why a goroutine waits, one row per reason: X(name, string, traceReason).
 * string is Go's waitReason string (waitreason_string); traceReason is
 * the reason a GoBlock event gives, Go's traceBlockReason string, which
 * go tool trace's profiles classify by (tracestring.c registers them). */
#define WAITREASONS(X)                                                       \
	X(WaitReasonZero, "", "unspecified")                                 \
	X(WaitReasonChanReceiveNilChan, "chan receive (nil chan)", "forever") \
	X(WaitReasonChanSendNilChan, "chan send (nil chan)", "forever")       \
	X(WaitReasonSelectNoCases, "select (no cases)", "forever")            \
	X(WaitReasonSelect, "select", "select")                               \
	X(WaitReasonChanReceive, "chan receive", "chan receive")              \
	X(WaitReasonChanSend, "chan send", "chan send")                       \
	X(WaitReasonSyncMutexLock, "sync.Mutex.Lock", "sync")                 \
	X(WaitReasonSyncWaitGroupWait, "sync.WaitGroup.Wait", "sync")         \
	X(WaitReasonSleep, "sleep", "sleep")                                  \
	X(WaitReasonSemacquire, "semacquire", "sync")                         \
	X(WaitReasonSyncCondWait, "sync.Cond.Wait", "sync.(*Cond).Wait")      \
	X(WaitReasonSyncRWMutexRLock, "sync.RWMutex.RLock", "sync")           \
	X(WaitReasonSyncRWMutexLock, "sync.RWMutex.Lock", "sync")
enum {
#define X(name, str, traceReason) name,
	WAITREASONS(X)
#undef X
};
const char *waitreason_string(int r);

/* A G is 112 bytes: a burst of goroutines that have not run yet costs
 * only their Gs (they hold no stack), so every word counts. The fields
 * that every switch reads come first, in one cache line. */
enum {
	StackReady,    /* it has a stack with a guard of its own */
	StackNone,     /* none yet: it takes one when it first runs (gostart) */
	StackRunguard, /* one guarded only while it runs (stack_guardon) */
};
struct G {
	uintptr_t sched_sp; /* saved context (see arch_mcall); 0 while running */
	Stack stack;        /* none (lo 0) until it first runs, and once dead */
	M *m;               /* the M running it, or NULL */
	uint32_t atomicstatus;
	uint32_t selectDone; /* CAS 0->1 by the first case of a select to fire */
	G *schedlink;        /* run queue or free list link */
	uint8_t stackstate;  /* Stack*: what execute must do first */
	uint8_t waitreason;
	uint8_t preempt;     /* asked to yield (preempt.c): the next weft call or SIGURG does */
	union {
		/* Until it first runs (gostart): fn(arg) of weft_go. */
		struct {
			void (*startfn)(void *);
			void *startarg;
		};
		/* Once it runs: channels and select. */
		struct {
			Sudog *waiting; /* sudogs this G waits on, in lock order (select) */
			void *param;    /* set by the waker: the sudog that completed, or NULL */
		};
	};
	int64_t goid;
	G *alllink;   /* allgs */
	Timer *timer; /* for weft_sleep */
	GTrace trace;
};

struct Sudog {
	G *g;
	Sudog *next, *prev; /* wait queue */
	void *elem;         /* data element */
	Sudog *waitlink;    /* G.waiting list */
	void *c;            /* the channel (struct hchan *) */
	uint32_t *addr;     /* semaphore address */
	bool isSelect;
	bool success; /* channel op completed by a sender/receiver, not by close */
	uint32_t ticket;
};
Sudog *acquireSudog(void);
void releaseSudog(Sudog *s);

enum {
	Pidle,
	Prunning,
	Psyscall, /* its M is in a system call; sysmon may take it */
	Pstopped, /* stopped by stopTheWorld (Go's _Pgcstop) */
	Pdead,    /* beyond gomaxprocs since weft_setmaxprocs shrank it; its
		   * struct stays in allp for a later growth (Go's _Pdead) */
};

struct P {
	int32_t id;
	uint32_t status;
	P *link; /* idle list */
	M *m;    /* back-link to the M holding it */
	uint32_t schedtick;
	uint32_t runnextstreak; /* Gs run from runnext in a row */
	uint32_t syscalltick;
	int64_t sysmonwhen; /* sysmon: when it first saw this syscalltick */
	uint32_t sysmontick;
	uint32_t schedseen;   /* sysmon: the schedtick it last saw, ... */
	int64_t schedwhen;    /* ... when it first saw it */
	int64_t preemptcpu;   /* hosted: its thread's CPU time at sysmon's first look, or -1, ... */
	int64_t preemptwhen;  /* ... and when (preempt.c) */
	int64_t preemptreq;   /* when sysmon asked its goroutine to yield (preemptstats) */

	/* Local run queue: a lock-free ring, single producer (the owner),
	 * many consumers (the owner and thieves). */
	uint32_t runqhead;
	uint32_t runqtail;
	G *runq[RUNQ_SIZE];
	/* runnext, if set, runs before the rest of runq: a G readied by the
	 * current G (channel handoff) inherits the rest of its time slice. */
	G *runnext;

	/* Dead Gs, for reuse, and free goroutine stacks (stack.c), by lo. */
	G *gfree;
	int32_t gfreecnt;
	int32_t nstackcache;
	uintptr_t stackcache[STACK_CACHE_PER_P];
	Sudog *sudogcache;
	PTrace trace;
};

struct M {
	G *g0;     /* scheduler stack */
	G *curg;   /* the G running on it */
	P *p;      /* attached P, or NULL */
	P *nextp;  /* P to take when woken */
	P *oldp;   /* the P it held before entering a system call */
	int64_t id;
	bool spinning; /* looking for work */
	Note park;
	M *schedlink; /* idle list */
	M *alllink;
	void *tls;      /* freestanding: the TLS block */
	void *gsignal;  /* signal stack */
	long procid;    /* tid */
	uint32_t cheaprand[2]; /* cheaprand's state */
	int32_t locks;
	uintptr_t runguard; /* lo of the stack whose guard it has on while it runs there (stack.c), or 0 */
	void (*mcallfn)(G *); /* mcall's fn, while mcall_guardoff runs first */
	uint32_t syscalltick; /* its P's syscalltick when it entered its system call */
	bool (*waitunlockf)(G *, void *); /* gopark's arguments, for park_m */
	void *waitlock;
	void (*mstartfn)(void); /* run by mstart0 before scheduling (sysmon) */
	uint32_t signalpending; /* a preemption's SIGURG is on its way (preempt.c) */
	uint64_t sigmask;       /* the signals this thread blocks as it runs goroutines */
	MProf prof;
	MTrace trace;
};

struct Sched {
	Mutex lock;
	int64_t goidgen;
	M *midle; /* idle Ms, waiting on their park note */
	int32_t nmidle;
	int32_t mnext;   /* Ms created so far; the next M's id */
	int32_t nmsys;   /* Ms that never run Gs (sysmon) */
	int32_t nretaking; /* Ps sysmon has taken from a system call and not yet handed off */
	P *pidle;
	int32_t npidle;    /* atomic reads */
	int32_t nmspinning; /* atomic */

	/* Global run queue. */
	G *runqhead, *runqtail;
	int32_t runqsize;

	/* Dead Gs with stacks, beyond the Ps' caches. */
	Mutex gflock;
	G *gfree;
	int32_t ngfree;

	Mutex sudoglock;
	Sudog *sudogcache;

	/* stopTheWorld: while stopping (Go's gcwaiting; weft has no
	 * collector), every P stops at its next schedule; stopwait counts
	 * those still to stop, and stopnote wakes the stopper. */
	uint32_t stopping; /* atomic */
	int32_t stopwait;
	Note stopnote;

	/* sysmon parks on sysmonnote while every P is idle. */
	bool sysmonwait;
	Note sysmonnote;

	/* At most one idle M sleeps until the next timer is due. */
	bool timerwaiting;  /* an M sleeps on timernote */
	bool timernotified; /* timernote was woken */
	int64_t timerwhen;  /* when that M will wake by itself */
	Note timernote;
};
extern struct Sched sched;
/* allp has room for MAX_PROCS Ps; the first gomaxprocs are in use. A P
 * is created the first time the count reaches it and never freed: one
 * left beyond a shrunk count (Pdead) may still be an M's oldp, and
 * readers without a lock (sysmon, a spinning M) may index allp with a
 * count read a moment ago. gomaxprocs changes only while the world is
 * stopped (weft_setmaxprocs); read it atomically. */
extern P **allp;
extern int32_t gomaxprocs;
extern M *allm;
extern G *allgs; /* under allglock */
extern Mutex allglock;
extern int64_t ncpu;

/* getg and getm: the current G and M, from thread-local storage. getg is
 * NULL before the runtime starts and g0 on the scheduler stack. A goroutine
 * may resume on another thread, so a compiler that cached the thread
 * pointer across a call that switched threads would read the old thread's
 * variables: where the arch can't rule that out they are real calls. */
extern __thread M *tls_m;
extern __thread G *tls_g;
#if ARCH_TLS_INLINE
static inline G *getg(void) { return tls_g; }
static inline M *getm(void) { return tls_m; }
#else
G *getg(void);
M *getm(void);
#endif

uint32_t cheaprand(void);
uint32_t cheaprandn(uint32_t n); /* uniform in [0, n) */

/* gopark puts the current G to sleep. On g0, it calls unlockf(gp, lock)
 * (unless unlockf is NULL: nothing to unlock); if that returns false the G
 * is resumed at once. Someone must later call goready(gp). */
void gopark(bool (*unlockf)(G *, void *), void *lock, int reason);
void goparkunlock(Mutex *l, int reason);
/* goready makes gp runnable, in the caller's P's runnext (or the global
 * queue when the caller has no P) and wakes an idle P if there is one. */
void goready(G *gp);
void gosched(void);
/* mustbeg returns the running goroutine, for the public call named call
 * when it must park or yield; on a thread running none, a fatal error
 * names the call (proc.c). */
G *mustbeg(const char *call);
void newproc(void (*fn)(void *), void *arg);
/* newm starts an M on a new thread: running fn with no P (sysmon, the
 * trace M), or scheduling with pp. */
void newm(void (*fn)(void), P *pp, bool spinning);
void retakeall(void); /* every P in a system call taken from its M (for the tracer) */
_Noreturn void goexit1(void);
/* gcount returns how many goroutines exist (Go's gcount). Any thread; a
 * snapshot. */
int32_t gcount(void);

/* stopTheWorld stops every P but the caller's, waiting for each running
 * goroutine to reach the scheduler (a goroutine that never blocks or
 * yields holds it up: weft has no preemption); startTheWorld restarts
 * them, with a new number of Ps if weft_setmaxprocs asked for one. For a
 * goroutine, which must neither block nor yield in between; one stopper
 * at a time (stopTheWorld waits for the last to start the world again:
 * Go's worldsema). */
void stopTheWorld(void);
void startTheWorld(void);
void entersyscall(void);
void exitsyscall(void);

uint32_t readgstatus(G *gp);
_Noreturn void badgstatus(G *gp, uint32_t old, uint32_t new, uint32_t cur);
/*
 * casgstatus moves gp from old to new; anything else is a broken
 * invariant. Every transition has a single owner: the G itself (on g0)
 * when it parks or exits, the waker that dequeued it under a channel or
 * semaphore lock, the M that took it off a run queue. Nothing else (Go's
 * garbage collector, say) changes a status concurrently, so a checked
 * release store does what a compare-and-swap would, without the locked
 * instruction on every switch.
 */
static inline void casgstatus(G *gp, uint32_t old, uint32_t new)
{
	uint32_t cur = atomic_load_acq(&gp->atomicstatus);
	atomic_store_rel(&gp->atomicstatus, new);
	if (unlikely(cur != old))
		badgstatus(gp, old, new, cur);
}

void mcommoninit(M *m);
/* tls.c: the static TLS block of a freestanding program, built by hand
 * (a hosted program's libc does this itself). */
extern bool tls_freestanding;
void tls_init(const uintptr_t *auxv); /* reads PT_TLS, sets up the calling thread */
void *tls_newblock(void);             /* a new thread's thread pointer, or NULL */

/* ---- time.c: timers (timer_* for one timer, timers_* for the heap) ---- */
struct Timer {
	int64_t when;
	/* period > 0 makes t periodic (a ticker's): timers_check re-arms it
	 * at the next when + k * period still ahead before running f. */
	int64_t period;
	/* f runs on some M, maybe with no G, with timers.runlock held, and
	 * gets the time it was due (when; Go passes the delay, now - when):
	 * it may take channel locks and goready, but must not call timer_add
	 * or timer_stop. Lock order: timers.runlock, channel, scheduler locks. */
	void (*f)(void *arg, int64_t when);
	void *arg;
	int32_t idx; /* heap index, -1 when not in the heap */
};
void timer_add(Timer *t);   /* t must not be pending */
/* timer_stop: true if t was pending; on return its function is not running and won't run again */
bool timer_stop(Timer *t);
/* timers_check runs every timer due at now; returns the next when, or -1. */
int64_t timers_check(int64_t now);
/* sched_timerchanged tells the scheduler that a timer due at when was added,
 * so an M sleeping until a later time must wake (proc.c). */
void sched_timerchanged(int64_t when);
/* timers_waketime returns the earliest pending when, or -1, without locking:
 * the scheduler peeks at it on every round. */
extern int64_t timers_minwhen;
static inline int64_t timers_waketime(void) { return atomic_load(&timers_minwhen); }
int32_t timers_len(void);
void timers_lockrun(void);  /* no timer function runs until timers_unlockrun */
void timers_unlockrun(void);

/* ---- chan.c ---- */
typedef struct weft_chan hchan;
bool chansend(hchan *c, const void *ep, bool block);
/* chanrecv returns selected (false only when !block and nothing ready);
 * *received (received may be NULL) says whether a value, rather than a
 * close, was delivered. */
bool chanrecv(hchan *c, void *ep, bool block, bool *received);

/* ---- sema.c: semaphores for goroutines ---- */
/* semacquire1 blocks the calling goroutine until *addr is positive, then
 * decrements it; reason is shown while it waits, and lifo queues it ahead
 * of the other waiters. */
void semacquire1(uint32_t *addr, bool lifo, int reason);
/* semacquire is semacquire1 at the back of the queue. */
static inline void semacquire(uint32_t *addr, int reason) { semacquire1(addr, false, reason); }
/* semrelease increments *addr and wakes one waiter; with handoff, the
 * count goes to that waiter and the caller yields to it. */
void semrelease(uint32_t *addr, bool handoff);
/*
 * A NotifyList is Go's notifyList, weft_cond's queue: a ticket for each
 * waiter (wait, taken without the lock), the ticket to be notified next
 * (notify, written under lock), and the parked waiters. weft_cond in
 * weft.h has the same layout (checked in sema.c), so a zero weft_cond is
 * an empty list. notifyListAdd takes a ticket; notifyListWait(l, t)
 * parks until ticket t is notified (at once if it was); NotifyOne
 * notifies the oldest ticket not yet notified, NotifyAll every ticket
 * taken so far. Tickets taken later are not affected by either.
 */
typedef struct NotifyList {
	uint32_t wait;
	uint32_t notify;
	Mutex lock;
	Sudog *head, *tail;
} NotifyList;
uint32_t notifyListAdd(NotifyList *l);
void notifyListWait(NotifyList *l, uint32_t t);
void notifyListNotifyOne(NotifyList *l);
void notifyListNotifyAll(NotifyList *l);

/* ---- symtab.c: the symbol table (abi/symtab.h) ---- */
void symtab_init(void); /* once, at start-up */
bool symtab_present(void);
/* findfunc returns the function whose code holds pc, or NULL. */
const SymtabFunc *findfunc(uintptr_t pc);
/* funcPreemptible: may async preemption stop a goroutine at pc (the
 * program's own C code)? Safe in a signal handler: no locks, no
 * allocation, no system calls. False without a table. */
bool funcPreemptible(uintptr_t pc);
uintptr_t funcentry(const SymtabFunc *f);
bool symtab_textrange(uintptr_t *lo, uintptr_t *hi); /* the table's text, loaded */
const char *funcname(const SymtabFunc *f);
const char *symtab_string(uint32_t off);
const char *symtab_file(uint32_t idx);
/* symtab_inruntime: is this source file the runtime's (runtime/, arch/)? */
bool symtab_inruntime(const char *file);
/* pcvalue decodes the pc-value table at offset tab of f at pc: -1 if none. */
int32_t pcvalue(const SymtabFunc *f, uint32_t tab, uintptr_t pc);
const SymtabInlinedCall *symtab_inltree(const SymtabFunc *f);
const SymtabFrameRule *symtab_rule(int32_t idx);

/* ---- symtabinl.c: Go's inline unwinder ---- */
typedef struct InlineUnwinder {
	const SymtabFunc *f;
	const SymtabInlinedCall *tree;
} InlineUnwinder;
/* An InlineFrame is one logical frame at a PC: index is the inlined call
 * (-1: the physical function), child the call just inside it (-1: none,
 * this is the innermost frame). pc 0 means past the last frame. */
typedef struct InlineFrame {
	uintptr_t pc;
	int32_t index, child;
	int32_t depth; /* frames above the innermost */
} InlineFrame;
typedef struct SrcFunc {
	const char *name;
	uint8_t funcid;
	int32_t startline;
} SrcFunc;
InlineFrame newInlineUnwinder(InlineUnwinder *u, const SymtabFunc *f, uintptr_t pc);
static inline bool inlframe_valid(InlineFrame uf) { return uf.pc != 0; }
InlineFrame inl_next(const InlineUnwinder *u, InlineFrame uf);
bool inl_isinlined(const InlineUnwinder *u, InlineFrame uf);
SrcFunc inl_srcfunc(const InlineUnwinder *u, InlineFrame uf);
const char *inl_fileline(const InlineUnwinder *u, InlineFrame uf, int32_t *line);

/* ---- traceback.c: stack walks ---- */
/* fpcallers collects the return addresses of the frame records from fp
 * on, after skip of them, within [lo, hi) (0, 0: no bounds), stopping at a
 * zero fp. */
int fpcallers(uintptr_t fp, uintptr_t lo, uintptr_t hi, int skip, uintptr_t *pcs, int n);
/* rulecallers walks with the frame rules from the frame at pc (exact when
 * exactpc, else a return address) with the given sp, fp and lr. */
int rulecallers(uintptr_t pc, bool exactpc, uintptr_t sp, uintptr_t fp, uintptr_t lr, uintptr_t *pcs, int n);
/* An UnwindFrame is the frame a walk by frame rules starts at: its pc
 * (exactly there if exactpc, else a return address) and its registers. */
typedef struct UnwindFrame {
	uintptr_t pc, sp, fp, lr;
	bool exactpc;
} UnwindFrame;
/* rulecallers_in is rulecallers from frame f on the stack stk, which need
 * not be the current one. */
int rulecallers_in(Stack stk, UnwindFrame f, uintptr_t *pcs, int n);
/* rulestep moves f to its caller's frame by f's frame rule, reading only
 * inside stk; false (f unchanged) where the walk must stop. */
bool rulestep(Stack stk, UnwindFrame *f);
/* printframes prints logical frames, Go style, for pcs (return addresses,
 * but pcs[0] exact when exact0). */
void printframes(const uintptr_t *pcs, int n, bool exact0);

/* ---- signal.c ---- */
void initsig(void);

/* ---- preempt.c: asynchronous preemption ---- */
typedef struct Preempt {
	bool asyncon;    /* the signal path is on (WEFTDEBUG=asyncpreemptoff=1: off) */
	bool stats;      /* WEFTDEBUG=preemptstats=1: print the counts at exit */
	int64_t slice;   /* ns a goroutine runs before sysmon asks (Go's forcePreemptNS) */
	uint64_t requests, signals, async, coop, unsafe; /* counts, atomic */
} Preempt;
extern Preempt preempt;
void preemptinit(void);
void preemptone(P *pp, int64_t now); /* sysmon */
void preemptall(void);               /* stopTheWorld */
void preemptprintstats(void);
void preemptlatency(P *pp); /* gopreempt_m, with preemptstats */
void asyncPreempt(void);  /* asm.S: entered only by the SIGURG handler's diversion */
void asyncPreempt2(void); /* called by asyncPreempt */
void arch_preemptinit(void);
void gopreempt(void);     /* proc.c: the current G yields to the global queue */
M *acquirem(void);        /* proc.c: the current M, not preempted until releasem */
void releasem(M *mp);

/* preemptcheck, at weft calls that are scheduling points anyway: a
 * goroutine asked to yield (past its time slice) does so here, unless
 * its M has preemption off (acquirem). */
static inline void preemptcheck(void)
{
	G *gp = getg();
	if (unlikely(gp && gp->preempt) && getm()->locks == 0) {
		atomic_xadd(&preempt.coop, 1);
		gopreempt();
	}
}
_Noreturn void sigpipe(void); /* a broken pipe on fd 1 or 2 */
void minitsignals(M *m); /* per M: the alternate signal stack */
void setsignal(int sig, void (*fn)(int, void *, void *), unsigned long flags, uint64_t mask); /* SA_SIGINFO, on the signal stack */

/* ---- env.c ---- */
extern int rt_argc;
extern char **rt_argv;
extern char **rt_envp;
const char *rt_getenv(const char *name);
const char *rt_debugvar(const char *name, size_t *len); /* a WEFTDEBUG option's value */

/* ---- cpuprof.c: the CPU profiler ---- */
void cpuprofInit(void);       /* WEFTCPUPROFILE, at start-up */
void cpuprofMinit(M *mp);     /* a new M's timer, when profiling */
void cpuprofTick(void);       /* sysmon: drain the Ms' samples */
void cpuprofExit(void);       /* on the way out: write the profile */
void exitflush(bool crash);   /* panic.c: the profile and the trace, before the process ends */
void cpuprofTraceFlush(uint64_t gen, bool bounded); /* a generation ends: its samples in */

/* ---- pprof.c: CPU profiles in pprof's format ---- */
/* One sample: n return addresses as fpTracebackPCs gives them (pcs[0]
 * the exact pc when exact0: a signal interrupted it there), and how many
 * times that stack was seen. */
typedef struct PprofSample {
	const uintptr_t *pcs;
	int n;
	bool exact0;
	int64_t count;
} PprofSample;
/* pprofWrite writes a profile.proto (uncompressed protobuf, which go tool
 * pprof reads) of ns samples, each count worth period_ns of CPU time, to
 * fd; returns 0 or -errno. */
int pprofWrite(int fd, const PprofSample *s, int ns, int64_t period_ns, int64_t start_ns, int64_t duration_ns);
/* pagealloc maps n bytes (rounded up to pages) with sys_mmap, or NULL;
 * pagefree unmaps them (NULL: nothing). No lock: usable at exit. */
void *pagealloc(size_t n);
void pagefree(void *p, size_t n);

#endif
