/*
 * cmd/weft/compile.c: compiling one of the program's C files into an
 * object file, with the flags the runtime needs.
 */
#define _GNU_SOURCE
#include <stdlib.h>

#include "driver.h"

int compile_file(const struct options *o, const struct target *t,
		 const char *src, const char *obj)
{
	struct strvec cmd = {0};
	int rc;

	sv_extend(&cmd, &t->cc);
	sv_push(&cmd, "-std=gnu11");
	sv_pushf(&cmd, "-O%s", o->opt);
	sv_push(&cmd, o->debug ? "-g" : "-g0");
	sv_split(&cmd, WEFT_FPFLAGS); /* build.ninja's, as the runtime's */
	sv_split(&cmd, t->flags);
	sv_push(&cmd, "-fno-stack-protector");
	sv_push(&cmd, "-Wall");
	sv_pushf(&cmd, "-I%s", t->include);
	sv_split(&cmd, getenv("WEFTFLAGS"));
	sv_push(&cmd, "-c");
	sv_push_path(&cmd, src);
	sv_push(&cmd, "-o");
	sv_push_path(&cmd, obj);
	rc = run_tool(o, &cmd);
	sv_free(&cmd);
	return rc;
}
