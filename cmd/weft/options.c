/*
 * cmd/weft/options.c: the command line of "weft build" and "weft run":
 * their flags, in any order among the files, and WEFTVERBOSE.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"

void options_init(struct options *o, const char *cmd)
{
	const char *v = getenv("WEFTVERBOSE");

	*o = (struct options){
		.cmd = cmd,
		.opt = "2",
		.debug = true,
		.verbose = v && *v && strcmp(v, "0") != 0,
	};
}

void options_free(struct options *o)
{
	sv_free(&o->files);
}

/*
 * flag_value returns the value of the flag at argv[*i], whose name is
 * namelen bytes long: the rest of the argument ("-O3") or else the next
 * argument ("-O 3"), in which case it advances *i. It returns NULL, after
 * saying so, when there is no value.
 */
static const char *flag_value(const struct options *o, int argc, char **argv,
			      int *i, size_t namelen)
{
	const char *a = argv[*i];

	if (a[namelen] != '\0')
		return a + namelen;
	if (*i + 1 >= argc) {
		errorf(o->cmd, "flag %s needs a value (see 'weft help %s')", a,
		       o->cmd);
		return NULL;
	}
	return argv[++*i];
}

/* valid_opt_level reports whether -O's value is one gcc and clang accept. */
static bool valid_opt_level(const char *level)
{
	static const char *const levels[] = {"0", "1", "2", "3", "s", "g", "z", "fast"};

	for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
		if (strcmp(level, levels[i]) == 0)
			return true;
	return false;
}

enum parse_result options_parse(struct options *o, int argc, char **argv)
{
	bool run = strcmp(o->cmd, "run") == 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val;

		if (strcmp(a, "--") == 0) {
			if (run) {
				o->args = &argv[i + 1];
				break;
			}
			while (++i < argc)
				sv_push(&o->files, argv[i]);
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			sv_push(&o->files, a);
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			help_print(stdout, o->cmd);
			return PARSE_HELP;
		} else if (strcmp(a, "--libc") == 0) {
			o->libc = true;
		} else if (strcmp(a, "-g0") == 0) {
			o->debug = false;
		} else if (strcmp(a, "-v") == 0) {
			o->verbose = true;
		} else if (!run && strcmp(a, "--depfile") == 0) {
			if (!(val = flag_value(o, argc, argv, &i, strlen(a))))
				return PARSE_ERROR;
			o->depfile = val;
		} else if (!run && strncmp(a, "--depfile=", 10) == 0) {
			o->depfile = a + 10;
		} else if (!run && strncmp(a, "-o", 2) == 0) {
			if (!(val = flag_value(o, argc, argv, &i, 2)))
				return PARSE_ERROR;
			o->out = val;
		} else if (strncmp(a, "-O", 2) == 0) {
			if (!(val = flag_value(o, argc, argv, &i, 2)))
				return PARSE_ERROR;
			if (!valid_opt_level(val)) {
				errorf(o->cmd, "bad optimization level -O %s "
				       "(want 0, 1, 2, 3, s, g, z or fast)", val);
				return PARSE_ERROR;
			}
			o->opt = val;
		} else {
			errorf(o->cmd, "unknown flag %s (see 'weft help %s')", a,
			       o->cmd);
			return PARSE_ERROR;
		}
	}
	return PARSE_OK;
}
