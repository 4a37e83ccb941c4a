/*
 * stack_test.c: runs the checks of goroutine stacks (test/prog/stack.c)
 * natively at WEFTMAXPROCS 1, 2 and 8, hosted (--libc) at 2, and arm64
 * under qemu at 1 and 2 (hosted at 2). Each run must report ok for every
 * check the program lists (stack -list).
 */
#include "testutil.h"

CHECK_PROGRAM(stack, NULL, NULL)
