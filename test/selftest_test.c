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
enum { NCHECKS = 1 };

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
