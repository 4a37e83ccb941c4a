/*
 * select_test.c: runs the checks of weft_select (test/prog/select.c)
 * natively at WEFTMAXPROCS 1, 2 and 8, hosted (--libc) at 2, and arm64
 * under qemu at 1 and 2 (hosted at 2); fairness again at 8 Ps on its own.
 * Each run must report ok for every check the program lists (select -list).
 */
#include "testutil.h"

CHECK_PROGRAM(select, NULL, NULL)

Test(select, fair_procs8)
{
	run_checks(NULL, "select", CHECK_NATIVE, ENV("WEFTMAXPROCS=8"), "select_fair");
}
