/*
 * env.c: the program's arguments and environment, as the kernel passed
 * them. The entry code (rt0_go) sets rt_argc, rt_argv and rt_envp before
 * anything else runs; afterwards they are only read.
 */
#include "runtime.h"

int rt_argc;
char **rt_argv;
char **rt_envp; /* "NAME=value" strings, NULL-terminated */

/* rt_getenv returns the value of environment variable name, or NULL when it
 * is not set. The first "name=" entry wins. The result points into the
 * environment: do not modify it. */
const char *rt_getenv(const char *name)
{
	size_t n = rt_strlen(name);

	if (rt_envp == NULL)
		return NULL;
	for (char **e = rt_envp; *e != NULL; e++)
		if (rt_hasprefix(*e, name) && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

/* weft_getenv returns the value of an environment variable, or NULL. */
const char *weft_getenv(const char *name)
{
	return rt_getenv(name);
}

/*
 * rt_debugvar finds option name in WEFTDEBUG, a comma-separated list of
 * name=value options (Go's GODEBUG), and returns its value, which ends at
 * the next comma or the end, setting *len to its length; or returns NULL
 * when WEFTDEBUG does not set name. The first setting wins.
 */
const char *rt_debugvar(const char *name, size_t *len)
{
	const char *s = rt_getenv("WEFTDEBUG");
	size_t n = rt_strlen(name);

	while (s && *s) {
		const char *end = s;
		while (*end && *end != ',')
			end++;
		if (rt_hasprefix(s, name) && s[n] == '=' && s + n < end) {
			*len = (size_t)(end - (s + n + 1));
			return s + n + 1;
		}
		s = *end ? end + 1 : end;
	}
	return NULL;
}
