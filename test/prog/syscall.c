/*
 * syscall.c: checks of system calls (runtime/syscall.c): the public
 * wrappers and their errors, the P handed on while a goroutine is in the
 * kernel, and sysmon retaking Ps while their system calls return
 * (runtime/proc.c).
 *
 * A check program (test/prog/check.h): "syscall" runs every check, "syscall
 * NAME" the one called NAME, "syscall -list" names them. test/syscall_test.c
 * runs it at several WEFTMAXPROCS, natively, hosted and on arm64 under
 * qemu.
 */
#include "runtime.h"

#include "check.h"

struct reader {
	int fd, started;
	weft_chan *res;
};

static void pipe_reader(void *arg)
{
	struct reader *r = arg;
	char buf[16];

	atomic_store(&r->started, 1);
	long n = weft_read(r->fd, buf, sizeof buf);
	long res[2] = {n, n > 0 ? buf[0] : -1};
	weft_chan_send(r->res, res);
}

static void busy_worker(void *arg)
{
	for (int i = 0; i < 1000; i++)
		weft_yield();
	for (int i = 0; i < 5; i++)
		weft_sleep(MS);
	signal_done(arg);
}

/* syscall: goroutines blocked in weft_read on pipes nobody writes to do not
 * stop the others: with WEFTMAXPROCS=1 the one P must be handed on. Then
 * writing unblocks each reader with its byte. */
static void check_syscall(void)
{
	enum { N = 4 };
	int fds[N][2];
	struct reader rs[N];
	weft_chan *res = weft_chan_make(2 * sizeof(long), N);

	for (int i = 0; i < N; i++) {
		int e = weft_pipe(fds[i]);
		REQUIRE(e == 0, "weft_pipe: %d", e);
		rs[i] = (struct reader){fds[i][0], 0, res};
		weft_go(pipe_reader, &rs[i]);
	}
	for (int i = 0; i < N; i++)
		for (int k = 0; k < 10000 && !atomic_load(&rs[i].started); k++)
			weft_sleep(MS);
	weft_sleep(20 * MS); /* into the kernel */
	EXPECT(weft_chan_len(res) == 0, "a reader returned with nothing written");

	weft_chan *done = weft_chan_make(sizeof(int), 1);
	weft_go(busy_worker, done);
	EXPECT(join(done, 1, 30 * SEC) == 1,
	       "a goroutine could not finish while %d others were blocked in read", N);

	for (int i = 0; i < N; i++) {
		char ch = (char)('a' + i);
		long w = weft_write(fds[i][1], &ch, 1);
		EXPECT(w == 1, "weft_write returned %ld", w);
	}
	int seen = 0;
	for (int i = 0; i < N; i++) {
		long r[2];
		if (recv_within(res, r, 30 * SEC) != 1) {
			failf(__LINE__, "recv", "only %d of %d readers woke after the writes", i, N);
			return;
		}
		EXPECT(r[0] == 1 && r[1] >= 'a' && r[1] < 'a' + N, "read returned %ld, byte %ld", r[0], r[1]);
		if (r[1] >= 'a' && r[1] < 'a' + N)
			seen |= 1 << (r[1] - 'a');
	}
	EXPECT(seen == (1 << N) - 1, "readers' bytes: mask %x", seen);
	for (int i = 0; i < N; i++) {
		weft_close(fds[i][0]);
		weft_close(fds[i][1]);
	}
	weft_chan_free(res);
	weft_chan_free(done);
}

/* syscall_errors: errors come back as -errno; EOF as 0. */
static void check_syscall_errors(void)
{
	enum { EBADF = 9 };
	int fds[2];
	char buf[8];

	EXPECT(weft_read(-1, buf, 1) == -EBADF, "weft_read(-1) = %ld", weft_read(-1, buf, 1));
	EXPECT(weft_write(-1, buf, 1) == -EBADF, "weft_write(-1) = %ld", weft_write(-1, buf, 1));
	EXPECT(weft_close(-1) == -EBADF, "weft_close(-1) = %d", weft_close(-1));
	REQUIRE(weft_pipe(fds) == 0);
	EXPECT(fds[0] >= 0 && fds[1] >= 0 && fds[0] != fds[1], "fds %d %d", fds[0], fds[1]);
	EXPECT(weft_write(fds[1], "xyz", 3) == 3);
	EXPECT(weft_close(fds[1]) == 0);
	EXPECT(weft_read(fds[0], buf, sizeof buf) == 3 && buf[0] == 'x' && buf[2] == 'z');
	EXPECT(weft_read(fds[0], buf, sizeof buf) == 0, "no EOF after the write end closed");
	EXPECT(weft_close(fds[0]) == 0);
	EXPECT(weft_close(fds[0]) == -EBADF, "closing twice");
}

/* ---- sysmon retakes Ps while their system calls return ---- */

/*
 * A lone goroutine makes many system calls of about the retake threshold.
 * sysmon takes its P in the middle of many of them, so the call often
 * returns while sysmon is still handing the P on; the goroutine then finds
 * no idle P, queues itself and its M parks. Nothing is deadlocked, and the
 * runtime must not say otherwise (it once did).
 */
static void check_retake(void)
{
	enum { N = 2000 };
	int64_t t0 = weft_nanotime();
	for (int i = 0; i < N; i++) {
		entersyscall();
		sys_nanosleep(SYSCALL_RETAKE_NS + (i % 7) * 5000);
		exitsyscall();
	}
	EXPECT(weft_nanotime() - t0 >= (int64_t)N * SYSCALL_RETAKE_NS, "%d system calls were too quick", N);
}

static const struct check checks[] = {
	{"syscall", check_syscall},
	{"syscall_errors", check_syscall_errors},
	{"retake", check_retake},
};

int weft_main(int argc, char **argv)
{
	return checks_main("syscall", checks, nelem(checks), argc, argv);
}
