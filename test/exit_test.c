/*
 * exit_test.c: how a weft program ends. weft_main's return value is the
 * exit status; weft_exit from any goroutine ends the program at once with
 * its status; argv arrives intact (test/prog/exit.c).
 */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

static void check_exit(bool arm64, const char *mode, const char *code, int want, const char *out)
{
	struct run r;
	const char *prog = arm64 ? "build/test/prog-arm64/exit" : "build/test/prog/exit";
	const char *argv[6];
	int n = 0;

	need_file(prog);
	if (arm64)
		argv[n++] = qemu();
	argv[n++] = prog;
	argv[n++] = mode;
	argv[n++] = code;
	argv[n++] = "with space";
	argv[n] = NULL;
	run(&r, argv, NULL);
	assert_exit(&r, want);
	assert_stdout(&r, out);
	cr_assert(r.errlen == 0, "unexpected standard error\n%s", r.report);
	run_free(&r);
}

Test(exit, return_status)
{
	check_exit(false, "return", "7", 7, "argc 4\nargv[1] return\nargv[2] 7\nargv[3] with space\n");
}
Test(exit, return_zero)
{
	check_exit(false, "return", "0", 0, "argc 4\nargv[1] return\nargv[2] 0\nargv[3] with space\n");
}
Test(exit, weft_exit_from_goroutine)
{
	check_exit(false, "goexit", "9", 9, "argc 4\nargv[1] goexit\nargv[2] 9\nargv[3] with space\n");
}
Test(exit_arm64, return_status)
{
	skip_without_qemu();
	check_exit(true, "return", "7", 7, "argc 4\nargv[1] return\nargv[2] 7\nargv[3] with space\n");
}
Test(exit_arm64, weft_exit_from_goroutine)
{
	skip_without_qemu();
	check_exit(true, "goexit", "9", 9, "argc 4\nargv[1] goexit\nargv[2] 9\nargv[3] with space\n");
}

/* No arguments: exit.c returns 100 after printing argc. */
Test(exit, no_arguments)
{
	struct run r;

	need_file("build/test/prog/exit");
	RUN(&r, NULL, "build/test/prog/exit");
	assert_exit(&r, 100);
	assert_stdout(&r, "argc 1\n");
	run_free(&r);
}
