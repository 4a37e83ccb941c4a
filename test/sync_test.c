/*
 * sync_test.c: runs the checks of weft_mutex, weft_waitgroup and the
 * runtime's semaphores, locks and notes (test/prog/sync.c) natively at
 * WEFTMAXPROCS 1, 2 and 8, hosted (--libc) at 2, and arm64 under qemu at
 * 1 and 2 (hosted at 2). Each run must report ok for every check the
 * program lists (sync -list).
 */
#include "testutil.h"

CHECK_PROGRAM(sync, NULL, NULL)
