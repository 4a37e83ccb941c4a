/*
 * cmd/weft/link.c: linking a program's objects with the runtime, and
 * giving it its symbol table (weft-symtab, abi/symtab.h).
 *
 * There are two ways to link:
 *  - freestanding (the default): no C library at all. The runtime's own
 *    _start is the entry point; -Wl,-u,_start pulls it out of the archive,
 *    and libgcc supplies the compiler's helper routines (libgcc is part of
 *    the compiler, not a C library).
 *  - hosted (--libc): libc's start-up code calls main(), which
 *    libweft_hosted.a defines; the runtime's threads are pthreads.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver.h"

/*
 * make_tmpfile creates an empty file "prefix.tmpXXXXXX" with the mode a
 * new executable gets, and returns its name, or NULL after an error.
 */
static char *make_tmpfile(const struct options *o, const char *prefix)
{
	char *tmp = xasprintf("%s.tmpXXXXXX", prefix);
	int fd = mkstemp(tmp);
	mode_t mask;

	if (fd < 0) {
		errorf(o->cmd, "cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		return NULL;
	}
	/* mkstemp makes the file 0600. Give it the mode a new executable
	 * would have, in case the linker writes into it rather than
	 * replacing it. (umask can only be read by setting it.) */
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0777 & ~mask) < 0 || close(fd) < 0) {
		errorf(o->cmd, "cannot set up %s: %s", tmp, strerror(errno));
		unlink(tmp);
		free(tmp);
		return NULL;
	}
	return tmp;
}

/* link_once links objs (and extra, if not NULL) with the runtime into
 * dest. It returns 0, EXIT_FAILED or EXIT_ERROR. */
static int link_once(const struct options *o, const struct target *t,
		     const struct strvec *objs, const char *extra, const char *dest)
{
	struct strvec cmd = {0};
	int rc;

	sv_extend(&cmd, &t->cc);
	if (!o->libc) {
		sv_push(&cmd, "-static");
		sv_push(&cmd, "-nostdlib");
		/* Not a static PIE: nothing would apply its relocations. gcc
		 * needs saying so; clang links -static as non-PIE already and
		 * warns about the flag. */
		bool clang = false;
		for (size_t i = 0; i < t->cc.len; i++)
			clang = clang || strstr(t->cc.v[i], "clang");
		if (!clang)
			sv_push(&cmd, "-no-pie");
	} else if (t->static_hosted) {
		sv_push(&cmd, "-static");
	}
	sv_push(&cmd, "-o");
	sv_push_path(&cmd, dest);
	for (size_t i = 0; i < objs->len; i++)
		sv_push_path(&cmd, objs->v[i]);
	if (!o->libc) {
		sv_push(&cmd, "-Wl,-u,_start");
		sv_take(&cmd, path_join(t->lib, "libweft.a"));
		sv_push(&cmd, "-lgcc");
	} else {
		sv_take(&cmd, path_join(t->lib, "libweft_hosted.a"));
		sv_take(&cmd, path_join(t->lib, "libweft.a"));
		sv_push(&cmd, "-lpthread");
	}
	sv_split(&cmd, getenv("WEFTLDFLAGS")); /* e.g. more libraries */
	/* Last: even its empty, aligned .text then comes after all the code,
	 * which stays where the first link put it. */
	if (extra)
		sv_push_path(&cmd, extra);
	rc = run_tool(o, &cmd);
	sv_free(&cmd);
	return rc;
}

/*
 * symtab_object assembles tmpdir/NAME.o defining the symbol weft_symtab:
 * the contents of the file bin, or, when bin is NULL, a placeholder of
 * eight zero bytes. It returns 0, EXIT_FAILED or EXIT_ERROR, and sets
 * *objp to the object's name (free it) on success.
 *
 * The placeholder is for the first link. A hosted program is a PIE, and
 * there an undefined weak symbol costs a dynamic symbol and a relocation
 * in front of the code; had the first link left weft_symtab undefined, the
 * second link's code could start a page earlier. With the symbol defined
 * in both, both lay out alike (the runtime never sees the placeholder: the
 * first link is only read by weft-symtab).
 */
static int symtab_object(const struct options *o, const struct target *t, const char *tmpdir,
			 const char *name, const char *bin, char **objp)
{
	char *src = xasprintf("%s/%s.S", tmpdir, name);
	char *obj = xasprintf("%s/%s.o", tmpdir, name);
	struct strvec cmd = {0};
	FILE *f;
	int rc = 0;

	if (!(f = fopen(src, "w"))) {
		errorf(o->cmd, "cannot create %s: %s", src, strerror(errno));
		rc = EXIT_ERROR;
		goto out;
	}
	fprintf(f, "\t.section .rodata.weft_symtab, \"a\"\n"
		   "\t.balign 8\n"
		   "\t.globl weft_symtab\n"
		   "weft_symtab:\n");
	/* .incbin takes a quoted string: tmpdir names never hold quotes. */
	if (bin)
		fprintf(f, "\t.incbin \"%s\"\n", bin);
	else
		fprintf(f, "\t.quad 0\n");
	fprintf(f, "\t.section .note.GNU-stack, \"\", %%progbits\n");
	if (fclose(f) != 0) {
		errorf(o->cmd, "cannot write %s: %s", src, strerror(errno));
		rc = EXIT_ERROR;
		goto out;
	}
	sv_extend(&cmd, &t->cc);
	sv_push(&cmd, "-c");
	sv_push_path(&cmd, src);
	sv_push(&cmd, "-o");
	sv_push_path(&cmd, obj);
	rc = run_tool(o, &cmd);
	sv_free(&cmd);
out:
	if (rc == 0) {
		*objp = obj;
		obj = NULL;
	}
	free(src);
	free(obj);
	return rc;
}

/*
 * make_symtab turns the executable exe into the object tmpdir/symtab.o
 * holding its symbol table (abi/symtab.h) as the symbol weft_symtab: the
 * generator writes the table, and symtab_object wraps it in an object.
 * It returns 0, EXIT_FAILED or EXIT_ERROR.
 *
 * Each C file of o->files, which build_in compiled into the objects
 * linked here, goes to the generator as --user: their functions are the
 * program's own code, the only code at which async preemption may stop
 * a goroutine (SYMTAB_FLAG_USER). The generator runs in this directory,
 * as the compiler did, so the paths mean the same to both; objects and
 * archives linked in prebuilt (WEFTLDFLAGS) are never named.
 */
static int make_symtab(const struct options *o, const struct target *t, const char *tmpdir,
		       const char *exe, char **objp)
{
	char *bin = xasprintf("%s/symtab.bin", tmpdir);
	struct strvec cmd = {0};
	int rc;

	sv_push(&cmd, t->symtab);
	sv_push(&cmd, "-o");
	sv_push_path(&cmd, bin);
	for (size_t i = 0; i < o->files.len; i++) {
		sv_push(&cmd, "--user");
		sv_push_path(&cmd, o->files.v[i]);
	}
	sv_push_path(&cmd, exe);
	rc = run_tool(o, &cmd);
	sv_free(&cmd);
	if (rc == 0)
		rc = symtab_object(o, t, tmpdir, "symtab", bin, objp);
	free(bin);
	return rc;
}

int link_program(const struct options *o, const struct target *t,
		 const char *tmpdir, const struct strvec *objs, const char *out)
{
	char *first = NULL, *second = NULL, *symobj = NULL, *placeholder = NULL;
	const char *result;
	int rc;

	if (!(first = make_tmpfile(o, out)))
		return EXIT_ERROR;
	rc = 0;
	if (o->debug)
		rc = symtab_object(o, t, tmpdir, "placeholder", NULL, &placeholder);
	if (rc == 0)
		rc = link_once(o, t, objs, placeholder, first);
	result = first;
	if (rc == 0 && o->debug) {
		rc = make_symtab(o, t, tmpdir, first, &symobj);
		if (rc == 0 && !(second = make_tmpfile(o, out)))
			rc = EXIT_ERROR;
		if (rc == 0)
			rc = link_once(o, t, objs, symobj, second);
		if (rc == 0) {
			struct strvec cmd = {0};
			sv_push(&cmd, t->symtab);
			sv_push(&cmd, "--same");
			sv_push_path(&cmd, first);
			sv_push_path(&cmd, second);
			rc = run_tool(o, &cmd);
			sv_free(&cmd);
			if (rc == EXIT_FAILED)
				errorf(o->cmd, "code moved between the links without and with the symbol table");
		}
		if (rc != 0)
			errorf(o->cmd, "cannot give the program its symbol table");
		result = second;
	}
	if (rc == 0) {
		if (o->verbose) {
			struct strvec mv = {0};
			sv_push(&mv, "mv");
			sv_push(&mv, result);
			sv_push(&mv, out);
			print_command(mv.v);
			sv_free(&mv);
		}
		if (rename(result, out) < 0) {
			errorf(o->cmd, "cannot rename %s to %s: %s", result, out, strerror(errno));
			rc = EXIT_ERROR;
		}
	}
	/* The linker may already have removed a file after an error. */
	if (first && (rc != 0 || result != first) && unlink(first) < 0 && errno != ENOENT)
		errorf(o->cmd, "cannot remove %s: %s", first, strerror(errno));
	if (second && rc != 0 && unlink(second) < 0 && errno != ENOENT)
		errorf(o->cmd, "cannot remove %s: %s", second, strerror(errno));
	free(first);
	free(second);
	free(symobj);
	free(placeholder);
	return rc;
}
