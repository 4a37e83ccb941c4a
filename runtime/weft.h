/*
 * weft.h: the public interface of the weft runtime.
 *
 * A weft program defines
 *
 *	int weft_main(int argc, char **argv);
 *
 * which runs as goroutine 1. Its return value is the process's exit status;
 * goroutines still running when it returns are not waited for (as in Go).
 *
 * Everything here may be called from any goroutine. Misuse (sending on a
 * closed channel, unlocking an unlocked mutex, ...) panics the way Go does:
 * a message on standard error and exit status 2.
 *
 * Threads that run no goroutine: a hosted program (weft build --libc) may
 * start threads of its own. On those, the calls that never wait work:
 * weft_chan_make, weft_chan_close, weft_chan_len, weft_chan_cap,
 * weft_chan_free, weft_select with block false, weft_after, weft_ticker,
 * weft_nanotime, weft_numgoroutine, weft_read_memstats,
 * weft_mutex_unlock, weft_waitgroup_add and _done, weft_cond_signal and
 * _broadcast, weft_rwmutex_runlock and _unlock, weft_read, weft_write,
 * weft_pipe, weft_close, the printf family, weft_alloc, weft_free,
 * weft_frames_init and _next, weft_gomaxprocs, weft_getenv, weft_exit,
 * weft_panic ("panic outside a goroutine"), and weft_goid
 * (which returns 0 there). weft_chan_send and weft_chan_recv work there
 * too while they need not wait (room in the buffer, a waiting receiver),
 * weft_mutex_lock, weft_rwmutex_rlock and _lock while the mutex is free
 * (for _lock: nor read-locked), and weft_once_do once fn has run or while
 * nobody else runs it. A goroutine the thread wakes (with a send, an
 * unlock, a close, a signal) runs as usual; but a goroutine whose only
 * hope is such a thread looks asleep for good to the deadlock detector,
 * which knows only weft's own threads.
 *
 * Everything else needs a goroutine: weft_go, weft_yield, weft_sleep,
 * weft_trace_start and weft_trace_stop, and every call that has to wait
 * (a send, receive or blocking select that finds nothing ready, a
 * contended weft_mutex_lock, weft_waitgroup_wait on a non-zero counter,
 * every weft_cond_wait, a contended weft_rwmutex_rlock or _lock, a
 * weft_once_do that finds fn running). Made on another thread, each of
 * these but the trace calls is a fatal error that names it: "fatal error:
 * weft_sleep called from a thread that is not running a goroutine", exit
 * status 2.
 */
#ifndef WEFT_H
#define WEFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "funcid.h" /* WEFT_FUNCID: marks a wrapper (FUNCID_WRAPPER) and the like */

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define WEFT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define WEFT_PRINTF(a, b)
#endif

/* The program's entry point, defined by the user. */
int weft_main(int argc, char **argv);

/* Goroutines. */
void weft_go(void (*fn)(void *), void *arg); /* start fn(arg) as a new goroutine */
void weft_yield(void);                       /* let other goroutines run (Go's runtime.Gosched) */
int64_t weft_goid(void);                     /* the calling goroutine's id; goroutine 1 runs weft_main */
int weft_gomaxprocs(void);                   /* the number of Ps (WEFTMAXPROCS, default: CPUs) */
/* weft_setmaxprocs sets the number of Ps to n and returns the previous
 * number (Go's runtime.GOMAXPROCS); n above the build's MAX_PROCS (256 by
 * default) sets MAX_PROCS. It stops the world to do it, waiting for every
 * running goroutine to block or yield; no runnable goroutine or timer is
 * lost when the count shrinks. n < 1 changes nothing and only returns
 * the number, on any thread; otherwise the caller must be a goroutine. */
int weft_setmaxprocs(int n);
/* weft_goexit ends the calling goroutine at once, from any depth, as if
 * its function had returned (Go's runtime.Goexit; weft has no deferred
 * calls to run first). Called from goroutine 1, weft_main does not
 * return and the program does not exit: the other goroutines run on, and
 * once none is left the program ends as Go's does, "fatal error: no
 * goroutines (main called runtime.Goexit) - deadlock!", exit status 2.
 * The caller must be a goroutine. */
_Noreturn void weft_goexit(void);
/* weft_numgoroutine returns the number of goroutines that exist: started
 * and not yet returned, whether running, runnable or blocked (Go's
 * runtime.NumGoroutine). A goroutine counts until its function has
 * returned and the runtime has retired it, a moment after its last
 * action; with goroutines starting and exiting meanwhile, the count is a
 * snapshot, as Go's is. */
int weft_numgoroutine(void);

/* Channels. A channel carries elements of elem_size bytes; cap 0 is unbuffered. */
typedef struct weft_chan weft_chan;
weft_chan *weft_chan_make(size_t elem_size, size_t cap);
void weft_chan_send(weft_chan *c, const void *elem);
bool weft_chan_recv(weft_chan *c, void *elem); /* false once closed and drained; *elem is then zeroed */
void weft_chan_close(weft_chan *c);
void weft_chan_free(weft_chan *c); /* no goroutine may still use c */
size_t weft_chan_len(weft_chan *c);
size_t weft_chan_cap(weft_chan *c); /* the buffer's capacity (Go's cap): 0 if unbuffered or NULL */

/* select: runs one ready case, chosen uniformly at random among the ready ones. */
enum { WEFT_SEND = 1, WEFT_RECV = 2 };
typedef struct weft_case {
	weft_chan *chan; /* NULL never becomes ready */
	int dir;         /* WEFT_SEND or WEFT_RECV */
	void *elem;      /* value to send, or where to store the received one (may be NULL) */
	bool ok;         /* receives: false when the channel was closed */
} weft_case;
/* weft_select returns the index of the case that ran, or -1 when block is
 * false and no case was ready. With n == 0 and block true it blocks forever. */
int weft_select(weft_case *cases, int n, bool block);

/* Timers. weft_after returns a channel of int64_t that receives the
 * monotonic time once, ns nanoseconds from now (Go's time.After): the time
 * it was due, which the receiver may see a little later. Free it with
 * weft_chan_free when done; that also stops a timer still pending. */
weft_chan *weft_after(int64_t ns);
/* weft_ticker returns a channel of int64_t, capacity 1, that receives the
 * monotonic time every ns nanoseconds (Go's time.NewTicker). Ticks keep
 * their phase: the k-th is due at start + k * ns, and each value is the
 * time its tick was due (as weft_after's is, and Go's). A receiver that
 * falls behind loses ticks rather than queueing them: a tick that finds
 * the buffer full is dropped, so after a pause the receiver gets the one
 * stale tick waiting and then the next on the phase, never a burst.
 * weft_chan_free stops it. ns <= 0 panics ("non-positive interval for
 * weft_ticker"). */
weft_chan *weft_ticker(int64_t ns);
int64_t weft_nanotime(void); /* monotonic clock, nanoseconds */
void weft_sleep(int64_t ns);

/* Mutex and WaitGroup (Go's sync.Mutex, sync.WaitGroup). A
 * zero-initialized value is ready to use. */
typedef struct weft_mutex {
	uint32_t state;
	uint32_t sema;
} weft_mutex;
void weft_mutex_lock(weft_mutex *m);
void weft_mutex_unlock(weft_mutex *m);

typedef struct weft_waitgroup {
	uint64_t state; /* high 32 bits: counter; low 32 bits: waiters */
	uint32_t sema;
} weft_waitgroup;
void weft_waitgroup_add(weft_waitgroup *wg, int n);
void weft_waitgroup_done(weft_waitgroup *wg);
void weft_waitgroup_wait(weft_waitgroup *wg);

/*
 * Cond (Go's sync.Cond): goroutines wait for a condition, under a mutex
 * that the waiter passes to each wait. A zero-initialized value is ready.
 *
 * weft_cond_wait unlocks m (which the caller must hold), waits for a
 * signal or broadcast that comes after it began, and locks m again before
 * it returns; as the condition may have changed meanwhile, wait in a loop:
 * while (!cond) weft_cond_wait(c, &m). weft_cond_signal wakes one goroutine
 * waiting on c, the longest waiting, and weft_cond_broadcast every one;
 * neither wakes a goroutine that begins to wait after the call, and with
 * no waiter they do nothing (a signal is not kept for a later wait). They
 * may be called with or without m held.
 */
typedef struct weft_cond {
	uint32_t wait;     /* ticket of the next waiter */
	uint32_t notify;   /* ticket of the next waiter to wake */
	uint32_t lock;     /* a runtime lock over the list */
	void *head, *tail; /* the parked waiters */
} weft_cond;
void weft_cond_wait(weft_cond *c, weft_mutex *m);
void weft_cond_signal(weft_cond *c);
void weft_cond_broadcast(weft_cond *c);

/*
 * Once (Go's sync.Once). weft_once_do calls fn(arg) if and only if it is
 * the first call of weft_once_do on o, whatever the fn of the later ones.
 * No call returns before that fn(arg) has returned: a call made while it
 * runs waits for it. fn calling weft_once_do on o itself deadlocks. A
 * zero-initialized value has not run.
 */
typedef struct weft_once {
	uint32_t done;
	weft_mutex m;
} weft_once;
void weft_once_do(weft_once *o, void (*fn)(void *), void *arg);

/*
 * RWMutex (Go's sync.RWMutex): any number of readers or one writer. A
 * zero-initialized value is unlocked. A writer blocked in
 * weft_rwmutex_lock keeps new readers out until it has had the lock, so
 * readers cannot starve it; for the same reason a reader must not take
 * the read lock again while holding it (a writer arriving in between
 * would deadlock the two). weft_rwmutex_runlock undoes one rlock;
 * weft_rwmutex_unlock undoes lock. Neither is tied to a goroutine: any
 * goroutine may unlock. Unlocking a mutex that is not locked that way is
 * a fatal error, as in Go: "fatal error: sync: RUnlock of unlocked
 * RWMutex" ("Unlock" for weft_rwmutex_unlock), exit status 2.
 */
typedef struct weft_rwmutex {
	weft_mutex w;        /* held by the writer, and by one waiting to be */
	uint32_t writersem;  /* the writer waits here for the readers to leave */
	uint32_t readersem;  /* readers wait here for the writer to leave */
	int32_t readercount; /* readers inside or waiting; negative while a writer is */
	int32_t readerwait;  /* readers the writer still waits for */
} weft_rwmutex;
void weft_rwmutex_rlock(weft_rwmutex *rw);
void weft_rwmutex_runlock(weft_rwmutex *rw);
void weft_rwmutex_lock(weft_rwmutex *rw);
void weft_rwmutex_unlock(weft_rwmutex *rw);

/* Blocking system calls the scheduler knows about: while one blocks, its P
 * is handed to another thread. Errors come back as -errno; as with
 * read(2) and write(2), a call may transfer fewer bytes than asked. A
 * write to a pipe whose reader has gone is -EPIPE, except on fds 1 and 2,
 * where it ends the program as SIGPIPE does (as in Go). */
long weft_read(int fd, void *buf, size_t n);
long weft_write(int fd, const void *buf, size_t n);
int weft_pipe(int fds[2]);
int weft_close(int fd);

/* Formatted output: %d %i %u %x %X %p %s %c %% and, for a double, %f %F
 * %e %E %g %G; hh/h/l/ll/z/j/t sizes (l before a float is ignored);
 * widths and precisions (also as *); the flags '-' '0' '+' ' ' '#'. Each
 * prints what glibc's printf prints; the floats show the double's exact
 * value, correctly rounded in the current rounding mode, at any precision.
 * Long doubles (%Lf) and %a are not supported: they print as written. */
void weft_printf(const char *fmt, ...) WEFT_PRINTF(1, 2);
void weft_eprintf(const char *fmt, ...) WEFT_PRINTF(1, 2);
int weft_snprintf(char *buf, size_t n, const char *fmt, ...) WEFT_PRINTF(3, 4);

/* Memory for programs with no libc. Zeroed. */
void *weft_alloc(size_t n);
void weft_free(void *p);

/*
 * Memory statistics: the useful part of Go's runtime.MemStats for a
 * runtime without a collector. weft_read_memstats fills *ms with a
 * snapshot; the counters are read one after another while the program
 * runs, so they need not agree exactly with each other. Fields may be
 * added (at the end) in later versions: declare the struct and let
 * weft_read_memstats fill it, don't build one field by field.
 *
 * The heap is the memory weft_alloc hands out, and the runtime's own
 * objects allocated the same way (channels, timers, goroutine records),
 * as Go's heap holds all of them. A block is counted at its rounded size:
 * a request of up to 32 KiB at the power of two that holds it (at least
 * 16), a larger one at its whole pages, less a 16-byte header.
 */
typedef struct weft_memstats {
	uint64_t alloc;       /* bytes of heap blocks allocated and not yet freed (Go's Alloc) */
	uint64_t total_alloc; /* bytes of heap blocks ever allocated; never decreases (Go's TotalAlloc) */
	uint64_t mallocs;     /* heap blocks ever allocated (Go's Mallocs) */
	uint64_t frees;       /* heap blocks ever freed; mallocs - frees are in use (Go's Frees) */
	uint64_t heap_sys;    /* bytes mapped for the heap: its chunks, in use or not, and the large blocks'
			       * own mappings (Go's HeapSys) */
	uint64_t goroutines;  /* goroutines that exist: weft_numgoroutine() */
	uint64_t stack_inuse; /* bytes of the stacks in use: those of the goroutines that have started
			       * and not ended (one that has not run yet holds none) and the scheduler
			       * stacks of weft's threads, each at its full reserved size (only the pages
			       * touched take memory: see rss); not the guards, not the free stacks kept
			       * for reuse (Go's StackInuse) */
	uint64_t stack_sys;   /* bytes mapped for those stacks, guards included: every stack arena, whole,
			       * whether its stacks are in use, kept for reuse or not yet handed out (Go's
			       * StackSys). A hosted program's threads of its own, and the threads libc
			       * starts for weft, have libc's stacks, counted in neither. */
	uint64_t rss;         /* bytes of the process's memory resident in RAM, as the kernel counts them
			       * (VmRSS in /proc/self/status); 0 when that can't be read */
} weft_memstats;
void weft_read_memstats(weft_memstats *ms);

/* weft_panic prints "panic: <message>" and the goroutine's stack, then exits with status 2. */
_Noreturn void weft_panic(const char *fmt, ...) WEFT_PRINTF(1, 2);

/* Stacks (Go's runtime.Callers and runtime.CallersFrames). weft_callers
 * stores the return addresses of the calling goroutine's stack in pcs,
 * skipping skip frames (0: weft_callers itself, 1: its caller) and returns
 * how many it stored. weft_frames turns them into logical frames, one per
 * function, inlined calls included, innermost first. */
int weft_callers(int skip, uintptr_t *pcs, int n);
typedef struct weft_frame {
	uintptr_t pc;         /* the call instruction's address (or the faulting one) */
	uintptr_t entry;      /* the physical function's entry, 0 if unknown */
	const char *function; /* "?" when the binary has no symbol table */
	const char *file;     /* "?" when unknown */
	int line;             /* 0 when unknown */
	bool inlined;         /* an inlined call, not a physical frame */
	int funcid;           /* FUNCID_* */
} weft_frame;
typedef struct weft_frames {
	const uintptr_t *pcs;
	int n, i;
	uintptr_t state[6]; /* the inline unwinder's position */
} weft_frames;
void weft_frames_init(weft_frames *it, const uintptr_t *pcs, int n);
bool weft_frames_next(weft_frames *it, weft_frame *frame);

/*
 * Execution tracing. The trace is a Go execution trace: `go tool trace
 * FILE` reads it. WEFTTRACE=FILE traces a whole run, exit included.
 * weft_trace_start starts writing one to fd (0, or -1 when a trace is
 * already running or the header can't be written); weft_trace_stop ends
 * it and returns once everything is written (0, or -1 when no trace was
 * running or a write failed).
 */
int weft_trace_start(int fd);
int weft_trace_stop(void);
/*
 * The flight recorder (Go 1.25's runtime/trace.FlightRecorder): the
 * tracer runs into memory, keeping the last completed generations of the
 * trace, so that a program can write out the seconds before something
 * it noticed. weft_flight_start starts it, keeping generations while
 * they fit in max_bytes (0: 16 MiB; the newest is always kept) and
 * ending one at least every min_age_ns / 2 (0: 2 s; never more often
 * than every millisecond): the window covers at least min_age_ns when
 * max_bytes allows. It returns 0, or -1 if it is already running.
 * weft_flight_write writes the window (every kept generation and the one
 * in progress, cut now) to fd as a complete trace, and recording goes
 * on: 0, or -1 if a write failed, the recorder is off, or another
 * weft_flight_write is running (that one returns at once).
 * weft_flight_stop stops it and frees what it kept (0, or -1 if it was
 * not running). The recorder and a weft_trace_start or WEFTTRACE trace
 * run at the same time, each getting every generation. All three must
 * be called from a goroutine.
 *
 * WEFTFLIGHT=FILE runs the recorder for the whole program (bounds from
 * WEFTDEBUG=flightbytes=N,flightms=N) and writes the window to FILE when
 * the program panics, hits a fatal error (a deadlock, a stack overflow)
 * or gets SIGQUIT; a normal exit writes nothing.
 */
int weft_flight_start(size_t max_bytes, int64_t min_age_ns);
int weft_flight_write(int fd);
int weft_flight_stop(void);
/*
 * CPU profiling (Go's runtime/pprof.StartCPUProfile): every thread's CPU
 * time is sampled, 100 times a second of it (WEFTDEBUG=cpuprofilerate=N),
 * and the profile, a pprof profile.proto that `go tool pprof` reads, is
 * written when profiling stops. weft_cpuprofile_start starts it into fd
 * (0, or -1 if profiling already runs or fd is negative);
 * weft_cpuprofile_stop stops it and writes the profile to that fd, which
 * it leaves open (0, or -1 if it was not running or the write failed,
 * which it reports on stderr). A profile still running at exit, panics
 * and fatal errors included, is written then. While a trace runs too,
 * the samples are in it as well (CPU samples on go tool trace's
 * timeline). WEFTCPUPROFILE=FILE profiles the whole program into FILE.
 */
int weft_cpuprofile_start(int fd);
int weft_cpuprofile_stop(void);
/* User annotations (Go's runtime/trace): tasks, regions within a
 * goroutine, and log messages, each tied to a task (0: none). They cost a
 * load and a branch while tracing is off. Task ids are never 0. */
uint64_t weft_trace_task_begin(uint64_t parent, const char *name);
void weft_trace_task_end(uint64_t task);
void weft_trace_region_begin(uint64_t task, const char *name);
void weft_trace_region_end(uint64_t task, const char *name);
void weft_trace_log(uint64_t task, const char *category, const char *message);

/* weft_exit ends the whole program at once with the given status. */
_Noreturn void weft_exit(int status);

/* weft_getenv returns the value of an environment variable, or NULL. */
const char *weft_getenv(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* WEFT_H */
