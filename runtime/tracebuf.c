/*
 * tracebuf.c: the tracer's buffers (Go's tracebuf.go).
 *
 * Each M writes events into a buffer of its own for the current
 * generation, mp->trace.buf[gen % 2], with no lock: only the M itself
 * touches it while its seqlock is odd, and the generation's end takes it
 * only once the M has left that generation (trace.c). A buffer is one
 * batch: the header EvEventBatch, generation, M id, base timestamp and a
 * length reserved as a padded ten-byte varint, filled in when the buffer
 * is flushed. A full buffer goes on its generation's full list under
 * trace.lock, about once per 64 KiB of events.
 */
#include "trace.h"

/* seqopen opens mp's seqlock, even until now, and reads the generation
 * (the comment inside says how the two are ordered). */
static inline uint64_t seqopen(M *mp)
{
	/*
	 * The seqlock's store must be ordered before the generation's load,
	 * as the generation's end stores the generation before it loads the
	 * seqlocks: either it sees ours odd, or we see its new generation.
	 * That takes a full barrier on one side or the other. With
	 * asymfence, the generation's end issues membarrier(2), which runs a
	 * barrier on every thread of the process, and the event path needs
	 * none (a locked instruction costs 3-8 ns, per event); without it,
	 * a sequentially consistent add here.
	 */
	if (likely(trace.asymfence)) {
		__atomic_store_n(&mp->trace.seqlock, mp->trace.seqlock + 1, __ATOMIC_RELAXED);
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		return __atomic_load_n(&trace.gen, __ATOMIC_ACQUIRE);
	}
	atomic_xadd(&mp->trace.seqlock, 1);
	return atomic_load(&trace.gen);
}

/* traceAcquireEnabled is traceAcquire's slow half, when tracing may be
 * on: it opens the M's seqlock and reads the generation. The generation
 * then stays open until traceRelease; a locker with no M means tracing is
 * off (or this M is already writing: an event from inside the tracer, say
 * a fatal error there, is dropped rather than nested). */
TraceLocker traceAcquireEnabled(void)
{
	M *mp = getm();
	if (!mp || (mp->trace.seqlock & 1))
		return (TraceLocker){0};
	uint64_t gen = seqopen(mp);
	if (!gen) {
		atomic_store_rel(&mp->trace.seqlock, mp->trace.seqlock + 1);
		return (TraceLocker){0};
	}
	return (TraceLocker){mp, gen};
}

/*
 * traceAcquireSignal is traceAcquire for a signal handler on mp (the CPU
 * profiler's, cpuprof.c): it returns the generation to file a sample in,
 * or 0 when tracing is off. The handler may have interrupted mp inside
 * the tracer, its seqlock odd: that generation is then held open by the
 * interrupted code until after the handler returns, and the handler only
 * reads trace.gen (which a generation's end may have moved on already: a
 * generation it waits for, in turn, for mp). Otherwise it opens the
 * seqlock as traceAcquireEnabled does, and *opened tells
 * traceReleaseSignal to close it.
 */
uint64_t traceAcquireSignal(M *mp, bool *opened)
{
	*opened = false;
	if (!__atomic_load_n(&trace.enabled, __ATOMIC_RELAXED))
		return 0;
	if (mp->trace.seqlock & 1)
		return atomic_load(&trace.gen);
	*opened = true;
	return seqopen(mp);
}

void traceReleaseSignal(M *mp, bool opened)
{
	if (opened)
		atomic_store_rel(&mp->trace.seqlock, mp->trace.seqlock + 1);
}

void traceRelease(TraceLocker tl)
{
	/* Only this M writes its seqlock: a release store publishes the
	 * events written to whoever sees the even value. */
	atomic_store_rel(&tl.mp->trace.seqlock, tl.mp->trace.seqlock + 1);
}

TraceWriter traceUnsafeWriter(uint64_t gen)
{
	return (TraceWriter){{NULL, gen}, NULL};
}

/*
 * traceBufChunk maps TRACE_BUF_CHUNK new buffers: one huge page
 * (ARCH_HUGEPAGESIZE), aligned so that the kernel can back it with one,
 * and populated at once (MADV_POPULATE_WRITE, Linux 5.14), or NULL.
 *
 * Why: events are written into the buffers back to back, and a flight
 * recorder cycles through 16 MiB of them. In 4 KiB pages that is 4096
 * TLB entries, more than the CPU holds: flight recording measured 5-15%
 * slower than file tracing (which reuses its few MiB) until its buffers
 * sat in huge pages; file tracing gained too. Populating in one call
 * spares the event path a page fault every 4 KiB. Where transparent huge
 * pages are off, the advice is ignored and the pages are small; where
 * populating is unknown (older kernels, qemu-user), they fault in.
 */
static TraceBuf *traceBufChunk(void)
{
	size_t n = TRACE_BUF_CHUNK * sizeof(TraceBuf), align = ARCH_HUGEPAGESIZE;
	_Static_assert(TRACE_BUF_CHUNK * sizeof(TraceBuf) % ARCH_HUGEPAGESIZE == 0,
		       "a chunk of trace buffers is whole huge pages");
	char *raw = sys_mmap(NULL, n + align, PROT_READ | PROT_WRITE, 0);
	if (!raw)
		return NULL;
	char *p = (char *)ROUNDUP((uintptr_t)raw, align);
	if (p > raw)
		sys_munmap(raw, p - raw);
	if (p + n < raw + n + align)
		sys_munmap(p + n, raw + align - p);
	sys_madvise(p, n, MADV_HUGEPAGE);
	sys_madvise(p, n, MADV_POPULATE_WRITE);
	return (TraceBuf *)p;
}

/* traceBufGet returns an empty buffer: a recycled one, or the first of a
 * new chunk (traceBufChunk), or one mapped alone. */
static TraceBuf *traceBufGet(void)
{
	lock(&trace.lock);
	TraceBuf *b = trace.empty;
	if (!b) {
		b = traceBufChunk();
		if (!b)
			b = sys_mmap(NULL, sizeof *b, PROT_READ | PROT_WRITE, 0);
		else
			for (int i = 1; i < TRACE_BUF_CHUNK; i++) {
				b[i].link = trace.empty;
				trace.empty = &b[i];
			}
	} else {
		trace.empty = b->link;
	}
	unlock(&trace.lock);
	if (!b)
		fatal("out of memory: cannot allocate a trace buffer");
	b->link = NULL;
	b->pos = 0;
	b->lenPos = 0;
	b->lastTime = 0;
	return b;
}

void traceBufRecycle(TraceBuf *list)
{
	if (!list)
		return;
	TraceBuf *last = list;
	while (last->link)
		last = last->link;
	lock(&trace.lock);
	last->link = trace.empty;
	trace.empty = list;
	unlock(&trace.lock);
}

void traceBufFree(TraceBuf *list)
{
	while (list) {
		TraceBuf *next = list->link;
		sys_munmap(list, sizeof *list);
		list = next;
	}
}

/* traceBufFlush seals b's batch (its length) and appends it to
 * generation gen's full list. A generation that grows past its bound
 * wakes the trace M to end it; one that grows half as much again, the
 * trace M lagging, asks the Ms that schedule to end it themselves
 * (traceHelp). */
void traceBufFlush(TraceBuf *b, uint64_t gen)
{
	uint64_t n = b->pos - (b->lenPos + TRACE_VARINT_MAX);
	for (int i = 0; i < TRACE_VARINT_MAX; i++, n >>= 7)
		b->arr[b->lenPos + i] = (uint8_t)(n & 0x7f) | (i < TRACE_VARINT_MAX - 1 ? 0x80 : 0);
	b->link = NULL;
	lock(&trace.lock);
	int i = (int)(gen % 2);
	if (trace.fulltail[i])
		trace.fulltail[i]->link = b;
	else
		trace.full[i] = b;
	trace.fulltail[i] = b;
	trace.fullbytes[i] += b->pos;
	uint64_t bytes = trace.fullbytes[i];
	unlock(&trace.lock);
	if (bytes >= trace.genmax)
		traceWake();
	if (bytes >= trace.genmax + trace.genmax / 2)
		atomic_store(&trace.overgen, gen);
}

/* traceRefill flushes w's buffer, if any, and starts a new batch for
 * thread mid in a fresh one; traceRefillAt starts it at time now. */
TraceWriter traceRefill(TraceWriter w, uint64_t mid)
{
	return traceRefillAt(w, mid, traceClockNow());
}

TraceWriter traceRefillAt(TraceWriter w, uint64_t mid, uint64_t now)
{
	uint64_t gen = w.tl.gen;
	if (w.buf)
		traceBufFlush(w.buf, gen);
	TraceBuf *b = traceBufGet();
	/* The batch header's fields: the generation, the thread, the base
	 * time (events carry deltas from here on; it counts from the trace's
	 * start, tracetime.c) and the length, reserved here as a padded
	 * uvarint and written by traceBufFlush: not traceEntry's to write. */
	TRACE_CHECK_NARGS(EvEventBatch, 3 + 1);
	traceByte(b, EvEventBatch);
	traceVarint(b, gen);
	traceVarint(b, mid);
	traceVarint(b, now);
	b->lenPos = b->pos;
	b->pos += TRACE_VARINT_MAX;
	b->lastTime = now;
	w.buf = b;
	if (w.tl.mp)
		w.tl.mp->trace.buf[gen % 2] = b;
	return w;
}
