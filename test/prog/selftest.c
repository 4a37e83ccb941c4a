/*
 * selftest.c: the runtime's own checks, run inside a weft program.
 *
 *   selftest          runs every check
 *   selftest NAME     runs only the check called NAME
 *
 * Each check prints "ok   NAME" or, after lines saying what went wrong,
 * "FAIL NAME". The last line is exactly
 *
 *	selftest: N passed, M failed
 *
 * and the exit status is 0 only when every check that ran passed. The tests
 * (test/selftest_test.c) run it at several WEFTMAXPROCS, natively, hosted
 * and on arm64 under qemu.
 *
 * It is freestanding like any weft program, but it also includes
 * runtime.h (built with WEFTFLAGS="-Iruntime -Iarch/<arch>") to look at
 * internals that the public API hides: P ids, timer counts, runtime locks
 * and notes, the raw system calls used to read /proc.
 *
 * Checks that wait for other goroutines wait with a timeout where they can
 * (recv_within), so a lost wake-up shows up as a failure with a message
 * rather than a hang. Timing checks assert lower bounds (a sleep never ends
 * early) and only very generous upper bounds: the tests run on loaded
 * machines.
 */
#include "runtime.h"

#include "check.h"


/* ---- runtime internals ---- */

/* strings: the runtime's string and memory helpers. */
static void check_strings(void)
{
	bool ok;
	char b[16] = "abcdefghij";

	EXPECT(rt_strlen("") == 0 && rt_strlen("weft") == 4);
	EXPECT(rt_strcmp("abc", "abc") == 0 && rt_strcmp("abc", "abd") < 0 && rt_strcmp("b", "abc") > 0);
	EXPECT(rt_strcmp("ab", "abc") < 0 && rt_strcmp("abc", "ab") > 0);
	EXPECT(rt_hasprefix("WEFTMAXPROCS=2", "WEFTMAXPROCS") && !rt_hasprefix("WEFT", "WEFTMAXPROCS"));
	EXPECT(rt_atoi("123", &ok) == 123 && ok);
	EXPECT(rt_atoi("-5", &ok) == -5 && ok);
	rt_atoi("12x", &ok);
	EXPECT(!ok, "\"12x\" parsed");
	rt_atoi("", &ok);
	EXPECT(!ok, "\"\" parsed");
	memmove(b + 2, b, 5); /* overlapping, forwards */
	EXPECT(memcmp(b, "ababcdehij", 10) == 0, "memmove forwards: %s", b);
	memmove(b, b + 2, 5); /* backwards */
	EXPECT(memcmp(b, "abcdedehij", 10) == 0, "memmove backwards: %s", b);
	memset(b, 'q', 3);
	EXPECT(memcmp(b, "qqqde", 5) == 0);
	EXPECT(memcmp("a", "b", 1) < 0 && memcmp("b", "a", 1) > 0 && memcmp("\xff", "\x01", 1) > 0,
	       "memcmp compares unsigned bytes");
}

/* ---- the driver of the checks ---- */

static const struct check checks[] = {
	{"strings", check_strings},
};

int weft_main(int argc, char **argv)
{
	return checks_main("selftest", checks, nelem(checks), argc, argv);
}
