/*
 * tracetime.h: the trace's clock (Go's tracetime.go). Part of trace.h,
 * which includes it.
 *
 * traceClockNow is on every event's path: a read of the CPU's counter and
 * one multiplication by the rate measured at the first trace's start,
 * giving units of TRACE_TIME_UNIT_NS nanoseconds since the trace's start.
 * tracetime.c says why the unit is a power-of-two number of nanoseconds
 * and how the rate is measured.
 */
#ifndef WEFT_TRACETIME_H
#define WEFT_TRACETIME_H
#ifndef WEFT_TRACE_H
#error "tracetime.h is part of trace.h: include trace.h"
#endif

/* A timestamp unit, in nanoseconds (TRACE_TIME_UNIT_SHIFT: config.h). */
#define TRACE_TIME_UNIT_NS (1u << TRACE_TIME_UNIT_SHIFT)

/* traceClockNow: the time in trace units since the trace's start
 * (tracetime.c). A counter a hair behind the start's, on another CPU,
 * reads as the start. */
static inline uint64_t traceClockNow(void)
{
	int64_t d = (int64_t)(arch_cputicks() - trace.ticks0);
	if (d < 0)
		d = 0;
	return (uint64_t)(((unsigned __int128)(uint64_t)d * trace.nsPerTick) >> (32 + TRACE_TIME_UNIT_SHIFT));
}

void traceClockStart(void);        /* the clock counts from now */
void traceFrequency(uint64_t gen); /* generation gen's frequency batch */

#endif
