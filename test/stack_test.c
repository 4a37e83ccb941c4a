/*
 * stack_test.c: runs the checks of goroutine stacks (test/prog/stack.c)
 * natively at WEFTMAXPROCS 1, 2 and 8, hosted (--libc) at 2, and arm64
 * under qemu at 1 and 2 (hosted at 2). Each run must report ok for every
 * check the program lists (stack -list).
 */
#include "testutil.h"

CHECK_PROGRAM(stack, NULL, NULL)

/* A million goroutines in one burst at 1 P: none has run when the burst
 * ends, and they hold no stack until they do, so the program finishes
 * with its peak RSS under 512 MB (check stack_burst). */
Test(stack, burst_million)
{
	run_checks(NULL, "stack", CHECK_NATIVE, ENV("WEFTMAXPROCS=1", "WEFT_TEST_BURST=1000000"), "stack_burst");
}
