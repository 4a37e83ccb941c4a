/*
 * print.c: checks of formatted output (runtime/print.c): weft_snprintf
 * and weft_printf.
 *
 * A check program (test/prog/check.h): "print" runs every check, "print
 * NAME" the one called NAME, "print -list" names them. test/print_test.c
 * runs it at several WEFTMAXPROCS, natively, hosted and on arm64 under
 * qemu.
 */
#include "runtime.h"

#include "check.h"

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

static const struct check checks[] = {
	{"snprintf", check_snprintf},
	{"printf", check_printf},
};

int weft_main(int argc, char **argv)
{
	return checks_main("print", checks, nelem(checks), argc, argv);
}
