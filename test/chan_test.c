/*
 * chan_test.c: runs the channel checks (test/prog/chan.c) natively at
 * WEFTMAXPROCS 1, 2 and 8, hosted (--libc) at 2, and arm64 under qemu at
 * 1 and 2 (hosted at 2). Each run must report ok for every check the
 * program lists (chan -list).
 */
#include "testutil.h"

CHECK_PROGRAM(chan, NULL, NULL)
