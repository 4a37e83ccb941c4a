/*
 * tracemap_test.c: runs the hash-trie checks (test/prog/tracemap.c: the
 * tracer's stack and string table, runtime/tracemap.c, and its region
 * allocator) natively at WEFTMAXPROCS 1, 2 and 8, and arm64 under qemu at
 * the same counts. A run passes when it exits 0, no check printed FAIL,
 * and its last line is "tracemap: N passed, 0 failed" with N the full
 * number of checks. At 1 P the checks that need threads running at once
 * (idwait, lockstep) say so and pass without running.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* The number of checks in tracemap.c; a run that skipped some fails. */
enum { NCHECKS = 10 };

/* tracemap runs prog at procs Ps (under qemu when arm64) with argument
 * check (NULL: all) and asserts that want checks passed. */
static void tracemap(const char *prog, bool arm64, const char *procs, const char *check, int want)
{
	struct run r;
	const char *argv[4];
	char env0[64];
	const char *env[] = {env0, NULL};
	struct run_opts o = {.env = env, .timeout_s = arm64 ? 300 : 120};

	snprintf(env0, sizeof env0, "WEFTMAXPROCS=%s", procs);
	need_file(prog);
	prog_argv(argv, arm64, prog, check);
	run(&r, argv, &o);

	assert_checks_passed(&r, "tracemap", want);
	/* With 2 Ps the id-wait check must really run. */
	if (strcmp(procs, "1") != 0 && (check == NULL || strcmp(check, "idwait") == 0))
		cr_assert(strstr(r.out, "idwait: needs") == NULL, "idwait did not run at %s Ps\n%s", procs,
			  r.report);
	run_free(&r);
}

Test(tracemap, procs1) { tracemap("build/test/prog/tracemap", false, "1", NULL, NCHECKS); }
Test(tracemap, procs2) { tracemap("build/test/prog/tracemap", false, "2", NULL, NCHECKS); }
Test(tracemap, procs8) { tracemap("build/test/prog/tracemap", false, "8", NULL, NCHECKS); }

/* The racing checks again on their own, a few times: races are rare
 * events, and each run is another chance to meet one. */
Test(tracemap, races_procs8)
{
	for (int i = 0; i < 5; i++) {
		tracemap("build/test/prog/tracemap", false, "8", "concurrent", 1);
		tracemap("build/test/prog/tracemap", false, "8", "lockstep", 1);
	}
}

/* qemu-user runs the guest's threads on host threads, so the arm64 runs
 * race too (though an x86-64 host's memory order is stronger than arm64's). */
Test(tracemap_arm64, procs1)
{
	skip_without_qemu();
	tracemap("build/test/prog-arm64/tracemap", true, "1", NULL, NCHECKS);
}
Test(tracemap_arm64, procs2)
{
	skip_without_qemu();
	tracemap("build/test/prog-arm64/tracemap", true, "2", NULL, NCHECKS);
}
Test(tracemap_arm64, procs8)
{
	skip_without_qemu();
	tracemap("build/test/prog-arm64/tracemap", true, "8", NULL, NCHECKS);
}

/* An unknown check name is an error, not an empty pass. */
Test(tracemap, unknown_check)
{
	struct run r;

	need_file("build/test/prog/tracemap");
	RUN(&r, NULL, "build/test/prog/tracemap", "no_such_check");
	assert_exit(&r, 2);
	assert_stdout_has(&r, "tracemap: no check named no_such_check");
	run_free(&r);
}
