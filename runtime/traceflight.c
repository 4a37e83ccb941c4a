/*
 * traceflight.c: the flight recorder (Go 1.25's runtime/trace
 * FlightRecorder), and its crash dump.
 *
 * The recorder is a second sink of the one tracer (trace.c): while it
 * runs, each generation that ends is kept in memory, its buffers as the
 * tracer filled them (no copy), after it has gone to the trace's file if
 * one is being written too. The oldest generations are dropped, their
 * buffers reused, once the kept ones pass maxbytes (the newest is always
 * kept), and a generation ends at least every minage / 2 and once its
 * own buffers reach maxbytes (traceSetPeriod): the recorder never holds
 * more than maxbytes of completed generations plus the one in progress.
 * Every generation announces every goroutine and P (traceruntime.c), so
 * the kept ones, after a header, read as a trace on their own.
 *
 * weft_flight_write ends the generation in progress (it joins the kept
 * ones) and writes the window. WEFTFLIGHT=FILE runs the recorder for the
 * whole program, and the crash paths (panic, fatal error, deadlock,
 * stack overflow, SIGQUIT: traceExitFlush(true)) write the window to
 * FILE, by way of FILE.tmp renamed into place, so that no half-written
 * file is left. A normal exit writes nothing.
 */
#include "trace.h"

struct TraceFlight traceflight;

enum {
	FLIGHT_DEFAULT_BYTES = 16 << 20,
	FLIGHT_DEFAULT_AGE_NS = 2000 * 1000 * 1000,
};

/* bufgen returns the generation of the batch in b (EvEventBatch, then
 * the generation as a uvarint). */
static uint64_t bufgen(const TraceBuf *b)
{
	uint64_t v = 0;
	for (uint32_t i = 1, shift = 0; i < 11 && i < b->pos; i++, shift += 7) {
		v |= (uint64_t)(b->arr[i] & 0x7f) << shift;
		if (!(b->arr[i] & 0x80))
			break;
	}
	return v;
}

void traceFlightKeep(TraceBuf *list, uint64_t bytes)
{
	if (!traceflight.on) {
		traceBufRecycle(list);
		return;
	}
	if (!list)
		return;
	TraceBuf *last = list;
	while (last->link)
		last = last->link;
	if (traceflight.tail)
		traceflight.tail->link = list;
	else
		traceflight.head = list;
	traceflight.tail = last;
	traceflight.bytes += bytes;
	/* Drop the oldest generations, whole, past the bound. */
	while (traceflight.bytes > traceflight.maxbytes && bufgen(traceflight.head) != bufgen(traceflight.tail)) {
		uint64_t g = bufgen(traceflight.head);
		TraceBuf *first = traceflight.head, *b = first, *prev = NULL;
		while (b && bufgen(b) == g) {
			traceflight.bytes -= b->pos;
			prev = b;
			b = b->link;
		}
		traceflight.head = b;
		prev->link = NULL;
		traceBufRecycle(first);
	}
}

/* flightwrite writes the header and the kept generations to fd: 0, or
 * -1 if a write failed. advlock held. */
static int flightwrite(int fd)
{
	return traceWriteList(fd, true, traceflight.head) != 0 ? -1 : 0;
}

/* flightconfig sets the recorder's bounds, 0 (or less) for a default. */
static void flightconfig(int64_t maxbytes, int64_t minage)
{
	traceflight.maxbytes = maxbytes > 0 ? (uint64_t)maxbytes : FLIGHT_DEFAULT_BYTES;
	traceflight.minage = minage > 0 ? minage : FLIGHT_DEFAULT_AGE_NS;
}

void traceFlightInit(void)
{
	const char *path = rt_getenv("WEFTFLIGHT");
	if (!path || !*path)
		return;
	if (rt_strlen(path) + 5 > sizeof traceflight.path) {
		rt_printf("runtime: WEFTFLIGHT=%s: the name is too long\n", path);
		fatal("cannot start the flight recorder");
	}
	memcpy(traceflight.path, path, rt_strlen(path) + 1);
	flightconfig(weftdebug("flightbytes", 0), weftdebug("flightms", 0) * 1000 * 1000);
	lock(&advlock);
	traceflight.on = true;
	traceSetPeriod();
	traceStart(-1, false);
	unlock(&advlock);
}

void traceFlightCrash(void)
{
	if (!traceflight.path[0] || !traceflight.head)
		return;
	char tmp[sizeof traceflight.path + 8];
	weft_snprintf(tmp, sizeof tmp, "%s.tmp", traceflight.path);
	long fd = sys_openat(AT_FDCWD, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		rt_printf("runtime: WEFTFLIGHT=%s: cannot create %s: %s\n", traceflight.path, tmp, sys_strerror(fd));
		return;
	}
	int r = flightwrite((int)fd);
	sys_close((int)fd);
	if (r < 0 || sys_rename(tmp, traceflight.path) < 0) {
		rt_printf("runtime: WEFTFLIGHT=%s: writing the flight recorder's window failed\n", traceflight.path);
		sys_unlinkat(AT_FDCWD, tmp, 0);
		return;
	}
	rt_printf("runtime: the flight recorder's last %llu bytes of trace are in %s\n",
		  (unsigned long long)traceflight.bytes + TRACE_HEADER_LEN, traceflight.path);
}

/* ---- weft.h ---- */

/* weft_flight_start (weft.h) starts the recorder: into the running
 * tracer if a trace is being written, else starting it, the world
 * stopped, as weft_trace_start does. */
int weft_flight_start(size_t max_bytes, int64_t min_age_ns)
{
	mustbeg("weft_flight_start");
	weft_mutex_lock(&traceapimu);
	if (traceflight.on) {
		weft_mutex_unlock(&traceapimu);
		return -1;
	}
	int r = 0;
	if (atomic_load(&trace.enabled)) {
		entersyscall();
		lock(&advlock);
		flightconfig((int64_t)max_bytes, min_age_ns);
		traceflight.on = true;
		traceSetPeriod();
		unlock(&advlock);
		exitsyscall();
	} else {
		/* The tracer is off: nothing reads these until it starts. */
		flightconfig((int64_t)max_bytes, min_age_ns);
		traceflight.on = true;
		traceSetPeriod();
		r = traceStartWorld(-1);
		if (r < 0) {
			traceflight.on = false;
			traceSetPeriod();
		} else {
			traceMainStarted(true);
		}
	}
	weft_mutex_unlock(&traceapimu);
	return r;
}

/* weft_flight_write (weft.h): the generation in progress ends, and the
 * kept ones go to fd, on this thread, as a system call would. */
int weft_flight_write(int fd)
{
	mustbeg("weft_flight_write");
	if (fd < 0 || !atomic_load(&traceflight.on) || !atomic_cas(&traceflight.writing, 0, 1))
		return -1;
	int r = -1;
	entersyscall();
	lock(&advlock);
	if (traceflight.on) {
		traceAdvance(false, false);
		r = flightwrite(fd);
	}
	unlock(&advlock);
	exitsyscall();
	atomic_store(&traceflight.writing, 0);
	return r;
}

/* weft_flight_stop (weft.h) stops the recorder and frees what it kept;
 * the tracer stops too unless a trace is being written. */
int weft_flight_stop(void)
{
	mustbeg("weft_flight_stop");
	weft_mutex_lock(&traceapimu);
	if (!traceflight.on) {
		weft_mutex_unlock(&traceapimu);
		return -1;
	}
	entersyscall();
	lock(&advlock);
	TraceBuf *list = traceflight.head;
	traceflight.head = traceflight.tail = NULL;
	traceflight.bytes = 0;
	traceflight.on = false;
	traceflight.path[0] = 0;
	traceSetPeriod();
	if (trace.fd < 0) {
		traceAdvance(true, false);
		traceBufFree(list); /* the tracer has given its memory back: these too */
	} else {
		traceBufRecycle(list);
	}
	unlock(&advlock);
	exitsyscall();
	weft_mutex_unlock(&traceapimu);
	return 0;
}
