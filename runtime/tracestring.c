/*
 * tracestring.c: the trace's string table (Go's tracestring.go): one
 * TraceMap per generation from strings to ids, written out as string
 * batches when the generation ends. Strings come from the stack dump
 * (function and file names), block reasons, and user annotations; Go's
 * parser takes at most TRACE_MAX_STRING bytes of each.
 */
#include "trace.h"

/* The reason string of a GoBlock for each WaitReason, its traceReason
 * column in WAITREASONS (runtime.h): one table, so that no reason can be
 * without its string. */
static const char *const blockreason[] = {
#define X(name, str, traceReason) [name] = traceReason,
	WAITREASONS(X)
#undef X
};
_Static_assert(nelem(blockreason) <= nelem(trace.reasons[0]), "trace.reasons too small");

/* traceString returns the id of the first n bytes of s (at most
 * TRACE_MAX_STRING of them) in generation gen's table. */
uint64_t traceString(uint64_t gen, const char *s, size_t n)
{
	if (n > TRACE_MAX_STRING)
		n = TRACE_MAX_STRING;
	return traceMapPut(&trace.stringTab[gen % 2], s, n, NULL);
}

/* traceRegisterReasons puts the block and stop reasons in generation
 * gen's table before gen begins, so the event path only indexes. */
void traceRegisterReasons(uint64_t gen)
{
	for (size_t i = 0; i < nelem(blockreason); i++)
		trace.reasons[gen % 2][i] = traceString(gen, blockreason[i], rt_strlen(blockreason[i]));
	trace.reasonYield[gen % 2] = traceString(gen, "yield", 5);
	trace.reasonPreempted[gen % 2] = traceString(gen, "preempted", 9);
}

typedef struct StringDump {
	TraceWriter w;
} StringDump;

static void dumpone(void *arg, uint64_t id, const void *data, size_t size)
{
	StringDump *d = arg;
	TraceWriter w = d->w;
	uint32_t need = 1 + 2 * TRACE_VARINT_MAX + (uint32_t)size;
	if (!w.buf || w.buf->pos + need > sizeof w.buf->arr) {
		w = traceRefill(w, TRACE_NO_THREAD);
		traceEntry(w.buf, EvStrings);
	}
	traceEntry(w.buf, EvString, id, size);
	memcpy(w.buf->arr + w.buf->pos, data, size);
	w.buf->pos += (uint32_t)size;
	d->w = w;
}

/* traceStringReset writes generation gen's strings and empties its table
 * (Go's reset, which writes the table too; the stack table's is
 * traceStackDump). No event of gen may still be written. */
void traceStringReset(uint64_t gen)
{
	StringDump d = {traceUnsafeWriter(gen)};
	traceMapForEach(&trace.stringTab[gen % 2], dumpone, &d);
	if (d.w.buf)
		traceBufFlush(d.w.buf, gen);
	traceMapReset(&trace.stringTab[gen % 2]);
}
