/*
 * print_test.c: runs the checks of formatted output (test/prog/print.c)
 * natively at WEFTMAXPROCS 1, 2 and 8, hosted (--libc) at 2, and arm64
 * under qemu at 1 and 2 (hosted at 2). Each run must report ok for every
 * check the program lists (print -list) and print check printf's line.
 */
#include <string.h>

#include "testutil.h"

/* printed asserts the line check printf prints: weft_printf's own
 * formatting, on standard output. */
static void printed(const struct run *r)
{
	assert_stdout_has(r, "printf: |42|   -7|ab |ff|z|%|end|\n");
}

CHECK_PROGRAM(print, NULL, printed)
