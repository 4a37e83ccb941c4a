/*
 * config.h: the runtime's tunables, each overridable at build time
 * (-DSTACK_SIZE=...).
 */
#ifndef WEFT_CONFIG_H
#define WEFT_CONFIG_H

/* Goroutine stacks are fixed-size (C frames cannot be moved, so stacks
 * cannot grow as Go's do). Only the pages a goroutine touches use memory. */
#ifndef STACK_SIZE
#define STACK_SIZE (256 * 1024)
#endif
/* The guard below each stack: an access there is reported as a stack
 * overflow. */
#ifndef STACK_GUARD
#define STACK_GUARD (64 * 1024)
#endif
/* Stacks are carved from arenas of this many, one mapping each. */
#ifndef STACK_ARENA_STACKS
#define STACK_ARENA_STACKS 64
#endif
/* The scheduler's own stack, one per M. */
#ifndef G0_STACK_SIZE
#define G0_STACK_SIZE (256 * 1024)
#endif
#ifndef SIGNAL_STACK_SIZE
#define SIGNAL_STACK_SIZE (64 * 1024)
#endif

/* Per-P run queue length (a power of two). */
#ifndef RUNQ_SIZE
#define RUNQ_SIZE 256
#endif
/* Gs that hand off through runnext share one time slice; after this many
 * hand-offs in a row the P runs its queue's head instead, so a chattering
 * pair can't starve the rest (Go bounds the shared slice at 10 ms by
 * preemption, which C code can't have). */
#ifndef RUNNEXT_STREAK_MAX
#define RUNNEXT_STREAK_MAX 1024
#endif
/* Free goroutine stacks a P keeps (stack.c). */
#ifndef STACK_CACHE_PER_P
#define STACK_CACHE_PER_P 16
#endif
/* Dead Gs cached per P before they move to the global list. */
#ifndef GFREE_PER_P
#define GFREE_PER_P 64
#endif
/* The most Ps WEFTMAXPROCS may ask for. */
#ifndef MAX_PROCS
#define MAX_PROCS 256
#endif

/* sysmon: a P in a system call longer than this is handed to another M. */
/* sysmon asks a goroutine that has run this long without a scheduling
 * point to yield (preempt.c; Go's forcePreemptNS). WEFTDEBUG=preemptus=N
 * changes it. */
#ifndef PREEMPT_NS
#define PREEMPT_NS (10 * 1000 * 1000)
#endif
#ifndef SYSCALL_RETAKE_NS
#define SYSCALL_RETAKE_NS (20 * 1000)
#endif
#ifndef SYSMON_MIN_SLEEP_US
#define SYSMON_MIN_SLEEP_US 20
#endif
#ifndef SYSMON_MAX_SLEEP_US
#define SYSMON_MAX_SLEEP_US 10000
#endif

/* ---- the execution tracer (trace.c has the design) ---- */

/* A trace buffer's size, header included; a batch's data stays below
 * Go's TRACE_MAX_BATCH (abi/traceevent.h). */
#ifndef TRACE_BUF_SIZE
#define TRACE_BUF_SIZE (64 << 10)
#endif
/* Trace buffers are mapped this many at a time: one 2 MiB huge page
 * (tracebuf.c: traceBufChunk). */
#ifndef TRACE_BUF_CHUNK
#define TRACE_BUF_CHUNK 32
#endif
/* A generation ends after this long ... */
#ifndef TRACE_GEN_PERIOD_NS
#define TRACE_GEN_PERIOD_NS (1000 * 1000 * 1000LL)
#endif
/* ... or once its full buffers hold this many bytes. A generation is kept
 * in memory until it is complete and written whole (trace.c says why). */
#ifndef TRACE_GEN_MAX_BYTES
#define TRACE_GEN_MAX_BYTES (4 << 20)
#endif
/* The flight recorder shortens the period to half its minimum age, but
 * not below this: each generation's end announces every goroutine and P
 * again and writes its tables again, and a recorder asked for an age of
 * a few microseconds would end one after another (which halved the
 * speed of ping-pong). */
#ifndef TRACE_GEN_MIN_PERIOD_NS
#define TRACE_GEN_MIN_PERIOD_NS (1000 * 1000LL)
#endif
/* Timestamps count units of 2^TRACE_TIME_UNIT_SHIFT nanoseconds: a power
 * of two, so that Go's reader converts them exactly (tracetime.c says
 * why), and near Go's own 25.6 ns, so that most deltas take a byte or two. */
#ifndef TRACE_TIME_UNIT_SHIFT
#define TRACE_TIME_UNIT_SHIFT 4
#endif
/* The trace clock's rate is measured against the monotonic clock over
 * this long, once, at the first trace's start: its error is the clock's
 * read jitter (tens of ns) over this. */
#ifndef TRACE_CALIBRATE_NS
#define TRACE_CALIBRATE_NS (1000 * 1000)
#endif
/* The deepest physical stack captured, in return addresses (Go's
 * traceStackSize); the stack table keys on it. */
#ifndef TRACE_STACK_DEPTH
#define TRACE_STACK_DEPTH 128
#endif
/* Each M's stack cache, in front of the stack table (tracestack.c): its
 * entries (a power of two), and the longest stack it holds, in words. */
#ifndef TRACE_STACK_CACHE_SIZE
#define TRACE_STACK_CACHE_SIZE 32
#endif
#ifndef TRACE_STACK_CACHE_DEPTH
#define TRACE_STACK_CACHE_DEPTH 40
#endif
/* The tables' memory (traceregion.c) comes in blocks of this size, one
 * mapping each ... */
#ifndef TRACEREGION_BLOCK
#define TRACEREGION_BLOCK (64 << 10)
#endif
/* ... of which a region that is dropped keeps this many, zeroed, for its
 * next use, and unmaps the rest: a table rebuilt every generation then
 * reuses resident memory instead of taking page faults on the event path. */
#ifndef TRACEREGION_KEEP
#define TRACEREGION_KEEP 16
#endif

#endif
