/*
 * inlinechain.h: the inline chain that test/prog/inline.c (logical stacks
 * from weft_callers and weft_frames) and test/prog/fpunwind.c (the
 * tracer's stack expansion) both walk:
 *
 *	chain (noinline) -> c1 -> c2 -> c3 (always_inline) -> CHAIN_LEAF
 *
 * c1, c2 and c3 are inlined into chain, whatever the compiler and level.
 * The includer defines CHAIN_LEAF first, as the name of its own noinline
 * function that records the stack (inline.c's record, fpunwind.c's
 * capture). Every call site stores its own line number (__LINE__) just
 * before the call, in line_c3 ... line_chain, so the stack to expect is
 * known exactly; the frames of c3, c2, c1 and chain are in this file
 * (INLINECHAIN_FILE), the leaf's and chain's caller's in the includer.
 */
#ifndef WEFT_TEST_INLINECHAIN_H
#define WEFT_TEST_INLINECHAIN_H

#define NOINLINE __attribute__((noinline))
#define ALWAYS static inline __attribute__((always_inline))
/* The empty asm after each call keeps it from becoming a tail call, which
 * would take the caller's frame off the stack. */
#define NOTAIL() __asm__ volatile("" ::: "memory")

#define INLINECHAIN_FILE "inlinechain.h"

static NOINLINE void CHAIN_LEAF(void);

static int line_c3, line_c2, line_c1, line_chain;

ALWAYS void c3(void)
{
	line_c3 = __LINE__ + 1;
	CHAIN_LEAF();
	NOTAIL();
}

ALWAYS void c2(void)
{
	line_c2 = __LINE__ + 1;
	c3();
	NOTAIL();
}

ALWAYS void c1(void)
{
	line_c1 = __LINE__ + 1;
	c2();
	NOTAIL();
}

static NOINLINE void chain(void)
{
	line_chain = __LINE__ + 1;
	c1();
	NOTAIL();
}

#endif
