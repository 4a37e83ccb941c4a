/*
 * malloc_test.c: runs the checks of weft_alloc (test/prog/malloc.c)
 * natively at WEFTMAXPROCS 1, 2 and 8, hosted (--libc) at 2, and arm64
 * under qemu at 1 and 2 (hosted at 2). Each run must report ok for every
 * check the program lists (malloc -list).
 */
#include "testutil.h"

CHECK_PROGRAM(malloc, NULL, NULL)
