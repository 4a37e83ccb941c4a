/*
 * cpuprof_api.c: weft_cpuprofile_start and _stop, their misuse, profile
 * files that fail, and the ways a profiled program can end, for
 * test/cpuprof_test.c.
 *
 *   cpuprof_api api FILE     profiles part of the run into FILE with the
 *                            API, and misuses it: stop with nothing
 *                            running, start with fd -1, start twice, stop
 *                            twice; prints each call's result
 *   cpuprof_api envstart     weft_cpuprofile_start while WEFTCPUPROFILE
 *                            profiles the run: must be -1
 *   cpuprof_api full         profiles into /dev/full: stop must fail
 *   cpuprof_api pipe         profiles into a pipe whose reader has gone:
 *                            stop must fail, SIGPIPE must not end the
 *                            program
 *   cpuprof_api END          spins for about 300 ms of CPU time in
 *                            spin_work, then ends by END: "return" (exit
 *                            status 0), "exit" (weft_exit(3)), "panic"
 *                            (weft_panic), "deadlock" (every goroutine
 *                            blocked: a fatal error)
 *
 * For full and pipe it prints "fd N" and "error TEXT", what the
 * runtime's message must name, then "after" once stop has returned, to
 * show the program ran on. Every mode but the END ones prints "ok" last
 * and exits 0 when every result was right, else prints "FAIL ..." and
 * exits 1.
 */
#include "runtime.h"

#include "fail.h"

enum { CLOCK_PROCESS_CPUTIME = 2, MS = 1000 * 1000, EPIPE_ = 32, ENOSPC_ = 28 };

#define WANT(call, want)                                                     \
	do {                                                                 \
		int r_ = (call);                                             \
		weft_printf("%s: %d\n", #call, r_);                          \
		if (r_ != (want))                                            \
			FAIL("%s returned %d, want %d", #call, r_, (want)); \
	} while (0)

static bool streq(const char *a, const char *b)
{
	return rt_strcmp(a, b) == 0;
}

static int64_t cputime(void)
{
	struct sys_timespec ts;
	if (sys_clock_gettime(CLOCK_PROCESS_CPUTIME, &ts) < 0)
		return 0;
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static uint64_t sink;

/* spin_work spins for ms of the process's CPU time. */
__attribute__((noinline)) void spin_work(long ms)
{
	int64_t end = cputime() + ms * MS;
	uint64_t x = 1;
	while (cputime() < end) {
		for (int i = 0; i < 100000; i++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			__asm__ volatile("" : "+r"(x));
		}
	}
	sink = x;
}

static void api(const char *path)
{
	WANT(weft_cpuprofile_stop(), -1);
	WANT(weft_cpuprofile_start(-1), -1);
	int fd = (int)sys_openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		FAIL("open %s: %s", path, sys_strerror(fd));
		return;
	}
	WANT(weft_cpuprofile_start(fd), 0);
	WANT(weft_cpuprofile_start(fd), -1);
	spin_work(300);
	WANT(weft_cpuprofile_stop(), 0);
	WANT(weft_cpuprofile_stop(), -1);
	/* stop does not close the fd: it still takes a write, after the
	 * profile. */
	if (sys_write(fd, "", 0) != 0)
		FAIL("the profile's fd was closed by stop");
	sys_close(fd);
	/* Profiling starts again once stopped. */
	fd = (int)sys_openat(AT_FDCWD, "/dev/null", O_WRONLY | O_CLOEXEC, 0);
	WANT(weft_cpuprofile_start(fd), 0);
	WANT(weft_cpuprofile_stop(), 0);
	sys_close(fd);
}

/* failing profiles into fd, which takes no write, and prints what the
 * runtime's message must name. */
static void failing(int fd, int err)
{
	weft_printf("fd %d\nerror %s\n", fd, sys_strerror(err));
	WANT(weft_cpuprofile_start(fd), 0);
	spin_work(50);
	WANT(weft_cpuprofile_stop(), -1);
	weft_printf("after\n");
}

static void end(const char *how)
{
	spin_work(300);
	if (streq(how, "return"))
		return;
	if (streq(how, "exit"))
		weft_exit(3);
	if (streq(how, "panic"))
		weft_panic("cpuprof_api: the end");
	weft_chan *c = weft_chan_make(sizeof(int), 0);
	int v;
	weft_chan_recv(c, &v);
	FAIL("a receive from a channel nobody sends on returned");
}

int weft_main(int argc, char **argv)
{
	const char *mode = argc >= 2 ? argv[1] : "";
	if (argc == 3 && streq(mode, "api"))
		api(argv[2]);
	else if (argc == 2 && streq(mode, "envstart")) {
		int fd = (int)sys_openat(AT_FDCWD, "/dev/null", O_WRONLY | O_CLOEXEC, 0);
		WANT(weft_cpuprofile_start(fd), -1);
	} else if (argc == 2 && streq(mode, "full")) {
		int fd = (int)sys_openat(AT_FDCWD, "/dev/full", O_WRONLY | O_CLOEXEC, 0);
		if (fd < 0)
			FAIL("open /dev/full: %s", sys_strerror(fd));
		else
			failing(fd, ENOSPC_);
	} else if (argc == 2 && streq(mode, "pipe")) {
		int fds[2];
		int r = weft_pipe(fds);
		if (r < 0)
			FAIL("pipe: %s", sys_strerror(r));
		else {
			weft_close(fds[0]);
			failing(fds[1], EPIPE_);
		}
	} else if (argc == 2 && (streq(mode, "return") || streq(mode, "exit") || streq(mode, "panic") ||
				 streq(mode, "deadlock"))) {
		end(mode);
		weft_printf("done\n");
		return 0;
	} else {
		weft_eprintf("usage: cpuprof_api api FILE | envstart | full | pipe | return | exit | panic | deadlock\n");
		return 2;
	}
	if (failures)
		return 1;
	weft_printf("ok\n");
	return 0;
}
