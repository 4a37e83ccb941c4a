/*
 * trace.c: the execution tracer (Go's trace.go): starting and stopping,
 * generations, the trace M that ends them and writes them out, and the
 * flush on exit.
 *
 * Output. A weft trace is a Go 1.22 execution trace (abi/traceevent.h):
 * `go tool trace` reads it, and its parser is the tests' oracle.
 *
 * Events. Each M writes its events, with no lock, into a buffer of its
 * own (tracebuf.c); the scheduler calls one function per transition
 * (traceruntime.c) between traceAcquire and traceRelease. A full buffer
 * is sealed as a batch and queued on its generation's list.
 *
 * Generations. The trace is cut into generations, each self-contained:
 * its own string and stack tables (gen % 2), its own frequency, and a
 * status event for each G and P before the first event that involves it
 * (traceruntime.c). A generation ends after trace.period (1 s), or once
 * its full buffers pass TRACE_GEN_MAX_BYTES, without stopping the world,
 * as in Go 1.22:
 *
 *  1. trace.gen moves on. From then on traceAcquire hands out the new
 *     generation; events of the old one may still be in flight.
 *  2. For each M, wait until its seqlock is even or has moved: an M reads
 *     the generation only with its seqlock odd, so once it is seen even
 *     (or odd anew) it can no longer write to the old generation, and its
 *     buffer for it is complete: take it.
 *  3. Dump the old generation's stack table (symbolizing each stack, which
 *     adds strings), then its string table, then write its frequency.
 *  4. Write the old generation out, and empty its tables for reuse two
 *     generations on.
 *
 * A generation is written only once it is complete, in one writev(2),
 * rather than as buffers fill (Go streams them). That costs memory (a
 * generation's data, at most about TRACE_GEN_MAX_BYTES; past it, the Ms
 * that schedule end the generation themselves when the trace M lags:
 * traceHelp), and buys a file that is a valid trace at every generation
 * boundary: a process killed with SIGKILL leaves every generation it
 * finished intact and, unless the kill lands inside that one system call,
 * nothing else; go tool trace reads it (test/trace_test.c measures it, the
 * README gives the figure). The first generation, the Ps' statuses, is
 * written with the header as the trace starts, so the file is a trace
 * from then on. A write that fails (a full disk, a pipe whose reader has
 * gone: EPIPE, not SIGPIPE, signal.c) stops tracing with one message.
 *
 * The trace M. A thread of its own, with no P (like sysmon, it does not
 * count for deadlock detection), ends the generations: it sleeps until the
 * period is up or a buffer flush reports the size bound, then does 1-4
 * holding advlock. weft_trace_stop and the exit path do the same with a
 * final generation, on their own thread.
 *
 * Exit. weft_exit, panics and fatal errors call traceExitFlush before
 * the process ends: it ends the current generation as a final one and
 * writes it. Waits there are bounded, so a thread that died writing an
 * event cannot hang the exit.
 */
#include "trace.h"

struct Trace trace = {.fd = -1};

Mutex advlock;           /* serializes generation ends, starts and stops */
static bool tracemstarted; /* the trace M exists */
static uint32_t tracewake; /* futex: 1 asks the trace M to end the generation now */
static uint32_t exitflushing; /* set by the first exiting thread */
static M *exitflusher;
static bool writefailed;
static bool needheader; /* the trace's header goes out with its first generation */
static bool exitfail;  /* WEFTDEBUG=traceexitfail=1, for the tests */
static bool ownfd;     /* the runtime opened trace.fd (WEFTTRACE) and closes it */
static char tracename[64]; /* "WEFTTRACE=path" or "fd N", for messages */
static uint64_t lastgen; /* the last generation of the last trace, or 0 */

/* traceWake asks the trace M to end the generation now. Any number of
 * callers may ask at once; a request that comes while it is ending one
 * anyway may be lost, which is harmless. */
void traceWake(void)
{
	if (atomic_load(&tracemstarted) && atomic_xchg(&tracewake, 1) == 0)
		sys_futex(&tracewake, FUTEX_WAKE_PRIVATE, 1, NULL);
}

static void setname(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rt_vsnprintf(tracename, sizeof tracename, fmt, ap);
	va_end(ap);
}

/* traceWriteFailed reports a failed write (r: 0 or -errno), once: the
 * trace stops there (traceAdvance), the program runs on. */
static void traceWriteFailed(long r)
{
	rt_printf("runtime: writing the trace (%s) failed: %s; tracing stopped\n", tracename,
		  r < 0 ? sys_strerror(r) : "the file takes no more bytes");
	writefailed = true;
}

/* writeall writes the n buffers of iov to fd, resuming after a partial
 * write. It may change iov. Returns 0, -errno, or 1 for a file that took
 * no byte. */
static long writeall(int fd, struct sys_iovec *iov, int n)
{
	while (n > 0) {
		long r = sys_writev(fd, iov, n);
		if (r == -EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? r : 1;
		size_t done = (size_t)r;
		while (n > 0 && done >= iov->len) {
			done -= iov->len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->base = (const char *)iov->base + done;
			iov->len -= done;
		}
	}
	return 0;
}

long traceWriteList(int fd, bool header, TraceBuf *list)
{
	struct sys_iovec iov[IOV_MAX];
	TraceBuf *b = list;
	long r;
	do {
		int n = 0;
		if (header) {
			iov[n++] = (struct sys_iovec){TRACE_HEADER, TRACE_HEADER_LEN};
			header = false;
		}
		for (; b && n < IOV_MAX; b = b->link)
			iov[n++] = (struct sys_iovec){b->arr, b->pos};
		r = writeall(fd, iov, n);
	} while (b && r == 0);
	return r;
}

/* waitwriters waits until no M can still write to generation gen (the
 * current one having moved on) and takes each M's buffer for it. With
 * bounded, it gives up on an M after 100 ms (the exit path: that M may
 * have died writing); its buffer is then left out. */
static void waitwriters(uint64_t gen, bool bounded)
{
	M *self = getm();
	for (M *mp = atomic_load(&allm); mp; mp = mp->alllink) {
		uint64_t s = atomic_load(&mp->trace.seqlock);
		if (mp != self && (s & 1)) {
			int64_t deadline = bounded ? nanotime() + 100 * 1000 * 1000 : 0;
			bool gaveup = false;
			while (atomic_load(&mp->trace.seqlock) == s) {
				if (bounded && nanotime() > deadline) {
					gaveup = true;
					break;
				}
				sys_sched_yield();
			}
			if (gaveup)
				continue;
		}
		TraceBuf *b = mp->trace.buf[gen % 2];
		if (b) {
			mp->trace.buf[gen % 2] = NULL;
			traceBufFlush(b, gen);
		}
	}
}

/* writegen writes generation gen's batches, threads' first and tables
 * last, to the trace's file if there is one, and hands the buffers to
 * the flight recorder if it runs, else recycles them. The whole generation goes out in one
 * writev(2) (more only past IOV_MAX buffers, or when the kernel writes
 * part of it), so that a process killed meanwhile almost never leaves a
 * generation cut short: the README gives the measured figure. */
static void writegen(uint64_t gen)
{
	int i = (int)(gen % 2);
	lock(&trace.lock);
	TraceBuf *list = trace.full[i];
	uint64_t bytes = trace.fullbytes[i];
	trace.full[i] = trace.fulltail[i] = NULL;
	trace.fullbytes[i] = 0;
	unlock(&trace.lock);
	if (trace.fd >= 0 && !writefailed && list) {
		long r = traceWriteList(trace.fd, needheader, list);
		needheader = false;
		if (r != 0)
			traceWriteFailed(r < 0 ? r : 0);
	}
	if (traceflight.on)
		traceFlightKeep(list, bytes);
	else
		traceBufRecycle(list);
}

/* genhasevents reports whether some M has written an event in
 * generation gen, as far as can be seen from here. */
static bool genhasevents(uint64_t gen)
{
	lock(&trace.lock);
	bool any = trace.full[gen % 2] != NULL;
	unlock(&trace.lock);
	for (M *mp = atomic_load(&allm); mp && !any; mp = mp->alllink)
		any = atomic_load(&mp->trace.buf[gen % 2]) != NULL;
	return any;
}

/* dropgen recycles generation gen's buffers unwritten. */
static void dropgen(uint64_t gen)
{
	int i = (int)(gen % 2);
	lock(&trace.lock);
	TraceBuf *list = trace.full[i];
	if (list) {
		trace.fulltail[i]->link = trace.empty;
		trace.empty = list;
	}
	trace.full[i] = trace.fulltail[i] = NULL;
	trace.fullbytes[i] = 0;
	unlock(&trace.lock);
}

/*
 * traceAdvance ends the current generation (steps 1-4 above) and starts
 * the next, or stops tracing. advlock held. A generation in which nothing
 * happened goes on instead: Go's parser rejects one with no events. For
 * the same reason a last generation with no events is left out.
 */
void traceAdvance(bool stop, bool bounded)
{
	uint64_t gen = atomic_load(&trace.gen);
	if (!gen || (!stop && !genhasevents(gen)))
		return;
	uint64_t next = stop ? 0 : gen + 1;
	lastgen = gen;
	if (!stop)
		traceRegisterReasons(next); /* its tables were emptied two generations ago */
	traceUntracedSnapshot(gen);
	atomic_store(&trace.gen, next);
	atomic_cas(&trace.overgen, gen, 0);
	if (stop)
		atomic_store(&trace.enabled, 0);
	if (trace.asymfence && sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) < 0)
		throw("trace: membarrier failed");

	waitwriters(gen, bounded);
	cpuprofTraceFlush(gen, bounded); /* the CPU samples taken in gen, a batch of their own */
	if (stop && exitfail && atomic_load(&exitflusher) == getm())
		fatal("trace: a failure injected into the exit flush (WEFTDEBUG=traceexitfail=1)");
	lock(&trace.lock);
	bool empty = trace.full[gen % 2] == NULL;
	unlock(&trace.lock);
	if (!empty)
		traceUntracedWrite(gen); /* before the stacks: theirs are in gen's table */
	traceStackDump(gen);
	traceStringReset(gen);
	if (empty) {
		dropgen(gen);
	} else {
		traceFrequency(gen);
		writegen(gen);
	}

	if (stop) {
		/* Nothing is left in flight: give the memory back. */
		lock(&trace.lock);
		TraceBuf *b = trace.empty;
		trace.empty = NULL;
		unlock(&trace.lock);
		traceBufFree(b);
		for (int i = 0; i < 2; i++) {
			traceMapRelease(&trace.stackTab[i]);
			traceMapRelease(&trace.stringTab[i]);
		}
		if (ownfd)
			sys_close(trace.fd);
		ownfd = false;
		trace.fd = -1;
	} else if (writefailed && trace.fd >= 0) {
		/* The file takes no more: stop tracing, and its cost, here;
		 * or, the flight recorder running, leave it on alone. */
		if (traceflight.on) {
			if (ownfd)
				sys_close(trace.fd);
			ownfd = false;
			trace.fd = -1;
		} else {
			traceAdvance(true, bounded);
		}
	} else {
		/* The new generation announces its Ps: none stays in a system
		 * call with its M all along (traceruntime.c). */
		retakeall();
	}
}

/* genfull reports whether generation gen's full buffers have reached
 * its bound. */
static bool genfull(uint64_t gen)
{
	lock(&trace.lock);
	bool full = trace.fullbytes[gen % 2] >= trace.genmax;
	unlock(&trace.lock);
	return full;
}

/* traceAdvancer is the trace M (Go's advancer goroutine, of the same
 * name): it ends a generation each period, or sooner when one grows past
 * its bound. */
static void traceAdvancer(void)
{
	for (;;) {
		if (atomic_load(&trace.gen) == 0) {
			/* Off: wait for traceStart. */
			while (atomic_load(&tracewake) == 0)
				sys_futex(&tracewake, FUTEX_WAIT_PRIVATE, 0, NULL);
			atomic_store(&tracewake, 0);
			continue;
		}
		int64_t deadline = nanotime() + trace.period, left;
		while (atomic_load(&tracewake) == 0 && (left = deadline - nanotime()) > 0) {
			struct sys_timespec ts = {left / 1000000000, left % 1000000000};
			sys_futex(&tracewake, FUTEX_WAIT_PRIVATE, 0, &ts);
		}
		atomic_store(&tracewake, 0);
		lock(&advlock);
		/* Woken early for a generation that an M has ended meanwhile
		 * (traceHelp): the new one goes on. */
		if (nanotime() >= deadline || genfull(atomic_load(&trace.gen)))
			traceAdvance(false, false);
		unlock(&advlock);
	}
}

/*
 * traceHelpSlow ends the generation that grew past its bound, on the
 * calling M, when the trace M has not done it yet: with more busy Ps than
 * CPUs, the trace M may get too little CPU to keep up, and the generation
 * in memory would grow without bound (and a kill lose all of it). Ms are
 * asked only once the generation is half as big again as its bound, the
 * trace M having had its chance: an M that schedules then waits here for
 * a generation end in progress, which slows the program's event making
 * to the pace of the writing, and then ends the generation itself if it
 * is still too big. (Asked at the bound itself, every M would stop for
 * each generation's write while the trace M wakes and writes, and a
 * busy program would run at a fraction of its speed.) schedule calls it with no
 * locks held and outside any trace event (traceAdvance waits for every
 * M's seqlock).
 */
void traceHelpSlow(void)
{
	uint64_t gen = atomic_load(&trace.overgen);
	if (!gen)
		return;
	lock(&advlock);
	if (atomic_load(&trace.overgen) == gen && atomic_load(&trace.gen) == gen)
		traceAdvance(false, false);
	unlock(&advlock);
}

/* traceStart begins a trace into fd, the header written at once, and
 * announces every P and, with gstatus, every goroutine. The caller holds
 * advlock and keeps every goroutine's state still: traceInit runs before
 * there is any; weft_trace_start stops the world and the timers. */
int traceStart(int fd, bool gstatus)
{
	if (atomic_load(&trace.gen) != 0)
		return -1;
	trace.fd = fd;
	writefailed = false;
	needheader = fd >= 0;
	/* Registered once per process; where the kernel (or qemu-user)
	 * lacks it, the event path fences itself. */
	static bool registered;
	if (!registered) {
		registered = true;
		trace.asymfence = sys_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0 &&
				  sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0;
	}
	traceClockStart();
	/* Generations go on counting from the last trace's, and the Gs' and
	 * Ps' claims of statuses from it are forgotten. */
	traceResetStatus();
	uint64_t gen = lastgen + 1;
	traceRegisterReasons(gen);
	atomic_store(&trace.gen, gen);
	atomic_store(&trace.enabled, 1);

	TraceLocker tl = traceAcquire();
	if (traceOk(tl)) {
		traceStartStatus(tl);
		if (gstatus)
			traceStartGoStatus(tl);
		/* A goroutine starts it: this first generation has it
		 * running, and so says how many Ps there are. */
		if (tl.mp->curg)
			traceGomaxprocs(tl, gomaxprocs, false);
		traceRelease(tl);
	}
	if (!tracemstarted) {
		newm(traceAdvancer, NULL, false);
		atomic_store(&tracemstarted, true); /* traceWake may now wake it */
	} else {
		traceWake();
	}
	/* The first generation, the statuses alone, goes out at once with
	 * the header: from here on the file reads as a trace, whenever the
	 * process dies. */
	traceAdvance(false, false);
	return writefailed ? -1 : 0;
}

/* traceStartFile starts a trace into fd: the tracer's start, or, when the
 * flight recorder already runs it, the file's alone, from the current
 * generation on (cut and written at once, so that the file is a trace
 * from then on). advlock held. */
static int traceStartFile(int fd, bool gstatus)
{
	if (!atomic_load(&trace.gen))
		return traceStart(fd, gstatus);
	trace.fd = fd;
	writefailed = false;
	needheader = true;
	traceAdvance(false, false);
	return writefailed ? -1 : 0;
}

/* weftdebug reads the number a name=value option of WEFTDEBUG gives
 * (rt_debugvar finds it), or returns def. */
int64_t weftdebug(const char *name, int64_t def)
{
	size_t n;
	const char *v = rt_debugvar(name, &n);
	if (!v)
		return def;
	char num[32];
	if (n >= sizeof num)
		n = sizeof num - 1;
	memcpy(num, v, n);
	num[n] = 0;
	bool ok;
	int64_t x = rt_atoi(num, &ok);
	if (!ok) {
		rt_printf("runtime: WEFTDEBUG: %s wants a number\n", name);
		fatal("bad WEFTDEBUG");
	}
	return x;
}

/*
 * traceInit runs once at start-up, on m0 with its P and before goroutine
 * 1 exists: it reads WEFTDEBUG's tracer options (tracefpunwindoff=1: the
 * default unwinder; tracegenms=N: a generation period of N ms, for tests;
 * traceexitfail=1: a fatal error inside the exit flush, for tests)
 * and starts tracing to the file WEFTTRACE names, if it names one.
 */
static int64_t baseperiod; /* TRACE_GEN_PERIOD_NS, or WEFTDEBUG=tracegenms's */

/* traceSetPeriod sets the generation length and size bound: the
 * tracer's own, or shorter and smaller while the flight recorder runs
 * (a generation at least every minage / 2, none past its byte bound by
 * itself), but never shorter than TRACE_GEN_MIN_PERIOD_NS. advlock held,
 * or while the tracer is off. */
void traceSetPeriod(void)
{
	trace.period = baseperiod;
	trace.genmax = TRACE_GEN_MAX_BYTES;
	if (traceflight.on) {
		int64_t half = traceflight.minage / 2;
		if (half < TRACE_GEN_MIN_PERIOD_NS)
			half = TRACE_GEN_MIN_PERIOD_NS;
		if (half < trace.period)
			trace.period = half;
		if (traceflight.maxbytes < trace.genmax)
			trace.genmax = traceflight.maxbytes;
	}
}

void traceInit(void)
{
	trace.fpunwindoff = weftdebug("tracefpunwindoff", 0) != 0;
	exitfail = weftdebug("traceexitfail", 0) != 0;
	int64_t ms = weftdebug("tracegenms", 0);
	baseperiod = ms > 0 ? ms * 1000 * 1000 : TRACE_GEN_PERIOD_NS;
	traceSetPeriod();
	traceFlightInit();
	const char *path = rt_getenv("WEFTTRACE");
	if (!path || !*path)
		return;
	/* The clock's millisecond of calibration comes before the file
	 * exists, so that the file is never seen without a generation
	 * (unless WEFTFLIGHT's recorder runs the clock already). */
	if (!atomic_load(&trace.gen))
		traceClockStart();
	long fd = sys_openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		rt_printf("runtime: WEFTTRACE=%s: cannot create the file: %s\n", path, sys_strerror(fd));
		fatal("cannot start the trace");
	}
	setname("WEFTTRACE=%s", path);
	lock(&advlock);
	/* A file that takes not even the header (WEFTTRACE=/dev/full) has
	 * been reported: the program runs on untraced. */
	if (traceStartFile((int)fd, false) < 0)
		sys_close((int)fd);
	else
		ownfd = true;
	unlock(&advlock);
}

/* traceMainStarted: goroutine 1 records the number of Ps, which Go's
 * parser takes only from a goroutine. */
void traceMainStarted(bool withstack)
{
	TraceLocker tl = traceAcquire();
	if (traceOk(tl)) {
		traceGomaxprocs(tl, gomaxprocs, withstack);
		traceRelease(tl);
	}
}

/*
 * traceExitFlush ends the trace on the way out of the process: the
 * current generation becomes the last and is written. The first thread
 * to get here does it; another one waits (the first will end the
 * process), unless it is the first one failing inside the flush.
 */
void traceExitFlush(bool crash)
{
	if (!atomic_load(&trace.enabled))
		return;
	if (!crash && trace.fd < 0)
		return; /* the flight recorder alone: a normal exit writes nothing */
	M *mp = getm();
	if (atomic_xchg(&exitflushing, 1)) {
		if (atomic_load(&exitflusher) == mp)
			return;
		for (int i = 0; i < 10; i++)
			sys_nanosleep(1000 * 1000 * 1000);
		return;
	}
	atomic_store(&exitflusher, mp);
	/* The trace M may be writing a generation: wait for it, a while. */
	int64_t deadline = nanotime() + 10LL * 1000 * 1000 * 1000;
	while (!atomic_cas(&advlock.key, 0, 1)) {
		if (nanotime() > deadline)
			return;
		sys_nanosleep(1000 * 1000);
	}
	traceAdvance(true, true);
	if (crash)
		traceFlightCrash();
}

/* traceStartWorld starts the tracer, off until now, from a goroutine of
 * a running program, into fd (-1: the flight recorder alone): with the
 * world stopped and no timer function running, so that every goroutine's
 * state can be announced. traceapimu held. */
int traceStartWorld(int fd)
{
	stopTheWorld();
	lock(&advlock);
	timers_lockrun();
	int r = traceStart(fd, true);
	timers_unlockrun();
	unlock(&advlock);
	startTheWorld();
	return r;
}

/* ---- weft.h ---- */

weft_mutex traceapimu; /* one weft_trace_* or weft_flight_* start or stop at a time */

/* weft_trace_start starts a trace in a running program: it stops the
 * world so that every goroutine's state can be announced (a goroutine
 * that never blocks or yields delays it, as it would Go 1.13's). */
int weft_trace_start(int fd)
{
	if (fd < 0)
		return -1;
	weft_mutex_lock(&traceapimu);
	if (trace.fd >= 0) {
		weft_mutex_unlock(&traceapimu);
		return -1;
	}
	int r;
	if (atomic_load(&trace.enabled)) {
		/* The flight recorder runs: the file takes its generations
		 * from the current one, which is written at once. */
		entersyscall();
		lock(&advlock);
		setname("fd %d", fd);
		r = traceStartFile(fd, false);
		unlock(&advlock);
		exitsyscall();
	} else {
		setname("fd %d", fd);
		r = traceStartWorld(fd);
	}
	weft_mutex_unlock(&traceapimu);
	if (r == 0)
		traceMainStarted(true);
	return r;
}

/* weft_trace_stop ends the trace and returns once it is all written. The
 * writing happens on this thread, as a system call would. */
int weft_trace_stop(void)
{
	weft_mutex_lock(&traceapimu);
	if (!atomic_load(&trace.enabled)) {
		weft_mutex_unlock(&traceapimu);
		return -1;
	}
	entersyscall();
	lock(&advlock);
	int r = atomic_load(&trace.gen) && trace.fd >= 0 ? 0 : -1;
	if (traceflight.on) {
		/* The recorder goes on: the file gets the current generation,
		 * cut now, and is let go. */
		traceAdvance(false, false);
		if (ownfd && trace.fd >= 0)
			sys_close(trace.fd);
		ownfd = false;
		trace.fd = -1;
	} else {
		traceAdvance(true, false);
	}
	bool failed = writefailed;
	unlock(&advlock);
	exitsyscall();
	weft_mutex_unlock(&traceapimu);
	return r == 0 && !failed ? 0 : -1;
}
