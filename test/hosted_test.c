/*
 * hosted_test.c: hosted programs (weft build --libc), natively and arm64
 * under qemu. On arm64 a hosted program is linked statically against
 * glibc's libc.a, which defines the string functions the runtime also
 * carries for freestanding programs (runtime/string.c): these tests are
 * what shows that such a link works, and that libc's string functions
 * and malloc serve goroutines on every P.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* run_hosted runs prog (arm64: under qemu) at WEFTMAXPROCS=procs with
 * one optional argument. */
static void run_hosted(struct run *r, const char *prog, bool arm64, const char *procs, const char *arg)
{
	char env[64];
	const char *envs[] = {env, NULL};
	const char *argv[4];
	struct run_opts o = {.env = envs, .timeout_s = arm64 ? 120 : 0};

	snprintf(env, sizeof env, "WEFTMAXPROCS=%s", procs);
	need_file(prog);
	prog_argv(argv, arm64, prog, arg);
	run(r, argv, &o);
}

/* ---- libc.c: libc's stdio, malloc and strlen beside channels ---- */

static void check_libc(bool arm64)
{
	struct run r;

	run_hosted(&r, arm64 ? "build/test/prog-arm64/libc" : "build/test/prog/libc", arm64, "2", NULL);
	assert_exit(&r, 0);
	assert_stdout(&r, "1 squared is 1\n2 squared is 4\n3 squared is 9\n4 squared is 16\n"
			  "strlen(\"weft\") = 4\n");
	run_free(&r);
}

Test(hosted_arm64, libc)
{
	skip_without_qemu();
	check_libc(true);
}

/* ---- libc_strings.c: string functions, snprintf, malloc and free from
 * 64 goroutines at once, every result checked ---- */

static void check_libc_strings(bool arm64, int procs)
{
	struct run r;
	char env[16];

	snprintf(env, sizeof env, "%d", procs);
	run_hosted(&r, arm64 ? "build/test/prog-arm64/libc_strings" : "build/test/prog/libc_strings",
		   arm64, env, NULL);
	assert_exit(&r, 0);
	assert_stdout_has(&r, "libc_strings: 64 goroutines x 150 rounds, 0 errors\n");
	cr_assert(r.errlen == 0, "unexpected standard error\n%s", r.report);
	/* With several Ps the goroutines ran on several threads: the calls
	 * really came from more than one thread at once. */
	const char *t = strstr(r.out, "threads: ");
	cr_assert(t != NULL, "no thread count\n%s", r.report);
	int threads = atoi(t + 9);
	cr_assert(threads >= (procs > 1 ? 2 : 1) && threads <= 64,
		  "the goroutines ran on %d threads at %d Ps\n%s", threads, procs, r.report);
	run_free(&r);
}

Test(hosted, libc_strings_procs1) { check_libc_strings(false, 1); }
Test(hosted, libc_strings_procs2) { check_libc_strings(false, 2); }
Test(hosted, libc_strings_procs8) { check_libc_strings(false, 8); }
Test(hosted_arm64, libc_strings_procs2)
{
	skip_without_qemu();
	check_libc_strings(true, 2);
}
Test(hosted_arm64, libc_strings_procs4)
{
	skip_without_qemu();
	check_libc_strings(true, 4);
}
