/*
 * proc_test.c: runs the checks of goroutines and the scheduler
 * (test/prog/proc.c) natively at WEFTMAXPROCS 1, 2 and 8, hosted (--libc)
 * at 2, and arm64 under qemu at 1 and 2 (hosted at 2); then a few checks
 * alone. Each run must report ok for every check the program lists
 * (proc -list).
 *
 * Under qemu-user the stack guards fall back to mprotect (qemu ignores
 * MADV_GUARD_INSTALL), so each stack costs two of the kernel's 65530
 * mappings: 20000 goroutines instead of 100000 for check "many".
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

CHECK_PROGRAM(proc, "WEFT_TEST_MANY=20000", NULL)

/* With no WEFTMAXPROCS the runtime uses the CPUs (check gomaxprocs
 * compares with the affinity mask). */
Test(proc, default_procs)
{
	unsetenv("WEFTMAXPROCS");
	run_checks(NULL, "proc", CHECK_NATIVE, NULL, "gomaxprocs");
}

/* Many goroutines again at 8 Ps on their own. */
Test(proc, many_procs8)
{
	run_checks(NULL, "proc", CHECK_NATIVE, ENV("WEFTMAXPROCS=8"), "many");
}

/* The checks can fail: a bad WEFT_TEST_MANY makes check "many" report
 * FAIL and the run exit 1. */
Test(proc, reports_failure)
{
	struct run r;
	const char *envs[] = {"WEFT_TEST_MANY=-3", NULL};
	struct run_opts o = {.env = envs};

	need_file("build/test/prog/proc");
	RUN(&r, &o, "build/test/prog/proc", "many");
	assert_exit(&r, 1);
	assert_stdout_has(&r, "FAIL many");
	assert_stdout_has(&r, "proc: 0 passed, 1 failed\n");
	run_free(&r);
}
