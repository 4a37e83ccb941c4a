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
/* Dead Gs cached per P before they move to the global list. */
#ifndef GFREE_PER_P
#define GFREE_PER_P 64
#endif
/* The most Ps WEFTMAXPROCS may ask for. */
#ifndef MAX_PROCS
#define MAX_PROCS 256
#endif

/* sysmon: a P in a system call longer than this is handed to another M. */
#ifndef SYSCALL_RETAKE_NS
#define SYSCALL_RETAKE_NS (20 * 1000)
#endif
#ifndef SYSMON_MIN_SLEEP_US
#define SYSMON_MIN_SLEEP_US 20
#endif
#ifndef SYSMON_MAX_SLEEP_US
#define SYSMON_MAX_SLEEP_US 10000
#endif

#endif
