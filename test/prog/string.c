/*
 * string.c: checks of the runtime's string and memory helpers
 * (runtime/string.c).
 *
 * A check program (test/prog/check.h): "string" runs every check, "string
 * NAME" the one called NAME, "string -list" names them. test/string_test.c
 * runs it at several WEFTMAXPROCS, natively, hosted and on arm64 under
 * qemu.
 */
#include "runtime.h"

#include "check.h"

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

static const struct check checks[] = {
	{"strings", check_strings},
};

int weft_main(int argc, char **argv)
{
	return checks_main("string", checks, nelem(checks), argc, argv);
}
