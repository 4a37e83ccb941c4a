/*
 * signal_test.c: SIGPIPE as Go has it (runtime/signal.c). A write to a
 * pipe whose reader has gone ends the program as SIGPIPE would on fds 1
 * and 2, and is -EPIPE on any other fd; a trace whose reader leaves stops
 * with one message while the program runs on (test/prog/sigpipe.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

/* broken_stdout runs prog (under qemu when arm64) with its standard
 * output a pipe whose read end is closed, and returns its wait status;
 * its standard error goes to errpath. */
static int broken_stdout(bool arm64, const char *prog, const char *errpath)
{
	const char *argv[4];
	prog_argv(argv, arm64, prog, "stdout");
	need_file(prog);
	int p[2];
	cr_assert(pipe(p) == 0);
	close(p[0]);
	fflush(NULL);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int errfd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		signal(SIGPIPE, SIG_DFL);
		if (errfd < 0 || dup2(p[1], 1) < 0 || dup2(errfd, 2) < 0)
			_exit(126);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	int ws;
	cr_assert(waitpid(pid, &ws, 0) == pid);
	return ws;
}

static void stdout_dies(bool arm64)
{
	char *dir = tmpdir("sigpipe");
	char errpath[512];
	snprintf(errpath, sizeof errpath, "%s/stderr", dir);
	int ws = broken_stdout(arm64, arm64 ? "build/test/prog-arm64/sigpipe" : "build/test/prog/sigpipe", errpath);
	char *err = read_file(errpath, NULL);
	cr_assert(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGPIPE,
		  "a write to a closed stdout must end the program by SIGPIPE; it %s %d; stderr:\n%s",
		  WIFSIGNALED(ws) ? "was killed by signal" : "exited with status",
		  WIFSIGNALED(ws) ? WTERMSIG(ws) : WEXITSTATUS(ws), err ? err : "");
	cr_assert(err && err[0] == '\0', "nothing on standard error, as SIGPIPE prints nothing; got:\n%s", err);
	free(err);
	free(dir);
}

Test(signal, sigpipe_on_stdout_kills) { stdout_dies(false); }
Test(signal, arm64_sigpipe_on_stdout_kills)
{
	skip_without_qemu();
	stdout_dies(true);
}

static void other_fd_epipe(bool arm64)
{
	const char *argv[4];
	const char *prog = arm64 ? "build/test/prog-arm64/sigpipe" : "build/test/prog/sigpipe";
	need_file(prog);
	prog_argv(argv, arm64, prog, "fd");
	struct run r;
	run(&r, argv, NULL);
	assert_exit(&r, 0);
	assert_stdout(&r, "write: -32\n");
	run_free(&r);
}

Test(signal, sigpipe_on_other_fd_is_epipe) { other_fd_epipe(false); }
Test(signal, arm64_sigpipe_on_other_fd_is_epipe)
{
	skip_without_qemu();
	other_fd_epipe(true);
}

/* A trace written to a FIFO whose reader leaves: one message, tracing
 * stops, the program runs on to its end and its status. */
Test(signal, trace_reader_leaves)
{
	const char *prog = "build/test/prog/sigpipe";
	need_file(prog);
	char *dir = tmpdir("tracefifo");
	char fifo[512], env[600], errpath[600];
	snprintf(fifo, sizeof fifo, "%s/fifo", dir);
	snprintf(errpath, sizeof errpath, "%s/stderr", dir);
	snprintf(env, sizeof env, "WEFTTRACE=%s", fifo);
	cr_assert(mkfifo(fifo, 0666) == 0, "mkfifo: %s", strerror(errno));
	int rd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	cr_assert(rd >= 0);

	const char *extra[] = {env, "WEFTDEBUG=tracegenms=2", NULL};
	char **envp = make_env(extra);
	fflush(NULL);
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);
		int errfd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		signal(SIGPIPE, SIG_DFL);
		if (devnull < 0 || errfd < 0 || dup2(devnull, 1) < 0 || dup2(errfd, 2) < 0)
			_exit(126);
		execle(prog, prog, "busy", "400", (char *)NULL, envp);
		_exit(127);
	}
	free(envp);
	/* Read the header and a little more, then leave. */
	char buf[4096];
	size_t got = 0;
	double deadline = monotime() + 20;
	while (got < 64 && monotime() < deadline) {
		ssize_t n = read(rd, buf, sizeof buf);
		if (n > 0)
			got += (size_t)n;
		else
			usleep(1000);
	}
	close(rd);
	int ws = 0;
	pid_t w;
	while ((w = waitpid(pid, &ws, WNOHANG)) == 0 && monotime() < deadline + 40)
		usleep(10000);
	if (w == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &ws, 0);
		cr_assert_fail("the program still runs 60 s after its trace's reader left: killed");
	}
	char *err = read_file(errpath, NULL);
	cr_assert(got >= 16, "the trace's reader got %zu bytes", got);
	cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0,
		  "the program must run on to its end when its trace's reader leaves; wait status 0x%x, "
		  "stderr:\n%s",
		  ws, err);
	char want[700];
	snprintf(want, sizeof want, "runtime: writing the trace (WEFTTRACE=%s) failed: Broken pipe; tracing stopped\n",
		 fifo);
	cr_assert(strcmp(err, want) == 0, "standard error must be the one message\n%s\ngot:\n%s", want, err);
	free(err);
	free(dir);
}

/* A file that takes nothing: one message, no contradicting fatal error,
 * and the program runs on. */
Test(signal, trace_dev_full)
{
	const char *prog = "build/test/prog/sigpipe";
	need_file(prog);
	const char *extra[] = {"WEFTTRACE=/dev/full", NULL};
	struct run_opts o = {.env = extra};
	struct run r;
	RUN(&r, &o, prog, "busy", "20");
	assert_exit(&r, 0);
	assert_stdout(&r, "done\n");
	cr_assert(strcmp(r.err,
			 "runtime: writing the trace (WEFTTRACE=/dev/full) failed: No space left on device; "
			 "tracing stopped\n") == 0,
		  "standard error must be the one message\n%s", r.report);
	run_free(&r);
}
