/*
 * string_test.c: runs the checks of the runtime's string and memory
 * helpers (test/prog/string.c) natively at WEFTMAXPROCS 1, 2 and 8, hosted
 * (--libc) at 2, and arm64 under qemu at 1 and 2 (hosted at 2). Each run
 * must report ok for every check the program lists (string -list).
 */
#include "testutil.h"

CHECK_PROGRAM(string, NULL, NULL)
