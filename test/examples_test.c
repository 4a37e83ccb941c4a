/*
 * examples_test.c: each example prints exactly its golden output
 * (test/testdata/examples/NAME.out) with nothing on standard error and exit
 * status 0, at WEFTMAXPROCS 1, 2 and 8, and its arm64 build does the same
 * under qemu-aarch64.
 */
#include <limits.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* check_example runs prog (native, or arm64 under qemu) with arg (or none)
 * at the given WEFTMAXPROCS and compares with the golden file. */
static void check_example(const char *name, const char *arg, const char *golden,
			  const char *procs, bool arm64)
{
	char prog[256], gpath[256], env[64];
	struct run r;

	snprintf(prog, sizeof prog, arm64 ? "build/examples/arm64/%s" : "build/examples/%s", name);
	snprintf(gpath, sizeof gpath, "test/testdata/examples/%s.out", golden);
	snprintf(env, sizeof env, "WEFTMAXPROCS=%s", procs);
	need_file(prog);
	char *want = read_file(gpath, NULL);
	cr_assert(want != NULL, "missing golden file %s", gpath);

	const char *envs[] = {env, NULL};
	struct run_opts o = {.env = envs};
	const char *argv[4];
	prog_argv(argv, arm64, prog, arg);
	run(&r, argv, &o);
	assert_exit(&r, 0);
	assert_stdout(&r, want);
	cr_assert(r.errlen == 0, "unexpected standard error\n%s", r.report);
	run_free(&r);
	free(want);
}

#define NATIVE(name)                                                         \
	Test(examples, name##_procs1) { check_example(#name, NULL, #name, "1", false); } \
	Test(examples, name##_procs2) { check_example(#name, NULL, #name, "2", false); } \
	Test(examples, name##_procs8) { check_example(#name, NULL, #name, "8", false); }
#define ARM64(name)                                                          \
	Test(examples_arm64, name##_procs1)                                  \
	{                                                                    \
		skip_without_qemu();                                         \
		check_example(#name, NULL, #name, "1", true);                \
	}                                                                    \
	Test(examples_arm64, name##_procs2)                                  \
	{                                                                    \
		skip_without_qemu();                                         \
		check_example(#name, NULL, #name, "2", true);                \
	}

NATIVE(pingpong)
NATIVE(sieve)
NATIVE(workers)
NATIVE(sleep)
NATIVE(pipe)
NATIVE(select)

ARM64(pingpong)
ARM64(sieve)
ARM64(workers)
ARM64(sleep)
ARM64(pipe)
ARM64(select)

Test(examples, sieve_first_5) { check_example("sieve", "5", "sieve5", "2", false); }
Test(examples, sieve_first_100) { check_example("sieve", "100", "sieve100", "8", false); }

Test(examples_arm64, sieve_first_100)
{
	skip_without_qemu();
	check_example("sieve", "100", "sieve100", "2", true);
}

/* crash panics after its time (1 s here); with WEFTFLIGHT the runtime
 * writes the flight recorder's window, a trace (the trace tests check
 * such windows whole), as the README shows. */
Test(examples, crash_flight)
{
	char *dir = tmpdir("crash-flight"), path[PATH_MAX], env[PATH_MAX + 16];
	struct run r;
	snprintf(path, sizeof path, "%s/last.trace", dir);
	snprintf(env, sizeof env, "WEFTFLIGHT=%s", path);
	const char *envs[] = {env, NULL};
	struct run_opts o = {.env = envs};
	need_file("build/examples/crash");
	RUN(&r, &o, "build/examples/crash", "1");
	assert_exit(&r, 2);
	assert_stderr_has(&r, "panic: crash: the game ran out of time after ");
	assert_stderr_has(&r, "runtime: the flight recorder's last ");
	size_t n = 0;
	char *t = read_file(path, &n);
	cr_assert(t != NULL && n > 16 && memcmp(t, "go 1.23 trace", 13) == 0, "no trace in %s\n%s", path, r.report);
	free(t);
	unlink(path);
	run_free(&r);
	free(dir);
}

/* A bad argument is a usage error: status 2, a message, no primes. */
Test(examples, sieve_bad_argument)
{
	struct run r;

	need_file("build/examples/sieve");
	RUN(&r, NULL, "build/examples/sieve", "x7");
	assert_exit(&r, 2);
	assert_stderr_has(&r, "usage: sieve");
	assert_stderr_has(&r, "x7");
	cr_assert(r.outlen == 0, "primes printed anyway\n%s", r.report);
	run_free(&r);
}
