/*
 * proc_test.c: runs the checks of goroutines and the scheduler
 * (test/prog/proc.c) natively at WEFTMAXPROCS 1, 2 and 8, hosted (--libc)
 * at 2, and arm64 under qemu at 1 and 2 (hosted at 2); then a few checks
 * alone. Each run must report ok for every check the program lists
 * (proc -list).
 *
 * Under qemu-user the stack guards fall back to mprotect (qemu ignores
 * MADV_GUARD_INSTALL): past a budget of mappings, stacks are guarded
 * only while they run (runtime/stack.c), so check "many" runs its 100000
 * goroutines there too.
 */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

CHECK_PROGRAM(proc, NULL, NULL)

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

/* 100000 blocked goroutines with the guards of kernels before 6.13
 * (mprotect, two mappings a stack: the kernel's limit allows about 32000
 * such stacks): past the budget, stacks are guarded only while they run,
 * and all of them wake and finish. And with every goroutine stack
 * guarded that way (stackguard=runguard). Natively and on arm64 (where
 * qemu-user has no guard installs anyway). */
Test(proc, many_mprotect)
{
	run_checks(NULL, "proc", CHECK_NATIVE, ENV("WEFTMAXPROCS=2", "WEFTDEBUG=stackguard=mprotect"), "many");
}
Test(proc, many_runguard_procs8)
{
	run_checks(NULL, "proc", CHECK_NATIVE, ENV("WEFTMAXPROCS=8", "WEFTDEBUG=stackguard=runguard"), "many");
}
Test(proc_arm64, many_mprotect)
{
	skip_without_qemu();
	run_checks(NULL, "proc", CHECK_ARM64, ENV("WEFTMAXPROCS=2", "WEFTDEBUG=stackguard=mprotect"), "many");
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
