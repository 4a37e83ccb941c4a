/*
 * printf_float_test.c: the printf family's floats (%f %e %g), natively and
 * arm64 under qemu.
 *
 *  - printf_float.c (hosted): weft_snprintf against glibc's snprintf, byte
 *    for byte, return value and truncation included, on 200,000 random
 *    formats and values per run (each run its own seed), and the
 *    hand-picked cases of printf_float_cases.h against both.
 *  - float_goroutines.c (freestanding): the hand-picked cases from 16
 *    goroutines at 1, 2 and 8 Ps, long outputs through weft_printf, and
 *    the stack that the largest float takes to print.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* The most stack that printing one float may take. A goroutine's stack
 * is STACK_SIZE (256 KiB, runtime/config.h); today's figures are about
 * 1 KiB for weft_snprintf and 1.7 KiB for weft_printf (its 512-byte
 * buffer included). */
enum { STACK_BOUND = 4096 };

static void run_prog(struct run *r, const char *prog, bool arm64, int procs, const char *a1, const char *a2)
{
	char env[32];
	const char *envs[] = {env, NULL};
	const char *argv[5];
	int n = 0;
	struct run_opts o = {.env = envs, .timeout_s = arm64 ? 240 : 120};

	snprintf(env, sizeof env, "WEFTMAXPROCS=%d", procs);
	need_file(prog);
	if (arm64)
		argv[n++] = qemu();
	argv[n++] = prog;
	if (a1)
		argv[n++] = a1;
	if (a2)
		argv[n++] = a2;
	argv[n] = NULL;
	run(r, argv, &o);
}

/* ---- printf_float.c: random cases against glibc ---- */

static void check_random(bool arm64, int procs, const char *seed)
{
	struct run r;
	const char *cases = "200000";
	char want[128];

	run_prog(&r, arm64 ? "build/test/prog-arm64/printf_float" : "build/test/prog/printf_float", arm64, procs,
		 cases, seed);
	snprintf(want, sizeof want, "printf_float: %s cases, 0 mismatches\n", cases);
	assert_stdout(&r, want);
	assert_exit(&r, 0);
	cr_assert(r.errlen == 0, "unexpected standard error\n%s", r.report);
	run_free(&r);
}

Test(printf_float, random_procs2) { check_random(false, 2, "1"); }
Test(printf_float, random_procs8) { check_random(false, 8, "2"); }
Test(printf_float_arm64, random_procs2)
{
	skip_without_qemu();
	check_random(true, 2, "3");
}

/* ---- float_goroutines.c: freestanding, many goroutines ---- */

/* count returns how many lines of text are exactly line. */
static int count(const char *text, const char *line)
{
	size_t n = strlen(line);
	int c = 0;

	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len == n && memcmp(p, line, n) == 0)
			c++;
		p += len + (nl != NULL);
	}
	return c;
}

static void check_goroutines(bool arm64, int procs)
{
	struct run r;
	static char line[3][4096];
	int snp = -1, pr = -1;

	run_prog(&r, arm64 ? "build/test/prog-arm64/float_goroutines" : "build/test/prog/float_goroutines", arm64,
		 procs, NULL, NULL);
	assert_exit(&r, 0);
	assert_stdout_has(&r, "float_goroutines: 16 goroutines x 20 rounds, 0 errors\n");

	/* Each goroutine printed the three long lines, none torn. glibc
	 * here (a hosted test) says what they must be. */
	snprintf(line[0], sizeof line[0], "%.1074e", 4.9406564584124654e-324);
	snprintf(line[1], sizeof line[1], "%f", 1e308);
	snprintf(line[2], sizeof line[2], "%.1100f", 2.2250738585072014e-308);
	for (int i = 0; i < 3; i++)
		cr_assert(count(r.out, line[i]) == 16, "line %d (%.40s...) printed %d times, want 16\n%s", i,
			  line[i], count(r.out, line[i]), r.report);

	const char *s = strstr(r.out, "stack: ");
	cr_assert(s && sscanf(s, "stack: snprintf %d bytes, printf %d bytes", &snp, &pr) == 2,
		  "no stack figures\n%s", r.report);
	cr_assert(snp > 0 && snp <= STACK_BOUND && pr > 0 && pr <= STACK_BOUND,
		  "printing a float took %d bytes of stack (snprintf), %d (printf); the bound is %d\n%s", snp, pr,
		  STACK_BOUND, r.report);
	run_free(&r);
}

Test(printf_float, goroutines_procs1) { check_goroutines(false, 1); }
Test(printf_float, goroutines_procs2) { check_goroutines(false, 2); }
Test(printf_float, goroutines_procs8) { check_goroutines(false, 8); }
Test(printf_float_arm64, goroutines_procs2)
{
	skip_without_qemu();
	check_goroutines(true, 2);
}
Test(printf_float_arm64, goroutines_procs4)
{
	skip_without_qemu();
	check_goroutines(true, 4);
}
