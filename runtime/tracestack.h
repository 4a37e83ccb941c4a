/*
 * tracestack.h: turning the tracer's captured stacks into logical frames
 * (Go's fpunwindExpand, in tracestack.go). tracestack.c explains the
 * design, in particular what the values fpunwindExpand writes stand for.
 */
#ifndef WEFT_TRACESTACK_H
#define WEFT_TRACESTACK_H

#include <stdbool.h>
#include <stdint.h>

#include "weft.h"

/* LOGICAL_STACK_SENTINEL in pcBuf[0] says that pcBuf[1..] is a logical
 * stack already (from the default unwinder, with skip applied); any other
 * value there is the number of logical frames to skip in the physical
 * stack of return addresses that follows (Go's logicalStackSentinel). */
#define LOGICAL_STACK_SENTINEL (~(uintptr_t)0)
/* CPU_SAMPLE_STACK in pcBuf[0] says that pcBuf[1] is the exact PC a
 * profiling signal interrupted and pcBuf[2..] return addresses (a CPU
 * sample's stack, cpuprof.c): expanded with no skip, and dumped whole,
 * the runtime's frames on top included, as the profile has them. */
#define CPU_SAMPLE_STACK (~(uintptr_t)1)

/*
 * A logical frame, as fpunwindExpand writes it, is a uintptr_t:
 *
 *	bits 63..56   0, or TRACESTACK_TAG_* in the top byte
 *	bits 55..0    the physical return address it was expanded from
 *
 * Tag 0 (the whole value is the return address) names the innermost
 * logical frame at that address, the only one when nothing was inlined
 * there, and also stands for a return address that has no function info
 * (kept as it came). Tags 1 .. TRACESTACK_TAG_MAXINL name the inlined
 * call that many levels out from the innermost; TRACESTACK_TAG_FUNC names
 * the physical function itself, when inlined frames lie inside it.
 */
#define TRACESTACK_TAG_SHIFT 56
#define TRACESTACK_TAG_FUNC 0x7f   /* the physical function */
#define TRACESTACK_TAG_MAXINL 0x7e /* the deepest inlined call that can be named */
#define TRACESTACK_PC_MASK (((uintptr_t)1 << TRACESTACK_TAG_SHIFT) - 1)

/*
 * fpunwindExpand expands the stack in pcBuf[0..npc) into at most ndst
 * logical frames in dst, innermost first, and returns how many it wrote.
 * pcBuf[0] is LOGICAL_STACK_SENTINEL (pcBuf[1..] is copied through) or a
 * skip count (pcBuf[1..] are return addresses from a frame-pointer walk,
 * expanded, with wrappers elided, and then skip logical frames dropped).
 * dst and pcBuf must not overlap. It reads only the symbol table: no
 * allocation, no locks, safe on any M and with any number of callers at
 * once. The same pcBuf always gives the same dst, so dst can key a table.
 */
int fpunwindExpand(uintptr_t *dst, int ndst, const uintptr_t *pcBuf, int npc);

/*
 * traceStackFrame symbolizes v, one value fpunwindExpand wrote (or a
 * plain return address), into *frame as weft_frames_next would describe
 * that logical frame: the call's PC, the physical function's entry, the
 * function, file and line, whether it is inlined, its FuncID. It returns
 * false, with function and file "?", when v has no function info. Like
 * fpunwindExpand, it only reads the symbol table. frame->pc is the same
 * for every logical frame at one return address. When tracepc is not
 * NULL, *tracepc gets the PC the trace writes for the frame: an address
 * of the program, always the same for one v, and never the same for two
 * frames that differ in function, file or line (tracestack.c says how).
 */
bool traceStackFrame(uintptr_t v, weft_frame *frame, uintptr_t *tracepc);

#endif
