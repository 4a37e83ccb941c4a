/*
 * tracebuf.h: the tracer's buffers and the writer that appends to them
 * (Go's tracebuf.go). Part of trace.h, which includes it.
 *
 * Each M writes into a buffer of its own per generation, with no lock;
 * a TraceWriter is the M's locker and that buffer, passed and returned by
 * value so that the event path keeps both in registers. The byte and
 * uvarint writers do no bounds check: traceEnsure makes room for an
 * event's longest encoding once, first. tracebuf.c has the rest: the
 * batch framing, the seqlock that lets a generation's end take a buffer,
 * and the full lists.
 */
#ifndef WEFT_TRACEBUF_H
#define WEFT_TRACEBUF_H
#ifndef WEFT_TRACE_H
#error "tracebuf.h is part of trace.h: include trace.h"
#endif

struct TraceBuf {
	TraceBuf *link;
	uint64_t lastTime; /* timestamp of the last event, for deltas */
	uint32_t pos;      /* bytes used in arr */
	uint32_t lenPos;   /* where the batch length goes */
	uint8_t arr[TRACE_BUF_SIZE - 24];
};

/* A TraceWriter appends to its M's buffer for the locker's generation. */
typedef struct TraceWriter {
	TraceLocker tl;
	TraceBuf *buf;
} TraceWriter;

static inline TraceWriter traceWriter(TraceLocker tl)
{
	return (TraceWriter){tl, tl.mp->trace.buf[tl.gen % 2]};
}
/* traceUnsafeWriter writes generation gen's batches that belong to no
 * thread (the tables, the frequency), with no M's seqlock: only the
 * generation's end uses it. Its first traceRefill starts a buffer. */
TraceWriter traceUnsafeWriter(uint64_t gen);
/* traceRefill flushes w's buffer and starts a new batch; traceEnsure
 * makes room for n more bytes, refilling when needed. */
TraceWriter traceRefill(TraceWriter w, uint64_t mid);
TraceWriter traceRefillAt(TraceWriter w, uint64_t mid, uint64_t now);
static inline TraceWriter traceEnsure(TraceWriter w, uint32_t n)
{
	if (unlikely(!w.buf || w.buf->pos + n > sizeof w.buf->arr))
		w = traceRefill(w, w.tl.mp ? (uint64_t)w.tl.mp->id : TRACE_NO_THREAD);
	return w;
}
/* traceByte and traceVarint append a byte and a uvarint to b, which has
 * room for them (traceEnsure); tracePutVarint writes a uvarint at p and
 * returns the byte after it. */
static inline void traceByte(TraceBuf *b, uint8_t v) { b->arr[b->pos++] = v; }
static inline uint8_t *tracePutVarint(uint8_t *p, uint64_t v)
{
	for (; v >= 0x80; v >>= 7)
		*p++ = 0x80 | (uint8_t)v;
	*p++ = (uint8_t)v;
	return p;
}
static inline void traceVarint(TraceBuf *b, uint64_t v)
{
	uint8_t *p = b->arr + b->pos, *p0 = p;
	for (; v >= 0x80; v >>= 7)
		*p++ = 0x80 | (uint8_t)v;
	*p++ = (uint8_t)v;
	b->pos += (uint32_t)(p - p0);
}
/* traceBufFlush hands the buffer to its generation's full list. */
void traceBufFlush(TraceBuf *b, uint64_t gen);
/* traceBufRecycle gives the buffers of list (NULL-ended) back for reuse;
 * traceBufFree unmaps them, once the tracer has stopped. */
void traceBufRecycle(TraceBuf *list);
void traceBufFree(TraceBuf *list);

#endif
