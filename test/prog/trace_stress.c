/*
 * trace_stress.c: a busy program for the tracer's stress test
 * (test/trace_test.c). It does every kind of thing that makes trace
 * events, counts what it did, and ends with one line saying so:
 *
 *	stress: goroutines G yields Y syscalls S rounds R
 *
 * G: the goroutines it created with weft_go (goroutine 1 not counted);
 * Y: its calls to weft_yield, all made through yield_counted; S: its
 * blocking system calls (weft_read, weft_write, weft_pipe, weft_close),
 * the report's own write included; R: the pipe rounds, in each of which a
 * reader blocks in read(2) until a writer writes, which at WEFTMAXPROCS=1
 * only happens once sysmon has taken the reader's P (a ProcSteal).
 *
 *   trace_stress [N]   N workers (default 10000)
 *
 * Phase A: N workers, each of which may yield or sleep, then hands its
 * number to main over an unbuffered channel (plain send or select) and
 * leaves. Main sleeps now and then while receiving, so that senders pile
 * up and block.
 *
 * Phase B: one goroutine of each kind that must block for a reason of
 * its own. At WEFTMAXPROCS=1 each block is certain, not likely: with one
 * P and no preemption, a goroutine runs only when the one before it
 * parks, so main's weft_sleep lets them all reach their blocking calls
 * before main does anything that would release them. At more Ps it is a
 * matter of scheduling; the test only asserts the reasons there because
 * every one also happens many times over in phase A or is waited on for
 * hundreds of microseconds.
 *
 * At the end main sleeps a millisecond: a worker that has called
 * weft_waitgroup_done still has to return, and on another P it may not
 * have yet. (At one P it has: it runs to its end before main can.)
 */
#include <weft.h>

#include "arg.h"

#define US 1000LL /* nanoseconds */

static weft_chan *results; /* int64_t: each worker's number, to main */
static weft_chan *never;   /* nothing is ever sent: a select case that stays blocked */
static weft_waitgroup wg;  /* phase A's workers */
static weft_waitgroup wg2; /* phase B's goroutines */
static weft_mutex mu;
static long shared; /* mu */

static long ngo, nyield, nsyscall; /* updated atomically */

static void count(long *n)
{
	__atomic_add_fetch(n, 1, __ATOMIC_RELAXED);
}

/* go starts a goroutine and counts it. */
static void go(void (*fn)(void *), void *arg)
{
	count(&ngo);
	weft_go(fn, arg);
}

/* yield_counted is the program's one call of weft_yield; the test finds
 * it in the stack of each GoStop it caused. noinline keeps it a frame of
 * its own; the count after the call keeps the call from being a tail
 * call (which would leave no frame of ours). */
__attribute__((noinline)) static void yield_counted(void)
{
	weft_yield();
	count(&nyield);
}

/* ---- phase A ---- */

static void worker(void *arg)
{
	int64_t i = (int64_t)(intptr_t)arg;

	if (i % 4 == 0)
		yield_counted();
	if (i % 8 == 1)
		weft_sleep(20 * US);
	if (i % 16 == 5) {
		weft_mutex_lock(&mu);
		shared++;
		weft_mutex_unlock(&mu);
	}
	if (i % 2 == 0) {
		weft_case cases[2] = {
			{.chan = results, .dir = WEFT_SEND, .elem = &i},
			{.chan = never, .dir = WEFT_RECV, .elem = NULL},
		};
		if (weft_select(cases, 2, true) != 0)
			weft_panic("select ran the case that is never ready");
	} else {
		weft_chan_send(results, &i);
	}
	weft_waitgroup_done(&wg);
}

/* ---- phase B ---- */

static weft_chan *selchan; /* int: main releases the selecter */

static void mutex_waiter(void *arg)
{
	(void)arg;
	weft_mutex_lock(&mu); /* held by main: blocks */
	shared++;
	weft_mutex_unlock(&mu);
	weft_waitgroup_done(&wg2);
}

static void selecter(void *arg)
{
	(void)arg;
	int v = 0;
	weft_case cases[2] = {
		{.chan = selchan, .dir = WEFT_RECV, .elem = &v},
		{.chan = never, .dir = WEFT_RECV, .elem = NULL},
	};
	if (weft_select(cases, 2, true) != 0 || v != 7)
		weft_panic("selecter: wrong case or value (%d)", v);
	weft_waitgroup_done(&wg2);
}

struct pipejob {
	int fds[2];
	int rounds;
	weft_chan *ready; /* int: the reader is about to read */
};

static long counted_read(int fd, void *buf, size_t n)
{
	count(&nsyscall);
	return weft_read(fd, buf, n);
}

static long counted_write(int fd, const void *buf, size_t n)
{
	count(&nsyscall);
	return weft_write(fd, buf, n);
}

/* reader: each round it tells the writer it is about to read, then
 * blocks in read(2) holding its P until the writer writes. */
static void reader(void *arg)
{
	struct pipejob *j = arg;
	for (int r = 0; r < j->rounds; r++) {
		int one = 1;
		char c;
		weft_chan_send(j->ready, &one);
		if (counted_read(j->fds[0], &c, 1) != 1 || c != (char)('a' + r % 26))
			weft_panic("reader: round %d: bad read", r);
	}
	weft_waitgroup_done(&wg2);
}

/* writer: each round it waits for the reader, sleeps past sysmon's
 * retake delay (20 µs) so that the reader's P is handed off, and writes
 * one byte. */
static void writer(void *arg)
{
	struct pipejob *j = arg;
	for (int r = 0; r < j->rounds; r++) {
		int one;
		char c = (char)('a' + r % 26);
		weft_chan_recv(j->ready, &one);
		weft_sleep(300 * US);
		if (counted_write(j->fds[1], &c, 1) != 1)
			weft_panic("writer: round %d: bad write", r);
	}
	weft_waitgroup_done(&wg2);
}

int weft_main(int argc, char **argv)
{
	long n = argc > 1 ? parse(argv[1]) : 10000;

	results = weft_chan_make(sizeof(int64_t), 0);
	never = weft_chan_make(sizeof(int), 0);
	selchan = weft_chan_make(sizeof(int), 0);

	/* Phase A. */
	weft_waitgroup_add(&wg, (int)n);
	for (long i = 0; i < n; i++)
		go(worker, (void *)(intptr_t)i);
	int64_t sum = 0;
	for (long k = 0; k < n; k++) {
		int64_t v;
		if (!weft_chan_recv(results, &v))
			weft_panic("results closed");
		sum += v;
		if (k % 100 == 50)
			weft_sleep(50 * US); /* let senders pile up and block */
	}
	if (sum != (int64_t)n * (n - 1) / 2)
		weft_panic("wrong sum %lld", (long long)sum);
	weft_waitgroup_wait(&wg);

	/* Phase B. */
	static struct pipejob job = {.rounds = 20};
	job.ready = weft_chan_make(sizeof(int), 0);
	count(&nsyscall);
	if (weft_pipe(job.fds) != 0)
		weft_panic("pipe failed");
	weft_waitgroup_add(&wg2, 4);
	weft_mutex_lock(&mu);
	go(mutex_waiter, NULL);
	go(selecter, NULL);
	go(reader, &job);
	go(writer, &job);
	weft_sleep(200 * US); /* they all block now (at one P: surely) */
	weft_mutex_unlock(&mu);
	int seven = 7;
	weft_chan_send(selchan, &seven);
	weft_waitgroup_wait(&wg2);
	weft_mutex_lock(&mu);
	if (shared != n / 16 + (n % 16 > 5) + 1)
		weft_panic("mutex count %ld", shared);
	weft_mutex_unlock(&mu);
	for (int i = 0; i < 2; i++) {
		count(&nsyscall);
		weft_close(job.fds[i]);
	}

	weft_sleep(1000 * US); /* see above: let the last workers return */

	char line[128];
	count(&nsyscall); /* the report's own write */
	int len = weft_snprintf(line, sizeof line, "stress: goroutines %ld yields %ld syscalls %ld rounds %d\n",
				__atomic_load_n(&ngo, __ATOMIC_RELAXED), __atomic_load_n(&nyield, __ATOMIC_RELAXED),
				__atomic_load_n(&nsyscall, __ATOMIC_RELAXED), job.rounds);
	if (weft_write(1, line, (size_t)len) != len)
		return 1;
	return 0;
}
