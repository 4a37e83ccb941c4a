/*
 * abi/traceevent.h: the execution trace's wire format, shared by the
 * runtime's tracer and the host tools that read its output. It is Go
 * 1.23's format (internal/trace/event/go122 in Go's source: Go 1.22's and
 * the GoStatusStack event that 1.23 added), so Go's own tools read a weft
 * trace.
 *
 * A trace is the 16-byte header TRACE_HEADER followed by batches. A batch
 * is EvEventBatch, then as uvarints the generation, the thread (M) id, a
 * base timestamp and the byte length of the data that follows (at most
 * TRACE_MAX_BATCH). The data is events: a type byte, then the arguments
 * as uvarints; a timed event's first argument is its timestamp as a delta
 * from the previous event of the batch (the first from the base).
 * Batches of one generation all come before those of the next. Besides
 * the threads' batches, each generation has string batches (EvStrings,
 * then EvString entries: id, length, bytes), stack batches (EvStacks, then
 * EvStack entries: id, frame count, and per frame the PC, the function's
 * and the file's string ids and the line) and one frequency batch
 * (EvFrequency and the timestamp unit per second). Those batches carry
 * TRACE_NO_THREAD as their thread id, as do the batches of CPU profile
 * samples (EvCPUSamples, then EvCPUSample entries), whose timestamps are
 * whole, not deltas, and whose M, P and G say where each was taken.
 */
#ifndef WEFT_ABI_TRACEEVENT_H
#define WEFT_ABI_TRACEEVENT_H

#define TRACE_HEADER "go 1.23 trace\0\0\0"
#define TRACE_HEADER_LEN 16

/*
 * The event types: X(name, code, nargs), nargs counting a timed event's
 * timestamp, and an entry's fields before its frames or its bytes; each
 * row's comment lists them. Only the events weft writes and the framing
 * are listed; the codes are Go's, gaps included (Go's GC events have no
 * weft counterpart). The runtime's writers take an event's name and check
 * the arguments they are given against nargs when they are compiled
 * (runtime/traceevent.h).
 */
#define TRACE_EVENTS(X)                                                                                   \
	X(EvEventBatch, 1, 4)           /* start of a thread's batch [gen, M, time, length] */            \
	X(EvStacks, 2, 0)               /* start of a stack table batch */                                \
	X(EvStack, 3, 2)                /* stack table entry [id, nframes, {pc, func, file, line}...] */  \
	X(EvStrings, 4, 0)              /* start of a string table batch */                               \
	X(EvString, 5, 2)               /* string table entry [id, length, bytes] */                      \
	X(EvCPUSamples, 6, 0)           /* start of a CPU samples batch */                                \
	X(EvCPUSample, 7, 5)            /* CPU sample [time (absolute), M, P or ~0, G or 0, stack] */     \
	X(EvFrequency, 8, 1)            /* timestamp units per second [freq] */                           \
	X(EvProcsChange, 9, 3)          /* the number of Ps [dt, procs, stack] */                         \
	X(EvProcStart, 10, 3)           /* a P starts running on this M [dt, P, P seq] */                 \
	X(EvProcStop, 11, 1)            /* this M's P stops [dt] */                                       \
	X(EvProcSteal, 12, 4)           /* a P taken from an M in a system call [dt, P, P seq, M] */      \
	X(EvProcStatus, 13, 3)          /* a P's status, first time in a generation [dt, P, status] */    \
	X(EvGoCreate, 14, 4)            /* goroutine creation [dt, new G, new G's stack, stack] */        \
	X(EvGoStart, 16, 3)             /* a goroutine starts running [dt, G, G seq] */                   \
	X(EvGoDestroy, 17, 1)           /* the running goroutine ends [dt] */                             \
	X(EvGoStop, 19, 3)              /* the running goroutine yields, runnable [dt, reason, stack] */  \
	X(EvGoBlock, 20, 3)             /* the running goroutine blocks [dt, reason, stack] */            \
	X(EvGoUnblock, 21, 4)           /* a goroutine is made runnable [dt, G, G seq, stack] */          \
	X(EvGoSyscallBegin, 22, 3)      /* system call begins [dt, P seq, stack] */                       \
	X(EvGoSyscallEnd, 23, 1)        /* system call ends, P kept [dt] */                               \
	X(EvGoSyscallEndBlocked, 24, 1) /* system call ends, P lost [dt] */                               \
	X(EvGoStatus, 25, 4)            /* a G's status, first time in a generation [dt, G, M, status] */ \
	X(EvUserTaskBegin, 40, 5)       /* user task begins [dt, task, parent, name, stack] */            \
	X(EvUserTaskEnd, 41, 3)         /* user task ends [dt, task, stack] */                            \
	X(EvUserRegionBegin, 42, 4)     /* user region begins [dt, task, name, stack] */                  \
	X(EvUserRegionEnd, 43, 4)       /* user region ends [dt, task, name, stack] */                    \
	X(EvUserLog, 44, 5)             /* user log [dt, task, key, value, stack] */                      \
	X(EvGoStatusStack, 48, 5)       /* EvGoStatus with a stack [dt, G, M, status, stack] */

enum {
#define TRACE_EVENT_ENUM(name, code, nargs) name = code,
	TRACE_EVENTS(TRACE_EVENT_ENUM)
#undef TRACE_EVENT_ENUM
};

/* Goroutine statuses in EvGoStatus (Go's go122.GoStatus). */
enum { TraceGoBad, TraceGoRunnable, TraceGoRunning, TraceGoSyscall, TraceGoWaiting };
/* P statuses in EvProcStatus (Go's go122.ProcStatus). */
enum { TraceProcBad, TraceProcRunning, TraceProcIdle, TraceProcSyscall, TraceProcSyscallAbandoned };

#define TRACE_NO_THREAD (~(unsigned long long)0) /* the thread id of table batches */
#define TRACE_MAX_BATCH (64 << 10)               /* the most data bytes in one batch */
#define TRACE_MAX_FRAMES 128                     /* the most frames in one stack */
#define TRACE_MAX_STRING 1024                    /* the longest string */
#define TRACE_VARINT_MAX 10                      /* bytes in the longest uvarint */

#endif
