/*
 * testutil.c: running child programs for the Criterion suite (see
 * testutil.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

extern char **environ;

enum { MAX_OUTPUT = 64 << 20 };

double monotime(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* namelen is the length of NAME in "NAME=VALUE". */
static size_t namelen(const char *kv)
{
	const char *eq = strchr(kv, '=');
	return eq ? (size_t)(eq - kv) : strlen(kv);
}

char **make_env(const char *const *extra)
{
	size_t n = 0, m = 0, k = 0;

	while (environ[n])
		n++;
	while (extra && extra[m])
		m++;
	char **env = calloc(n + m + 1, sizeof *env);
	for (size_t i = 0; i < n; i++) {
		bool replaced = false;
		for (size_t j = 0; j < m; j++)
			if (namelen(environ[i]) == namelen(extra[j]) &&
			    strncmp(environ[i], extra[j], namelen(extra[j])) == 0)
				replaced = true;
		if (!replaced)
			env[k++] = environ[i];
	}
	for (size_t j = 0; j < m; j++)
		if (strchr(extra[j], '='))
			env[k++] = (char *)extra[j];
	env[k] = NULL;
	return env;
}

struct buf {
	char *p;
	size_t len, cap;
};

/* drain reads what is available on fd into b; returns false at EOF. */
static bool drain(int fd, struct buf *b)
{
	char tmp[65536];
	ssize_t n = read(fd, tmp, sizeof tmp);

	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (n == 0)
		return false;
	if (b->len + (size_t)n + 1 > b->cap) {
		b->cap = (b->len + (size_t)n + 1) * 2;
		b->p = realloc(b->p, b->cap);
	}
	if (b->len < MAX_OUTPUT) {
		memcpy(b->p + b->len, tmp, (size_t)n);
		b->len += (size_t)n;
	}
	b->p[b->len] = '\0';
	return true;
}

const char *status_str(const struct run *r)
{
	static char s[64];
	if (r->sig)
		snprintf(s, sizeof s, "killed by signal %d (%s)", r->sig, strsignal(r->sig));
	else
		snprintf(s, sizeof s, "exit status %d", r->status);
	return s;
}

static void describe(struct run *r, const char *const *argv, const struct run_opts *o)
{
	size_t n = 0;
	r->desc[0] = '\0';
	if (o && o->rlimit_as)
		n += (size_t)snprintf(r->desc + n, sizeof r->desc - n, "(RLIMIT_AS %lu) ", o->rlimit_as);
	for (const char *const *e = o ? o->env : NULL; e && *e && n < sizeof r->desc; e++)
		n += (size_t)snprintf(r->desc + n, sizeof r->desc - n, "%s ", *e);
	for (const char *const *a = argv; *a && n < sizeof r->desc; a++)
		n += (size_t)snprintf(r->desc + n, sizeof r->desc - n, a == argv ? "%s" : " '%s'", *a);
	if (o && o->dir && n < sizeof r->desc)
		snprintf(r->desc + n, sizeof r->desc - n, "   (in %s)", o->dir);
}

static void fill_report(struct run *r, const char *how)
{
	snprintf(r->report, sizeof r->report,
		 "command: %s\n%s\n--- stdout (%zu bytes) ---\n%.3000s%s\n--- stderr (%zu bytes) ---\n%.3000s%s",
		 r->desc, how, r->outlen, r->out, r->outlen > 3000 ? "\n[...]" : "",
		 r->errlen, r->err, r->errlen > 3000 ? "\n[...]" : "");
}

void run(struct run *r, const char *const *argv, const struct run_opts *o)
{
	int outp[2], errp[2];
	int timeout = o && o->timeout_s > 0 ? o->timeout_s : RUN_TIMEOUT_S;

	memset(r, 0, sizeof *r);
	describe(r, argv, o);
	cr_assert(pipe2(outp, O_CLOEXEC) == 0 && pipe2(errp, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
	char **env = make_env(o ? o->env : NULL);
	fflush(NULL);
	pid_t pid = fork();
	cr_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		setpgid(0, 0);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(outp[1], 1) < 0 || dup2(errp[1], 2) < 0)
			_exit(126);
		if (o && o->rlimit_as) {
			struct rlimit rl = {o->rlimit_as, o->rlimit_as};
			if (setrlimit(RLIMIT_AS, &rl) < 0) {
				dprintf(2, "testutil: setrlimit: %s\n", strerror(errno));
				_exit(126);
			}
		}
		if (o && o->dir && chdir(o->dir) < 0) {
			dprintf(2, "testutil: chdir %s: %s\n", o->dir, strerror(errno));
			_exit(126);
		}
		signal(SIGPIPE, SIG_DFL);
		execvpe(argv[0], (char *const *)argv, env);
		dprintf(2, "testutil: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid); /* also here, so the kill below cannot miss */
	free(env);
	close(outp[1]);
	close(errp[1]);

	struct buf out = {calloc(1, 1), 0, 1}, err = {calloc(1, 1), 0, 1};
	bool outopen = true, erropen = true, exited = false;
	int ws = 0;
	double deadline = monotime() + timeout;
	while (monotime() < deadline) {
		if (!exited && waitpid(pid, &ws, WNOHANG) == pid)
			exited = true;
		if (!outopen && !erropen) {
			if (exited)
				break;
			usleep(5000);
			continue;
		}
		struct pollfd fds[2] = {{outopen ? outp[0] : -1, POLLIN, 0}, {erropen ? errp[0] : -1, POLLIN, 0}};
		int ms = (int)((deadline - monotime()) * 1000) + 1;
		if (poll(fds, 2, ms > 100 ? 100 : ms) < 0 && errno != EINTR)
			break;
		if (outopen && fds[0].revents)
			outopen = drain(outp[0], &out);
		if (erropen && fds[1].revents)
			erropen = drain(errp[0], &err);
		/* The child is gone and its pipes were quiet for 100 ms:
		 * something it started may still hold them open, but we have
		 * its output. */
		if (exited && !(fds[0].revents | fds[1].revents))
			break;
	}
	close(outp[0]);
	close(errp[0]);
	r->out = out.p;
	r->outlen = out.len;
	r->err = err.p;
	r->errlen = err.len;
	kill(-pid, SIGKILL); /* whatever is left of its process group */
	if (!exited) {
		waitpid(pid, &ws, 0);
		fill_report(r, "TIMED OUT");
		cr_assert_fail("%s: still running after %d s: killed (the test failed; a hang?)\n%s",
			       argv[0], timeout, r->report);
	}
	if (WIFSIGNALED(ws)) {
		r->status = -1;
		r->sig = WTERMSIG(ws);
	} else {
		r->status = WEXITSTATUS(ws);
	}
	fill_report(r, status_str(r));
}

void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct buf b = {calloc(1, 1), 0, 1};
	int fd = fileno(f);
	while (drain(fd, &b))
		;
	fclose(f);
	if (len)
		*len = b.len;
	return b.p;
}

void need_file(const char *path)
{
	struct stat st;
	cr_assert(stat(path, &st) == 0, "%s is missing: build it first (ninja tests), and run "
		  "build/test/weft_test from the repository root", path);
}

const char *qemu(void)
{
	static char found[4096];
	const char *path = getenv("PATH");

	if (found[0])
		return found;
	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		const char *colon = strchr(path, ':');
		size_t n = colon ? (size_t)(colon - path) : strlen(path);
		snprintf(found, sizeof found, "%.*s/qemu-aarch64", (int)n, path);
		if (access(found, X_OK) == 0)
			return found;
		path += n + (colon != NULL);
	}
	found[0] = '\0';
	return NULL;
}

char *tmpdir(const char *name)
{
	char *d;
	mkdir("build/test", 0777);
	mkdir("build/test/tmp", 0777);
	cr_assert(asprintf(&d, "build/test/tmp/%s.%d", name, (int)getpid()) > 0);
	cr_assert(mkdir(d, 0777) == 0 || errno == EEXIST, "mkdir %s: %s", d, strerror(errno));
	return d;
}

void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert(f != NULL, "cannot create %s: %s", path, strerror(errno));
	cr_assert(fputs(text, f) >= 0 && fclose(f) == 0, "cannot write %s", path);
}

/* last_line returns the last line of text (static buffer). */
static const char *last_line(const char *text)
{
	static char line[256];
	size_t n = strlen(text);

	if (n > 0 && text[n - 1] == '\n')
		n--;
	size_t start = n;
	while (start > 0 && text[start - 1] != '\n')
		start--;
	snprintf(line, sizeof line, "%.*s", (int)(n - start), text + start);
	return line;
}

void assert_checks_passed(const struct run *r, const char *prog, int want)
{
	const char *fail = strstr(r->out, "FAIL ");
	cr_assert(fail == NULL, "a check failed: %.*s\n%s", (int)strcspn(fail ? fail : "", "\n"), fail ? fail : "",
		  r->report);
	char fmt[64];
	snprintf(fmt, sizeof fmt, "%s: %%d passed, %%d failed", prog);
	int passed = -1, failed = -1;
	const char *last = last_line(r->out);
	cr_assert(sscanf(last, fmt, &passed, &failed) == 2,
		  "no final \"%s: N passed, M failed\" line (last line: \"%s\")\n%s", prog, last, r->report);
	cr_assert(failed == 0 && passed == want, "%s; want %d passed, 0 failed\n%s", last, want, r->report);
	assert_exit(r, 0);
	cr_assert(r->errlen == 0, "unexpected standard error\n%s", r->report);
}

const char *line_after(const char *text, const char *prefix)
{
	static char line[1024];
	size_t pl = strlen(prefix);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, prefix, pl) != 0)
			continue;
		const char *next = strchr(p, '\n');
		if (!next)
			return NULL;
		next++;
		size_t n = strcspn(next, "\n");
		if (n >= sizeof line)
			n = sizeof line - 1;
		memcpy(line, next, n);
		line[n] = '\0';
		return line;
	}
	return NULL;
}

long goroutine_id(const char *text, const char *word)
{
	for (const char *p = strstr(text, "goroutine "); p; p = strstr(p + 1, "goroutine ")) {
		char *end;
		long id = strtol(p + 10, &end, 10);
		if (end != p + 10 && *end == ' ' && strncmp(end + 1, word, strlen(word)) == 0)
			return id;
	}
	return -1;
}

void prog_argv(const char **argv, bool arm64, const char *prog, const char *arg)
{
	int n = 0;
	if (arm64)
		argv[n++] = qemu();
	argv[n++] = prog;
	if (arg)
		argv[n++] = arg;
	argv[n] = NULL;
}

/* has_line_starting: whether some line of text starts with prefix. */
static bool has_line_starting(const char *text, const char *prefix)
{
	size_t pl = strlen(prefix);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, prefix, pl) == 0)
			return true;
	return false;
}

/* check_prog writes the path of build b of check program name into buf. */
static void check_prog(char *buf, size_t n, const char *name, enum check_build b)
{
	bool arm64 = b == CHECK_ARM64 || b == CHECK_ARM64_HOSTED;
	bool hosted = b == CHECK_HOSTED || b == CHECK_ARM64_HOSTED;

	snprintf(buf, n, "build/test/%s/%s%s", arm64 ? "prog-arm64" : "prog", name, hosted ? "-libc" : "");
}

void run_checks(struct run *out, const char *name, enum check_build b, const char *const *env, const char *check)
{
	bool arm64 = b == CHECK_ARM64 || b == CHECK_ARM64_HOSTED;
	struct run_opts o = {.env = env, .timeout_s = arm64 ? 300 : 120};
	const char *argv[4];
	char prog[256];
	struct run list, r;

	check_prog(prog, sizeof prog, name, b);
	need_file(prog);
	prog_argv(argv, arm64, prog, "-list");
	run(&list, argv, &o);
	assert_exit(&list, 0);
	cr_assert(list.outlen > 0 && list.errlen == 0, "%s -list: no list of checks\n%s", prog, list.report);

	prog_argv(argv, arm64, prog, check);
	run(&r, argv, &o);
	/* Every check of the list (or the one asked for) said ok. */
	int want = 0;
	char missing[1024] = "", line[256];
	for (const char *p = list.out; *p;) {
		size_t n = strcspn(p, "\n");
		snprintf(line, sizeof line, "%.*s", (int)n, p);
		p += n + (p[n] == '\n');
		if (line[0] == '\0' || (check != NULL && strcmp(line, check) != 0))
			continue;
		want++;
		char ok[300];
		snprintf(ok, sizeof ok, "ok   %s (", line);
		if (!has_line_starting(r.out, ok) && strlen(missing) + strlen(line) + 5 < sizeof missing)
			strcat(strcat(missing, " "), line);
	}
	if (check != NULL)
		cr_assert(want == 1, "%s has no check %s; its checks:\n%s", prog, check, list.out);
	cr_assert(want > 0, "%s -list named no check\n%s", prog, list.report);
	/* A FAIL line is reported below, with its message. */
	if (strstr(r.out, "FAIL ") == NULL)
		cr_assert(missing[0] == '\0', "%s: checks it lists never reported ok:%s\n%s", prog, missing,
			  r.report);
	assert_checks_passed(&r, name, want);
	run_free(&list);
	if (out)
		*out = r;
	else
		run_free(&r);
}

void assert_unknown_check(const char *name)
{
	char prog[256], want[300];
	struct run r;

	check_prog(prog, sizeof prog, name, CHECK_NATIVE);
	need_file(prog);
	RUN(&r, NULL, prog, "no_such_check");
	assert_exit(&r, 2);
	snprintf(want, sizeof want, "%s: no check named no_such_check\n", name);
	assert_stdout_has(&r, want);
	run_free(&r);
}

/* ---- finding Go ---- */

char go_path[PATH_MAX];
char go_why[2048]; /* why there is none */
static char go_envs[4][PATH_MAX + 16];
const char *go_env[5];

/* go_setenv fills go_env, the settings every go command here runs with:
 * the toolchain at hand (never a download), no GOFLAGS or go.env of the
 * user's, and a cache in build/test/tmp, for a HOME that may be unset. */
static void go_setenv(void)
{
	char tmp[PATH_MAX];
	mkdir("build/test", 0777);
	mkdir("build/test/tmp", 0777);
	if (!realpath("build/test/tmp", tmp))
		snprintf(tmp, sizeof tmp, "/tmp");
	snprintf(go_envs[0], sizeof go_envs[0], "GOTOOLCHAIN=local");
	snprintf(go_envs[1], sizeof go_envs[1], "GOFLAGS=");
	snprintf(go_envs[2], sizeof go_envs[2], "GOENV=off");
	snprintf(go_envs[3], sizeof go_envs[3], "GOCACHE=%s/gocache", tmp);
	for (int i = 0; i < 4; i++)
		go_env[i] = go_envs[i];
	go_env[4] = NULL;
}

/* go_usable: path runs and says it is Go 1.22 or later (go env
 * GOVERSION: "go1.23.5", or "devel go1.24-..."); otherwise go_why says
 * why not. */
static bool go_usable(const char *path)
{
	size_t n = strlen(go_why);
	if (access(path, X_OK) != 0) {
		snprintf(go_why + n, sizeof go_why - n, "%s: not found; ", path);
		return false;
	}
	struct run r;
	struct run_opts o = {.env = go_env};
	RUN(&r, &o, path, "env", "GOVERSION");
	const char *v = strstr(r.out, "go1.");
	long minor = v ? strtol(v + 4, NULL, 10) : -1;
	bool ok = r.status == 0 && r.sig == 0 && minor >= 22;
	if (!ok)
		snprintf(go_why + n, sizeof go_why - n, "%s: %s, version \"%.*s\" (want go1.22 or later); ", path,
			 status_str(&r), (int)strcspn(r.out, "\n"), r.out);
	run_free(&r);
	return ok;
}

/* find_go returns the go command to use ($WEFT_GO, Go 1.23's Debian
 * path, go on the PATH: the first that works), or NULL with go_why set. */
const char *find_go(void)
{
	static int state; /* 0: not looked yet; 1: found; -1: none */
	if (state)
		return state > 0 ? go_path : NULL;
	go_setenv();
	go_why[0] = '\0';
	const char *cands[3] = {getenv("WEFT_GO"), "/usr/lib/go-1.23/bin/go", NULL};
	char onpath[PATH_MAX] = "";
	const char *path = getenv("PATH");
	for (const char *p = path ? path : ""; *p;) {
		size_t n = strcspn(p, ":");
		snprintf(onpath, sizeof onpath, "%.*s/go", (int)n, p);
		if (access(onpath, X_OK) == 0) {
			cands[2] = onpath;
			break;
		}
		onpath[0] = '\0';
		p += n + (p[n] == ':');
	}
	for (int i = 0; i < 3; i++) {
		if (!cands[i] || !*cands[i])
			continue;
		if (go_usable(cands[i])) {
			snprintf(go_path, sizeof go_path, "%s", cands[i]);
			state = 1;
			return go_path;
		}
	}
	if (!cands[2]) {
		size_t n = strlen(go_why);
		snprintf(go_why + n, sizeof go_why - n, "no go on the PATH");
	}
	state = -1;
	return NULL;
}

/* strict_check runs the strict oracle (test/tracecheck: Go's Reader,
 * testtrace's Validator, the time line, the frame PCs) on trace and
 * returns true when it accepts it; why gets its output. */
bool strict_check(const char *trace, char *why, size_t whylen)
{
	need_file(TRACECHECK);
	char env[PATH_MAX + 16];
	snprintf(env, sizeof env, "WEFTCHECK=%s", trace);
	const char *extra[] = {env, NULL};
	struct run_opts o = {.env = extra, .timeout_s = GO_TIMEOUT_S};
	struct run r;
	RUN(&r, &o, TRACECHECK, "-test.run", "^TestWeftTrace$");
	bool ok = r.status == 0 && r.sig == 0;
	snprintf(why, whylen, "%s%s", r.out, r.err);
	run_free(&r);
	return ok;
}

/* ---- reading go tool pprof's output ---- */

/* pprof_findrow finds the row of -top's table for entry (the end of the row:
 * "light", "heavy_work (inline)", "heavy_work FILE:LINE (inline)") and
 * reads its flat% and cum%: false if there is none. */
bool pprof_findrow(const struct run *r, const char *entry, double *flat, double *cum)
{
	size_t n = strlen(entry);
	for (const char *p = r->out; *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len > n + 2 && memcmp(p + len - n, entry, n) == 0 && p[len - n - 1] == ' ' &&
		    p[len - n - 2] == ' ') {
			char flatv[32], cumv[32];
			double sum;
			cr_assert(sscanf(p, "%31s %lf%% %lf%% %31s %lf%%", flatv, flat, &sum, cumv, cum) == 5,
				  "-top row for %s unreadable: %.*s", entry, (int)len, p);
			return true;
		}
		p += len + (e != NULL);
	}
	return false;
}

/* pprof_topline is pprof_findrow that fails the test when there is no row. */
void pprof_topline(const struct run *r, const char *entry, double *flat, double *cum)
{
	if (!pprof_findrow(r, entry, flat, cum))
		cr_assert_fail("go tool pprof -top has no row for \"%s\"\n%s", entry, r->report);
}
