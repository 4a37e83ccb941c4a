/*
 * cpuprof_ms.c: CPU time on every kind of M, for test/cpuprof_test.c,
 * which runs it traced (WEFTTRACE) and profiled (WEFTCPUPROFILE) at once
 * at 2 Ps and reads both.
 *
 *   cpuprof_ms MS    for MS ms of wall time: spinner spins, reader reads
 *                    /dev/zero, 16 MiB a read and a 1 ms sleep after
 *                    each (leaving room on a small machine for the
 *                    rest), two yielders call
 *                    weft_yield, and pinger and ponger pass a token over
 *                    channels; then prints "ok"
 *
 * reader's time is the kernel's (a read of /dev/zero clears the buffer
 * in the kernel), so its samples are taken inside the system call, in
 * weft_read; while it is in the kernel the scheduler may hand its P to
 * another thread, so more Ms than Ps run. The yielders, pinger and
 * ponger spend much of their time in the scheduler, on g0, where samples
 * belong to no goroutine.
 */
#include "runtime.h"

#include "arg.h"

enum { BUF = 16 << 20 };

static int64_t deadline;
static weft_waitgroup wg;
static uint64_t sink;
static long reads, yields;

__attribute__((noinline)) static void spinner(void *arg)
{
	(void)arg;
	uint64_t x = 1;
	while (weft_nanotime() < deadline) {
		for (int i = 0; i < 100000; i++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			__asm__ volatile("" : "+r"(x));
		}
	}
	__atomic_fetch_add(&sink, x, __ATOMIC_RELAXED);
	weft_waitgroup_done(&wg);
}

__attribute__((noinline)) static void reader(void *arg)
{
	(void)arg;
	char *buf = weft_alloc(BUF);
	int fd = (int)sys_openat(AT_FDCWD, "/dev/zero", O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0) {
		weft_printf("FAIL open /dev/zero: %s\n", sys_strerror(fd));
		weft_exit(1);
	}
	while (weft_nanotime() < deadline) {
		long r = weft_read(fd, buf, BUF);
		if (r <= 0) {
			weft_printf("FAIL read /dev/zero: %ld\n", r);
			weft_exit(1);
		}
		__atomic_fetch_add(&reads, 1, __ATOMIC_RELAXED);
		weft_sleep(1000 * 1000);
	}
	weft_close(fd);
	weft_free(buf);
	weft_waitgroup_done(&wg);
}

__attribute__((noinline)) static void yielder(void *arg)
{
	(void)arg;
	while (weft_nanotime() < deadline) {
		for (int i = 0; i < 100; i++)
			weft_yield();
		__atomic_fetch_add(&yields, 100, __ATOMIC_RELAXED);
	}
	weft_waitgroup_done(&wg);
}

/* pinger and ponger pass a token back and forth over two unbuffered
 * channels: each hand-off parks one and readies the other, and a P left
 * with nothing to run looks for work (findRunnable) on g0. */
static weft_chan *ping, *pong;

__attribute__((noinline)) static void pinger(void *arg)
{
	(void)arg;
	int v = 0;
	while (weft_nanotime() < deadline) {
		weft_chan_send(ping, &v);
		weft_chan_recv(pong, &v);
	}
	v = -1;
	weft_chan_send(ping, &v);
	weft_waitgroup_done(&wg);
}

__attribute__((noinline)) static void ponger(void *arg)
{
	(void)arg;
	int v;
	while (weft_chan_recv(ping, &v) && v >= 0)
		weft_chan_send(pong, &v);
	weft_waitgroup_done(&wg);
}

int weft_main(int argc, char **argv)
{
	long ms = argc == 2 ? parse(argv[1]) : -1;
	if (ms <= 0) {
		weft_eprintf("usage: cpuprof_ms MS\n");
		return 2;
	}
	deadline = weft_nanotime() + ms * 1000 * 1000;
	ping = weft_chan_make(sizeof(int), 0);
	pong = weft_chan_make(sizeof(int), 0);
	weft_waitgroup_add(&wg, 6);
	weft_go(pinger, NULL);
	weft_go(ponger, NULL);
	weft_go(spinner, NULL);
	weft_go(reader, NULL);
	weft_go(yielder, NULL);
	weft_go(yielder, NULL);
	weft_waitgroup_wait(&wg);
	weft_printf("reads %ld yields %ld\n", reads, yields);
	weft_printf("ok\n");
	return 0;
}
