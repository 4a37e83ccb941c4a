/*
 * driver_test.c: the weft command (cmd/weft.c) as a user meets it: help,
 * build, run, its errors, and what a failed build leaves behind.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#define WEFT "build/bin/weft"

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* count_entries counts the names in dir other than . and .. */
static int count_entries(const char *dir, char *names, size_t n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int count = 0;
	size_t len = 0;

	cr_assert(d != NULL, "opendir %s", dir);
	names[0] = '\0';
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		count++;
		if (len < n)
			len += (size_t)snprintf(names + len, n - len, " %s", e->d_name);
	}
	closedir(d);
	return count;
}

Test(driver, help)
{
	struct run r;

	need_file(WEFT);
	RUN(&r, NULL, WEFT, "help");
	assert_exit(&r, 0);
	const char *all = r.out[0] ? r.out : r.err;
	cr_assert(strstr(all, "build") && strstr(all, "run") && strstr(all, "help"),
		  "help does not list the commands\n%s", r.report);
	run_free(&r);

	RUN(&r, NULL, WEFT, "help", "build");
	assert_exit(&r, 0);
	cr_assert(strstr(r.out, "usage: weft build") || strstr(r.err, "usage: weft build"), "%s", r.report);
	run_free(&r);
}

Test(driver, unknown_command)
{
	struct run r;

	need_file(WEFT);
	RUN(&r, NULL, WEFT, "frobnicate");
	cr_assert(r.status != 0, "an unknown command succeeded\n%s", r.report);
	assert_stderr_has(&r, "frobnicate");
	run_free(&r);
}

Test(driver, unknown_flag)
{
	struct run r;
	char *dir = tmpdir("unknown_flag");
	char out[512];

	need_file(WEFT);
	snprintf(out, sizeof out, "%s/pingpong", dir);
	RUN(&r, NULL, WEFT, "build", "--no-such-flag", "-o", out, "examples/pingpong.c");
	cr_assert(r.status != 0 && r.sig == 0, "an unknown flag was accepted\n%s", r.report);
	assert_exit(&r, 2); /* a usage error (weft help build) */
	assert_stderr_has(&r, "--no-such-flag");
	cr_assert(!exists(out), "%s was built anyway", out);
	run_free(&r);
}

Test(driver, missing_file)
{
	struct run r;
	char *dir = tmpdir("missing_file");
	char out[512], src[512];

	need_file(WEFT);
	snprintf(out, sizeof out, "%s/prog", dir);
	snprintf(src, sizeof src, "%s/no_such_file.c", dir);
	RUN(&r, NULL, WEFT, "build", "-o", out, src);
	cr_assert(r.status != 0 && r.sig == 0, "building a missing file succeeded\n%s", r.report);
	assert_stderr_has(&r, "no_such_file.c");
	cr_assert(!exists(out), "%s exists after a failed build", out);
	run_free(&r);
}

/* A compile error: status 1, the compiler's message naming the file, no
 * output file, and nothing left in the output's directory. */
Test(driver, compile_error)
{
	struct run r;
	char *dir = tmpdir("compile_error");
	char src[512], out[512], names[1024];

	need_file(WEFT);
	snprintf(src, sizeof src, "%s/broken.c", dir);
	snprintf(out, sizeof out, "%s/broken", dir);
	write_file(src, "#include <weft.h>\nint weft_main(int argc, char **argv)\n{\n\treturn argc +;\n}\n");
	RUN(&r, NULL, WEFT, "build", "-o", out, src);
	assert_exit(&r, 1);
	assert_stderr_has(&r, "broken.c");
	assert_stderr_has(&r, "error");
	cr_assert(!exists(out), "%s exists after a failed build", out);
	int n = count_entries(dir, names, sizeof names);
	cr_assert(n == 1, "the failed build left files behind:%s", names);
	run_free(&r);
}

/* A link error (an undefined function) fails too, and a program built
 * before under the same name is left exactly as it was. */
Test(driver, link_error_keeps_old_output)
{
	struct run r;
	char *dir = tmpdir("link_error");
	char src[512], out[512], names[1024];

	need_file(WEFT);
	snprintf(src, sizeof src, "%s/undefined.c", dir);
	snprintf(out, sizeof out, "%s/undefined", dir);
	write_file(out, "old contents\n");
	write_file(src, "#include <weft.h>\nvoid no_such_function(void);\n"
			"int weft_main(int argc, char **argv)\n{\n\t(void)argc;\n\t(void)argv;\n"
			"\tno_such_function();\n\treturn 0;\n}\n");
	RUN(&r, NULL, WEFT, "build", "-o", out, src);
	assert_exit(&r, 1);
	assert_stderr_has(&r, "no_such_function");
	char *old = read_file(out, NULL);
	cr_assert(old && strcmp(old, "old contents\n") == 0, "the failed build changed %s", out);
	int n = count_entries(dir, names, sizeof names);
	cr_assert(n == 2, "the failed build left files behind:%s", names);
	free(old);
	run_free(&r);
}

/* weft build with no -o writes the program, named after the file, into
 * the current directory; it runs. */
Test(driver, build_default_output)
{
	struct run r;
	char *dir = tmpdir("default_output");
	char weft[4096], src[4096], prog[4096];

	need_file(WEFT);
	cr_assert(realpath(WEFT, weft) && realpath("examples/sieve.c", src));
	struct run_opts o = {.dir = dir};
	RUN(&r, &o, weft, "build", src);
	assert_exit(&r, 0);
	run_free(&r);
	snprintf(prog, sizeof prog, "%s/sieve", dir);
	cr_assert(exists(prog), "weft build examples/sieve.c did not write ./sieve");
	RUN(&r, NULL, prog, "3");
	assert_exit(&r, 0);
	assert_stdout(&r, "2\n3\n5\n");
	run_free(&r);
}

Test(driver, run_example)
{
	struct run r;
	char *want = read_file("test/testdata/examples/pingpong.out", NULL);

	need_file(WEFT);
	cr_assert(want != NULL);
	RUN(&r, NULL, WEFT, "run", "examples/pingpong.c");
	assert_exit(&r, 0);
	assert_stdout(&r, want);
	run_free(&r);
	free(want);
}

/* Arguments after -- reach the program; its exit status is weft run's. */
Test(driver, run_arguments_and_status)
{
	struct run r;
	char *want = read_file("test/testdata/examples/sieve5.out", NULL);

	need_file(WEFT);
	RUN(&r, NULL, WEFT, "run", "examples/sieve.c", "--", "5");
	assert_exit(&r, 0);
	assert_stdout(&r, want);
	run_free(&r);

	RUN(&r, NULL, WEFT, "run", "test/prog/exit.c", "--", "return", "3");
	assert_exit(&r, 3);
	assert_stdout(&r, "argc 3\nargv[1] return\nargv[2] 3\n");
	run_free(&r);
	free(want);
}

/* A program that panics: weft run passes its status (2) and message on. */
Test(driver, run_panic)
{
	struct run r;

	need_file(WEFT);
	RUN(&r, NULL, WEFT, "run", "test/prog/panic.c");
	assert_exit(&r, 2);
	assert_stderr_has(&r, "panic: boom 42");
	run_free(&r);
}

Test(driver, run_arm64)
{
	struct run r;
	char *want = read_file("test/testdata/examples/pingpong.out", NULL);
	const char *envs[] = {"WEFTARCH=arm64", NULL};
	struct run_opts o = {.env = envs, .timeout_s = 120};

	skip_without_qemu();
	need_file(WEFT);
	RUN(&r, &o, WEFT, "run", "examples/pingpong.c");
	assert_exit(&r, 0);
	assert_stdout(&r, want);
	run_free(&r);
	free(want);
}

/* WEFTFLAGS reaches the compiler. */
Test(driver, weftflags)
{
	struct run r;
	char *dir = tmpdir("weftflags");
	char src[512];
	const char *envs[] = {"WEFTFLAGS=-DWEFT_TEST_VALUE=4242 -DWEFT_TEST_OTHER=1", NULL};
	struct run_opts o = {.env = envs};

	need_file(WEFT);
	snprintf(src, sizeof src, "%s/flags.c", dir);
	write_file(src, "#include <weft.h>\nint weft_main(int argc, char **argv)\n{\n\t(void)argc;\n\t(void)argv;\n"
			"\tweft_printf(\"%d %d\\n\", WEFT_TEST_VALUE, WEFT_TEST_OTHER);\n\treturn 0;\n}\n");
	RUN(&r, &o, WEFT, "run", src);
	assert_exit(&r, 0);
	assert_stdout(&r, "4242 1\n");
	run_free(&r);
}

/* The hosted program (built by ninja with --libc) mixes libc and weft.
 * Its stdout is libc's buffered stream, flushed by returning from
 * weft_main as by returning from main. */
static const char libc_want[] = "1 squared is 1\n2 squared is 4\n3 squared is 9\n4 squared is 16\n"
				"strlen(\"weft\") = 4\n";

Test(driver, libc_program)
{
	struct run r;
	const char *envs[] = {"WEFTMAXPROCS=2", NULL};
	struct run_opts o = {.env = envs};

	need_file("build/test/prog/libc");
	RUN(&r, &o, "build/test/prog/libc");
	assert_exit(&r, 0);
	assert_stdout(&r, libc_want);
	run_free(&r);
}

Test(driver, run_libc)
{
	struct run r;

	need_file(WEFT);
	RUN(&r, NULL, WEFT, "run", "--libc", "test/prog/libc.c");
	assert_exit(&r, 0);
	assert_stdout(&r, libc_want);
	run_free(&r);
}
