/*
 * check.h: the small framework of the test programs that run named checks
 * inside the runtime, one program a feature (proc.c, chan.c, select.c,
 * sync.c, time.c ..., tracemap.c). Each program lists its checks and hands
 * them to checks_main:
 *
 *	prog            runs every check
 *	prog NAME       runs only the check called NAME
 *	prog -list      prints the name of each check, one a line, and runs none
 *
 * A run prints, and test/testutil.c's run_checks reads:
 *
 *	ok   name (12 ms)           or      FAIL name (12 ms)
 *	    name: line 42: cond: message       (each failed expectation)
 *	prog: N passed, M failed
 *
 * The exit status is 0 only when every check that ran passed (2 for an
 * unknown check name). The test driver asks the program for its list
 * (prog -list) and wants an "ok" line for each name in it, so a check
 * added to a program is run by the suite with no count to update.
 *
 * A check reports failures with EXPECT and REQUIRE from any goroutine.
 * The program includes the runtime's internal header first (it is built
 * with WEFTFLAGS="-Iruntime -Iabi -Iarch/<arch>"), so that checks can look
 * at what the public API hides: P ids, timer counts, runtime locks and
 * notes, the raw system calls used to read /proc.
 *
 * Checks that wait for other goroutines wait with a timeout where they can
 * (recv_within), so a lost wake-up shows up as a failure with a message
 * rather than a hang. Timing checks assert lower bounds (a sleep never ends
 * early) and only very generous upper bounds: the tests run on loaded
 * machines.
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
 * argv[1] names no check. "-list" prints the checks' names instead. prog
 * names the program in its last line. */
static int checks_main(const char *prog, const struct check *checks, size_t n, int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	int passed = 0, failed = 0;

	if (only != NULL && rt_strcmp(only, "-list") == 0) {
		for (size_t i = 0; i < n; i++)
			weft_printf("%s\n", checks[i].name);
		return 0;
	}
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

/* ---- helpers shared by the checks ---- */

#define MS 1000000LL
#define SEC 1000000000LL

static inline bool streq(const char *a, const char *b)
{
	return rt_strcmp(a, b) == 0;
}

/* recv_within receives from c into elem, waiting at most ns. Returns 1 for
 * a value, 0 when c is closed, -1 on timeout. */
static inline int recv_within(weft_chan *c, void *elem, int64_t ns)
{
	weft_chan *t = weft_after(ns);
	int64_t when;
	weft_case cs[2] = {
		{.chan = c, .dir = WEFT_RECV, .elem = elem},
		{.chan = t, .dir = WEFT_RECV, .elem = &when},
	};
	int i = weft_select(cs, 2, true);

	weft_chan_free(t);
	if (i == 1)
		return -1;
	return cs[0].ok ? 1 : 0;
}

/* join receives n ints from done, each within ns; returns how many came. */
static inline int join(weft_chan *done, int n, int64_t ns)
{
	int got, v;

	for (got = 0; got < n; got++)
		if (recv_within(done, &v, ns) != 1)
			break;
	return got;
}

/* signal_done sends one int on done, for join. */
static inline void signal_done(weft_chan *done)
{
	int one = 1;
	weft_chan_send(done, &one);
}

/* readfile reads a whole (small) file with the runtime's raw system calls:
 * a weft program has no open(). Returns the length, or -errno; *out is a
 * NUL-terminated weft_alloc'd copy. */
static inline long readfile(const char *path, char **out)
{
	long fd = sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
	size_t cap = 1 << 16, len = 0;
	char *buf;

	if (fd < 0)
		return fd;
	buf = weft_alloc(cap + 1);
	for (;;) {
		if (len == cap) {
			char *nb = weft_alloc(2 * cap + 1);
			memcpy(nb, buf, len);
			weft_free(buf);
			buf = nb;
			cap *= 2;
		}
		long n = sys_read((int)fd, buf + len, cap - len);
		if (n < 0) {
			sys_close((int)fd);
			weft_free(buf);
			return n;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	sys_close((int)fd);
	buf[len] = '\0';
	*out = buf;
	return (long)len;
}

#endif
