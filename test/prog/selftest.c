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

static int main_argc;
static char **main_argv;

/* ---- formatting ---- */

/* snprintf: each conversion and flag weft.h lists, and truncation. */
static void check_snprintf(void)
{
	char buf[128];
	int n;

#define FMT(want, ...)                                                                    \
	do {                                                                              \
		n = weft_snprintf(buf, sizeof buf, __VA_ARGS__);                          \
		EXPECT(streq(buf, want) && n == (int)rt_strlen(want),                     \
		       "weft_snprintf(%s) = \"%s\" (%d), want \"%s\"", #__VA_ARGS__, buf, n, want); \
	} while (0)

	FMT("42", "%d", 42);
	FMT("-42", "%d", -42);
	FMT("0", "%d", 0);
	FMT("7", "%i", 7);
	FMT("-2147483648", "%d", (int)-2147483647 - 1);
	FMT("4294967295", "%u", 4294967295u);
	FMT("   42", "%5d", 42);
	FMT("42   |", "%-5d|", 42);
	FMT("00042", "%05d", 42);
	FMT("-0042", "%05d", -42);
	FMT("12345", "%3d", 12345);
	FMT("ff", "%x", 255u);
	FMT("0", "%x", 0u);
	FMT("0000beef", "%08x", 0xbeefu);
	FMT("deadbeefcafe", "%lx", 0xdeadbeefcafeUL);
	FMT("-9223372036854775808", "%ld", (long)(-9223372036854775807L - 1));
	FMT("9223372036854775807", "%lld", 9223372036854775807LL);
	FMT("18446744073709551615", "%llu", 18446744073709551615ULL);
	FMT("ffffffffffffffff", "%llx", 18446744073709551615ULL);
	FMT("12345", "%zu", (size_t)12345);
	FMT("1a2b", "%zx", (size_t)0x1a2b);
	FMT("hi", "%s", "hi");
	FMT("ab", "a%sb", "");
	FMT("   ab|", "%5s|", "ab");
	FMT("ab   |", "%-5s|", "ab");
	FMT("x", "%c", 'x');
	FMT("[ x]", "[%2c]", 'x');
	FMT("%", "%%");
	FMT("50%", "%d%%", 50);
	FMT("0x1234", "%p", (void *)0x1234);
	FMT("1-two-3", "%d-%s-%c", 1, "two", '3');
	FMT("no conversions", "no conversions");

	/* Truncation: the return value is the full length; the buffer holds
	 * what fits and a NUL. */
	char small[8];
	n = weft_snprintf(small, sizeof small, "%s", "hello world");
	EXPECT(n == 11 && streq(small, "hello w"), "got \"%s\" (%d)", small, n);
	n = weft_snprintf(small, sizeof small, "%d", 123456789);
	EXPECT(n == 9 && streq(small, "1234567"), "got \"%s\" (%d)", small, n);
	small[0] = 'Z';
	n = weft_snprintf(small, 0, "%d", 12345);
	EXPECT(n == 5 && small[0] == 'Z', "n == 0: returned %d, buf[0] '%c'", n, small[0]);
	n = weft_snprintf(small, 1, "%d", 12345);
	EXPECT(n == 5 && small[0] == '\0', "n == 1: returned %d", n);
#undef FMT
}

/* printf: weft_printf writes to standard output (the test checks this
 * exact line). */
static void check_printf(void)
{
	weft_printf("printf: |%d|%5d|%-3s|%x|%c|%%|%s|\n", 42, -7, "ab", 255u, 'z', "end");
}

/* ---- the environment ---- */

/* args: weft_main's argv is the process's, as /proc/self/cmdline has it. */
static void check_args(void)
{
	char *s;
	long n = readfile("/proc/self/cmdline", &s);

	REQUIRE(n > 0, "cannot read /proc/self/cmdline: %ld", n);
	int argc = 0;
	for (char *p = s; p < s + n; p += rt_strlen(p) + 1, argc++)
		if (argc < main_argc)
			EXPECT(streq(p, main_argv[argc]), "argv[%d] is \"%s\", cmdline says \"%s\"",
			       argc, main_argv[argc], p);
	EXPECT(argc == main_argc, "argc %d, cmdline has %d", main_argc, argc);
	EXPECT(main_argv[main_argc] == NULL, "argv[argc] is not NULL");
	weft_free(s);
}

/* getenv: weft_getenv agrees with /proc/self/environ; unknown names and
 * prefixes of real names are NULL. */
static void check_getenv(void)
{
	char *s;
	long n = readfile("/proc/self/environ", &s);

	REQUIRE(n >= 0, "cannot read /proc/self/environ: %ld", n);
	int checked = 0;
	for (char *p = s; p < s + n && checked < 1000; p += rt_strlen(p) + 1) {
		char *eq = p;
		while (*eq && *eq != '=')
			eq++;
		if (*eq != '=' || eq == p)
			continue;
		*eq = '\0';
		const char *v = weft_getenv(p);
		EXPECT(v != NULL && streq(v, eq + 1), "weft_getenv(\"%s\") = \"%s\", want \"%s\"",
		       p, v ? v : "(null)", eq + 1);
		/* A proper prefix of the name is not the name. */
		size_t len = rt_strlen(p);
		if (len >= 2) {
			char prefix[64];
			if (len - 1 < sizeof prefix) {
				memcpy(prefix, p, len - 1);
				prefix[len - 1] = '\0';
				/* unless it is itself a variable */
				bool exists = false;
				for (char *q = s; q < s + n; q += rt_strlen(q) + 1)
					if (rt_hasprefix(q, prefix) && q[len - 1] == '=')
						exists = true;
				if (!exists)
					EXPECT(weft_getenv(prefix) == NULL, "weft_getenv(\"%s\") matched \"%s\"", prefix, p);
			}
		}
		*eq = '=';
		checked++;
	}
	EXPECT(weft_getenv("WEFT_SELFTEST_NO_SUCH_VARIABLE") == NULL);
	weft_free(s);
}

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
	{"snprintf", check_snprintf},
	{"printf", check_printf},
	{"args", check_args},
	{"getenv", check_getenv},
	{"strings", check_strings},
};

int weft_main(int argc, char **argv)
{
	main_argc = argc;
	main_argv = argv;
	return checks_main("selftest", checks, nelem(checks), argc, argv);
}
