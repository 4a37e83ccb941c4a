/*
 * sync_test.c: runs the checks of weft_mutex, weft_waitgroup, weft_cond,
 * weft_once, weft_rwmutex and the runtime's semaphores, notify lists,
 * locks and notes (test/prog/sync.c) natively at WEFTMAXPROCS 1, 2 and 8,
 * hosted (--libc) at 2, and arm64 under qemu at 1, 2 and 8 (hosted at
 * 2). Each run must report ok for every check the program lists (sync
 * -list). Their failures (an unlock of an unlocked weft_rwmutex, a
 * deadlock in each call) are in failure_test.c, their trace events in
 * trace_test.c.
 */
#include "testutil.h"

CHECK_PROGRAM(sync, NULL, NULL)
