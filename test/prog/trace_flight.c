/*
 * trace_flight.c: the flight recorder's test program (test/trace_test.c).
 *
 *   trace_flight MODE [MS [OUT]]
 *
 * Workers pass values over channels, sleep and yield for MS milliseconds
 * (default 1000), many generations' worth, while goroutine "ender" waits;
 * then the workers stop and the ender, having logged "flight: ending"
 * (weft_trace_log, with its stack) and printed "ender N", ends the
 * program as MODE says:
 *
 *   panic      weft_panic
 *   deadlock   blocks, as main does: all goroutines are asleep
 *   fatal      weft_rwmutex_runlock of an unlocked RWMutex
 *   overflow   endless recursion
 *   sigquit    prints "ready" and sends the process SIGQUIT
 *   exit       weft_exit(0): a normal exit, which writes nothing
 *   write      the recorder is started with weft_flight_start (WEFTFLIGHT
 *              unset) and, while the workers run, the ender writes the
 *              window every 50 ms to OUT-1.trace, OUT-2.trace, ...,
 *              then prints "windows K" and exits 0
 *
 * It is hosted (--libc), for open(2) and /proc.
 *   small      weft_flight_start(64 KiB, 10 ms); the ender writes one
 *              window to OUT.trace at the end and prints the peak RSS at
 *              the half and at the end ("rss A B", KiB), then exits 0
 *   one        weft_flight_start(0, 0); at the end a goroutine writes the
 *              window into a pipe nobody reads yet, where it blocks (the
 *              window is far bigger than a pipe holds); meanwhile a second
 *              weft_flight_write must return -1 at once ("second -1");
 *              then the ender drains the pipe into OUT.trace and the
 *              first returns ("first 0"), then exits 0
 *   tinyage    weft_flight_start(0, 1 us): a generation would end every
 *              500 ns but for the runtime's floor of 1 ms; the ender
 *              writes the window to OUT.trace at the end, prints
 *              "elapsed MS", the milliseconds since the recorder started
 *              (rounded up), then exits 0
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <weft.h>

static const char *mode = "panic";
static int64_t ms = 1000;
static const char *out = "/tmp/trace_flight";
static weft_waitgroup workers;
static weft_chan *ball, *never, *quit;
static volatile int stop;
static int64_t started; /* weft_nanotime as the recorder started (tinyage) */

static bool streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static int64_t num(const char *s)
{
	int64_t n = 0;
	for (; *s >= '0' && *s <= '9'; s++)
		n = n * 10 + (*s - '0');
	return n;
}

/* worker: passes the ball, and now and then sleeps or yields, until
 * quit is closed. */
static void worker(void *arg)
{
	int64_t i = (int64_t)(intptr_t)arg, v = 0;
	int q;
	weft_case cs[2] = {
		{.chan = ball, .dir = i % 2 == 0 ? WEFT_SEND : WEFT_RECV, .elem = &v},
		{.chan = quit, .dir = WEFT_RECV, .elem = &q},
	};
	for (int n = 0; weft_select(cs, 2, true) == 0; n++) {
		if (n % 4 == 0)
			weft_sleep(200 * 1000); /* some 100k events a second, not millions */
		else
			weft_yield();
	}
	weft_waitgroup_done(&workers);
}

static int deep(int n)
{
	volatile char pad[512];
	pad[0] = (char)n;
	if (stop)
		return 0;
	return deep(n + 1) + pad[0];
}

/* vmhwm returns the process's peak resident memory in KiB, or -1. */
static long vmhwm(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "VmHWM:", 6) == 0)
			kib = strtol(line + 6, NULL, 10);
	fclose(f);
	return kib;
}

static void writewindow(const char *name)
{
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		weft_panic("cannot create %s", name);
	if (weft_flight_write(fd) != 0)
		weft_panic("weft_flight_write to %s failed", name);
	close(fd);
}

static int firstfd = -1, firstr = 99;
static volatile int firstgoing;

static void firstwriter(void *arg)
{
	(void)arg;
	__atomic_store_n(&firstgoing, 1, __ATOMIC_SEQ_CST);
	firstr = weft_flight_write(firstfd); /* blocks until the pipe is drained */
	weft_close(firstfd);
}

/* onewriter: mode one's end (see the top). */
static void onewriter(void)
{
	int fds[2];
	if (weft_pipe(fds) != 0)
		weft_panic("weft_pipe failed");
	firstfd = fds[1];
	weft_go(firstwriter, NULL);
	while (!__atomic_load_n(&firstgoing, __ATOMIC_SEQ_CST))
		weft_sleep(1000 * 1000);
	/* It runs to its blocking write without yielding (no preemption):
	 * 50 ms covers the rest of the way, the OS willing. */
	weft_sleep(50 * 1000 * 1000);
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	weft_printf("second %d\n", weft_flight_write(devnull));
	close(devnull);
	char name[256], buf[1 << 16];
	weft_snprintf(name, sizeof name, "%s.trace", out);
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	long n;
	while ((n = weft_read(fds[0], buf, sizeof buf)) > 0)
		if (write(fd, buf, (size_t)n) != n)
			weft_panic("writing %s failed", name);
	close(fd);
	weft_printf("first %d\n", firstr);
}

static void ender(void *arg)
{
	(void)arg;
	int64_t end = weft_nanotime() + ms * 1000 * 1000;
	int windows = 0;
	long half = -1;
	while (weft_nanotime() < end) {
		weft_sleep(streq(mode, "write") ? 50 * 1000 * 1000 : 10 * 1000 * 1000);
		if (streq(mode, "write")) {
			char name[256];
			weft_snprintf(name, sizeof name, "%s-%d.trace", out, ++windows);
			writewindow(name);
		}
		if (half < 0 && weft_nanotime() > end - ms * 1000 * 1000 / 2)
			half = vmhwm();
	}
	weft_chan_close(quit);
	weft_waitgroup_wait(&workers);
	weft_printf("ender %lld\n", (long long)weft_goid());
	weft_trace_log(0, "flight", "ending");
	if (streq(mode, "panic")) {
		weft_panic("trace_flight: panicking on purpose");
	} else if (streq(mode, "deadlock")) {
		int v;
		weft_chan_recv(never, &v);
	} else if (streq(mode, "fatal")) {
		static weft_rwmutex rw;
		weft_rwmutex_runlock(&rw);
	} else if (streq(mode, "overflow")) {
		weft_printf("unreachable %d\n", deep(0));
	} else if (streq(mode, "sigquit")) {
		weft_printf("ready\n");
		kill(getpid(), SIGQUIT);
		for (;;)
			weft_sleep(1000 * 1000 * 1000);
	} else if (streq(mode, "write")) {
		weft_printf("windows %d\n", windows);
		weft_exit(0);
	} else if (streq(mode, "one")) {
		onewriter();
		weft_exit(0);
	} else if (streq(mode, "tinyage")) {
		char name[256];
		weft_snprintf(name, sizeof name, "%s.trace", out);
		writewindow(name);
		weft_printf("elapsed %lld\n", (long long)((weft_nanotime() - started + 999999) / 1000000));
		weft_exit(0);
	} else if (streq(mode, "small")) {
		char name[256];
		weft_snprintf(name, sizeof name, "%s.trace", out);
		writewindow(name);
		weft_printf("rss %ld %ld\n", half, vmhwm());
		weft_exit(0);
	}
	weft_exit(0);
}

int weft_main(int argc, char **argv)
{
	if (argc > 1)
		mode = argv[1];
	if (argc > 2)
		ms = num(argv[2]);
	if (argc > 3)
		out = argv[3];
	ball = weft_chan_make(sizeof(int64_t), 0);
	never = weft_chan_make(sizeof(int), 0);
	quit = weft_chan_make(sizeof(int), 0);
	if (streq(mode, "write") && weft_flight_start(0, 200 * 1000 * 1000) != 0)
		weft_panic("weft_flight_start failed");
	if (streq(mode, "one") && weft_flight_start(0, 0) != 0)
		weft_panic("weft_flight_start failed");
	if (streq(mode, "small") && weft_flight_start(64 << 10, 10 * 1000 * 1000) != 0)
		weft_panic("weft_flight_start failed");
	if (streq(mode, "tinyage") && weft_flight_start(0, 1000) != 0)
		weft_panic("weft_flight_start failed");
	started = weft_nanotime();
	weft_waitgroup_add(&workers, 8);
	for (int i = 0; i < 8; i++)
		weft_go(worker, (void *)(intptr_t)i);
	weft_go(ender, NULL);
	int v;
	weft_chan_recv(never, &v); /* main waits for the ender's end */
	return 0;
}
