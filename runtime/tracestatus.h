/*
 * tracestatus.h: goroutine and P statuses and sequence numbers in the
 * trace (Go's tracestatus.go). Part of trace.h, through traceevent.h.
 *
 * Go's trace parser knows a goroutine's or P's state only from events of
 * the current generation: the first event that involves a G or a P in a
 * generation must be preceded by a status event giving the state it was
 * in. traceEventWriter (traceevent.h) does that for the M's own P and G,
 * the ones an event's context implies, given the states the caller knows
 * they were in before the transition; events about another G (GoUnblock)
 * or P (ProcSteal) do it for that one. A G's or P's statustraced has one
 * bit for each of three generations (gen % 3: the one ending, the one
 * begun and the next, as Go's statusTraced[3]) saying its status event
 * in that generation has been claimed: traceAcquireStatus lets exactly
 * one writer claim each. A generation's end clears the next one's bit
 * for every G and P (traceReadyNextGen) before it begins, and writes the
 * statuses of those that no event claimed (trace.c): every generation
 * announces every G and P, so that it reads without the ones before.
 *
 * Sequence numbers order the events of one G or P written by different
 * Ms (a GoUnblock on one M before the GoStart on another); they count
 * from 1 in each generation.
 */
#ifndef WEFT_TRACESTATUS_H
#define WEFT_TRACESTATUS_H
#ifndef WEFT_TRACE_H
#error "tracestatus.h is part of trace.h: include trace.h"
#endif

/* traceStatusWasTraced reports whether the status event of generation
 * gen has been claimed, st being a G's or a P's statustraced: the cheap
 * test before traceAcquireStatus's atomic or. */
static inline bool traceStatusWasTraced(uint32_t *st, uint64_t gen)
{
	return (atomic_load_acq(st) >> (gen % 3)) & 1;
}
/* traceAcquireStatus claims the status event of generation gen: true for
 * the one caller that must write it. */
static inline bool traceAcquireStatus(uint32_t *st, uint64_t gen)
{
	uint32_t bit = 1u << (gen % 3);
	return !(__atomic_fetch_or(st, bit, __ATOMIC_SEQ_CST) & bit);
}
/* traceReadyNextGen clears the claim of the generation after gen, before
 * it begins (Go's readyNextGen). */
static inline void traceReadyNextGen(uint32_t *st, uint64_t gen)
{
	__atomic_fetch_and(st, ~(1u << ((gen + 1) % 3)), __ATOMIC_SEQ_CST);
}
/* traceNextSeq returns the next sequence number of generation gen,
 * *seq and *seqgen being a G's or a P's; only the M that writes the
 * G's or P's event calls it. */
static inline uint64_t traceNextSeq(uint32_t *seq, uint32_t *seqgen, uint64_t gen)
{
	if (*seqgen != (uint32_t)gen) {
		*seqgen = (uint32_t)gen;
		*seq = 0;
	}
	return ++*seq;
}

/* traceWriteGoStatus and traceWriteProcStatus write a G's and a P's status event. */
static inline TraceWriter traceWriteGoStatus(TraceWriter w, int64_t goid, uint64_t mid, int status)
{
	return traceEvent(w, EvGoStatus, (uint64_t)goid, mid, (uint64_t)status);
}

static inline TraceWriter traceWriteProcStatus(TraceWriter w, int32_t pid, int status)
{
	return traceEvent(w, EvProcStatus, (uint64_t)pid, (uint64_t)status);
}

#endif
