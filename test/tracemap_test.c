/*
 * tracemap_test.c: runs the hash-trie checks (test/prog/tracemap.c: the
 * tracer's stack and string table, runtime/tracemap.c, and its region
 * allocator) natively at WEFTMAXPROCS 1, 2 and 8, and arm64 under qemu at
 * the same counts. A run passes as every check program's does
 * (run_checks in testutil.c): each check that tracemap -list names
 * reported ok. At 1 P the checks that need threads running at once
 * (idwait, lockstep) say so and pass without running.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* tracemap runs the tracemap checks (NULL: all of those `tracemap -list`
 * names) at procs Ps, under qemu when arm64, and asserts that each passed. */
static void tracemap(bool arm64, const char *procs, const char *check)
{
	struct run r;
	char env0[64];
	const char *env[] = {env0, NULL};

	snprintf(env0, sizeof env0, "WEFTMAXPROCS=%s", procs);
	run_checks(&r, "tracemap", arm64 ? CHECK_ARM64 : CHECK_NATIVE, env, check);
	/* With 2 Ps the id-wait check must really run. */
	if (strcmp(procs, "1") != 0 && (check == NULL || strcmp(check, "idwait") == 0))
		cr_assert(strstr(r.out, "idwait: needs") == NULL, "idwait did not run at %s Ps\n%s", procs,
			  r.report);
	run_free(&r);
}

Test(tracemap, procs1) { tracemap(false, "1", NULL); }
Test(tracemap, procs2) { tracemap(false, "2", NULL); }
Test(tracemap, procs8) { tracemap(false, "8", NULL); }

/* The racing checks again on their own, a few times: races are rare
 * events, and each run is another chance to meet one. */
Test(tracemap, races_procs8)
{
	for (int i = 0; i < 5; i++) {
		tracemap(false, "8", "concurrent");
		tracemap(false, "8", "lockstep");
	}
}

/* qemu-user runs the guest's threads on host threads, so the arm64 runs
 * race too (though an x86-64 host's memory order is stronger than arm64's). */
Test(tracemap_arm64, procs1)
{
	skip_without_qemu();
	tracemap(true, "1", NULL);
}
Test(tracemap_arm64, procs2)
{
	skip_without_qemu();
	tracemap(true, "2", NULL);
}
Test(tracemap_arm64, procs8)
{
	skip_without_qemu();
	tracemap(true, "8", NULL);
}

/* An unknown check name is an error, not an empty pass. */
Test(tracemap, unknown_check) { assert_unknown_check("tracemap"); }
