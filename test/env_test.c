/*
 * env_test.c: runs the checks of a program's arguments and environment
 * (test/prog/env.c) natively at WEFTMAXPROCS 1, 2 and 8, hosted (--libc)
 * at 2, and arm64 under qemu at 1 and 2 (hosted at 2); then with odd
 * arguments and variables. Each run must report ok for every check the
 * program lists (env -list).
 */
#include <string.h>

#include "testutil.h"

CHECK_PROGRAM(env, NULL, NULL)

/* The environment is passed through, odd variables included. */
Test(env, odd_environment)
{
	run_checks(NULL, "env", CHECK_NATIVE,
		   ENV("WEFTMAXPROCS=2", "WEFT_TEST_VAR=a=b c", "WEFT_TEST_EMPTY="), "getenv");
}

/* Arguments reach weft_main as the kernel passed them (check "args"
 * compares argv with /proc/self/cmdline), empty and spaced ones too. */
Test(env, odd_arguments)
{
	struct run r;

	need_file("build/test/prog/env");
	RUN(&r, NULL, "build/test/prog/env", "args", "two words", "", "-x");
	assert_exit(&r, 0);
	cr_assert(strstr(r.out, "ok   args") != NULL && strstr(r.out, "env: 1 passed, 0 failed\n") != NULL,
		  "%s", r.report);
	run_free(&r);
}
