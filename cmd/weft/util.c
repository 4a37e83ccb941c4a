/*
 * cmd/weft/util.c: what every step of a build stands on: errors, memory,
 * argument vectors, and the child processes that compile, link and run.
 *
 * Child processes. The compiler and (for "run") the program are started
 * with posix_spawnp and waited for. There is no shell in between, so file
 * names with spaces or quotes need no escaping. While a child runs, weft
 * ignores SIGINT and SIGQUIT, as system() does: ^C stops the child, and
 * weft lives on to remove its temporary files.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "driver.h"

extern char **environ;

/* ---- errors and memory ---- */

PRINTF_LIKE(2, 3)
void errorf(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	if (cmd)
		fprintf(stderr, "weft %s: ", cmd);
	else
		fputs("weft: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

_Noreturn void oom(void)
{
	fputs("weft: out of memory\n", stderr);
	exit(EXIT_ERROR);
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *t = strdup(s);
	if (!t)
		oom();
	return t;
}

PRINTF_LIKE(1, 0)
char *xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	return s;
}

PRINTF_LIKE(1, 2)
char *xasprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

/* ---- argument vectors ---- */

void sv_take(struct strvec *sv, char *s)
{
	if (sv->len + 2 > sv->cap) {
		sv->cap = sv->cap ? 2 * sv->cap : 16;
		sv->v = xrealloc(sv->v, sv->cap * sizeof *sv->v);
	}
	sv->v[sv->len++] = s;
	sv->v[sv->len] = NULL;
}

void sv_push(struct strvec *sv, const char *s)
{
	sv_take(sv, xstrdup(s));
}

PRINTF_LIKE(2, 3)
void sv_pushf(struct strvec *sv, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sv_take(sv, xvasprintf(fmt, ap));
	va_end(ap);
}

void sv_push_path(struct strvec *sv, const char *path)
{
	sv_pushf(sv, "%s%s", path[0] == '-' ? "./" : "", path);
}

void sv_extend(struct strvec *sv, const struct strvec *w)
{
	for (size_t i = 0; i < w->len; i++)
		sv_push(sv, w->v[i]);
}

void sv_split(struct strvec *sv, const char *s)
{
	static const char space[] = " \t\n";

	if (!s)
		return;
	for (;;) {
		s += strspn(s, space);
		size_t n = strcspn(s, space);
		if (n == 0)
			return;
		char *w = strndup(s, n);
		if (!w)
			oom();
		sv_take(sv, w);
		s += n;
	}
}

void sv_free(struct strvec *sv)
{
	for (size_t i = 0; i < sv->len; i++)
		free(sv->v[i]);
	free(sv->v);
	*sv = (struct strvec){0};
}

void print_command(char *const argv[])
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyz"
				   "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789-_./=+,:@%";

	for (size_t i = 0; argv[i]; i++) {
		const char *w = argv[i];
		if (i > 0)
			fputc(' ', stderr);
		if (w[0] != '\0' && w[strspn(w, safe)] == '\0') {
			fputs(w, stderr);
			continue;
		}
		fputc('\'', stderr);
		for (; *w; w++) {
			if (*w == '\'')
				fputs("'\\''", stderr);
			else
				fputc(*w, stderr);
		}
		fputc('\'', stderr);
	}
	fputc('\n', stderr);
}

/* ---- child processes ---- */

int spawn_wait(char *const argv[], int *wstatus)
{
	struct sigaction ign = {.sa_handler = SIG_IGN};
	struct sigaction old_int, old_quit;
	posix_spawnattr_t attr;
	sigset_t dfl;
	pid_t pid;
	int err;

	sigemptyset(&ign.sa_mask);
	if (sigaction(SIGINT, &ign, &old_int) < 0)
		return -1;
	if (sigaction(SIGQUIT, &ign, &old_quit) < 0) {
		err = errno;
		sigaction(SIGINT, &old_int, NULL);
		errno = err;
		return -1;
	}

	/* weft installs no handlers, so each old disposition was either
	 * SIG_IGN, which the child inherits anyway, or SIG_DFL. */
	sigemptyset(&dfl);
	if (old_int.sa_handler == SIG_DFL)
		sigaddset(&dfl, SIGINT);
	if (old_quit.sa_handler == SIG_DFL)
		sigaddset(&dfl, SIGQUIT);

	err = posix_spawnattr_init(&attr);
	if (err == 0) {
		err = posix_spawnattr_setsigdefault(&attr, &dfl);
		if (err == 0)
			err = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
		if (err == 0)
			err = posix_spawnp(&pid, argv[0], NULL, &attr, argv, environ);
		posix_spawnattr_destroy(&attr);
	}
	if (err == 0) {
		while (waitpid(pid, wstatus, 0) < 0) {
			if (errno != EINTR) {
				err = errno;
				break;
			}
		}
	}

	/* Restoring what sigaction returned cannot fail. */
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

int run_tool(const struct options *o, const struct strvec *cmd)
{
	int ws;

	if (o->verbose)
		print_command(cmd->v);
	if (spawn_wait(cmd->v, &ws) < 0) {
		errorf(o->cmd, "cannot run %s: %s", cmd->v[0], strerror(errno));
		return EXIT_ERROR;
	}
	if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
		return 0;
	if (WIFSIGNALED(ws))
		errorf(o->cmd, "%s: killed by signal %d (%s)", cmd->v[0],
		       WTERMSIG(ws), strsignal(WTERMSIG(ws)));
	return EXIT_FAILED;
}

/* ---- files ---- */

char *path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir);
	return xasprintf("%s%s%s", dir, n > 0 && dir[n - 1] == '/' ? "" : "/", name);
}
