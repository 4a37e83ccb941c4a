/*
 * testutil.h: helpers for the Criterion suite (build/test/weft_test).
 *
 * The suite runs from the repository root and finds what it tests by
 * relative path: build/bin/weft, build/examples/NAME, build/test/prog/NAME.
 * Every program runs as a child process (run): its output is captured, and
 * a hard timeout kills it and fails the test, so no test can hang.
 */
#ifndef WEFT_TESTUTIL_H
#define WEFT_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>

#include <criterion/criterion.h>

/* The default hard timeout for one child process, in seconds. Generous:
 * the suite runs tests in parallel on small, busy machines, some of them
 * under qemu. */
enum { RUN_TIMEOUT_S = 60 };

struct run_opts {
	const char *const *env; /* extra NAME=VALUE strings, NULL-terminated;
				   each replaces any inherited NAME */
	unsigned long rlimit_as; /* RLIMIT_AS for the child in bytes; 0: unchanged */
	int timeout_s;           /* 0: RUN_TIMEOUT_S */
	const char *dir;         /* working directory for the child; NULL: ours */
};

struct run {
	int status;   /* the exit status, or -1 when a signal killed it */
	int sig;      /* the signal that killed it, or 0 */
	char *out;    /* standard output, NUL-terminated */
	size_t outlen;
	char *err;    /* standard error, NUL-terminated */
	size_t errlen;
	char desc[512]; /* the command with its extra environment, for messages */
	char report[9000]; /* desc, status, and the start of both outputs */
};

/*
 * run starts argv[0] (looked up in PATH when it has no slash) with argv,
 * our environment plus o->env, standard input from /dev/null, in a process
 * group of its own, and waits for it, capturing both outputs into r. If it
 * is still running after the timeout, the whole group is killed and the
 * current test fails with the output so far: run does not return then.
 * o may be NULL.
 */
void run(struct run *r, const char *const *argv, const struct run_opts *o);
void run_free(struct run *r);

/* RUN(&r, opts, "prog", "arg", ...): run with an argv written inline. */
#define RUN(r, opts, ...) run((r), (const char *const[]){__VA_ARGS__, NULL}, (opts))

/* ENV("NAME=VALUE", ...): an extra environment written inline. */
#define ENV(...) ((const char *const[]){__VA_ARGS__, NULL})

/* status_str describes how r ended: "exit status 2", "killed by signal 11". */
const char *status_str(const struct run *r);

/* Assertions that show the command, its status and its outputs when they fail. */
#define assert_exit(r, code)                                                          \
	cr_assert((r)->sig == 0 && (r)->status == (code), "want exit status %d\n%s", \
		  (code), (r)->report)
#define assert_stdout(r, want)                                                       \
	cr_assert(strcmp((r)->out, (want)) == 0, "standard output differs; want:\n%s\n%s", \
		  (want), (r)->report)
#define assert_stderr_has(r, needle)                                                 \
	cr_assert(strstr((r)->err, (needle)) != NULL,                                \
		  "standard error lacks \"%s\"\n%s", (needle), (r)->report)
#define assert_stdout_has(r, needle)                                                 \
	cr_assert(strstr((r)->out, (needle)) != NULL,                                \
		  "standard output lacks \"%s\"\n%s", (needle), (r)->report)

/* read_file returns the contents of path, NUL-terminated, or NULL. */
char *read_file(const char *path, size_t *len);

/* need_file fails the test with a hint when a built file is missing. */
void need_file(const char *path);

/* qemu returns the path of qemu-aarch64, or NULL when it is not installed. */
const char *qemu(void);

/* prog_argv fills argv (room for 4) with prog, run under qemu-aarch64 when
 * arm64, and its one optional argument. */
void prog_argv(const char **argv, bool arm64, const char *prog, const char *arg);

/* skip_without_qemu skips the test, saying why, when qemu-aarch64 is missing. */
#define skip_without_qemu()                                                            \
	do {                                                                           \
		if (qemu() == NULL) {                                                  \
			cr_skip_test("qemu-aarch64 is not installed: arm64 test skipped " \
				     "(scripts/deps test installs qemu-user)");        \
			return;                                                        \
		}                                                                      \
	} while (0)

/* make_env returns a new environment array (free it, not its strings):
 * ours, with each NAME=VALUE of extra (NULL-ended; extra may be NULL) in
 * place of an inherited NAME, and each bare NAME of extra removed. It is
 * built before a fork, so that the child only has to exec. */
char **make_env(const char *const *extra);

/* monotime: the monotonic clock, in seconds. */
double monotime(void);

/* tmpdir makes and returns a fresh directory build/test/tmp/NAME.PID. */
char *tmpdir(const char *name);

/* write_file writes text to path, failing the test on error. */
void write_file(const char *path, const char *text);

/* line_after returns the line following the first line of text that starts
 * with prefix (without its newline, in a static buffer), or NULL. */
const char *line_after(const char *text, const char *prefix);

/* assert_checks_passed asserts that r is a clean run of a test program
 * built on test/prog/check.h: no check printed FAIL, the last line is
 * "<prog>: N passed, 0 failed" with N == want, exit status 0 and nothing
 * on standard error. */
void assert_checks_passed(const struct run *r, const char *prog, int want);

/* The builds of a check program test/prog/NAME.c (test/build.ninja). */
enum check_build {
	CHECK_NATIVE,       /* build/test/prog/NAME */
	CHECK_HOSTED,       /* build/test/prog/NAME-libc: --libc */
	CHECK_ARM64,        /* build/test/prog-arm64/NAME, run under qemu */
	CHECK_ARM64_HOSTED, /* build/test/prog-arm64/NAME-libc */
};

/*
 * run_checks runs a build of the check program test/prog/NAME.c with the
 * extra environment env (NULL-ended; may be NULL): every check when check
 * is NULL, else the one named check. It first asks the same build for its
 * checks (NAME -list), then asserts that the run reported "ok" for each
 * of them (or for check, which must be among them) and nothing else, as
 * assert_checks_passed does. A check that failed, or that the run never
 * reported, fails the test. r, when not NULL, receives the run (run_free
 * it), for assertions about the rest of the output.
 */
void run_checks(struct run *r, const char *name, enum check_build b, const char *const *env, const char *check);

/*
 * CHECK_PROGRAM(name, qemu_env, more) defines the tests every check program
 * gets: all of test/prog/NAME.c's checks natively at WEFTMAXPROCS 1, 2 and
 * 8 and hosted (--libc) at 2, in suite NAME; and arm64 under qemu at 1, 2
 * and 8 and hosted at 2, in suite NAME_arm64, with the one extra NAME=VALUE
 * qemu_env (or NULL). Then each run is handed to more(r) (or NULL) for
 * assertions about the program's own output. An unknown check name must
 * be an error, not an empty pass.
 */
#define CHECK_PROGRAM(name, qemu_env, more)                                                  \
	static void name##_all(enum check_build b, const char *procs, const char *extra)     \
	{                                                                                    \
		struct run r;                                                                \
		const char *env[] = {procs, extra, NULL};                                    \
		void (*more_)(const struct run *) = (more);                                  \
		run_checks(&r, #name, b, env, NULL);                                         \
		if (more_ != NULL)                                                           \
			more_(&r);                                                           \
		run_free(&r);                                                                \
	}                                                                                    \
	Test(name, procs1) { name##_all(CHECK_NATIVE, "WEFTMAXPROCS=1", NULL); }             \
	Test(name, procs2) { name##_all(CHECK_NATIVE, "WEFTMAXPROCS=2", NULL); }             \
	Test(name, procs8) { name##_all(CHECK_NATIVE, "WEFTMAXPROCS=8", NULL); }             \
	Test(name, hosted_procs2) { name##_all(CHECK_HOSTED, "WEFTMAXPROCS=2", NULL); }      \
	Test(name##_arm64, procs1)                                                           \
	{                                                                                    \
		skip_without_qemu();                                                         \
		name##_all(CHECK_ARM64, "WEFTMAXPROCS=1", (qemu_env));                       \
	}                                                                                    \
	Test(name##_arm64, procs2)                                                           \
	{                                                                                    \
		skip_without_qemu();                                                         \
		name##_all(CHECK_ARM64, "WEFTMAXPROCS=2", (qemu_env));                       \
	}                                                                                    \
	Test(name##_arm64, procs8)                                                           \
	{                                                                                    \
		skip_without_qemu();                                                         \
		name##_all(CHECK_ARM64, "WEFTMAXPROCS=8", (qemu_env));                       \
	}                                                                                    \
	Test(name##_arm64, hosted_procs2)                                                    \
	{                                                                                    \
		skip_without_qemu();                                                         \
		name##_all(CHECK_ARM64_HOSTED, "WEFTMAXPROCS=2", (qemu_env));                \
	}                                                                                    \
	Test(name, unknown_check) { assert_unknown_check(#name); }

/* assert_unknown_check asserts that build/test/prog/NAME, asked for a
 * check it does not have, says so and exits 2. */
void assert_unknown_check(const char *name);

/* goroutine_id finds "goroutine N <word>" in text (e.g. the "goroutine 2
 * recursing" a test program prints) and returns N, or -1. */
long goroutine_id(const char *text, const char *word);

/* ---- Go, and the strict trace oracle ---- */

/* The strict oracle, test/tracecheck/weftcheck_test.go built into Go's
 * internal/trace. */
#define TRACECHECK "build/test/tracecheck"

/* Generous: the stress traces take Go seconds to read on a busy machine. */
enum { GO_TIMEOUT_S = 300 };

extern char go_path[]; /* find_go's answer */
extern char go_why[];  /* why there is none */
extern const char *go_env[]; /* the settings every go command runs with */

/* find_go returns the go command to use ($WEFT_GO, Go 1.23's Debian
 * path, go on the PATH: the first that is Go 1.22 or later), or NULL
 * with go_why set. */
const char *find_go(void);

/* strict_check runs the strict oracle on trace: true if it accepts it,
 * else false with what it said in why. */
bool strict_check(const char *trace, char *why, size_t whylen);

/* skip_visibly skips the test, saying why on standard error too:
 * Criterion lists skipped tests only with --verbose, and a warning
 * (cr_log_warn) would make the suite's exit status 1. */
#define skip_visibly(...)                                                                    \
	do {                                                                                 \
		fprintf(stderr, "[SKIP] %s::%s: ", criterion_current_suite->name,            \
			criterion_current_test->name);                                       \
		fprintf(stderr, __VA_ARGS__);                                                \
		fputc('\n', stderr);                                                         \
		cr_skip_test(__VA_ARGS__);                                                   \
	} while (0)

/* pprof_findrow reads the flat% and cum% of the row of `go tool pprof
 * -top`'s table in r's output that ends with entry ("light", "heavy
 * (inline)", "heavy FILE:LINE (inline)"): false when there is none;
 * pprof_topline fails the test then. */
bool pprof_findrow(const struct run *r, const char *entry, double *flat, double *cum);
void pprof_topline(const struct run *r, const char *entry, double *flat, double *cum);

/* need_go skips the test, saying why, when there is no usable Go. */
#define need_go()                                                                            \
	do {                                                                                 \
		if (find_go() == NULL) {                                                     \
			skip_visibly("no Go 1.22+ to read traces with "                     \
				     "(set WEFT_GO, or scripts/deps test installs Go 1.23): " \
				     "%s", go_why);                                          \
			return;                                                              \
		}                                                                            \
	} while (0)

#endif
