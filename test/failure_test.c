/*
 * failure_test.c: programs that must fail do so as Go's would: the message
 * on standard error, exit status 2, and for panics the panicking
 * goroutine's header, "goroutine N [running]:", with its stack below. Each
 * program is in test/prog/.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* fail_run runs a failure program, natively or (arm64) under qemu, at the
 * given WEFTMAXPROCS (NULL: the default), with one optional argument. It
 * asserts exit status 2 and that the program did not go past the failure. */
static void fail_run(struct run *r, const char *name, bool arm64, const char *procs, const char *arg);

/* fail_run_env is fail_run with one more NAME=VALUE in the environment
 * (none if NULL). */
static void fail_run_env(struct run *r, const char *name, bool arm64, const char *procs, const char *arg,
			 const char *extra)
{
	char prog[256], env[64];
	const char *argv[4];
	const char *envs[3] = {extra, NULL, NULL};

	snprintf(prog, sizeof prog, arm64 ? "build/test/prog-arm64/%s" : "build/test/prog/%s", name);
	need_file(prog);
	if (procs) {
		snprintf(env, sizeof env, "WEFTMAXPROCS=%s", procs);
		envs[extra ? 1 : 0] = env;
	}
	prog_argv(argv, arm64, prog, arg);
	struct run_opts o = {.env = envs};
	run(r, argv, &o);
	assert_exit(r, 2);
	cr_assert(strstr(r->out, "unreachable") == NULL, "the program went on past the failure\n%s", r->report);
}

static void fail_run(struct run *r, const char *name, bool arm64, const char *procs, const char *arg)
{
	fail_run_env(r, name, arm64, procs, arg, NULL);
}

/* assert_running_stack: a "goroutine N [running]:" header (N = id, or any
 * when id < 0) followed by at least one stack line. */
static void assert_running_stack(const struct run *r, long id)
{
	char header[64];
	if (id >= 0)
		snprintf(header, sizeof header, "goroutine %ld [running]:", id);
	else
		snprintf(header, sizeof header, "goroutine ");
	const char *p = r->err;
	const char *line = NULL;
	for (; (p = strstr(p, header)) != NULL; p++) {
		if (id < 0) {
			const char *q = p + strlen(header);
			while (isdigit((unsigned char)*q))
				q++;
			if (q == p + strlen(header) || strncmp(q, " [running]:", 11) != 0)
				continue;
		}
		line = p;
		break;
	}
	cr_assert(line != NULL, "no \"goroutine %s [running]:\" header\n%s", id >= 0 ? header + 10 : "N",
		  r->report);
	const char *next = strchr(line, '\n');
	cr_assert(next != NULL && next[1] != '\0' && next[1] != '\n',
		  "no stack line below the goroutine header\n%s", r->report);
	/* A stack line names a frame: at least a hex address or a name. */
	size_t len = strcspn(next + 1, "\n");
	bool hasword = false;
	for (size_t i = 0; i < len; i++)
		if (isalnum((unsigned char)next[1 + i]))
			hasword = true;
	cr_assert(hasword, "the line below the goroutine header is not a stack line\n%s", r->report);
}

/*
 * stack_funcs finds the line header in r's standard error and stores in
 * funcs (room for max, each of size FUNCLEN) the functions of the stack
 * below it, innermost first: the "name(...)" line of each frame, whose
 * "\tfile:line" line follows. It returns how many there are, or -1 when
 * the header is missing.
 */
enum { FUNCLEN = 128 };
static int stack_funcs(const struct run *r, const char *header, char (*funcs)[FUNCLEN], int max)
{
	const char *p = strstr(r->err, header);
	if (!p)
		return -1;
	p = strchr(p, '\n');
	int n = 0;
	while (p && p[1] != '\0' && p[1] != '\n' && p[1] != '\t' && n < max) {
		const char *name = p + 1;
		const char *paren = strstr(name, "(...)\n");
		const char *eol = strchr(name, '\n');
		if (!paren || paren > eol || eol[1] != '\t')
			break; /* not a frame's pair of lines */
		snprintf(funcs[n++], FUNCLEN, "%.*s", (int)(paren - name), name);
		p = strchr(eol + 1, '\n');
	}
	return n;
}

/* stack_has reports whether the stack below header shows function fn. */
static bool stack_has(const struct run *r, const char *header, const char *fn)
{
	char funcs[64][FUNCLEN];
	int n = stack_funcs(r, header, funcs, 64);
	for (int i = 0; i < n; i++)
		if (strcmp(funcs[i], fn) == 0)
			return true;
	return false;
}

/*
 * assert_stack_starts: the stack below header starts with the functions
 * want (NULL-terminated), and shows none of the runtime's internals: the
 * first frame is the public function the program called.
 */
static void assert_stack_starts(const struct run *r, const char *header, const char *const *want)
{
	static const char *const internals[] = {"mcall", "arch_mcall", "gopark", "goparkunlock", "park_m",
						"chanrecv", "chansend", "chansend_common", "semacquire1",
						"goexit", "runtime_main", NULL};
	char funcs[64][FUNCLEN];
	int n = stack_funcs(r, header, funcs, 64);
	cr_assert(n >= 0, "no \"%s\" in standard error\n%s", header, r->report);
	for (int i = 0; want[i]; i++)
		cr_assert(i < n && strcmp(funcs[i], want[i]) == 0, "frame %d below \"%s\" is %s, want %s\n%s", i,
			  header, i < n ? funcs[i] : "missing", want[i], r->report);
	for (int i = 0; i < n; i++)
		for (const char *const *x = internals; *x; x++)
			cr_assert(strcmp(funcs[i], *x) != 0, "the stack below \"%s\" shows the runtime's %s\n%s",
				  header, *x, r->report);
}

/* ---- deadlock ---- */

static void check_deadlock(bool arm64, const char *procs)
{
	struct run r;

	fail_run(&r, "deadlock", arm64, procs, NULL);
	assert_stdout(&r, "blocking\n");
	assert_stderr_has(&r, "fatal error: all goroutines are asleep - deadlock!");
	/* Go lists the blocked goroutines, main first. */
	assert_stderr_has(&r, "goroutine 1 [chan receive]");
	/* Each stack starts at the public call, as Go's start at <-ch. */
	assert_stack_starts(&r, "goroutine 1 [chan receive]:", (const char *const[]){"weft_chan_recv", "weft_main", NULL});
	assert_stack_starts(&r, "goroutine 2 [chan receive]:", (const char *const[]){"weft_chan_recv", "stuck", NULL});
	run_free(&r);
}

/* WEFTTRACEBACK=system shows the runtime's frames too: what parked the
 * goroutine above the public call, goexit at the bottom. */
static void check_deadlock_system(bool arm64)
{
	struct run r;
	char funcs[64][FUNCLEN];

	fail_run_env(&r, "deadlock", arm64, "2", NULL, "WEFTTRACEBACK=system");
	assert_stderr_has(&r, "fatal error: all goroutines are asleep - deadlock!");
	const char *g2 = "goroutine 2 [chan receive]:";
	int n = stack_funcs(&r, g2, funcs, 64);
	cr_assert(n >= 4, "too short a stack below \"%s\"\n%s", g2, r.report);
	cr_assert(strcmp(funcs[0], "weft_chan_recv") != 0, "the stack starts at the public call\n%s", r.report);
	cr_assert(stack_has(&r, g2, "gopark"), "no gopark below \"%s\"\n%s", g2, r.report);
	cr_assert(stack_has(&r, g2, "weft_chan_recv"), "no weft_chan_recv below \"%s\"\n%s", g2, r.report);
	cr_assert(strcmp(funcs[n - 1], "goexit") == 0, "the stack does not end in goexit\n%s", r.report);
	cr_assert(stack_has(&r, "goroutine 1 [chan receive]:", "runtime_main"), "no runtime_main below weft_main\n%s",
		  r.report);
	run_free(&r);
}

Test(failure, deadlock_traceback_system) { check_deadlock_system(false); }
Test(failure_arm64, deadlock_traceback_system)
{
	skip_without_qemu();
	check_deadlock_system(true);
}

Test(failure, deadlock_procs1) { check_deadlock(false, "1"); }
Test(failure, deadlock_procs2) { check_deadlock(false, "2"); }
Test(failure, deadlock_procs8) { check_deadlock(false, "8"); }
Test(failure_arm64, deadlock)
{
	skip_without_qemu();
	check_deadlock(true, "2");
}

/* ---- stack overflow ---- */

/* check_overflow runs test/prog/overflow with the stack from where (NULL:
 * a fresh one) and WEFTDEBUG=debug (NULL: none): a goroutine takes its
 * stack when it first runs, from any of stack.c's paths, and an overflow
 * still hits a guard, of whichever kind. */
static void check_overflow_on(bool arm64, const char *procs, const char *where, const char *debug)
{
	struct run r;
	char env[64];

	snprintf(env, sizeof env, "WEFTDEBUG=%s", debug ? debug : "");
	fail_run_env(&r, "overflow", arm64, procs, where, debug ? env : NULL);
	long id = goroutine_id(r.out, "recursing");
	cr_assert(id > 1, "the program did not say which goroutine recurses\n%s", r.report);
	assert_stderr_has(&r, "stack overflow");
	char want[64];
	snprintf(want, sizeof want, "goroutine %ld ", id);
	assert_stderr_has(&r, want);
	run_free(&r);
}

static void check_overflow(bool arm64, const char *procs)
{
	check_overflow_on(arm64, procs, NULL, NULL);
}

Test(failure, overflow_procs1) { check_overflow(false, "1"); }
/* Every path a stack comes by (fresh, a P's cache, the global list), with
 * guards installed by madvise (a whole arena's in one process_madvise
 * call, or one call a stack), by mprotect (older kernels) and guards on
 * only while the goroutine runs (past the mprotect budget). */
Test(failure, overflow_fresh_mprotect) { check_overflow_on(false, "1", "fresh", "stackguard=mprotect"); }
Test(failure, overflow_fresh_runguard) { check_overflow_on(false, "1", "fresh", "stackguard=runguard"); }
Test(failure, overflow_fresh_madvise) { check_overflow_on(false, "1", "fresh", "stackguard=madvise"); }
Test(failure, overflow_reused) { check_overflow_on(false, "1", "reused", NULL); }
Test(failure, overflow_reused_mprotect) { check_overflow_on(false, "1", "reused", "stackguard=mprotect"); }
Test(failure, overflow_reused_runguard) { check_overflow_on(false, "1", "reused", "stackguard=runguard"); }
Test(failure, overflow_global) { check_overflow_on(false, "1", "global", NULL); }
Test(failure, overflow_global_mprotect) { check_overflow_on(false, "1", "global", "stackguard=mprotect"); }
Test(failure, overflow_global_runguard) { check_overflow_on(false, "1", "global", "stackguard=runguard"); }
Test(failure, overflow_global_runguard_procs8) { check_overflow_on(false, "8", "global", "stackguard=runguard"); }
/* A stackguard value the runtime does not know is a fatal error at once,
 * before any goroutine runs, naming the values it knows. */
Test(failure, stackguard_bad_value)
{
	struct run r;
	fail_run_env(&r, "overflow", false, "1", NULL, "WEFTDEBUG=stackguard=mprotec");
	assert_stderr_has(&r, "runtime: WEFTDEBUG: stackguard wants mprotect, runguard or madvise\n"
			      "fatal error: bad WEFTDEBUG");
	cr_assert(strstr(r.out, "recursing") == NULL, "a goroutine ran\n%s", r.report);
	run_free(&r);
}

Test(failure_arm64, overflow_reused_runguard)
{
	skip_without_qemu();
	check_overflow_on(true, "1", "reused", "stackguard=runguard");
}
Test(failure_arm64, overflow_global)
{
	skip_without_qemu();
	check_overflow_on(true, "2", "global", NULL);
}
Test(failure, overflow_procs8) { check_overflow(false, "8"); }
Test(failure_arm64, overflow)
{
	skip_without_qemu();
	check_overflow(true, "2");
}

/* ---- panics ---- */

static void check_panic(const char *name, bool arm64, const char *arg, const char *msg)
{
	struct run r;

	fail_run(&r, name, arm64, "2", arg);
	assert_stderr_has(&r, msg);
	long id = goroutine_id(r.out, "panicking");
	if (id < 0)
		id = 1; /* the programs that do not say panic in main */
	assert_running_stack(&r, id);
	/* The message comes before the stack. */
	cr_assert(strstr(r.err, msg) < strstr(r.err, "[running]:"), "the stack came before the message\n%s",
		  r.report);
	run_free(&r);
}

Test(failure, panic) { check_panic("panic", false, NULL, "panic: boom 42\n"); }
Test(failure, panic_in_goroutine)
{
	struct run r;

	check_panic("panic", false, "go", "panic: boom 42\n");
	/* and it is not goroutine 1 that is reported running */
	fail_run(&r, "panic", false, "2", "go");
	long id = goroutine_id(r.out, "panicking");
	cr_assert(id > 1, "%s", r.report);
	cr_assert(strstr(r.err, "goroutine 1 [running]") == NULL, "main reported as running\n%s", r.report);
	run_free(&r);
}
/* A panic inside a channel operation: the stack starts at the send. */
static void check_sendclosed(bool arm64)
{
	struct run r;

	check_panic("sendclosed", arm64, NULL, "panic: send on closed channel");
	fail_run(&r, "sendclosed", arm64, "2", NULL);
	assert_stack_starts(&r, "goroutine 1 [running]:", (const char *const[]){"weft_chan_send", "weft_main", NULL});
	run_free(&r);
	fail_run_env(&r, "sendclosed", arm64, "2", NULL, "WEFTTRACEBACK=system");
	cr_assert(stack_has(&r, "goroutine 1 [running]:", "chansend_common"),
		  "WEFTTRACEBACK=system: no chansend_common in the stack\n%s", r.report);
	run_free(&r);
}

Test(failure, sendclosed) { check_sendclosed(false); }
Test(failure, closeclosed) { check_panic("closeclosed", false, NULL, "panic: close of closed channel"); }
Test(failure, unlockunlocked)
{
	check_panic("unlockunlocked", false, NULL, "panic: sync: unlock of unlocked mutex");
}

Test(failure, doublefree)
{
	check_panic("doublefree", false, NULL, "panic: weft_free: double free");
}
Test(failure, doublefree_large)
{
	check_panic("doublefree", false, "large", "panic: weft_free: double free");
}
Test(failure, chan_doublefree)
{
	check_panic("doublefree", false, "chan", "panic: weft_chan_free of freed channel");
}
Test(failure, chan_doublefree_large)
{
	check_panic("doublefree", false, "largechan", "panic: weft_chan_free of freed channel");
}
Test(failure, chan_doublefree_after)
{
	check_panic("doublefree", false, "after", "panic: weft_chan_free of freed channel");
}

/* Channels too big to make (test/prog/chanbig.c): Go's makechan panic. */
Test(failure, chan_elem_too_big)
{
	struct run r;

	check_panic("chanbig", false, "elem", "panic: makechan: size out of range");
	/* An element one byte smaller is made, and travels intact. */
	fail_run(&r, "chanbig", false, "2", "elem");
	assert_stdout(&r, "elem 65535: 1 2\n");
	run_free(&r);
}
Test(failure, chan_size_overflow)
{
	check_panic("chanbig", false, "overflow", "panic: makechan: size out of range");
}
Test(failure, chan_size_huge)
{
	check_panic("chanbig", false, "huge", "panic: makechan: size out of range");
}

Test(failure, negwaitgroup)
{
	check_panic("negwaitgroup", false, NULL, "panic: sync: negative WaitGroup counter");
}
/* rwunlocked: unlocking a weft_rwmutex not locked that way is Go's fatal
 * error, the message first, then the goroutine's stack from the call. */
static void check_rwunlocked(bool arm64, const char *procs, const char *arg, const char *msg, const char *fn)
{
	struct run r;

	fail_run(&r, "rwunlocked", arm64, procs, arg);
	assert_stderr_has(&r, msg);
	cr_assert(strncmp(r.err, msg, strlen(msg)) == 0, "standard error does not start with the message\n%s",
		  r.report);
	assert_stack_starts(&r, "goroutine 1 [running]:", (const char *const[]){fn, "weft_main", NULL});
	run_free(&r);
}

#define RUNLOCK_MSG "fatal error: sync: RUnlock of unlocked RWMutex\n"
#define UNLOCK_MSG "fatal error: sync: Unlock of unlocked RWMutex\n"
Test(failure, rwmutex_runlock_unlocked)
{
	check_rwunlocked(false, "1", "runlock", RUNLOCK_MSG, "weft_rwmutex_runlock");
	check_rwunlocked(false, "8", "runlock", RUNLOCK_MSG, "weft_rwmutex_runlock");
}
Test(failure, rwmutex_runlock_locked)
{
	check_rwunlocked(false, "2", "runlock-locked", RUNLOCK_MSG, "weft_rwmutex_runlock");
}
Test(failure, rwmutex_unlock_unlocked)
{
	check_rwunlocked(false, "1", "unlock", UNLOCK_MSG, "weft_rwmutex_unlock");
	check_rwunlocked(false, "8", "unlock", UNLOCK_MSG, "weft_rwmutex_unlock");
}
Test(failure, rwmutex_unlock_rlocked)
{
	check_rwunlocked(false, "2", "unlock-rlocked", UNLOCK_MSG, "weft_rwmutex_unlock");
}
Test(failure_arm64, rwmutex_runlock_unlocked)
{
	skip_without_qemu();
	check_rwunlocked(true, "2", "runlock", RUNLOCK_MSG, "weft_rwmutex_runlock");
	check_rwunlocked(true, "2", "runlock-locked", RUNLOCK_MSG, "weft_rwmutex_runlock");
}
Test(failure_arm64, rwmutex_unlock_unlocked)
{
	skip_without_qemu();
	check_rwunlocked(true, "2", "unlock", UNLOCK_MSG, "weft_rwmutex_unlock");
	check_rwunlocked(true, "2", "unlock-rlocked", UNLOCK_MSG, "weft_rwmutex_unlock");
}

/* syncdeadlock: goroutine 1 blocked for good in a sync call is listed in
 * the deadlock report with Go's wait reason, its stack starting at the
 * call (for once, the fn that called weft_once_do again: below it come
 * the first weft_once_do, and how it called fn). */
static void check_syncdeadlock(bool arm64, const char *procs, const char *arg, const char *header,
			       const char *const *stack)
{
	struct run r;

	fail_run(&r, "syncdeadlock", arm64, procs, arg);
	assert_stdout(&r, "blocking\n");
	assert_stderr_has(&r, "fatal error: all goroutines are asleep - deadlock!");
	assert_stack_starts(&r, header, stack);
	cr_assert(stack_has(&r, header, "weft_main"), "no weft_main below \"%s\"\n%s", header, r.report);
	run_free(&r);
}

static void syncdeadlocks(bool arm64, const char *procs)
{
	check_syncdeadlock(arm64, procs, "cond", "goroutine 1 [sync.Cond.Wait]:",
			   (const char *const[]){"weft_cond_wait", "weft_main", NULL});
	check_syncdeadlock(arm64, procs, "rlock", "goroutine 1 [sync.RWMutex.RLock]:",
			   (const char *const[]){"weft_rwmutex_rlock", "weft_main", NULL});
	check_syncdeadlock(arm64, procs, "lock", "goroutine 1 [sync.RWMutex.Lock]:",
			   (const char *const[]){"weft_rwmutex_lock", "weft_main", NULL});
	check_syncdeadlock(arm64, procs, "once", "goroutine 1 [sync.Mutex.Lock]:",
			   (const char *const[]){"weft_once_do", "again", NULL});
}

Test(failure, sync_deadlock_procs1) { syncdeadlocks(false, "1"); }
Test(failure, sync_deadlock_procs8) { syncdeadlocks(false, "8"); }
Test(failure_arm64, sync_deadlock)
{
	skip_without_qemu();
	syncdeadlocks(true, "2");
}

/* A ticker with a non-positive interval panics, as Go's NewTicker does. */
Test(failure, ticker_zero)
{
	check_panic("tickerpanic", false, "0", "panic: non-positive interval for weft_ticker\n");
}
Test(failure, ticker_negative)
{
	check_panic("tickerpanic", false, "-1", "panic: non-positive interval for weft_ticker\n");
}
Test(failure_arm64, ticker_zero)
{
	skip_without_qemu();
	check_panic("tickerpanic", true, "0", "panic: non-positive interval for weft_ticker\n");
}
Test(failure_arm64, ticker_negative)
{
	skip_without_qemu();
	check_panic("tickerpanic", true, "-1", "panic: non-positive interval for weft_ticker\n");
}

Test(failure_arm64, panic)
{
	skip_without_qemu();
	check_panic("panic", true, NULL, "panic: boom 42\n");
}
Test(failure_arm64, panic_in_goroutine)
{
	skip_without_qemu();
	check_panic("panic", true, "go", "panic: boom 42\n");
}
Test(failure_arm64, sendclosed)
{
	skip_without_qemu();
	check_sendclosed(true);
}

/* ---- calls that need a goroutine, from a thread that runs none ---- */

/* nogoroutine (hosted) makes call on a pthread of its own, after the
 * calls that work on any thread: a fatal error naming the call, with the
 * calling thread's stack and the goroutines', exit status 2. */
static void check_nogoroutine(bool arm64, const char *call)
{
	struct run r;
	char want[160];

	fail_run(&r, "nogoroutine", arm64, "2", call);
	assert_stdout(&r, "from the thread: 42, goid 0, closed yes\n");
	snprintf(want, sizeof want, "fatal error: %s called from a thread that is not running a goroutine\n",
		 call);
	assert_stderr_has(&r, want);
	/* The caller's stack: the public call, then the thread's function. */
	const char *t = strstr(r.err, ", running no goroutine:\n");
	cr_assert(t != NULL, "no stack of the calling thread\n%s", r.report);
	snprintf(want, sizeof want, ", running no goroutine:\n%s(...)\n", call);
	cr_assert(strncmp(t, want, strlen(want)) == 0, "the calling thread's stack must start at %s\n%s", call,
		  r.report);
	cr_assert(strstr(t, "\nthread(...)\n") != NULL, "the calling thread's stack lacks its function\n%s",
		  r.report);
	/* goroutine 1 waits in weft_sleep meanwhile, and is listed. */
	assert_stderr_has(&r, "goroutine 1 [sleep]:");
	cr_assert(strstr(r.err, "signal") == NULL, "a fault, not the fatal error\n%s", r.report);
	run_free(&r);
}

Test(failure, nogoroutine_sleep) { check_nogoroutine(false, "weft_sleep"); }
Test(failure, nogoroutine_yield) { check_nogoroutine(false, "weft_yield"); }
Test(failure, nogoroutine_go) { check_nogoroutine(false, "weft_go"); }
Test(failure, nogoroutine_chan_send) { check_nogoroutine(false, "weft_chan_send"); }
Test(failure, nogoroutine_chan_recv) { check_nogoroutine(false, "weft_chan_recv"); }
Test(failure, nogoroutine_select) { check_nogoroutine(false, "weft_select"); }
Test(failure, nogoroutine_mutex_lock) { check_nogoroutine(false, "weft_mutex_lock"); }
Test(failure, nogoroutine_waitgroup_wait) { check_nogoroutine(false, "weft_waitgroup_wait"); }
Test(failure, nogoroutine_cond_wait) { check_nogoroutine(false, "weft_cond_wait"); }
Test(failure, nogoroutine_rwmutex_rlock) { check_nogoroutine(false, "weft_rwmutex_rlock"); }
Test(failure, nogoroutine_rwmutex_lock) { check_nogoroutine(false, "weft_rwmutex_lock"); }
Test(failure, nogoroutine_goexit) { check_nogoroutine(false, "weft_goexit"); }
Test(failure, nogoroutine_setmaxprocs) { check_nogoroutine(false, "weft_setmaxprocs"); }
Test(failure_arm64, nogoroutine_sleep)
{
	skip_without_qemu();
	check_nogoroutine(true, "weft_sleep");
}
Test(failure_arm64, nogoroutine_chan_send)
{
	skip_without_qemu();
	check_nogoroutine(true, "weft_chan_send");
}
Test(failure_arm64, nogoroutine_mutex_lock)
{
	skip_without_qemu();
	check_nogoroutine(true, "weft_mutex_lock");
}
Test(failure_arm64, nogoroutine_cond_wait)
{
	skip_without_qemu();
	check_nogoroutine(true, "weft_cond_wait");
}

/* ---- weft_goexit on goroutine 1 (test/prog/goexitmain.c) ---- */

/* goexit_main: main ends itself with weft_goexit; its workers run on and
 * print, and once the last has ended the program fails as Go's does. */
static void check_goexit_main(const char *variant, const char *procs)
{
	struct run r;
	bool arm64 = strcmp(variant, "arm64") == 0;

	fail_run(&r, strcmp(variant, "hosted") == 0 ? "goexitmain-libc" : "goexitmain", arm64, procs, NULL);
	/* The workers' output, all of it, before the end. Their sleeps
	 * (20, 40, 60 ms) usually order them, but a loaded machine (qemu)
	 * need not: each line once, in any order. */
	static const char want[] = "main exits\nworker 1 done\nworker 2 done\nworker 3 done\n";
	cr_assert(r.outlen == strlen(want) && strncmp(r.out, "main exits\n", 11) == 0 &&
			  strstr(r.out, "worker 1 done\n") && strstr(r.out, "worker 2 done\n") &&
			  strstr(r.out, "worker 3 done\n"),
		  "standard output is not main's line and the three workers' lines\n%s", r.report);
	assert_stderr_has(&r, "fatal error: no goroutines (main called runtime.Goexit) - deadlock!\n");
	cr_assert(strstr(r.err, "all goroutines are asleep") == NULL, "the wrong deadlock\n%s", r.report);
	cr_assert(strstr(r.err, "\ngoroutine ") == NULL, "a goroutine was listed: there are none\n%s", r.report);
	run_free(&r);
}

/* goexit_main_blocked: main ends itself while a goroutine waits forever:
 * the usual deadlock, the waiting goroutine listed (main is gone). */
static void check_goexit_main_blocked(const char *variant, const char *procs)
{
	struct run r;
	bool arm64 = strcmp(variant, "arm64") == 0;

	fail_run(&r, strcmp(variant, "hosted") == 0 ? "goexitmain-libc" : "goexitmain", arm64, procs, "blocked");
	assert_stdout(&r, "main exits\n");
	assert_stderr_has(&r, "fatal error: all goroutines are asleep - deadlock!\n");
	assert_stack_starts(&r, "goroutine 2 [chan receive]:", (const char *const[]){"weft_chan_recv", "stuck", NULL});
	cr_assert(strstr(r.err, "goroutine 1 ") == NULL, "goroutine 1 listed after weft_goexit\n%s", r.report);
	cr_assert(strstr(r.err, "no goroutines") == NULL, "the wrong deadlock\n%s", r.report);
	run_free(&r);
}

Test(failure, goexit_main_procs1) { check_goexit_main("native", "1"); }
Test(failure, goexit_main_procs2) { check_goexit_main("native", "2"); }
Test(failure, goexit_main_procs8) { check_goexit_main("native", "8"); }
Test(failure, goexit_main_hosted) { check_goexit_main("hosted", "2"); }
Test(failure, goexit_main_blocked_procs1) { check_goexit_main_blocked("native", "1"); }
Test(failure, goexit_main_blocked_procs8) { check_goexit_main_blocked("native", "8"); }
Test(failure, goexit_main_blocked_hosted) { check_goexit_main_blocked("hosted", "2"); }
Test(failure_arm64, goexit_main)
{
	skip_without_qemu();
	check_goexit_main("arm64", "2");
}
Test(failure_arm64, goexit_main_blocked)
{
	skip_without_qemu();
	check_goexit_main_blocked("arm64", "2");
}

/* ---- out of memory ---- */

/* spawnoom creates blocked goroutines until the address space (limited to
 * 512 MB) runs out: a clear fatal error, status 2, no crash, no hang. */
Test(failure, spawn_out_of_memory)
{
	struct run r;
	const char *envs[] = {"WEFTMAXPROCS=2", NULL};
	struct run_opts o = {.env = envs, .rlimit_as = 512UL << 20};

	need_file("build/test/prog/spawnoom");
	RUN(&r, &o, "build/test/prog/spawnoom");
	assert_exit(&r, 2);
	assert_stdout_has(&r, "spawned 100 goroutines"); /* it got going first */
	assert_stderr_has(&r, "fatal error");
	cr_assert(strcasestr(r.err, "memory") != NULL, "the fatal error does not mention memory\n%s", r.report);
	run_free(&r);
}

/* mapcount creates blocked goroutines with mprotect's stack guards, two
 * mappings each, until the kernel's limit on mappings (vm.max_map_count,
 * most of which the program takes first) runs out: a fatal error that
 * names the limit, its value and the remedy, status 2. */
Test(failure, spawn_out_of_mappings)
{
	struct run r;
	const char *envs[] = {"WEFTMAXPROCS=2", "WEFTDEBUG=stackguard=mprotect", NULL};
	struct run_opts o = {.env = envs};
	char *max = read_file("/proc/sys/vm/max_map_count", NULL);
	char want[128];

	cr_assert(max != NULL, "cannot read /proc/sys/vm/max_map_count");
	max[strcspn(max, "\n")] = '\0';
	need_file("build/test/prog/mapcount");
	RUN(&r, &o, "build/test/prog/mapcount");
	assert_exit(&r, 2);
	assert_stdout_has(&r, "spawned 100 goroutines"); /* it got going first */
	snprintf(want, sizeof want, "fatal error: out of memory mappings for goroutine stacks: "
				    "the kernel's limit, vm.max_map_count = %s, is reached", max);
	assert_stderr_has(&r, want);
	assert_stderr_has(&r, "sysctl -w vm.max_map_count=");
	/* Stacks are taken when a goroutine first runs: that is where it
	 * fails, and the goroutine starting is shown first, with its
	 * function. */
	assert_stderr_has(&r, " [runnable, starting]:\nblock(...)");
	run_free(&r);
	free(max);
}
