/*
 * cmd/weft/compile.c: compiling one of the program's C files into an
 * object file, with the flags the runtime needs; and, for --depfile,
 * gathering the compiler's dependency files into one for the program.
 *
 * The compiler writes one dependency file per C file (-MD -MF), a make
 * rule whose target is the object, in the driver's temporary directory.
 * The program's depfile is one rule, "OUT: every file those name", which
 * is what build systems read (ninja's depfile with deps = gcc, make's
 * include). File names are copied as the compiler wrote them, escapes and
 * all, so the rules for quoting spaces and '$' are the compiler's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver.h"

int compile_file(const struct options *o, const struct target *t,
		 const char *src, const char *obj, const char *dep)
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
	if (dep) {
		sv_push(&cmd, "-MD");
		sv_push(&cmd, "-MF");
		sv_push_path(&cmd, dep);
	}
	sv_split(&cmd, getenv("WEFTFLAGS"));
	sv_push(&cmd, "-c");
	sv_push_path(&cmd, src);
	sv_push(&cmd, "-o");
	sv_push_path(&cmd, obj);
	rc = run_tool(o, &cmd);
	sv_free(&cmd);
	return rc;
}

/* ---- the depfile ---- */

/*
 * read_text reads the whole file path into a new NUL-terminated string.
 * It returns it, or NULL after printing why.
 */
static char *read_text(const struct options *o, const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		errorf(o->cmd, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	do {
		if (cap - len < 4096) {
			cap = cap ? 2 * cap : 8192;
			buf = xrealloc(buf, cap);
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		errorf(o->cmd, "cannot read %s: %s", path, strerror(errno));
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/*
 * is_blank reports whether c separates words in a make rule: a space, a
 * tab or a carriage return (a newline ends the rule).
 */
static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/*
 * add_deps appends to files each prerequisite that the make rules in text
 * name and files does not hold yet; the targets are skipped. A word is
 * ended by an unescaped blank or newline; a backslash escapes the
 * character after it, except that a backslash before a newline continues
 * the rule on the next line. A rule's targets run up to the word that
 * ends in ':'.
 */
static void add_deps(struct strvec *files, const char *text)
{
	const char *p = text;
	bool targets = true;

	for (;;) {
		while (is_blank(*p) || (p[0] == '\\' && p[1] == '\n') ||
		       (p[0] == '\\' && p[1] == '\r' && p[2] == '\n'))
			p += *p == '\\' ? (p[1] == '\n' ? 2 : 3) : 1;
		if (*p == '\0')
			return;
		if (*p == '\n') {
			targets = true; /* a new rule */
			p++;
			continue;
		}
		const char *w = p;
		while (*p && *p != '\n' && !is_blank(*p)) {
			if (p[0] == '\\' && (p[1] == '\n' || (p[1] == '\r' && p[2] == '\n')))
				break; /* a continuation: not at w, which the loop above passed */
			p += p[0] == '\\' && p[1] != '\0' ? 2 : 1;
		}
		size_t n = (size_t)(p - w);
		if (targets) {
			targets = w[n - 1] != ':';
			continue;
		}
		bool seen = false;
		for (size_t i = 0; i < files->len && !seen; i++)
			seen = strlen(files->v[i]) == n && memcmp(files->v[i], w, n) == 0;
		if (!seen) {
			char *dup = strndup(w, n);
			if (!dup)
				oom();
			sv_take(files, dup);
		}
	}
}

/*
 * put_target writes path to f as a make target, escaped as the compiler
 * escapes it: a backslash before a blank or '#', and '$' doubled.
 */
static void put_target(FILE *f, const char *path)
{
	for (const char *p = path; *p; p++) {
		if (*p == '$')
			fputc('$', f);
		else if (*p == ' ' || *p == '\t' || *p == '#')
			fputc('\\', f);
		fputc(*p, f);
	}
}

char *compile_write_depfile(const struct options *o, const struct strvec *deps,
			    const char *out)
{
	struct strvec files = {0};
	char *tmp = NULL;
	FILE *f = NULL;
	mode_t mask;
	int fd, rc = EXIT_ERROR;

	for (size_t i = 0; i < deps->len; i++) {
		char *text = read_text(o, deps->v[i]);
		if (!text)
			goto out;
		add_deps(&files, text);
		free(text);
	}

	tmp = xasprintf("%s.tmpXXXXXX", o->depfile);
	if ((fd = mkstemp(tmp)) < 0) {
		errorf(o->cmd, "cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	/* mkstemp makes the file 0600: give it a new file's mode. */
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) < 0 || !(f = fdopen(fd, "w"))) {
		errorf(o->cmd, "cannot set up %s: %s", tmp, strerror(errno));
		close(fd);
		goto out;
	}
	put_target(f, out);
	fputc(':', f);
	for (size_t i = 0; i < files.len; i++)
		fprintf(f, " \\\n  %s", files.v[i]);
	fputc('\n', f);
	if (fclose(f) != 0) {
		errorf(o->cmd, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (tmp && rc != 0) {
		if (unlink(tmp) < 0)
			errorf(o->cmd, "cannot remove %s: %s", tmp, strerror(errno));
		free(tmp);
		tmp = NULL;
	}
	sv_free(&files);
	return tmp;
}
