/*
 * check.h: the small framework of the test programs that run named checks
 * inside the runtime (selftest.c, tracemap.c). Each program lists its
 * checks and hands them to checks_main; test/testutil.c's
 * assert_checks_passed reads what it prints:
 *
 *	ok   name (12 ms)           or      FAIL name (12 ms)
 *	    name: line 42: cond: message       (each failed expectation)
 *	prog: N passed, M failed
 *
 * A check reports failures with EXPECT and REQUIRE from any goroutine.
 * The program includes the runtime's internal header first.
 */
#ifndef WEFT_TEST_CHECK_H
#define WEFT_TEST_CHECK_H

static const char *check_name;
static int check_failures; /* failures in the current check (atomic) */

static void failf(int line, const char *expr, const char *fmt, ...) WEFT_PRINTF(3, 4);

/* failf reports one failed expectation of the current check. It may be
 * called from any goroutine. */
static void failf(int line, const char *expr, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	rt_vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* fmt starts with the space EXPECT adds (an empty format would
	 * draw a warning). */
	const char *m = msg[0] == ' ' ? msg + 1 : msg;
	weft_printf("    %s: line %d: %s%s%s\n", check_name, line, expr, m[0] ? ": " : "", m);
	atomic_xadd(&check_failures, 1);
}

/* EXPECT(cond) or EXPECT(cond, "format", args...): record a failure and go
 * on. REQUIRE: the same, then leave the check. The format must be a string
 * literal. */
#define EXPECT(cond, ...) ((cond) ? (void)0 : failf(__LINE__, #cond, " " __VA_ARGS__))
#define REQUIRE(cond, ...)                                      \
	do {                                                    \
		if (!(cond)) {                                  \
			failf(__LINE__, #cond, " " __VA_ARGS__); \
			return;                                 \
		}                                               \
	} while (0)

/* failures: the current check's failures so far, to stop a loop after the
 * first few rather than print thousands of lines. */
static inline int failures(void)
{
	return atomic_load(&check_failures);
}

struct check {
	const char *name;
	void (*fn)(void);
};

/* checks_main runs the n checks, or only the one named argv[1], and
 * returns the exit status: 0 when all passed, 1 when one failed, 2 when
 * argv[1] names no check. prog names the program in its last line. */
static int checks_main(const char *prog, const struct check *checks, size_t n, int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	int passed = 0, failed = 0;

	for (size_t i = 0; i < n; i++) {
		if (only != NULL && rt_strcmp(only, checks[i].name) != 0)
			continue;
		check_name = checks[i].name;
		check_failures = 0;
		int64_t t0 = weft_nanotime();
		checks[i].fn();
		long ms = (long)((weft_nanotime() - t0) / 1000000);
		if (atomic_load(&check_failures) == 0) {
			weft_printf("ok   %s (%ld ms)\n", check_name, ms);
			passed++;
		} else {
			weft_printf("FAIL %s (%ld ms)\n", check_name, ms);
			failed++;
		}
	}
	if (passed + failed == 0) {
		weft_printf("%s: no check named %s\n", prog, only);
		return 2;
	}
	weft_printf("%s: %d passed, %d failed\n", prog, passed, failed);
	return failed == 0 ? 0 : 1;
}

#endif
