/*
 * trace_test.c: the execution tracer (runtime/trace*.c), judged by Go's
 * own trace parser.
 *
 * The oracle. `go tool trace -d=1 FILE` reads a trace through Go's
 * internal/trace, which checks every state transition of every goroutine
 * and P, every sequence number and every table reference, and prints one
 * line per event (stacks below it, one frame per two lines). Exit status
 * 0 means Go accepts the whole trace. Every trace this suite makes goes
 * through it, and the checks read its output: that is what a user of the
 * trace sees, so a test here fails for what a user would notice. Each
 * then goes through the strict oracle too (test/tracecheck: Go's Reader
 * with testtrace.Validator, as Go's own tests use them, plus the time
 * line, no event before its cause and no drift, and frame PCs that are
 * addresses). Go comes
 * from $WEFT_GO, /usr/lib/go-1.23/bin/go or the PATH, at version 1.22 or
 * later; without one every test here says it is skipped and why.
 *
 * What is checked (the programs are in test/prog/trace_*.c):
 *  - oracle: every example, traced at 1, 2 and 8 Ps, prints its golden
 *    output and leaves a trace Go reads, with the right number of Ps and
 *    every frame named;
 *  - stress: 10000 goroutines doing everything (channels, select, sleep,
 *    yield, mutex, waitgroup, system calls that lose their P) in 2 ms
 *    generations at 1, 2, 4 and 8 Ps: the trace holds exactly the
 *    creations, ends, yields and system calls the program counted;
 *  - sigkill: a program killed with SIGKILL leaves every generation it
 *    finished readable;
 *  - stacks: blocking stacks name the public function, the inlined
 *    function with the exact line of the call inside it, the functions
 *    around it and the goroutine's own function, and nothing of the
 *    runtime; the frame-pointer unwinder and the rule-based one
 *    (WEFTDEBUG=tracefpunwindoff=1) give the same stacks;
 *  - annotations: tasks, regions and logs as Go's runtime/trace makes them;
 *  - api: weft_trace_start and weft_trace_stop mid-run, their return
 *    values, and files complete when stop returns;
 *  - exit: main's return, weft_exit, a panic and a fatal signal each leave
 *    a complete trace and the untraced exit status;
 *  - ticker: a goroutine waiting for weft_ticker's ticks blocks for
 *    "chan receive" at weft_chan_recv, and the timer's thread wakes it;
 *  - arm64 (under qemu-aarch64): an example, the stacks and the unwinders.
 *
 * go tool trace's output for a big trace runs to hundreds of megabytes,
 * so it is read as it comes (go_trace_lines) and turned into events one at
 * a time (struct tev) for the checks to count: no test holds it all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "traceevent.h" /* the wire format, shared with the runtime */


/* ---- running go tool trace ---- */

/* spawn starts prog with argv and make_env(extra), its standard input
 * and output on in and out, and returns its pid. */
static pid_t spawn(const char *prog, const char *const *argv, const char *const *extra, int in, int out)
{
	need_file(prog);
	char **env = make_env(extra);
	fflush(NULL);
	pid_t pid = fork();
	cr_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		if (dup2(in, 0) < 0 || dup2(out, 1) < 0)
			_exit(126);
		execve(prog, (char *const *)argv, env);
		_exit(127);
	}
	free(env);
	return pid;
}

struct goresult {
	int status; /* exit status, -1 when a signal killed it */
	char err[8192]; /* the start of its standard error */
};

typedef void (*line_fn)(char *line, void *arg);

/* go_trace_lines runs `go tool trace FLAG TRACE` and calls fn for each
 * line of its standard output (newline removed) as it comes, so that no
 * output is held whole. Its standard error goes to TRACE.goerr, of which
 * res->err gets the start. A hard timeout kills it and fails the test. */
static void go_trace_lines(const char *flag, const char *trace, line_fn fn, void *arg, struct goresult *res)
{
	const char *go = find_go();
	cr_assert(go != NULL);
	char errpath[PATH_MAX];
	snprintf(errpath, sizeof errpath, "%s.goerr", trace);

	char **env = make_env(go_env);
	int out[2];
	cr_assert(pipe2(out, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
	int errfd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	cr_assert(errfd >= 0, "cannot create %s: %s", errpath, strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	cr_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		setpgid(0, 0);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out[1], 1) < 0 || dup2(errfd, 2) < 0)
			_exit(126);
		char *const argv[] = {(char *)go, "tool", "trace", (char *)flag, (char *)trace, NULL};
		execve(go, argv, env);
		dprintf(2, "exec %s: %s\n", go, strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	free(env);
	close(out[1]);
	close(errfd);

	size_t cap = 1 << 20, len = 0;
	char *buf = malloc(cap);
	double deadline = monotime() + GO_TIMEOUT_S;
	bool timedout = false;
	for (;;) {
		struct pollfd pfd = {out[0], POLLIN, 0};
		if (monotime() > deadline) {
			timedout = true;
			break;
		}
		int pr = poll(&pfd, 1, 1000);
		if (pr < 0 && errno != EINTR)
			break;
		if (pr <= 0)
			continue;
		if (cap - len < (1 << 16)) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
		ssize_t got = read(out[0], buf + len, cap - len - 1);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got <= 0)
			break;
		len += (size_t)got;
		/* Hand over the complete lines; keep the rest. */
		char *start = buf, *nl;
		while ((nl = memchr(start, '\n', (size_t)(buf + len - start))) != NULL) {
			*nl = '\0';
			fn(start, arg);
			start = nl + 1;
		}
		len = (size_t)(buf + len - start);
		memmove(buf, start, len);
	}
	if (len > 0 && !timedout) {
		buf[len] = '\0';
		fn(buf, arg);
	}
	free(buf);
	close(out[0]);
	kill(-pid, SIGKILL); /* anything left of it */
	int ws;
	waitpid(pid, &ws, 0);
	res->status = WIFEXITED(ws) && !timedout ? WEXITSTATUS(ws) : -1;
	char *err = read_file(errpath, NULL);
	snprintf(res->err, sizeof res->err, "%s", err ? err : "");
	free(err);
	cr_assert(!timedout, "go tool trace %s %s: still running after %d s: killed", flag, trace, GO_TIMEOUT_S);
}

/* ---- events ---- */

struct frame {
	char func[256];
	char file[512];
	int line;
};

struct stack {
	int n;
	struct frame f[TRACE_MAX_FRAMES];
};

enum { RES_NONE, RES_G, RES_P };

/* tev is one event of go tool trace -d=1, as it prints it:
 *
 *	M=0 P=0 G=1 StateTransition Time=... Resource=Goroutine(2) Reason="" GoID=2 NotExist->Runnable
 *	TransitionStack=
 *		play @ 0x401001
 *			/src/pingpong.c:23
 *	Stack=
 *		...
 */
struct tev {
	char head[4096]; /* the first line */
	char kind[32];   /* StateTransition, Sync, Metric, TaskBegin, Log, ... */
	long m, p, g;    /* the event's thread, P and goroutine (-1: none) */
	int res;         /* StateTransition: what changed state */
	long id;         /* its goroutine or P id */
	char reason[128];
	char from[32], to[32]; /* the states: "NotExist", "Runnable", ... */
	struct stack tstack, stack; /* TransitionStack=, Stack= (n = 0: none) */
};

typedef void (*event_fn)(const struct tev *ev, void *arg);

/* The event assembler: lines in, events out. */
struct assembler {
	event_fn fn;
	void *arg;
	struct tev *ev;
	struct stack *cur; /* the stack being read, or NULL */
	bool open;         /* ev has a head */
	long events, strays;
	char stray[256]; /* the first line that fits nowhere */
};

/* unquote copies the Go-quoted string at s (after its opening quote)
 * into dst as printed, escapes kept, and returns the closing quote. */
static const char *unquote(const char *s, char *dst, size_t n)
{
	size_t i = 0;
	for (; *s && *s != '"'; s++) {
		if (*s == '\\' && s[1]) {
			if (i + 1 < n)
				dst[i++] = *s;
			s++;
		}
		if (i + 1 < n)
			dst[i++] = *s;
	}
	dst[i] = '\0';
	return s;
}

static void parse_head(struct tev *ev)
{
	ev->m = ev->p = ev->g = -1;
	ev->kind[0] = '\0';
	sscanf(ev->head, "M=%ld P=%ld G=%ld %31s", &ev->m, &ev->p, &ev->g, ev->kind);
	if (strcmp(ev->kind, "StateTransition") != 0)
		return;
	const char *r = strstr(ev->head, " Resource=");
	if (r && strncmp(r + 10, "Goroutine(", 10) == 0) {
		ev->res = RES_G;
		ev->id = strtol(r + 20, NULL, 10);
	} else if (r && strncmp(r + 10, "Proc(", 5) == 0) {
		ev->res = RES_P;
		ev->id = strtol(r + 15, NULL, 10);
	}
	const char *q = strstr(ev->head, " Reason=\"");
	if (q)
		unquote(q + 9, ev->reason, sizeof ev->reason);
	const char *last = strrchr(ev->head, ' ');
	const char *arrow = last ? strstr(last, "->") : NULL;
	if (arrow) {
		snprintf(ev->from, sizeof ev->from, "%.*s", (int)(arrow - last - 1), last + 1);
		snprintf(ev->to, sizeof ev->to, "%s", arrow + 2);
	}
}

static void assemble_flush(struct assembler *a)
{
	if (!a->open)
		return;
	a->fn(a->ev, a->arg);
	a->events++;
	a->open = false;
}

static void assemble_line(char *line, void *arg)
{
	struct assembler *a = arg;
	struct tev *ev = a->ev;
	if (strncmp(line, "M=", 2) == 0) {
		assemble_flush(a);
		memset(ev, 0, offsetof(struct tev, tstack));
		ev->tstack.n = ev->stack.n = 0;
		snprintf(ev->head, sizeof ev->head, "%s", line);
		parse_head(ev);
		a->cur = NULL;
		a->open = true;
	} else if (a->open && strcmp(line, "TransitionStack=") == 0) {
		a->cur = &ev->tstack;
	} else if (a->open && strcmp(line, "Stack=") == 0) {
		a->cur = &ev->stack;
	} else if (a->cur && strncmp(line, "\t\t", 2) == 0) {
		if (a->cur->n > 0) {
			struct frame *f = &a->cur->f[a->cur->n - 1];
			char *colon = strrchr(line + 2, ':');
			if (colon) {
				*colon = '\0';
				f->line = atoi(colon + 1);
			}
			snprintf(f->file, sizeof f->file, "%s", line + 2);
		}
	} else if (a->cur && line[0] == '\t') {
		if (a->cur->n < TRACE_MAX_FRAMES) {
			struct frame *f = &a->cur->f[a->cur->n++];
			char *at = strstr(line + 1, " @ ");
			snprintf(f->func, sizeof f->func, "%.*s", at ? (int)(at - line - 1) : (int)strlen(line + 1),
				 line + 1);
			f->file[0] = '\0';
			f->line = 0;
		}
	} else if (line[0] != '\0') {
		if (a->strays++ == 0)
			snprintf(a->stray, sizeof a->stray, "%s", line);
	}
}

/* scan_trace runs go tool trace -d=1 on trace and calls fn for each event
 * it prints, returning how it ended in res (no assertion). */
static long scan_trace(const char *trace, event_fn fn, void *arg, struct goresult *res)
{
	struct assembler a = {.fn = fn, .arg = arg, .ev = malloc(sizeof(struct tev))};
	cr_assert(a.ev != NULL);
	go_trace_lines("-d=1", trace, assemble_line, &a, res);
	assemble_flush(&a);
	free(a.ev);
	cr_assert(a.strays == 0, "go tool trace -d=1 %s printed %ld lines this test cannot place, the first:\n%s",
		  trace, a.strays, a.stray);
	return a.events;
}

/* parse_trace: Go must read the whole trace (exit status 0) and the
 * strict oracle accept it; fn sees each event. Returns the number of
 * events. */
static long parse_trace(const char *trace, event_fn fn, void *arg)
{
	struct goresult res;
	long n = scan_trace(trace, fn, arg, &res);
	cr_assert(res.status == 0,
		  "Go's parser rejects the trace %s: go tool trace -d=1 exit status %d after %ld events; "
		  "it says:\n%s",
		  trace, res.status, n, res.err);
	cr_assert(n > 0, "go tool trace -d=1 %s printed no events", trace);
	char why[8192];
	cr_assert(strict_check(trace, why, sizeof why), "the strict oracle rejects the trace %s:\n%s", trace,
		  why);
	return n;
}

/* ---- reading events ---- */

static bool is(const struct tev *ev, const char *from, const char *to)
{
	return ev->res == RES_G && strcmp(ev->from, from) == 0 && strcmp(ev->to, to) == 0;
}

/* The transitions of Go's parser for weft's events. */
#define IS_CREATE(ev) is(ev, "NotExist", "Runnable")   /* GoCreate */
#define IS_END(ev) is(ev, "Running", "NotExist")       /* GoDestroy */
#define IS_BLOCK(ev) is(ev, "Running", "Waiting")      /* GoBlock */
#define IS_STOP(ev) is(ev, "Running", "Runnable")      /* GoStop */
#define IS_UNBLOCK(ev) is(ev, "Waiting", "Runnable")   /* GoUnblock */
#define IS_SYSCALL(ev) is(ev, "Running", "Syscall")    /* GoSyscallBegin */
#define IS_LOSTP(ev) is(ev, "Syscall", "Runnable")     /* GoSyscallEndBlocked */

static bool has_frame(const struct stack *s, const char *func)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->f[i].func, func) == 0)
			return true;
	return false;
}

/* stack_str formats s, one frame a line, for messages (static buffer). */
static const char *stack_str(const struct stack *s)
{
	static char out[8192];
	size_t n = 0;
	out[0] = '\0';
	for (int i = 0; i < s->n && n < sizeof out; i++)
		n += (size_t)snprintf(out + n, sizeof out - n, "\t%s %s:%d\n", s->f[i].func, s->f[i].file,
				      s->f[i].line);
	if (s->n == 0)
		snprintf(out, sizeof out, "\t(no stack)\n");
	return out;
}

static bool endswith(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* runtime_file: file is one of the runtime's sources (runtime/NAME.c,
 * NAME existing here: the suite runs from the repository root). */
static bool runtime_file(const char *file)
{
	const char *p = strstr(file, "runtime/");
	const char *last = NULL;
	for (; p; p = strstr(p + 1, "runtime/"))
		if (p == file || p[-1] == '/')
			last = p;
	if (!last || strchr(last + 8, '/'))
		return false;
	return access(last, F_OK) == 0;
}

/* ---- running traced programs ---- */

/* trace_path makes a fresh directory for a test and returns DIR/NAME. */
static char *trace_path(const char *test, const char *name)
{
	char *dir = tmpdir(test), *p = NULL;
	cr_assert(asprintf(&p, "%s/%s", dir, name) > 0);
	free(dir);
	return p;
}

/* traced runs prog (under qemu when arm64) with arg (or none), tracing
 * into trace, with WEFTMAXPROCS=procs (NULL: unset) and, when debug is
 * not NULL, WEFTDEBUG=debug. */
static void traced(struct run *r, const char *trace, const char *prog, bool arm64, const char *arg,
		   const char *procs, const char *debug, int timeout_s)
{
	char e_trace[PATH_MAX + 16], e_procs[64], e_debug[256];
	const char *env[4] = {e_trace, NULL, NULL, NULL};
	int k = 1;
	snprintf(e_trace, sizeof e_trace, "WEFTTRACE=%s", trace);
	if (procs) {
		snprintf(e_procs, sizeof e_procs, "WEFTMAXPROCS=%s", procs);
		env[k++] = e_procs;
	}
	if (debug) {
		snprintf(e_debug, sizeof e_debug, "WEFTDEBUG=%s", debug);
		env[k++] = e_debug;
	}
	struct run_opts o = {.env = env, .timeout_s = timeout_s};
	const char *argv[4];
	need_file(prog);
	prog_argv(argv, arm64, prog, arg);
	unlink(trace);
	run(r, argv, &o);
	struct stat st;
	cr_assert(stat(trace, &st) == 0 && st.st_size > TRACE_HEADER_LEN, "no trace written to %s\n%s", trace,
		  r->report);
}

/* ---- what every trace must be: the common checks ---- */

struct common {
	long events, syncs, procs_metric;
	long unnamed; /* frames without a function or a file */
	char unnamed_stack[1024];
	long main_created; /* GoCreate of goroutine 1 naming weft_main */
};

/* check_frames counts the frames of s without a function or a file.
 * Line 0 is allowed: it is what the compiler's line table says of some
 * code (clang gives it to one call made of two merged call sites). */
static void check_frames(struct common *c, const struct stack *s)
{
	for (int i = 0; i < s->n; i++) {
		const struct frame *f = &s->f[i];
		if (f->func[0] && strcmp(f->func, "?") != 0 && f->file[0] && strcmp(f->file, "?") != 0 &&
		    f->line >= 0)
			continue;
		if (c->unnamed++ == 0)
			snprintf(c->unnamed_stack, sizeof c->unnamed_stack, "%s", stack_str(s));
	}
}

static void common_event(struct common *c, const struct tev *ev)
{
	c->events++;
	if (strcmp(ev->kind, "Sync") == 0)
		c->syncs++;
	if (strcmp(ev->kind, "Metric") == 0 && strstr(ev->head, "Name=\"/sched/gomaxprocs:threads\"")) {
		const char *v = strstr(ev->head, "Value=Uint64(");
		if (v)
			c->procs_metric = strtol(v + 13, NULL, 10);
	}
	if (IS_CREATE(ev) && ev->id == 1 && ev->tstack.n == 1 && strcmp(ev->tstack.f[0].func, "weft_main") == 0)
		c->main_created++;
	check_frames(c, &ev->tstack);
	check_frames(c, &ev->stack);
}

/* check_common: the trace has generations, goroutine 1 was created
 * running weft_main, the Ps were counted (procs, 0: not checked), and
 * every frame of every stack has a function and a file. */
static void check_common(const struct common *c, const char *trace, long procs)
{
	cr_assert(c->syncs >= 1, "%s: no generation (no Sync event)", trace);
	cr_assert(c->main_created == 1, "%s: %ld creations of goroutine 1 running weft_main, want 1", trace,
		  c->main_created);
	if (procs)
		cr_assert(c->procs_metric == procs, "%s: the trace says %ld Ps (/sched/gomaxprocs:threads), want %ld",
			  trace, c->procs_metric, procs);
	cr_assert(c->unnamed == 0, "%s: %ld frames without a function or a file, as in:\n%s", trace, c->unnamed,
		  c->unnamed_stack);
}

static void common_fn(const struct tev *ev, void *arg)
{
	common_event(arg, ev);
}

/* ---- 1. the oracle: every example ---- */

static void oracle(const char *name, const char *procs, bool arm64)
{
	need_go();
	char prog[256], golden[256], test[64];
	snprintf(prog, sizeof prog, arm64 ? "build/examples/arm64/%s" : "build/examples/%s", name);
	snprintf(golden, sizeof golden, "test/testdata/examples/%s.out", name);
	snprintf(test, sizeof test, "trace-%s%s-%s", arm64 ? "arm64-" : "", name, procs);
	char *trace = trace_path(test, "out.trace");
	char *want = read_file(golden, NULL);
	cr_assert(want != NULL, "missing golden file %s", golden);

	struct run r;
	traced(&r, trace, prog, arm64, NULL, procs, NULL, arm64 ? 300 : 60);
	/* Tracing changes nothing the program does. */
	assert_exit(&r, 0);
	assert_stdout(&r, want);
	cr_assert(r.errlen == 0, "unexpected standard error\n%s", r.report);
	run_free(&r);

	struct common c = {0};
	parse_trace(trace, common_fn, &c);
	check_common(&c, trace, atol(procs));
	free(want);
	free(trace);
}

#define ORACLE(name)                                                                   \
	Test(trace, oracle_##name##_procs1) { oracle(#name, "1", false); }             \
	Test(trace, oracle_##name##_procs2) { oracle(#name, "2", false); }             \
	Test(trace, oracle_##name##_procs4) { oracle(#name, "4", false); }             \
	Test(trace, oracle_##name##_procs8) { oracle(#name, "8", false); }

ORACLE(pingpong)
ORACLE(pipe)
ORACLE(select)
ORACLE(sieve)
ORACLE(sleep)
ORACLE(workers)

#define ARM64_ORACLE(name, procs)                                                      \
	Test(trace, arm64_oracle_##name##_procs##procs)                                \
	{                                                                              \
		skip_without_qemu();                                                   \
		oracle(#name, #procs, true);                                           \
	}
ARM64_ORACLE(pingpong, 1)
ARM64_ORACLE(pingpong, 2)
ARM64_ORACLE(pingpong, 4)
ARM64_ORACLE(pingpong, 8)
ARM64_ORACLE(select, 4)
Test(trace, arm64_oracle_pipe)
{
	skip_without_qemu();
	oracle("pipe", "2", true);
}

/* An unwritable WEFTTRACE is a clear fatal error before the program
 * runs, not a silent run without a trace. */
Test(trace, unwritable_file)
{
	struct run r;
	const char *env[] = {"WEFTTRACE=/nonexistent-dir/out.trace", NULL};
	struct run_opts o = {.env = env};
	need_file("build/examples/pingpong");
	RUN(&r, &o, "build/examples/pingpong");
	assert_exit(&r, 2);
	assert_stderr_has(&r, "WEFTTRACE=/nonexistent-dir/out.trace");
	assert_stderr_has(&r, "fatal error");
	cr_assert(r.outlen == 0, "the program ran\n%s", r.report);
	run_free(&r);
}

/* ---- 2. stress ---- */

struct stress {
	struct common c;
	long procs;
	/* per goroutine id: created (1), ended (2) */
	unsigned char *g;
	long gcap;
	long creates, dup_creates, ends, ends_uncreated;
	long yields_ours, yields_handoff, yields_other;
	char yield_other_stack[2048];
	long syscalls, lostp;
	long reasons[6]; /* chan receive, chan send, select, sleep, sync, other */
	char other_reason[128];
};

static const char *const stress_reasons[5] = {"chan receive", "chan send", "select", "sleep", "sync"};

static void stress_event(const struct tev *ev, void *arg)
{
	struct stress *s = arg;
	common_event(&s->c, ev);
	if (ev->res != RES_G)
		return;
	if (ev->id >= s->gcap) {
		long ncap = (ev->id + 1) * 2;
		s->g = realloc(s->g, (size_t)ncap);
		memset(s->g + s->gcap, 0, (size_t)(ncap - s->gcap));
		s->gcap = ncap;
	}
	if (IS_CREATE(ev)) {
		s->creates++;
		if (s->g[ev->id] & 1)
			s->dup_creates++;
		s->g[ev->id] |= 1;
	} else if (IS_END(ev)) {
		s->ends++;
		if (!(s->g[ev->id] & 1))
			s->ends_uncreated++;
		s->g[ev->id] |= 2;
	} else if (IS_STOP(ev) && strcmp(ev->reason, "yield") == 0) {
		/* The program's own, through yield_counted; or a mutex
		 * handing itself to a starving waiter (semrelease with
		 * handoff yields the P), under weft_mutex_unlock. */
		if (has_frame(&ev->tstack, "yield_counted"))
			s->yields_ours++;
		else if (ev->tstack.n > 0 && strcmp(ev->tstack.f[0].func, "weft_mutex_unlock") == 0)
			s->yields_handoff++;
		else if (s->yields_other++ == 0)
			snprintf(s->yield_other_stack, sizeof s->yield_other_stack, "%s", stack_str(&ev->tstack));
	} else if (IS_SYSCALL(ev)) {
		s->syscalls++;
	} else if (IS_LOSTP(ev)) {
		s->lostp++;
	} else if (IS_BLOCK(ev)) {
		int i = 0;
		while (i < 5 && strcmp(ev->reason, stress_reasons[i]) != 0)
			i++;
		s->reasons[i]++;
		if (i == 5)
			snprintf(s->other_reason, sizeof s->other_reason, "%s", ev->reason);
	}
}

static void stress(const char *procs)
{
	need_go();
	char test[64];
	snprintf(test, sizeof test, "trace-stress-%s", procs);
	char *trace = trace_path(test, "out.trace");
	struct run r;
	traced(&r, trace, "build/test/prog/trace_stress", false, NULL, procs, "tracegenms=2", 120);
	assert_exit(&r, 0);
	long G, Y, S, R;
	cr_assert(sscanf(r.out, "stress: goroutines %ld yields %ld syscalls %ld rounds %ld", &G, &Y, &S, &R) == 4,
		  "no report line\n%s", r.report);
	cr_assert(G == 10004 && Y == 2500, "the program did not do what it should\n%s", r.report);
	run_free(&r);

	struct stress s = {.procs = atol(procs)};
	parse_trace(trace, stress_event, &s);
	check_common(&s.c, trace, s.procs);
	/* Many generations, so that status events, sequence numbers and
	 * tables are exercised across boundaries. */
	cr_assert(s.c.syncs > 1, "%s: one generation only at tracegenms=2", trace);

	/* Creations: each of the program's goroutines and goroutine 1,
	 * once each. */
	cr_assert(s.dup_creates == 0, "%s: %ld goroutines created twice", trace, s.dup_creates);
	cr_assert(s.creates == G + 1, "%s: %ld GoCreate (NotExist->Runnable), want %ld (%ld goroutines + main)",
		  trace, s.creates, G + 1, G);
	/* Ends: only of goroutines created, each once, and all of them
	 * but main. At one P every one has returned before main can run
	 * again; at more, up to procs-1 may still be returning (on the
	 * other Ps) when main exits, and so end untraced. */
	cr_assert(s.ends_uncreated == 0, "%s: %ld goroutines ended without being created", trace, s.ends_uncreated);
	long missing = 0;
	for (long id = 0; id < s.gcap; id++)
		if (id != 1 && s.g[id] == 1)
			missing++;
	cr_assert(s.g[1] == 1, "%s: goroutine 1 ended (GoDestroy) before the exit", trace);
	if (s.procs == 1)
		cr_assert(missing == 0 && s.ends == G, "%s: %ld GoDestroy, %ld created goroutines never ended; want "
			  "%ld and 0", trace, s.ends, missing, G);
	else
		cr_assert(missing <= s.procs - 1, "%s: %ld created goroutines never ended (at most %ld may still be "
			  "returning on other Ps at exit)", trace, missing, s.procs - 1);

	/* Yields: one GoStop "yield" per weft_yield of the program, each
	 * with yield_counted in its stack; any other is a mutex handoff. */
	cr_assert(s.yields_ours == Y, "%s: %ld GoStop \"yield\" events from yield_counted, want %ld (handoffs %ld)",
		  trace, s.yields_ours, Y, s.yields_handoff);
	cr_assert(s.yields_other == 0, "%s: %ld GoStop \"yield\" events from neither weft_yield nor a mutex "
		  "handoff, as:\n%s", trace, s.yields_other, s.yield_other_stack);

	/* System calls: each counted one, and no other. */
	cr_assert(s.syscalls == S, "%s: %ld GoSyscallBegin (Running->Syscall), want %ld", trace, s.syscalls, S);
	/* At one P the reader's read can end only once sysmon took its P
	 * (the writer needs it), so it ends without it every round. */
	if (s.procs == 1)
		cr_assert(s.lostp >= R, "%s: %ld GoSyscallEndBlocked (Syscall->Runnable), want at least %ld", trace,
			  s.lostp, R);

	/* Every kind of block the program does, and no other kind. */
	for (int i = 0; i < 5; i++)
		cr_assert(s.reasons[i] > 0, "%s: no goroutine blocked for \"%s\"", trace, stress_reasons[i]);
	cr_assert(s.reasons[5] == 0, "%s: %ld blocks for another reason, \"%s\"", trace, s.reasons[5],
		  s.other_reason);
	cr_log_info("stress at %s Ps: %ld generations, %ld events; %ld GoCreate, %ld GoDestroy; %ld yields "
		    "(+%ld mutex handoffs); %ld system calls, %ld lost their P; blocks: %ld chan receive, %ld chan "
		    "send, %ld select, %ld sleep, %ld sync",
		    procs, s.c.syncs, s.c.events, s.creates, s.ends, s.yields_ours, s.yields_handoff, s.syscalls,
		    s.lostp, s.reasons[0], s.reasons[1], s.reasons[2], s.reasons[3], s.reasons[4]);
	free(s.g);
	unlink(trace); /* megabytes; kept only when a check fails */
	free(trace);
}

Test(trace, stress_procs1) { stress("1"); }
Test(trace, stress_procs2) { stress("2"); }
Test(trace, stress_procs4) { stress("4"); }
Test(trace, stress_procs8) { stress("8"); }

/* ---- 3. SIGKILL ---- */

static bool uvarint(const unsigned char *p, size_t n, size_t *off, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (*off >= n)
			return false;
		unsigned char b = p[(*off)++];
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

/* gens describes a trace file by its batches (abi/traceevent.h): where
 * each generation that is complete ends. A generation is complete once
 * its frequency batch is written: the tracer writes a generation's
 * threads' batches, then its stack and string tables, and the frequency
 * last (runtime/trace.c), and Go's reader needs all of them. */
struct gens {
	size_t size;
	int n;              /* complete generations */
	size_t end[4096];   /* the file offset just past each */
	size_t tail;        /* bytes after the last complete generation */
	char problem[256];  /* what is wrong past the last complete one, if anything */
};

static void walk_gens(const unsigned char *p, size_t size, struct gens *g)
{
	memset(g, 0, sizeof *g);
	g->size = size;
	if (size < TRACE_HEADER_LEN || memcmp(p, TRACE_HEADER, TRACE_HEADER_LEN) != 0) {
		snprintf(g->problem, sizeof g->problem, "no trace header");
		return;
	}
	size_t off = TRACE_HEADER_LEN, done = off;
	while (off < size) {
		size_t start = off;
		uint64_t gen, m, t, len;
		if (p[off++] != EvEventBatch) {
			snprintf(g->problem, sizeof g->problem, "offset %zu: not a batch (byte 0x%02x)", start, p[start]);
			break;
		}
		if (!uvarint(p, size, &off, &gen) || !uvarint(p, size, &off, &m) || !uvarint(p, size, &off, &t) ||
		    !uvarint(p, size, &off, &len) || len > TRACE_MAX_BATCH || off + len > size) {
			snprintf(g->problem, sizeof g->problem, "offset %zu: a batch cut short", start);
			break;
		}
		if (len > 0 && p[off] == EvFrequency && g->n < (int)(sizeof g->end / sizeof g->end[0])) {
			g->end[g->n++] = off + len;
			done = off + len;
		}
		off += len;
	}
	g->tail = size - done;
}

/* cut_copy writes the first n bytes of data to path. */
static void cut_copy(const char *path, const unsigned char *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	cr_assert(f != NULL && fwrite(data, 1, n, f) == n && fclose(f) == 0, "cannot write %s", path);
}

struct creates {
	struct common c;
	long creates;
};

static void creates_event(const struct tev *ev, void *arg)
{
	struct creates *c = arg;
	common_event(&c->c, ev);
	if (IS_CREATE(ev))
		c->creates++;
}

Test(trace, sigkill)
{
	need_go();
	const char *prog = "build/test/prog/trace_forever";
	need_file(prog);
	char *trace = trace_path("trace-sigkill", "out.trace");
	unlink(trace);
	char e_trace[PATH_MAX + 16];
	snprintf(e_trace, sizeof e_trace, "WEFTTRACE=%s", trace);

	const char *env[] = {e_trace, "WEFTMAXPROCS=2", "WEFTDEBUG=tracegenms=5", NULL};
	const char *argv[] = {prog, NULL};
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	cr_assert(devnull >= 0);
	pid_t pid = spawn(prog, argv, env, devnull, devnull);
	close(devnull);
	/* Each generation is written in one burst when it ends: wait until
	 * the file has grown several times. */
	int grew = 0;
	off_t last = 0;
	double deadline = monotime() + 30;
	while (grew < 6 && monotime() < deadline) {
		struct stat st;
		if (stat(trace, &st) == 0 && st.st_size != last) {
			last = st.st_size;
			grew++;
		}
		usleep(2000);
	}
	kill(pid, SIGKILL);
	int ws;
	waitpid(pid, &ws, 0);
	cr_assert(grew >= 6, "the trace did not grow 6 times in 30 s (%d, %lld bytes)", grew, (long long)last);
	cr_assert(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL, "the program was not the one to die of SIGKILL");

	size_t size;
	unsigned char *data = (unsigned char *)read_file(trace, &size);
	cr_assert(data != NULL);
	struct gens *g = malloc(sizeof *g);
	walk_gens(data, size, g);
	cr_assert(g->n >= 3, "%s: %zu bytes, %d complete generations, want at least 3 (%s)", trace, size, g->n,
		  g->problem[0] ? g->problem : "no damage seen");

	/* The whole file, as the kill left it. */
	struct creates whole = {.creates = 0};
	struct goresult res;
	long n = scan_trace(trace, creates_event, &whole, &res);
	if (g->tail == 0) {
		cr_log_info("sigkill: the trace ends exactly after generation %d (%zu bytes); go tool trace exit "
			    "status %d, %ld events", g->n, size, res.status, n);
		cr_assert(res.status == 0, "%s ends at a generation boundary, yet Go rejects it:\n%s", trace, res.err);
	} else {
		cr_log_info("sigkill: %zu bytes of an unfinished generation after the %d complete ones (%s); go "
			    "tool trace exit status %d, %ld events; it says: %.200s",
			    g->tail, g->n, g->problem[0] ? g->problem : "whole batches", res.status, n, res.err);
	}

	/* Every complete generation reads, and so does each prefix ending
	 * at a generation boundary: the second (the first is the statuses
	 * alone, written at the start), one in the middle, the last. */
	char *cut = NULL;
	cr_assert(asprintf(&cut, "%s.cut", trace) > 0);
	int picks[3] = {1, g->n / 2, g->n - 1};
	for (int i = 0; i < 3; i++) {
		cut_copy(cut, data, g->end[picks[i]]);
		struct creates c = {.creates = 0};
		long events = parse_trace(cut, creates_event, &c);
		cr_assert(c.c.syncs == picks[i] + 1, "%s cut after generation %d: %ld generations read", trace,
			  picks[i] + 1, c.c.syncs);
		check_common(&c.c, cut, 2);
		if (i == 2) {
			cr_assert(events > 1000 && c.creates > 20,
				  "%s: only %ld events, %ld GoCreate in %d complete generations", trace, events, c.creates,
				  g->n);
			/* The whole file said no less. */
			cr_assert(n >= events && whole.creates >= c.creates,
				  "%s: the whole file gave %ld events, its complete generations %ld", trace, n, events);
		}
	}
	free(cut);
	free(g);
	free(data);
	free(trace);
}

/* kill_at starts prog traced into trace with env (plus WEFTTRACE),
 * kills it with SIGKILL after delay_ms, and returns the file's size then
 * (0: none yet). */
static size_t kill_at(const char *prog, const char *trace, const char *const *env0, int delay_ms)
{
	char e_trace[PATH_MAX + 16];
	snprintf(e_trace, sizeof e_trace, "WEFTTRACE=%s", trace);
	const char *env[8] = {e_trace};
	for (int i = 0; env0[i] && i < 6; i++)
		env[i + 1] = env0[i];
	const char *argv[] = {prog, NULL};
	unlink(trace);
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	cr_assert(devnull >= 0);
	pid_t pid = spawn(prog, argv, env, devnull, devnull);
	close(devnull);
	usleep((useconds_t)delay_ms * 1000);
	kill(pid, SIGKILL);
	int ws;
	waitpid(pid, &ws, 0);
	cr_assert(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGKILL, "%s was not the one to die of SIGKILL", prog);
	struct stat st;
	return stat(trace, &st) == 0 ? (size_t)st.st_size : 0;
}

/* A hundred kills at random times in the first 0.4 s of a busy program
 * with the default generations (each ends after a second or 4 MiB; the
 * first, the statuses alone, is written at the start): at least 99 leave
 * a file that reads whole.
 * A kill before the runtime has created the file leaves none, and
 * counts as neither. The figure is the README's. */
Test(trace, sigkill_random_times, .timeout = 600)
{
	need_go();
	const char *prog = "build/test/prog/trace_forever";
	need_file(prog);
	char *trace = trace_path("trace-sigkill-random", "out.trace");
	const char *env[] = {"WEFTMAXPROCS=2", NULL};
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	int whole = 0, broken = 0, none = 0;
	char first[8192] = "";
	for (int i = 0; i < 100; i++) {
		size_t size = kill_at(prog, trace, env, 5 + rand() % 400);
		if (size == 0) {
			none++;
			continue;
		}
		char why[8192];
		if (strict_check(trace, why, sizeof why)) {
			whole++;
		} else if (broken++ == 0) {
			snprintf(first, sizeof first, "%zu bytes: %.4000s", size, why);
		}
	}
	cr_log_info("sigkill_random_times: %d of %d kills left a trace that reads whole (%d before the file existed)",
		    whole, whole + broken, none);
	fprintf(stderr, "sigkill_random_times: %d of %d kills left a trace that reads whole (%d before the file existed)\n",
		whole, whole + broken, none);
	cr_assert(whole + broken >= 90, "only %d of 100 kills came after the trace's file existed", whole + broken);
	cr_assert(broken * 100 <= whole + broken, "%d of %d kills left a trace Go's reader rejects; the first: %s",
		  broken, whole + broken, first);
	free(trace);
}

/* With more Ps than CPUs, the generation's size bound holds: this
 * machine's CPUs are all busy with the program's Ms (trace_flood: every
 * M yields in a loop), and the trace M
 * gets little of them, so the Ms that schedule end an oversized
 * generation themselves (traceHelp). No generation may pass twice the
 * 4 MiB bound (TRACE_GEN_MAX_BYTES). */
Test(trace, generation_bound_many_procs)
{
	need_go();
	const char *prog = "build/test/prog/trace_flood";
	need_file(prog);
	char *trace = trace_path("trace-genbound", "out.trace");
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	char procs[64];
	snprintf(procs, sizeof procs, "WEFTMAXPROCS=%ld", cpus * 4 > 8 ? cpus * 4 : 8);
	const char *env[] = {procs, NULL};
	size_t size = kill_at(prog, trace, env, 1500);
	size_t n;
	unsigned char *data = (unsigned char *)read_file(trace, &n);
	cr_assert(data != NULL && size > 0);
	struct gens *g = malloc(sizeof *g);
	walk_gens(data, n, g);
	size_t biggest = 0, prev = TRACE_HEADER_LEN;
	for (int i = 0; i < g->n; i++) {
		if (g->end[i] - prev > biggest)
			biggest = g->end[i] - prev;
		prev = g->end[i];
	}
	cr_log_info("generation_bound_many_procs (%s): %d generations in %zu bytes, the biggest %zu bytes", procs,
		    g->n, n, biggest);
	fprintf(stderr, "generation_bound_many_procs (%s): %d generations in %zu bytes, the biggest %zu bytes\n",
		procs, g->n, n, biggest);
	cr_assert(g->n >= 3, "%s: only %d generations in 1.5 s", trace, g->n);
	cr_assert(biggest <= 2 * (4u << 20), "%s: a generation of %zu bytes, more than twice the 4 MiB bound", trace,
		  biggest);
	unlink(trace); /* a few hundred MB */
	free(g);
	free(data);
	free(trace);
}

/* ---- 4. stacks ---- */

#define STACKS_SRC "test/prog/trace_stacks.c"

/* marker_line returns the line of STACKS_SRC that holds "LINE:name". */
static int marker_line(const char *name)
{
	char *src = read_file(STACKS_SRC, NULL);
	cr_assert(src != NULL, "cannot read %s", STACKS_SRC);
	char marker[128];
	snprintf(marker, sizeof marker, "LINE:%s ", name);
	int line = 1, found = 0;
	for (const char *p = src; *p; p++) {
		if (strncmp(p, marker, strlen(marker)) == 0) {
			cr_assert(found == 0, "%s marks line %d and %d", marker, found, line);
			found = line;
		}
		if (*p == '\n')
			line++;
	}
	free(src);
	cr_assert(found > 0, "no %s in %s", marker, STACKS_SRC);
	return found;
}

struct want {
	const char *func;
	const char *file; /* its ending */
	int line;         /* 0: any */
};

/* stack_is: s is exactly w[0..n), or why says how it is not. */
static bool stack_is(const struct stack *s, const struct want *w, int n, char *why, size_t whylen)
{
	for (int i = 0; i < n; i++) {
		if (i >= s->n) {
			snprintf(why, whylen, "frame %d: missing, want %s", i, w[i].func);
			return false;
		}
		const struct frame *f = &s->f[i];
		if (strcmp(f->func, w[i].func) != 0 || !endswith(f->file, w[i].file) ||
		    (w[i].line && f->line != w[i].line)) {
			snprintf(why, whylen, "frame %d: %s %s:%d, want %s %s:%d", i, f->func, f->file, f->line,
				 w[i].func, w[i].file, w[i].line);
			return false;
		}
	}
	if (s->n != n) {
		snprintf(why, whylen, "%d frames, want %d: below %s comes %s", s->n, n, w[n - 1].func, s->f[n].func);
		return false;
	}
	return true;
}

/* The runtime's frames that must never show: what parks, switches and
 * starts goroutines. */
static const char *const internals[] = {"gopark", "goparkunlock", "mcall", "park_m", "arch_mcall", "goexit",
					"goexit1", "goexit0", "runtime_main", "schedule", "traceStack", NULL};

struct found {
	struct common c;
	const char *reason; /* the GoBlock sought: its reason */
	const char *frame;  /* and a function in its stack */
	int blocks;
	struct stack block;
	const char *created; /* the GoCreate sought: the new goroutine's function */
	int creates;
	struct stack start, creator;
	long internal; /* stacks with a runtime internal in them */
	struct stack internal_stack;
};

static void found_event(const struct tev *ev, void *arg)
{
	struct found *f = arg;
	common_event(&f->c, ev);
	if (IS_BLOCK(ev) && strcmp(ev->reason, f->reason) == 0 && has_frame(&ev->tstack, f->frame)) {
		f->blocks++;
		f->block = ev->tstack;
	}
	if (f->created && IS_CREATE(ev) && ev->tstack.n > 0 && strcmp(ev->tstack.f[0].func, f->created) == 0) {
		f->creates++;
		f->start = ev->tstack;
		f->creator = ev->stack;
	}
	const struct stack *ss[2] = {&ev->tstack, &ev->stack};
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < ss[k]->n; i++)
			for (const char *const *x = internals; *x; x++)
				if (strcmp(ss[k]->f[i].func, *x) == 0 && f->internal++ == 0)
					f->internal_stack = *ss[k];
}

/* check_block: trace_stacks at one P; its GoBlock for reason through
 * inner (always_inline) and outer (noinline) is exactly
 *
 *	api          runtime/<apifile>     (the public function it called)
 *	inner        trace_stacks.c:LINE:inner      (inlined into outer)
 *	outer        trace_stacks.c:LINE:outer
 *	bottom       trace_stacks.c:LINE:site       (the goroutine's function)
 *
 * and no stack of the trace shows the runtime's internals. With
 * created, the goroutine's GoCreate is checked too: its start stack is
 * the function alone, its creator's stack weft_go over weft_main. */
static void check_block(bool arm64, const char *debug, const char *reason, const char *api, const char *apifile,
			const char *inner, const char *outer, const char *bottom, const char *site, const char *created)
{
	need_go();
	const char *prog = arm64 ? "build/test/prog-arm64/trace_stacks" : "build/test/prog/trace_stacks";
	char test[64];
	snprintf(test, sizeof test, "trace-stacks-%s%s", arm64 ? "arm64-" : "", inner);
	char *trace = trace_path(test, "out.trace");
	struct run r;
	traced(&r, trace, prog, arm64, NULL, "1", debug, arm64 ? 300 : 60);
	assert_exit(&r, 0);
	assert_stdout(&r, "parent and children done\ndone\n");
	run_free(&r);

	struct found f = {.reason = reason, .frame = inner, .created = created};
	parse_trace(trace, found_event, &f);
	check_common(&f.c, trace, 1);
	cr_assert(f.blocks == 1, "%s: %d GoBlock \"%s\" through %s, want 1", trace, f.blocks, reason, inner);
	const struct want w[4] = {
		{api, apifile, 0},
		{inner, "trace_stacks.c", marker_line(inner)},
		{outer, "trace_stacks.c", marker_line(outer)},
		{bottom, "trace_stacks.c", marker_line(site)},
	};
	char why[512];
	cr_assert(stack_is(&f.block, w, 4, why, sizeof why), "%s: the stack of the \"%s\" block: %s; it is:\n%s",
		  trace, reason, why, stack_str(&f.block));
	cr_assert(runtime_file(f.block.f[0].file), "%s: %s is not in runtime/ but in %s", trace, api,
		  f.block.f[0].file);
	cr_assert(f.internal == 0, "%s: %ld stacks show the runtime's internals, as:\n%s", trace, f.internal,
		  stack_str(&f.internal_stack));
	if (created) {
		cr_assert(f.creates == 1, "%s: %d GoCreate of %s, want 1", trace, f.creates, created);
		const struct want ws[1] = {{created, "trace_stacks.c", 0}};
		cr_assert(stack_is(&f.start, ws, 1, why, sizeof why), "%s: %s's start stack: %s; it is:\n%s", trace,
			  created, why, stack_str(&f.start));
		char site2[64];
		snprintf(site2, sizeof site2, "go_%s", created);
		const struct want wc[2] = {
			{"weft_go", "proc.c", 0},
			{"weft_main", "trace_stacks.c", marker_line(site2)},
		};
		cr_assert(stack_is(&f.creator, wc, 2, why, sizeof why), "%s: the stack that created %s: %s; it is:\n%s",
			  trace, created, why, stack_str(&f.creator));
	}
	free(trace);
}

/* A goroutine blocks receiving, from inside an inlined function. */
static void stacks_recv(bool arm64, const char *debug)
{
	check_block(arm64, debug, "chan receive", "weft_chan_recv", "chan.c", "inner_recv", "outer_recv", "receiver",
		    "receiver", "receiver");
}

/* Goroutine 1 sleeps, from inside an inlined function: the bottom frame
 * is weft_main. */
static void stacks_sleep(bool arm64, const char *debug)
{
	check_block(arm64, debug, "sleep", "weft_sleep", "time.c", "inner_sleep", "outer_sleep", "weft_main",
		    "main_sleep", NULL);
}

Test(trace, stacks_recv_inlined) { stacks_recv(false, NULL); }
Test(trace, stacks_sleep_inlined) { stacks_sleep(false, NULL); }
Test(trace, stacks_recv_inlined_fpunwindoff) { stacks_recv(false, "tracefpunwindoff=1"); }
Test(trace, stacks_sleep_inlined_fpunwindoff) { stacks_sleep(false, "tracefpunwindoff=1"); }
Test(trace, arm64_stacks_recv_inlined)
{
	skip_without_qemu();
	stacks_recv(true, NULL);
}
Test(trace, arm64_stacks_sleep_inlined)
{
	skip_without_qemu();
	stacks_sleep(true, NULL);
}

/* Every stack ends where the program's code begins: a runtime frame may
 * only be the top one, the public function the program called, and
 * below it come the program's frames alone. (A stack with no runtime
 * frame is a start stack, or an event in the program's own code.) */
struct boundary {
	struct common c;
	long stacks, bad;
	struct stack bad_stack;
	long nested; /* bad stacks that are known bug 1 (see below) */
	struct stack nested_stack;
};

/* nested_public: s starts with runtime frames only, the first and the
 * last of them public (weft_...), and the program's frames below: a
 * public function that the runtime calls from inside the one the
 * program called (weft_printf calls weft_write) is taken for the top. */
static bool nested_public(const struct stack *s)
{
	int k = 0;
	while (k < s->n && runtime_file(s->f[k].file))
		k++;
	for (int i = k; i < s->n; i++)
		if (runtime_file(s->f[i].file))
			return false;
	return k >= 2 && strncmp(s->f[0].func, "weft_", 5) == 0 && strncmp(s->f[k - 1].func, "weft_", 5) == 0;
}

static void boundary_check(struct boundary *b, const struct stack *s)
{
	if (s->n == 0)
		return;
	b->stacks++;
	bool ok = true;
	for (int i = 0; i < s->n; i++)
		if (runtime_file(s->f[i].file) && (i > 0 || strncmp(s->f[i].func, "weft_", 5) != 0))
			ok = false;
	if (ok)
		return;
	if (nested_public(s)) {
		if (b->nested++ == 0)
			b->nested_stack = *s;
	} else if (b->bad++ == 0) {
		b->bad_stack = *s;
	}
}

static void boundary_event(const struct tev *ev, void *arg)
{
	struct boundary *b = arg;
	common_event(&b->c, ev);
	boundary_check(b, &ev->tstack);
	boundary_check(b, &ev->stack);
}

static void stacks_boundary(const char *prog, bool arm64, const char *arg, const char *procs)
{
	need_go();
	char *trace = trace_path(arm64 ? "trace-boundary-arm64" : "trace-boundary", "out.trace");
	struct run r;
	traced(&r, trace, prog, arm64, arg, procs, NULL, arm64 ? 300 : 60);
	assert_exit(&r, 0);
	run_free(&r);
	struct boundary b = {.bad = 0};
	parse_trace(trace, boundary_event, &b);
	check_common(&b.c, trace, 0);
	cr_assert(b.stacks > 10, "%s: only %ld stacks", trace, b.stacks);
	cr_assert(b.bad == 0, "%s: %ld of %ld stacks show the runtime below the public function, as:\n%s", trace,
		  b.bad, b.stacks, stack_str(&b.bad_stack));
	/* A public function the runtime calls from inside the one the
	 * program called (weft_printf ends in weft_write) must not be the
	 * top: the stack starts at the outermost one. */
	cr_assert(b.nested == 0,
		  "%s: %ld of %ld stacks start at a public function the runtime called from inside the one "
		  "the program called, showing the runtime's frames between, as:\n%s",
		  trace, b.nested, b.stacks, stack_str(&b.nested_stack));
	free(trace);
}

Test(trace, stacks_stop_at_public_function)
{
	stacks_boundary("build/test/prog/trace_stacks", false, NULL, "1");
}
Test(trace, stacks_stop_at_public_function_printf)
{
	stacks_boundary("build/examples/pingpong", false, NULL, "2");
}

/* ---- 5. the two unwinders agree ---- */

struct stacklist {
	struct common c;
	char **keys;
	long n, cap;
	long inlined; /* stacks with an inlined frame of the program's */
};

/* stacklist_event keeps one key per event with a stack: what the event
 * is and its frames, function and file:line each, PCs left out (the
 * two unwinders give an inlined frame different tags) and times too. */
static void stacklist_event(const struct tev *ev, void *arg)
{
	struct stacklist *l = arg;
	common_event(&l->c, ev);
	const char *what = IS_BLOCK(ev)	    ? "GoBlock"
			   : IS_CREATE(ev)  ? "GoCreate"
			   : IS_UNBLOCK(ev) ? "GoUnblock"
			   : IS_SYSCALL(ev) ? "GoSyscallBegin"
			   : IS_STOP(ev)    ? "GoStop"
					    : NULL;
	/* Preemptions come when a goroutine's time slice runs out, which
	 * two runs need not share (qemu is slow enough for them). */
	if (!what || strcmp(ev->reason, "preempted") == 0)
		return;
	const struct stack *ss[2] = {&ev->tstack, &ev->stack};
	for (int k = 0; k < 2; k++) {
		if (ss[k]->n == 0)
			continue;
		char key[8192];
		size_t n = (size_t)snprintf(key, sizeof key, "%s %s [%s]", what, k ? "stack" : "transition",
					    ev->reason);
		for (int i = 0; i < ss[k]->n && n < sizeof key; i++)
			n += (size_t)snprintf(key + n, sizeof key - n, "\n\t%s %s:%d", ss[k]->f[i].func,
					      ss[k]->f[i].file, ss[k]->f[i].line);
		if (has_frame(ss[k], "inner_recv") || has_frame(ss[k], "deep2"))
			l->inlined++;
		if (l->n == l->cap) {
			l->cap = l->cap ? 2 * l->cap : 64;
			l->keys = realloc(l->keys, (size_t)l->cap * sizeof *l->keys);
		}
		l->keys[l->n++] = strdup(key);
	}
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void unwinders(bool arm64)
{
	need_go();
	const char *prog = arm64 ? "build/test/prog-arm64/trace_stacks" : "build/test/prog/trace_stacks";
	struct stacklist l[2] = {{.n = 0}, {.n = 0}};
	const char *debug[2] = {NULL, "tracefpunwindoff=1"};
	for (int i = 0; i < 2; i++) {
		char test[64];
		snprintf(test, sizeof test, "trace-unwind%s-%d", arm64 ? "-arm64" : "", i);
		char *trace = trace_path(test, "out.trace");
		struct run r;
		traced(&r, trace, prog, arm64, NULL, "1", debug[i], arm64 ? 300 : 60);
		assert_exit(&r, 0);
		run_free(&r);
		parse_trace(trace, stacklist_event, &l[i]);
		check_common(&l[i].c, trace, 1);
		cr_assert(l[i].n >= 20 && l[i].inlined >= 2, "%s: only %ld stacks, %ld with inlined frames", trace,
			  l[i].n, l[i].inlined);
		qsort(l[i].keys, (size_t)l[i].n, sizeof *l[i].keys, cmpstr);
		free(trace);
	}
	/* The same multiset: walk both sorted lists, showing the first
	 * stack one has and the other lacks. */
	long a = 0, b = 0;
	while (a < l[0].n || b < l[1].n) {
		int c = a == l[0].n ? 1 : b == l[1].n ? -1 : strcmp(l[0].keys[a], l[1].keys[b]);
		cr_assert(c == 0,
			  "the unwinders disagree (%ld and %ld stacks); only the %s one has:\n%s\n(the other's nearest: "
			  "%s)",
			  l[0].n, l[1].n, c < 0 ? "frame-pointer" : "rule-based (tracefpunwindoff=1)",
			  c < 0 ? l[0].keys[a] : l[1].keys[b],
			  c < 0 ? (b < l[1].n ? l[1].keys[b] : "none") : (a < l[0].n ? l[0].keys[a] : "none"));
		a++, b++;
	}
	cr_log_info("unwinders%s: the same %ld stacks (%ld with inlined frames) both ways", arm64 ? " (arm64)" : "",
		    l[0].n, l[0].inlined);
	for (int i = 0; i < 2; i++) {
		for (long k = 0; k < l[i].n; k++)
			free(l[i].keys[k]);
		free(l[i].keys);
	}
}

Test(trace, unwinders_agree) { unwinders(false); }
Test(trace, arm64_unwinders_agree)
{
	skip_without_qemu();
	unwinders(true);
}

/* ---- 6. user annotations ---- */

/* The annotations of trace_annot.c as go tool trace -d=1 prints them, in
 * order for each goroutine (P and C: the task ids the program got; a
 * top-level task's parent reads as NoTask, 2^64-1). */
struct annot {
	struct common c;
	char lines[64][512];   /* "G=<g> <kind> <fields>", time left out */
	char tops[64][256];    /* each one's top frame */
	char seconds[64][256]; /* and the one below */
	int n;
	long sleeper_blocks; /* GoBlock "sleep" of the goroutine in region "napping" */
	long inregion;
};

static void annot_event(const struct tev *ev, void *arg)
{
	struct annot *a = arg;
	common_event(&a->c, ev);
	static const char *const kinds[] = {"TaskBegin", "TaskEnd", "RegionBegin", "RegionEnd", "Log", NULL};
	for (const char *const *k = kinds; *k; k++) {
		if (strcmp(ev->kind, *k) != 0 || a->n == 64)
			continue;
		const char *t = strstr(ev->head, " Time=");
		const char *fields = t ? strchr(t + 1, ' ') : NULL;
		snprintf(a->lines[a->n], sizeof a->lines[a->n], "G=%ld %s%s", ev->g, ev->kind, fields ? fields : "");
		snprintf(a->tops[a->n], sizeof a->tops[a->n], "%s", ev->stack.n > 0 ? ev->stack.f[0].func : "");
		snprintf(a->seconds[a->n], sizeof a->seconds[a->n], "%s", ev->stack.n > 1 ? ev->stack.f[1].func : "");
		a->n++;
		if (strcmp(*k, "RegionBegin") == 0 && strstr(ev->head, "\"napping\""))
			a->inregion = ev->g;
		if (strcmp(*k, "RegionEnd") == 0 && strstr(ev->head, "\"napping\""))
			a->inregion = 0;
	}
	if (IS_BLOCK(ev) && strcmp(ev->reason, "sleep") == 0 && a->inregion && ev->id == a->inregion)
		a->sleeper_blocks++;
}

Test(trace, annotations)
{
	need_go();
	char *trace = trace_path("trace-annot", "out.trace");
	struct run r;
	traced(&r, trace, "build/test/prog/trace_annot", false, NULL, "2", NULL, 60);
	assert_exit(&r, 0);
	assert_stdout_has(&r, "task ids ok\n");
	unsigned long P = 0, C = 0;
	const char *t = strstr(r.out, "tasks ");
	cr_assert(t && sscanf(t, "tasks %lu %lu", &P, &C) == 2, "no task ids\n%s", r.report);
	run_free(&r);
	/* Untraced, the ids are real too (the program checks them). */
	need_file("build/test/prog/trace_annot");
	RUN(&r, NULL, "build/test/prog/trace_annot");
	assert_exit(&r, 0);
	assert_stdout_has(&r, "task ids ok\n");
	run_free(&r);

	struct annot *a = calloc(1, sizeof *a);
	parse_trace(trace, annot_event, a);
	check_common(&a->c, trace, 2);
	/* The worker is the goroutine of the child task's begin. */
	long worker = -1;
	for (int i = 0; i < a->n; i++)
		if (strstr(a->lines[i], "TaskBegin") && strstr(a->lines[i], "Type=\"child task\""))
			worker = strtol(a->lines[i] + 2, NULL, 10);
	cr_assert(worker > 1, "%s: no TaskBegin \"child task\" on a goroutine of its own", trace);

	struct {
		long g;
		char line[512];
		const char *top, *caller;
	} want[11];
	int n = 0;
#define WANT(g_, top_, caller_, ...)                                                          \
	do {                                                                                  \
		want[n].g = (g_);                                                             \
		snprintf(want[n].line, sizeof want[n].line, __VA_ARGS__);                     \
		want[n].top = (top_);                                                         \
		want[n].caller = (caller_);                                                   \
		n++;                                                                          \
	} while (0)
	const char *M = "weft_main";
	WANT(1, "weft_trace_task_begin", M, "G=1 TaskBegin ID=%lu Parent=18446744073709551615 Type=\"parent task\"", P);
	WANT(1, "weft_trace_region_begin", M, "G=1 RegionBegin Task=%lu Type=\"outer region\"", P);
	WANT(1, "weft_trace_log", M, "G=1 Log Task=%lu Category=\"phase\" Message=\"starting the worker\"", P);
	WANT(1, "weft_trace_region_end", M, "G=1 RegionEnd Task=%lu Type=\"outer region\"", P);
	WANT(1, "weft_trace_log", M, "G=1 Log Task=0 Category=\"\" Message=\"no task, no category\"");
	WANT(1, "weft_trace_task_end", M, "G=1 TaskEnd ID=%lu Parent=18446744073709551615 Type=\"parent task\"", P);
	WANT(worker, "weft_trace_task_begin", "worker", "G=%ld TaskBegin ID=%lu Parent=%lu Type=\"child task\"",
	     worker, C, P);
	WANT(worker, "weft_trace_log", "worker",
	     "G=%ld Log Task=%lu Category=\"greeting\" Message=\"hello \\\"quoted\\\" world\"", worker, C);
	WANT(worker, "weft_trace_region_begin", "worker", "G=%ld RegionBegin Task=%lu Type=\"napping\"", worker, C);
	WANT(worker, "weft_trace_region_end", "worker", "G=%ld RegionEnd Task=%lu Type=\"napping\"", worker, C);
	WANT(worker, "weft_trace_task_end", "worker", "G=%ld TaskEnd ID=%lu Parent=%lu Type=\"child task\"", worker,
	     C, P);
#undef WANT
	char got[8192];
	size_t gl = 0;
	for (int i = 0; i < a->n && gl < sizeof got; i++)
		gl += (size_t)snprintf(got + gl, sizeof got - gl, "\t%s   (%s < %s)\n", a->lines[i], a->tops[i],
				       a->seconds[i]);
	cr_assert(a->n == n, "%s: %d annotation events, want %d:\n%s", trace, a->n, n, got);
	/* Each one, in its goroutine's order, with the stack of its call. */
	int next[2] = {0, 0};
	for (int w = 0; w < n; w++) {
		int side = want[w].g != 1;
		int i = next[side];
		while (i < a->n && strtol(a->lines[i] + 2, NULL, 10) != want[w].g)
			i++;
		cr_assert(i < a->n && strcmp(a->lines[i], want[w].line) == 0,
			  "%s: want, next on goroutine %ld:\n\t%s\nthe annotations are:\n%s", trace, want[w].g,
			  want[w].line, got);
		cr_assert(strcmp(a->tops[i], want[w].top) == 0 && strcmp(a->seconds[i], want[w].caller) == 0,
			  "%s: %s: stack %s < %s, want %s < %s", trace, a->lines[i], a->tops[i], a->seconds[i],
			  want[w].top, want[w].caller);
		next[side] = i + 1;
	}
	/* The region spans the worker's sleep. */
	cr_assert(a->sleeper_blocks == 1, "%s: %ld sleeps of the worker inside region \"napping\", want 1", trace,
		  a->sleeper_blocks);
	free(a);
	free(trace);
}

/* ---- 7. weft_trace_start and weft_trace_stop ---- */

/* read_until reads fd into buf (NUL-terminated) until it holds want or
 * the deadline passes; returns whether it does. */
static bool read_until(int fd, char *buf, size_t cap, size_t *len, const char *want, double deadline)
{
	while (!strstr(buf, want)) {
		struct pollfd pfd = {fd, POLLIN, 0};
		if (monotime() > deadline)
			return false;
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		ssize_t n = read(fd, buf + *len, cap - *len - 1);
		if (n <= 0)
			return strstr(buf, want) != NULL;
		*len += (size_t)n;
		buf[*len] = '\0';
	}
	return true;
}

Test(trace, api_start_stop)
{
	need_go();
	const char *prog = "build/test/prog/trace_api";
	need_file(prog);
	char *t1 = trace_path("trace-api", "one.trace"), *t2 = trace_path("trace-api", "two.trace");
	/* The program has no libc to open files with: it gets them open. */
	int fd1 = open(t1, O_WRONLY | O_CREAT | O_TRUNC, 0666), fd2 = open(t2, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	cr_assert(fd1 >= 0 && fd2 >= 0, "cannot create the trace files");
	int in[2], out[2];
	cr_assert(pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0);
	char a1[16], a2[16];
	snprintf(a1, sizeof a1, "%d", fd1);
	snprintf(a2, sizeof a2, "%d", fd2);
	const char *env[] = {"WEFTMAXPROCS=2", "WEFTTRACE", "WEFTDEBUG", NULL};
	const char *argv[] = {prog, a1, a2, NULL};
	pid_t pid = spawn(prog, argv, env, in[0], out[1]);
	close(fd1);
	close(fd2);
	close(in[0]);
	close(out[1]);

	char buf[4096] = "";
	size_t len = 0;
	double deadline = monotime() + 60;
	bool got = read_until(out[0], buf, sizeof buf, &len, "stopped 2\n", deadline);
	/* The program now waits on its standard input: both traces must
	 * be complete already. Snapshot them. */
	size_t n1 = 0, n2 = 0;
	char *s1 = read_file(t1, &n1), *s2 = read_file(t2, &n2);
	if (!got)
		kill(pid, SIGKILL);
	cr_assert(got, "the program did not get to \"stopped 2\" in 60 s; it said:\n%s", buf);
	cr_assert(strcmp(buf, "stop before start: -1\nstart: 0\nstart again: -1\nstop: 0\nstop again: -1\n"
			      "stopped 1\nstart 2: 0\nstop 2: 0\nstopped 2\n") == 0,
		  "weft_trace_start or weft_trace_stop returned something else; the program said:\n%s", buf);
	struct common c1 = {0}, c2 = {0};
	parse_trace(t1, common_fn, &c1);
	parse_trace(t2, common_fn, &c2);

	/* Let it finish, and look again: its untraced work and its exit
	 * wrote nothing more. */
	cr_assert(write(in[1], "x", 1) == 1);
	close(in[1]);
	read_until(out[0], buf, sizeof buf, &len, "exiting\n", monotime() + 60);
	int ws;
	waitpid(pid, &ws, 0);
	close(out[0]);
	cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0, "the program did not exit 0; it said:\n%s", buf);
	size_t m1 = 0, m2 = 0;
	char *e1 = read_file(t1, &m1), *e2 = read_file(t2, &m2);
	cr_assert(m1 == n1 && memcmp(e1, s1, n1) == 0, "%s changed after weft_trace_stop returned (%zu -> %zu bytes)",
		  t1, n1, m1);
	cr_assert(m2 == n2 && memcmp(e2, s2, n2) == 0, "%s changed after weft_trace_stop returned (%zu -> %zu bytes)",
		  t2, n2, m2);

	/* Started mid-run, a trace has no creation of goroutine 1: it was
	 * running already, and its status says so. */
	cr_assert(c1.main_created == 0 && c2.main_created == 0, "a trace started mid-run creates goroutine 1");
	cr_assert(c1.procs_metric == 2 && c2.procs_metric == 2, "the Ps: %ld and %ld, want 2", c1.procs_metric,
		  c2.procs_metric);
	cr_assert(c1.unnamed == 0 && c2.unnamed == 0, "frames without a name:\n%s%s", c1.unnamed_stack,
		  c2.unnamed_stack);
	free(s1);
	free(s2);
	free(e1);
	free(e2);
	free(t1);
	free(t2);
}

/* ---- 8. the ways out ---- */

struct exitcheck {
	struct common c;
	long ender; /* the goroutine that ended the program */
	long ender_created, ender_ran;
	long blocked; /* GoBlock of the blockers and sleepers */
};

static void exit_event(const struct tev *ev, void *arg)
{
	struct exitcheck *x = arg;
	common_event(&x->c, ev);
	if (IS_CREATE(ev) && ev->id == x->ender)
		x->ender_created++;
	if (ev->g == x->ender && strcmp(ev->kind, "StateTransition") == 0)
		x->ender_ran++;
	if (IS_BLOCK(ev) && (has_frame(&ev->tstack, "blocker") || has_frame(&ev->tstack, "sleeper")))
		x->blocked++;
}

/* check_exit runs trace_exit MODE [CODE] untraced and traced: the same
 * status (want), the same output, and a trace Go reads whole, in which
 * the goroutine that ended the program was seen, and the six goroutines
 * left blocked at the end blocked. */
static void check_exit(const char *mode, const char *code, int want, const char *errmsg)
{
	need_go();
	const char *prog = "build/test/prog/trace_exit";
	need_file(prog);
	char test[64];
	snprintf(test, sizeof test, "trace-exit-%s", mode);
	char *trace = trace_path(test, "out.trace");

	/* Two Ps: other threads are about while the exit path flushes. */
	struct run plain, r;
	const char *penv[] = {"WEFTMAXPROCS=2", NULL};
	struct run_opts po = {.env = penv};
	RUN(&plain, &po, prog, mode, code);
	const char *argv[] = {prog, mode, code, NULL};
	char e_trace[PATH_MAX + 16];
	snprintf(e_trace, sizeof e_trace, "WEFTTRACE=%s", trace);
	const char *env[] = {e_trace, "WEFTMAXPROCS=2", NULL};
	struct run_opts o = {.env = env};
	unlink(trace);
	run(&r, argv, &o);
	assert_exit(&plain, want);
	assert_exit(&r, want);
	cr_assert(strcmp(r.out, plain.out) == 0, "the output differs when traced:\n%s\nuntraced:\n%s", r.report,
		  plain.report);
	long ender = goroutine_id(r.out, "ends");
	cr_assert(ender >= 1, "the program did not say who ends it\n%s", r.report);
	if (errmsg) {
		assert_stderr_has(&plain, errmsg);
		assert_stderr_has(&r, errmsg);
	} else {
		cr_assert(r.errlen == 0, "unexpected standard error\n%s", r.report);
	}
	run_free(&plain);
	run_free(&r);

	struct exitcheck x = {.ender = ender};
	parse_trace(trace, exit_event, &x);
	check_common(&x.c, trace, 2);
	cr_assert(ender == 1 || x.ender_created == 1, "%s: goroutine %ld, which ended the program, was not created",
		  trace, ender);
	cr_assert(x.ender_ran > 0, "%s: goroutine %ld, which ended the program, has no event", trace, ender);
	cr_assert(x.blocked == 6, "%s: %ld of the 6 blockers and sleepers blocked", trace, x.blocked);
	free(trace);
}

/* A failure inside the exit flush of a panic (injected: the first
 * failure's flush meets a second) ends the process at once, status 2,
 * with both messages, and the trace keeps the generations finished
 * before; nothing waits for itself. */
Test(trace, exit_nested_failure)
{
	need_go();
	const char *prog = "build/test/prog/trace_exit";
	need_file(prog);
	char *trace = trace_path("trace-exit-nested", "out.trace");
	char e_trace[PATH_MAX + 16];
	snprintf(e_trace, sizeof e_trace, "WEFTTRACE=%s", trace);
	const char *env[] = {e_trace, "WEFTMAXPROCS=2", "WEFTDEBUG=tracegenms=2,traceexitfail=1", NULL};
	struct run_opts o = {.env = env, .timeout_s = 60};
	struct run r;
	unlink(trace);
	RUN(&r, &o, prog, "panic", "0", "40");
	assert_exit(&r, 2);
	assert_stderr_has(&r, "panic: trace_exit: panicking on purpose\n");
	assert_stderr_has(&r, "fatal error: trace: a failure injected into the exit flush (WEFTDEBUG=traceexitfail=1)\n"
			      "runtime: a second failure while the program was already ending; exiting\n");
	run_free(&r);
	struct common c = {0};
	parse_trace(trace, common_fn, &c);
	free(trace);
}

Test(trace, exit_return_zero) { check_exit("return", "0", 0, NULL); }
Test(trace, exit_return_status) { check_exit("return", "7", 7, NULL); }
Test(trace, exit_weft_exit) { check_exit("exit", "9", 9, NULL); }
Test(trace, exit_panic) { check_exit("panic", "0", 2, "panic: trace_exit: panicking on purpose"); }
Test(trace, exit_nil_dereference)
{
	check_exit("nil", "0", 2, "panic: runtime error: invalid memory address or nil pointer dereference");
}

/* ---- weft_setmaxprocs and weft_goexit (test/prog/trace_procs.c) ----
 *
 * The count of Ps changes (1, 4, 2, 8, five times over) while goroutines
 * run, block, sleep and sit in system calls, in 2 ms generations, and a
 * goroutine ends itself with weft_goexit: the strict oracle accepts the
 * trace; each change is a ProcsChange event (go tool trace prints it as
 * the /sched/gomaxprocs:threads metric, as is each generation's count)
 * with the new count, in order,
 * carrying weft_setmaxprocs's stack; the goexit goroutine ends with
 * GoDestroy, and no running goroutine is ever on a P beyond the count. */

struct procs_trace {
	struct common c;
	long counts[64];
	int ncounts;
	long setmax_stacks; /* ProcsChange events whose stack shows weft_setmaxprocs */
	long ender, ender_ends;
	long cur; /* the count the trace last gave */
	long beyond; /* events of a running goroutine on a P >= the count */
	char beyond_head[256];
};

static void procs_event(const struct tev *ev, void *arg)
{
	struct procs_trace *t = arg;
	common_event(&t->c, ev);
	if (strcmp(ev->kind, "Metric") == 0 && strstr(ev->head, "Name=\"/sched/gomaxprocs:threads\"")) {
		const char *v = strstr(ev->head, "Value=Uint64(");
		/* Every generation says the count again: only changes count. */
		long c = v ? strtol(v + 13, NULL, 10) : -1;
		if (v && t->ncounts < 64 && (t->ncounts == 0 || c != t->counts[t->ncounts - 1]))
			t->counts[t->ncounts++] = c;
		if (v)
			t->cur = c;
		if (has_frame(&ev->stack, "weft_setmaxprocs") && has_frame(&ev->stack, "changer"))
			t->setmax_stacks++;
	}
	if (IS_END(ev) && ev->id == t->ender)
		t->ender_ends++;
	/* A goroutine starting to run does so on a P below the count (the
	 * count changes only while every other P is stopped). */
	if (is(ev, "Runnable", "Running") && t->cur > 0 && ev->p >= t->cur && t->beyond++ == 0)
		snprintf(t->beyond_head, sizeof t->beyond_head, "%.200s (count %ld)", ev->head, t->cur);
}

static void procs_trace(const char *procs)
{
	need_go();
	char test[64];
	snprintf(test, sizeof test, "trace-procs-%s", procs);
	char *trace = trace_path(test, "out.trace");
	struct run r;
	traced(&r, trace, "build/test/prog/trace_procs", false, NULL, procs, "tracegenms=2", 120);
	assert_exit(&r, 0);
	long ender = -1;
	cr_assert(sscanf(r.out, "goexit goroutine %ld", &ender) == 1 && ender > 1, "no goexit line\n%s", r.report);
	cr_assert(strstr(r.out, "changes 1 4 2 8 x 5, caller moved ") != NULL, "no changes line\n%s", r.report);
	cr_assert(strstr(r.out, "unreachable") == NULL, "code after weft_goexit ran\n%s", r.report);
	run_free(&r);

	struct procs_trace t = {.ender = ender};
	parse_trace(trace, procs_event, &t);
	check_common(&t.c, trace, 0);
	cr_assert(t.c.syncs > 1, "%s: one generation only at tracegenms=2", trace);
	/* The count at start, then each change (setting the count it has
	 * already changes nothing: at 1 P the first 1). */
	long want[21];
	int nwant = 0;
	want[nwant++] = atol(procs);
	for (int i = 0; i < 20; i++) {
		long c = (long[]){1, 4, 2, 8}[i % 4];
		if (c != want[nwant - 1])
			want[nwant++] = c;
	}
	cr_assert(t.ncounts == nwant, "%s: %d ProcsChange events, want %d (the start and each change)", trace,
		  t.ncounts, nwant);
	for (int i = 0; i < nwant; i++)
		cr_assert(t.counts[i] == want[i], "%s: ProcsChange %d says %ld, want %ld", trace, i, t.counts[i],
			  want[i]);
	cr_assert(t.setmax_stacks == nwant - 1, "%s: %ld ProcsChange events with weft_setmaxprocs's stack, want %d",
		  trace, t.setmax_stacks, nwant - 1);
	cr_assert(t.ender_ends == 1, "%s: goroutine %ld (weft_goexit) ended %ld times (GoDestroy), want 1", trace,
		  ender, t.ender_ends);
	cr_assert(t.beyond == 0, "%s: %ld goroutines started on a P beyond the count, as:\n%s", trace, t.beyond,
		  t.beyond_head);
	unlink(trace); /* megabytes; kept only when a check fails */
	free(trace);
}

Test(trace, setmaxprocs_goexit_procs1) { procs_trace("1"); }
Test(trace, setmaxprocs_goexit_procs2) { procs_trace("2"); }
Test(trace, setmaxprocs_goexit_procs8) { procs_trace("8"); }

/* ==== the flight recorder (test/prog/trace_flight.c) ====
 *
 * WEFTFLIGHT=FILE keeps the last generations in memory and writes them
 * to FILE when the program dies: a panic, a fatal error, a deadlock, a
 * stack overflow, SIGQUIT. The file must be a trace the strict oracle
 * and go tool trace accept, cover at least the recorder's minimum age
 * (flightms=200: the whole second of the run fits in the default 16 MiB),
 * stay under its size bound, and end with the dying goroutine's last
 * event: its "flight: ending" log, with its stack. A normal exit writes
 * nothing; nothing half-written (FILE.tmp) is left. */

struct flight_trace {
	struct common c;
	long ender, ender_logs, ender_log_stacks;
	long first_ns, last_ns;
	long last_log_g; /* the goroutine of the trace's last Log event */
};

static long event_time(const struct tev *ev)
{
	const char *t = strstr(ev->head, "Time=");
	return t ? atol(t + 5) : -1;
}

static void flight_event(const struct tev *ev, void *arg)
{
	struct flight_trace *t = arg;
	common_event(&t->c, ev);
	long ns = event_time(ev);
	if (ns >= 0 && strcmp(ev->kind, "Sync") != 0) {
		if (t->first_ns < 0)
			t->first_ns = ns;
		t->last_ns = ns;
	}
	if (strcmp(ev->kind, "Log") == 0) {
		t->last_log_g = ev->g;
		if (ev->g == t->ender && strstr(ev->head, "Message=\"ending\"")) {
			t->ender_logs++;
			t->ender_log_stacks += has_frame(&ev->stack, "ender");
		}
	}
}

/* flight_crash runs trace_flight MODE 1000 with WEFTFLIGHT and
 * WEFTMAXPROCS=procs (under qemu when arm64), and checks the window it
 * leaves as above (mode exit must leave none: errmsg NULL). In mode
 * sigquit the program sends itself SIGQUIT. */
static void flight_crash(const char *mode, const char *procs, bool arm64, const char *errmsg)
{
	need_go();
	char test[64];
	snprintf(test, sizeof test, "flight-%s-%s%s", mode, procs, arm64 ? "-arm64" : "");
	char *path = trace_path(test, "window.trace");
	char e_flight[PATH_MAX + 16], e_procs[32];
	snprintf(e_flight, sizeof e_flight, "WEFTFLIGHT=%s", path);
	snprintf(e_procs, sizeof e_procs, "WEFTMAXPROCS=%s", procs);
	const char *env[] = {e_flight, e_procs, "WEFTDEBUG=flightms=200", NULL};
	const char *prog = arm64 ? "build/test/prog-arm64/trace_flight" : "build/test/prog/trace_flight";
	need_file(prog);
	const char *argv[6];
	prog_argv(argv, arm64, prog, mode);
	/* prog_argv leaves room for one argument: add the run's length. */
	int k = 0;
	while (argv[k])
		k++;
	argv[k++] = "1000";
	argv[k] = NULL;
	struct run r;
	struct run_opts o = {.env = env, .timeout_s = 120};
	run(&r, argv, &o);
	char tmp[PATH_MAX + 8];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	cr_assert(access(tmp, F_OK) != 0, "%s was left behind\n%s", tmp, r.report);
	if (!errmsg) {
		assert_exit(&r, 0);
		cr_assert(access(path, F_OK) != 0, "a normal exit wrote %s\n%s", path, r.report);
		run_free(&r);
		free(path);
		return;
	}
	assert_exit(&r, 2);
	assert_stderr_has(&r, errmsg);
	assert_stderr_has(&r, "runtime: the flight recorder's last ");
	long ender = -1;
	cr_assert(sscanf(r.out, "ender %ld", &ender) == 1, "no ender line\n%s", r.report);
	run_free(&r);

	struct stat st;
	cr_assert(stat(path, &st) == 0, "no window written to %s", path);
	cr_assert(st.st_size <= (16 << 20) + (16 << 20) * 3 / 2,
		  "%s: %lld bytes, past the 16 MiB bound and a generation in progress", path, (long long)st.st_size);
	struct flight_trace t = {.ender = ender, .first_ns = -1, .last_log_g = -1};
	parse_trace(path, flight_event, &t);
	cr_assert(t.last_ns - t.first_ns >= 200 * 1000 * 1000,
		  "%s covers %ld ns, less than the minimum age, 200 ms", path, t.last_ns - t.first_ns);
	cr_assert(t.ender_logs == 1 && t.ender_log_stacks == 1,
		  "%s: the dying goroutine %ld's last log is there %ld times, %ld with its stack", path, ender,
		  t.ender_logs, t.ender_log_stacks);
	cr_assert(t.last_log_g == ender, "%s: the last log is goroutine %ld's, not the dying %ld's", path,
		  t.last_log_g, ender);
	unlink(path);
	free(path);
}

Test(trace, flight_panic_procs1) { flight_crash("panic", "1", false, "panic: trace_flight: panicking on purpose"); }
Test(trace, flight_panic_procs2) { flight_crash("panic", "2", false, "panic: trace_flight: panicking on purpose"); }
Test(trace, flight_panic_procs8) { flight_crash("panic", "8", false, "panic: trace_flight: panicking on purpose"); }
Test(trace, flight_deadlock) { flight_crash("deadlock", "2", false, "fatal error: all goroutines are asleep - deadlock!"); }
Test(trace, flight_fatal) { flight_crash("fatal", "2", false, "fatal error: sync: RUnlock of unlocked RWMutex"); }
Test(trace, flight_overflow) { flight_crash("overflow", "2", false, "fatal error: stack overflow"); }
Test(trace, flight_sigquit) { flight_crash("sigquit", "2", false, "SIGQUIT: quit\n"); }
Test(trace, flight_exit_writes_nothing) { flight_crash("exit", "2", false, NULL); }
Test(trace_arm64, flight_panic)
{
	skip_without_qemu();
	flight_crash("panic", "2", true, "panic: trace_flight: panicking on purpose");
}

/* The recorder and a WEFTTRACE trace at once: each gets every
 * generation; the panic leaves both, whole. */
Test(trace, flight_with_trace)
{
	need_go();
	char *window = trace_path("flight-with-trace", "window.trace");
	char *full = trace_path("flight-with-trace", "full.trace");
	char e_flight[PATH_MAX + 16], e_trace[PATH_MAX + 16], why[8192];
	snprintf(e_flight, sizeof e_flight, "WEFTFLIGHT=%s", window);
	snprintf(e_trace, sizeof e_trace, "WEFTTRACE=%s", full);
	struct run r;
	struct run_opts o = {.env = ENV(e_flight, e_trace, "WEFTMAXPROCS=2", "WEFTDEBUG=flightms=200"),
			     .timeout_s = 120};
	need_file("build/test/prog/trace_flight");
	RUN(&r, &o, "build/test/prog/trace_flight", "panic", "600");
	assert_exit(&r, 2);
	assert_stderr_has(&r, "panic: trace_flight: panicking on purpose");
	run_free(&r);
	cr_assert(strict_check(window, why, sizeof why), "the window %s is rejected:\n%s", window, why);
	cr_assert(strict_check(full, why, sizeof why), "the trace %s is rejected:\n%s", full, why);
	unlink(window);
	unlink(full);
	free(window);
	free(full);
}

/* flight_api runs trace_flight in one of its modes that drive the
 * recorder through weft.h (write, one, small, tinyage) at procs Ps, its
 * windows named after base, and asserts that it exits 0. */
static void flight_api(struct run *r, const char *procs, const char *mode, const char *ms, const char *base,
		       int timeout_s)
{
	char e_procs[32];
	snprintf(e_procs, sizeof e_procs, "WEFTMAXPROCS=%s", procs);
	struct run_opts o = {.env = ENV(e_procs), .timeout_s = timeout_s};
	need_file("build/test/prog/trace_flight");
	RUN(r, &o, "build/test/prog/trace_flight", mode, ms, base);
	assert_exit(r, 0);
}

/* weft_flight_write, called every 50 ms by one goroutine while the others
 * run: every window it writes is a trace the strict oracle accepts. */
static void flight_windows(const char *procs)
{
	need_go();
	char test[64];
	snprintf(test, sizeof test, "flight-write-%s", procs);
	char *base = trace_path(test, "w");
	struct run r;
	flight_api(&r, procs, "write", "600", base, 120);
	int n = 0;
	cr_assert(sscanf(strstr(r.out, "windows ") ? strstr(r.out, "windows ") : "", "windows %d", &n) == 1 && n >= 5,
		  "too few windows written\n%s", r.report);
	run_free(&r);
	for (int i = 1; i <= n; i++) {
		char path[PATH_MAX + 32], why[8192];
		snprintf(path, sizeof path, "%s-%d.trace", base, i);
		cr_assert(strict_check(path, why, sizeof why), "window %d, %s, rejected:\n%s", i, path, why);
		unlink(path);
	}
	free(base);
}

Test(trace, flight_write_procs1) { flight_windows("1"); }
Test(trace, flight_write_procs2) { flight_windows("2"); }
Test(trace, flight_write_procs8) { flight_windows("8"); }

/* One weft_flight_write at a time: while one is blocked writing into a
 * full pipe, a second returns -1 at once; the first then finishes, and
 * what it wrote is a whole trace. */
static void flight_one_writer(const char *procs)
{
	need_go();
	char test[64], why[8192];
	snprintf(test, sizeof test, "flight-one-%s", procs);
	char *base = trace_path(test, "w");
	struct run r;
	flight_api(&r, procs, "one", "500", base, 120);
	assert_stdout_has(&r, "second -1\n");
	assert_stdout_has(&r, "first 0\n");
	run_free(&r);
	char path[PATH_MAX + 16];
	snprintf(path, sizeof path, "%s.trace", base);
	cr_assert(strict_check(path, why, sizeof why), "the first writer's window %s is rejected:\n%s", path, why);
	unlink(path);
	free(base);
}

Test(trace, flight_one_writer_procs1) { flight_one_writer("1"); }
Test(trace, flight_one_writer_procs2) { flight_one_writer("2"); }

/* With a 64 KiB bound the recorder's memory stays bounded over a long
 * run: the peak RSS at the end is within 4 MiB of the one halfway, and
 * the window written at the end is within the bound and the generation
 * in progress (at most 1.5 times the bound). */
Test(trace, flight_small_bounded)
{
	need_go();
	char *base = trace_path("flight-small", "w");
	struct run r;
	flight_api(&r, "2", "small", "3000", base, 120);
	long half = -1, end = -1;
	const char *l = strstr(r.out, "rss ");
	cr_assert(l && sscanf(l, "rss %ld %ld", &half, &end) == 2 && half > 0, "no rss line\n%s", r.report);
	cr_assert(end - half < 4096, "the peak RSS grew from %ld to %ld KiB in the run's second half", half, end);
	run_free(&r);
	char path[PATH_MAX + 16], why[8192];
	snprintf(path, sizeof path, "%s.trace", base);
	struct stat st;
	cr_assert(stat(path, &st) == 0 && st.st_size <= (64 << 10) * 5 / 2 + 64,
		  "%s: %lld bytes, past 64 KiB and a generation in progress", path, (long long)st.st_size);
	cr_assert(strict_check(path, why, sizeof why), "%s rejected:\n%s", path, why);
	unlink(path);
	free(base);
}

/* A recorder asked for a minimum age of 1 us would end a generation
 * every 500 ns, one after another; the runtime holds the period to at
 * least 1 ms. The window of a 300 ms run then has at most one generation
 * per millisecond since the start (and one more, the first and the cut
 * one: the trace M's ends are a millisecond apart at least), yet many
 * more than the default period's one a second; Go's Reader takes it.
 * (Back to back, this machine ended 1 to 2.4 a millisecond.) */
Test(trace, flight_tiny_age_floor)
{
	need_go();
	char *base = trace_path("flight-tinyage", "w");
	struct run r;
	flight_api(&r, "2", "tinyage", "300", base, 60);
	long elapsed = -1;
	const char *l = strstr(r.out, "elapsed ");
	cr_assert(l && sscanf(l, "elapsed %ld", &elapsed) == 1 && elapsed > 0, "no elapsed line\n%s", r.report);
	run_free(&r);
	char path[PATH_MAX + 16], why[8192];
	snprintf(path, sizeof path, "%s.trace", base);
	size_t size;
	unsigned char *data = (unsigned char *)read_file(path, &size);
	cr_assert(data != NULL, "no window in %s", path);
	struct gens *g = malloc(sizeof *g);
	walk_gens(data, size, g);
	cr_log_info("flight_tiny_age_floor: %d generations in %ld ms", g->n, elapsed);
	cr_assert(g->n >= 20 && g->n <= elapsed + 3, "%s: %d generations in %ld ms, want from 20 to one a millisecond",
		  path, g->n, elapsed);
	cr_assert(strict_check(path, why, sizeof why), "%s rejected:\n%s", path, why);
	free(g);
	free(data);
	unlink(path);
	free(base);
}

/* ==== generations that stand alone ====
 *
 * Each generation announces every goroutine and every P, and how many Ps
 * there are, as Go's do, so that a trace read from any generation on is
 * whole: what a flight recorder keeps, or a trace whose start is lost.
 * For a traced run, the strict oracle checks every suffix of its
 * generations (the trace without its first k, for every k) and writes
 * each beside the trace, and go tool trace -d=1 must read each. */

static void noline(char *line, void *arg)
{
	(void)line;
	(void)arg;
}

static void check_suffixes(const char *name, const char *prog, const char *arg, const char *procs, bool arm64,
			   int mingens)
{
	need_go();
	char test[96];
	snprintf(test, sizeof test, "suffix-%s-%s%s", name, procs, arm64 ? "-arm64" : "");
	char *trace = trace_path(test, "out.trace");
	char *dir = strdup(trace);
	cr_assert(dir != NULL);
	*strrchr(dir, '/') = 0;
	struct run r;
	traced(&r, trace, prog, arm64, arg, procs, "tracegenms=2", 120);
	assert_exit(&r, 0);
	run_free(&r);

	need_file(TRACECHECK);
	char e_trace[PATH_MAX + 16], e_dir[PATH_MAX + 32];
	snprintf(e_trace, sizeof e_trace, "WEFTCHECK=%s", trace);
	snprintf(e_dir, sizeof e_dir, "WEFTCHECK_SUFFIXDIR=%s", dir);
	const char *env[] = {e_trace, "WEFTCHECK_SUFFIXES=1", e_dir, NULL};
	struct run_opts o = {.env = env, .timeout_s = GO_TIMEOUT_S};
	RUN(&r, &o, TRACECHECK, "-test.run", "^TestWeftTrace$");
	cr_assert(r.status == 0 && r.sig == 0, "the strict oracle rejects a suffix of %s:\n%s%s", trace, r.out, r.err);
	const char *every = strstr(r.out, "every suffix (");
	int n = every ? atoi(every + 14) : 0;
	cr_assert(n >= mingens, "%s: %d generations after the first, want at least %d at tracegenms=2\n%s", trace, n,
		  mingens, r.out);
	run_free(&r);

	for (int k = 1; k <= n; k++) {
		char suf[PATH_MAX + 32];
		snprintf(suf, sizeof suf, "%s/suffix-%d.trace", dir, k);
		struct goresult res;
		go_trace_lines("-d=1", suf, noline, NULL, &res);
		cr_assert(res.status == 0, "go tool trace -d=1 rejects %s, the trace without its first %d generations:\n%s",
			  suf, k, res.err);
		unlink(suf);
	}
	unlink(trace);
	free(dir);
	free(trace);
}

/* The stress and setmaxprocs programs run for many 2 ms generations; the
 * sync one, a few milliseconds, may have only two. */
Test(trace, suffixes_stress_procs1) { check_suffixes("stress", "build/test/prog/trace_stress", "3000", "1", false, 3); }
Test(trace, suffixes_stress_procs2) { check_suffixes("stress", "build/test/prog/trace_stress", "3000", "2", false, 3); }
Test(trace, suffixes_stress_procs8) { check_suffixes("stress", "build/test/prog/trace_stress", "3000", "8", false, 3); }
Test(trace, suffixes_procs_procs8) { check_suffixes("procs", "build/test/prog/trace_procs", NULL, "8", false, 3); }
Test(trace, suffixes_sync_procs2) { check_suffixes("sync", "build/test/prog/trace_sync", NULL, "2", false, 1); }
Test(trace_arm64, suffixes_sync_procs2)
{
	skip_without_qemu();
	check_suffixes("sync", "build/test/prog-arm64/trace_sync", NULL, "2", true, 1);
}

/* ==== sync: weft_cond, weft_rwmutex and weft_once block as Go's do ====
 *
 * test/prog/trace_sync.c blocks a goroutine in each (see there). Each
 * block is a GoBlock with Go's reason (traceBlockCondWait,
 * "sync.(*Cond).Wait", for a cond wait; traceBlockSync, "sync", for the
 * others), so that go tool trace's blocking profile puts it with
 * synchronization; its stack starts at the public call over the
 * goroutine's function; and the GoUnblock that ends it has the waker's
 * public call on top of its stack. */

enum { SYNC_COND, SYNC_RLOCK, SYNC_LOCK, SYNC_ONCE, SYNC_NBLOCKS };

static const struct syncblock {
	const char *reason, *api, *fn, *waker;
} syncblocks[SYNC_NBLOCKS] = {
	[SYNC_COND] = {"sync.(*Cond).Wait", "weft_cond_wait", "cond_waiter", "weft_cond_signal"},
	[SYNC_RLOCK] = {"sync", "weft_rwmutex_rlock", "rlocker", "weft_rwmutex_unlock"},
	[SYNC_LOCK] = {"sync", "weft_rwmutex_lock", "locker", "weft_rwmutex_runlock"},
	[SYNC_ONCE] = {"sync", "weft_once_do", "once_second", "weft_once_do"},
};

/* The runtime's functions beneath the sync calls: never on top of a
 * stack. */
static const char *const sync_internals[] = {"notifyListAdd", "notifyListWait", "notifyListNotifyOne",
					     "notifyListNotifyAll", "semacquire1", "semrelease", "mutex_lockslow",
					     "mutex_unlockslow", "once_doslow", "rwmutex_runlockslow", "gopark",
					     "goparkunlock", "goready", NULL};

struct syncfound {
	struct common c;
	int blocks[SYNC_NBLOCKS];   /* GoBlocks with the reason and stack wanted */
	long gid[SYNC_NBLOCKS];     /* the goroutine of the first, until unblocked */
	int unblocks[SYNC_NBLOCKS]; /* its GoUnblock by the waker wanted */
	struct stack badblock[SYNC_NBLOCKS], badunblock[SYNC_NBLOCKS];
	char badreason[SYNC_NBLOCKS][128];
	long internal;
	struct stack internal_stack;
};

static void sync_event(const struct tev *ev, void *arg)
{
	struct syncfound *f = arg;
	common_event(&f->c, ev);
	for (int k = 0; k < SYNC_NBLOCKS; k++) {
		const struct syncblock *b = &syncblocks[k];
		if (IS_BLOCK(ev) && ev->tstack.n >= 2 && strcmp(ev->tstack.f[1].func, b->fn) == 0 &&
		    strcmp(ev->tstack.f[0].func, b->api) == 0) {
			/* The cond waiter may block again relocking the mutex
			 * ("sync"); that one is not the wait. */
			if (k == SYNC_COND && strcmp(ev->reason, "sync") == 0)
				continue;
			if (strcmp(ev->reason, b->reason) == 0 && ev->tstack.n == 2 &&
			    endswith(ev->tstack.f[0].file, "runtime/sync.c")) {
				if (f->blocks[k]++ == 0)
					f->gid[k] = ev->id;
			} else {
				f->badblock[k] = ev->tstack;
				snprintf(f->badreason[k], sizeof f->badreason[k], "%s", ev->reason);
			}
		}
		if (IS_UNBLOCK(ev) && f->gid[k] != 0 && ev->id == f->gid[k]) {
			if (ev->stack.n >= 1 && strcmp(ev->stack.f[0].func, b->waker) == 0)
				f->unblocks[k]++;
			else
				f->badunblock[k] = ev->stack;
			f->gid[k] = 0;
		}
	}
	/* Above the program's frames, only the public call shows. (Below
	 * them the runtime may show: fn runs inside weft_once_do.) */
	const struct stack *ss[2] = {&ev->tstack, &ev->stack};
	for (int s = 0; s < 2; s++)
		for (int i = 0; i < ss[s]->n && runtime_file(ss[s]->f[i].file); i++)
			for (const char *const *x = sync_internals; *x; x++)
				if (strcmp(ss[s]->f[i].func, *x) == 0 && f->internal++ == 0)
					f->internal_stack = *ss[s];
}

static void trace_sync(const char *procs, bool arm64)
{
	need_go();
	const char *prog = arm64 ? "build/test/prog-arm64/trace_sync" : "build/test/prog/trace_sync";
	char test[64];
	snprintf(test, sizeof test, "trace-sync-%s%s", arm64 ? "arm64-" : "", procs);
	char *trace = trace_path(test, "out.trace");
	struct run r;
	traced(&r, trace, prog, arm64, NULL, procs, NULL, arm64 ? 300 : 60);
	assert_exit(&r, 0);
	assert_stdout(&r, "fn ran 1 time(s)\ndone\n");
	run_free(&r);

	struct syncfound *f = calloc(1, sizeof *f);
	cr_assert(f != NULL);
	parse_trace(trace, sync_event, f);
	check_common(&f->c, trace, atol(procs));
	for (int k = 0; k < SYNC_NBLOCKS; k++) {
		const struct syncblock *b = &syncblocks[k];
		cr_assert(f->badblock[k].n == 0,
			  "%s: %s blocked in %s with reason \"%s\" or a stack other than %s over %s:\n%s", trace,
			  b->fn, b->api, f->badreason[k], b->api, b->fn, stack_str(&f->badblock[k]));
		cr_assert(f->blocks[k] == 1, "%s: %d GoBlock \"%s\" in %s over %s, want 1", trace, f->blocks[k],
			  b->reason, b->api, b->fn);
		cr_assert(f->badunblock[k].n == 0 && f->unblocks[k] == 1,
			  "%s: %s, blocked in %s, was not unblocked by %s; the GoUnblock's stack:\n%s", trace, b->fn,
			  b->api, b->waker, stack_str(&f->badunblock[k]));
	}
	cr_assert(f->internal == 0, "%s: %ld stacks show the runtime's sync internals, as:\n%s", trace,
		  f->internal, stack_str(&f->internal_stack));
	free(f);
	free(trace);
}

Test(trace, sync_blocks_procs1) { trace_sync("1", false); }
Test(trace, sync_blocks_procs2) { trace_sync("2", false); }
Test(trace, sync_blocks_procs8) { trace_sync("8", false); }
Test(trace, arm64_sync_blocks_procs1)
{
	skip_without_qemu();
	trace_sync("1", true);
}
Test(trace, arm64_sync_blocks_procs2)
{
	skip_without_qemu();
	trace_sync("2", true);
}
Test(trace, arm64_sync_blocks_procs8)
{
	skip_without_qemu();
	trace_sync("8", true);
}

/* ---- weft_ticker (issue 10: the concurrency toolkit) ---- */

/* A goroutine that waits for a ticker's tick blocks as a channel receive
 * does: GoBlock with Go's reason "chan receive" (so go tool trace's
 * blocking profile files it there), its stack starting at the public
 * weft_chan_recv over the goroutine's function; the timer's thread wakes
 * it, and the strict oracle accepts the whole trace. */
struct tickblocks {
	struct common c;
	long blocks;  /* GoBlock "chan receive" in tick_receiver */
	long badtop;  /* of those, stacks not starting at weft_chan_recv in runtime/chan.c */
	struct stack bad;
	long unblocks; /* Waiting -> Runnable of that goroutine */
	long g;        /* its id, from its GoCreate */
};

static void tickblocks_event(const struct tev *ev, void *arg)
{
	struct tickblocks *t = arg;
	common_event(&t->c, ev);
	if (IS_CREATE(ev) && ev->tstack.n > 0 && strcmp(ev->tstack.f[0].func, "tick_receiver") == 0)
		t->g = ev->id;
	if (IS_BLOCK(ev) && strcmp(ev->reason, "chan receive") == 0 && has_frame(&ev->tstack, "tick_receiver")) {
		t->blocks++;
		if ((strcmp(ev->tstack.f[0].func, "weft_chan_recv") != 0 || !endswith(ev->tstack.f[0].file, "runtime/chan.c") ||
		     ev->tstack.n < 2 || strcmp(ev->tstack.f[1].func, "tick_receiver") != 0) &&
		    t->badtop++ == 0)
			t->bad = ev->tstack;
	}
	if (IS_UNBLOCK(ev) && t->g > 0 && ev->id == t->g)
		t->unblocks++;
}

static void ticker_block(bool arm64, const char *procs)
{
	need_go();
	const char *prog = arm64 ? "build/test/prog-arm64/trace_ticker" : "build/test/prog/trace_ticker";
	char test[64];
	snprintf(test, sizeof test, "trace-ticker-%s%s", arm64 ? "arm64-" : "", procs);
	char *trace = trace_path(test, "out.trace");
	struct run r;
	traced(&r, trace, prog, arm64, NULL, procs, NULL, arm64 ? 300 : 60);
	assert_exit(&r, 0);
	assert_stdout(&r, "5 ticks, increasing\n");
	run_free(&r);

	struct tickblocks t = {0};
	parse_trace(trace, tickblocks_event, &t);
	check_common(&t.c, trace, atol(procs));
	cr_assert(t.g > 0, "%s: no GoCreate of tick_receiver", trace);
	/* Five receives of a 2 ms ticker: most, if not all, find no tick yet. */
	cr_assert(t.blocks >= 1 && t.blocks <= 5, "%s: %ld GoBlock \"chan receive\" in tick_receiver, want 1 to 5", trace,
		  t.blocks);
	cr_assert(t.badtop == 0, "%s: %ld of them do not start weft_chan_recv (runtime/chan.c), tick_receiver:\n%s",
		  trace, t.badtop, stack_str(&t.bad));
	cr_assert(t.unblocks >= t.blocks, "%s: tick_receiver blocked %ld times, woken %ld", trace, t.blocks,
		  t.unblocks);
	free(trace);
}

Test(trace, ticker_block_procs1) { ticker_block(false, "1"); }
Test(trace, ticker_block_procs2) { ticker_block(false, "2"); }
Test(trace, ticker_block_procs8) { ticker_block(false, "8"); }
Test(trace, arm64_ticker_block_procs2)
{
	skip_without_qemu();
	ticker_block(true, "2");
}
