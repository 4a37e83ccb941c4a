/*
 * env.c: checks of what a program is started with (runtime/env.c): its
 * arguments and its environment.
 *
 * A check program (test/prog/check.h): "env" runs every check, "env
 * NAME" the one called NAME, "env -list" names them. test/env_test.c
 * runs it at several WEFTMAXPROCS, natively, hosted and on arm64 under
 * qemu.
 */
#include "runtime.h"

#include "check.h"

static int main_argc;
static char **main_argv;

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
	EXPECT(weft_getenv("WEFT_TEST_NO_SUCH_VARIABLE") == NULL);
	weft_free(s);
}

static const struct check checks[] = {
	{"args", check_args},
	{"getenv", check_getenv},
};

int weft_main(int argc, char **argv)
{
	main_argc = argc;
	main_argv = argv;
	return checks_main("env", checks, nelem(checks), argc, argv);
}
