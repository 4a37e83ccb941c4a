/*
 * tracetime.c: the tracer's clock (Go's tracetime.go).
 *
 * Events carry timestamps in units of TRACE_TIME_UNIT_NS nanoseconds,
 * counted from the trace's start, and every generation's frequency batch
 * says so: 1e9 / TRACE_TIME_UNIT_NS units per second.
 *
 * Why a whole, power-of-two number of nanoseconds. Go's reader turns each
 * event's delta into nanoseconds on its own, as int64(float64(delta) *
 * ns_per_unit), and adds it to the last event's time. With a unit that is
 * not a whole number of nanoseconds (a raw CPU tick is 0.3 ns; Go's own
 * unit, 64 ticks, is 25.6 ns here), every event loses a fraction of a
 * nanosecond, and a 64 KiB batch of a few thousand events falls several
 * microseconds behind the batches of other threads: a goroutine would
 * start before it was created. With 2^k ns the product is exact in
 * floating point, so the reader's times are exactly the ones written,
 * and an event caused by another is never placed before it.
 *
 * The source is the CPU's counter (rdtsc, cntvct_el0): a few cycles, no
 * system call, against 20-50 ns for the vDSO's clock_gettime. Its rate is
 * measured once per process, at the first trace's start, against the
 * monotonic clock, as a 32.32 fixed-point count of nanoseconds per tick;
 * an error in it stretches the whole time line evenly, which no reader
 * can see, whereas a rate that moved between traces or generations would
 * shift events against each other.
 */
#include "trace.h"

/* traceClockCalibrate measures the counter's rate, once, over
 * TRACE_CALIBRATE_NS (config.h): the first trace pays a millisecond at
 * its start. advlock held. */
static void traceClockCalibrate(void)
{
	if (trace.nsPerTick)
		return;
	uint64_t t0 = arch_cputicks(), t1;
	int64_t n0 = nanotime(), n1;
	do {
		t1 = arch_cputicks();
		n1 = nanotime();
	} while (n1 - n0 < TRACE_CALIBRATE_NS);
	if (t1 <= t0)
		throw("trace: the CPU counter does not advance");
	/* At most about 2^20 ns over 2^15 ticks or more: no overflow. */
	uint64_t mult = ((uint64_t)(n1 - n0) << 32) / (t1 - t0);
	trace.nsPerTick = mult ? mult : 1;
}

/* traceClockStart makes the clock count from now; advlock held, before
 * the first event of a trace. */
void traceClockStart(void)
{
	traceClockCalibrate();
	trace.ticks0 = arch_cputicks();
}

/* traceFrequency writes generation gen's frequency batch: timestamp
 * units per second. */
void traceFrequency(uint64_t gen)
{
	TraceWriter w = traceRefill(traceUnsafeWriter(gen), TRACE_NO_THREAD);
	traceEntry(w.buf, EvFrequency, 1000000000ULL / TRACE_TIME_UNIT_NS);
	traceBufFlush(w.buf, gen);
}
