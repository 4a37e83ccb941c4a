/*
 * time_test.c: runs the checks of sleeps, timers and the clock
 * (test/prog/time.c) natively at WEFTMAXPROCS 1, 2 and 8, hosted (--libc)
 * at 2, and arm64 under qemu at 1 and 2 (hosted at 2). Each run must
 * report ok for every check the program lists (time -list).
 */
#include "testutil.h"

CHECK_PROGRAM(time, NULL, NULL)
