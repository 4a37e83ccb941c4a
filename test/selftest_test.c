/*
 * selftest_test.c: runs the runtime's self-test (test/prog/selftest.c)
 * natively at WEFTMAXPROCS 1, 2 and 8, hosted (--libc) at 2, and arm64
 * under qemu at 1 and 2 (hosted at 2), and a few checks alone. A run passes when it exits
 * 0, no check printed FAIL, and its last line is "selftest: N passed,
 * 0 failed" with N the full number of checks.
 */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

/* The number of checks in selftest.c; a run that skipped some fails. */
enum { NCHECKS = 3 };

/* selftest runs the self-test with the extra environment env (NULL-ended)
 * and argument check (NULL: all) and asserts that want checks passed. */
static void selftest(const char *prog, bool arm64, const char *const *env, const char *check, int want)
{
	struct run r;
	const char *argv[4];
	struct run_opts o = {.env = env, .timeout_s = arm64 ? 300 : 120};

	need_file(prog);
	prog_argv(argv, arm64, prog, check);
	run(&r, argv, &o);

	assert_checks_passed(&r, "selftest", want);
	run_free(&r);
}

Test(selftest, procs1) { selftest("build/test/prog/selftest", false, ENV("WEFTMAXPROCS=1"), NULL, NCHECKS); }
Test(selftest, procs2) { selftest("build/test/prog/selftest", false, ENV("WEFTMAXPROCS=2"), NULL, NCHECKS); }
Test(selftest, procs8) { selftest("build/test/prog/selftest", false, ENV("WEFTMAXPROCS=8"), NULL, NCHECKS); }

Test(selftest, hosted_procs2)
{
	selftest("build/test/prog/selftest-libc", false, ENV("WEFTMAXPROCS=2"), NULL, NCHECKS);
}

Test(selftest_arm64, procs1)
{
	skip_without_qemu();
	selftest("build/test/prog-arm64/selftest", true, ENV("WEFTMAXPROCS=1"), NULL, NCHECKS);
}
Test(selftest_arm64, procs2)
{
	skip_without_qemu();
	selftest("build/test/prog-arm64/selftest", true, ENV("WEFTMAXPROCS=2"), NULL, NCHECKS);
}

/* Hosted on arm64: the runtime beside a statically linked glibc. */
Test(selftest_arm64, hosted_procs2)
{
	skip_without_qemu();
	selftest("build/test/prog-arm64/selftest-libc", true, ENV("WEFTMAXPROCS=2"), NULL, NCHECKS);
}

/* The environment and arguments are passed through, odd ones included. */
Test(selftest, odd_environment)
{
	selftest("build/test/prog/selftest", false,
		 ENV("WEFTMAXPROCS=2", "WEFT_SELFTEST_VAR=a=b c", "WEFT_SELFTEST_EMPTY="), "getenv", 1);
}

/* An unknown check name is an error, not an empty pass. */
Test(selftest, unknown_check)
{
	struct run r;

	need_file("build/test/prog/selftest");
	RUN(&r, NULL, "build/test/prog/selftest", "no_such_check");
	assert_exit(&r, 2);
	assert_stdout_has(&r, "no check named no_such_check");
	run_free(&r);
}

/* Arguments reach weft_main as the kernel passed them (check "args"
 * compares argv with /proc/self/cmdline), empty and spaced ones too. */
Test(selftest, odd_arguments)
{
	struct run r;

	need_file("build/test/prog/selftest");
	RUN(&r, NULL, "build/test/prog/selftest", "args", "two words", "", "-x");
	assert_exit(&r, 0);
	cr_assert(strstr(r.out, "ok   args") != NULL && strstr(r.out, "selftest: 1 passed, 0 failed\n") != NULL,
		  "%s", r.report);
	run_free(&r);
}
