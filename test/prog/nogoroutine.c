/*
 * nogoroutine.c: a hosted program (built with --libc) that starts a thread
 * of its own with pthread_create. That thread runs no goroutine. It first
 * makes the calls weft.h says work on any thread (a non-blocking send, a
 * buffered send, unlocking a mutex, a WaitGroup's Done, closing a channel,
 * weft_goid), which goroutine 1 checks; then it makes the call named by
 * the argument, one that needs a goroutine to park or yield, which must be
 * a fatal error naming it:
 *
 *	fatal error: weft_sleep called from a thread that is not running a goroutine
 *
 * The calls: weft_sleep, weft_yield, weft_go, weft_chan_send,
 * weft_chan_recv, weft_select, weft_mutex_lock, weft_waitgroup_wait,
 * weft_cond_wait, weft_rwmutex_rlock, weft_rwmutex_lock, weft_goexit,
 * weft_setmaxprocs (with n >= 1: weft_setmaxprocs(0), which only reads,
 * works on any thread and is among the safe calls).
 */
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <weft.h>

static const char *call;
static weft_chan *values;   /* buffered: the thread's sends */
static weft_chan *unbuf;    /* unbuffered, nobody receives: a send blocks */
static weft_chan *closed;   /* the thread closes it */
static weft_mutex mu;       /* goroutine 1 locks it, the thread unlocks it */
static weft_mutex held;     /* goroutine 1 holds it throughout */
static weft_waitgroup wg;   /* the thread's Done brings it to zero */
static weft_waitgroup never; /* counter 1 for good */
static weft_cond cond;      /* nobody signals it */
static weft_rwmutex wheld;  /* goroutine 1 write-locks it for good */
static weft_rwmutex rheld;  /* goroutine 1 read-locks it for good */
static weft_rwmutex free_rw; /* the thread read- and write-locks it */
static uint32_t done;       /* the thread made the safe calls */
static uint32_t checked;    /* goroutine 1 saw the safe calls work */

static void nothing(void *arg)
{
	(void)arg;
}

static void *thread(void *arg)
{
	(void)arg;
	int v = 42;
	weft_case c = {.chan = values, .dir = WEFT_SEND, .elem = &v};

	/* Safe on any thread. */
	int64_t id = weft_goid();
	if (weft_setmaxprocs(0) != weft_gomaxprocs())
		weft_printf("thread: weft_setmaxprocs(0) is not the count\n");
	int sel = weft_select(&c, 1, false); /* room for it: sent */
	v = (int)id;
	weft_chan_send(values, &v); /* buffered with room: does not block */
	weft_mutex_unlock(&mu);
	weft_waitgroup_done(&wg);
	weft_chan_close(closed);
	weft_cond_signal(&cond);
	weft_cond_broadcast(&cond);
	weft_rwmutex_rlock(&free_rw);
	weft_rwmutex_runlock(&free_rw);
	weft_rwmutex_lock(&free_rw);
	weft_rwmutex_unlock(&free_rw);
	if (sel != 0)
		weft_printf("thread: the non-blocking select did not send (%d)\n", sel);
	__atomic_store_n(&done, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&checked, __ATOMIC_ACQUIRE))
		;
	/* Goroutine 1 goes back to weft_sleep right after setting checked;
	 * give it time to park there (the test expects it listed as
	 * [sleep]), generously: under qemu on a loaded machine it took
	 * long enough once to be seen still running. */
	usleep(50 * 1000);

	/* Needs a goroutine. */
	int x = 0;
	weft_case r = {.chan = unbuf, .dir = WEFT_RECV, .elem = &x};
	if (strcmp(call, "weft_sleep") == 0)
		weft_sleep(1000);
	else if (strcmp(call, "weft_yield") == 0)
		weft_yield();
	else if (strcmp(call, "weft_go") == 0)
		weft_go(nothing, NULL);
	else if (strcmp(call, "weft_chan_send") == 0)
		weft_chan_send(unbuf, &x);
	else if (strcmp(call, "weft_chan_recv") == 0)
		weft_chan_recv(unbuf, &x);
	else if (strcmp(call, "weft_select") == 0)
		weft_select(&r, 1, true);
	else if (strcmp(call, "weft_mutex_lock") == 0)
		weft_mutex_lock(&held);
	else if (strcmp(call, "weft_waitgroup_wait") == 0)
		weft_waitgroup_wait(&never);
	else if (strcmp(call, "weft_cond_wait") == 0) {
		weft_mutex lk = {0};
		weft_mutex_lock(&lk);
		weft_cond_wait(&cond, &lk);
	} else if (strcmp(call, "weft_rwmutex_rlock") == 0)
		weft_rwmutex_rlock(&wheld);
	else if (strcmp(call, "weft_rwmutex_lock") == 0)
		weft_rwmutex_lock(&rheld);
	else if (strcmp(call, "weft_goexit") == 0)
		weft_goexit();
	else if (strcmp(call, "weft_setmaxprocs") == 0)
		weft_setmaxprocs(weft_gomaxprocs() + 1);
	else
		weft_printf("unknown call %s\n", call);
	weft_printf("unreachable: %s returned on a thread with no goroutine\n", call);
	weft_exit(0);
}

int weft_main(int argc, char **argv)
{
	pthread_t t;
	int a = -1, b = -1;

	call = argc > 1 ? argv[1] : "weft_sleep";
	values = weft_chan_make(sizeof(int), 2);
	unbuf = weft_chan_make(sizeof(int), 0);
	closed = weft_chan_make(sizeof(int), 0);
	weft_mutex_lock(&mu);
	weft_mutex_lock(&held);
	weft_waitgroup_add(&wg, 1);
	weft_waitgroup_add(&never, 1);
	weft_rwmutex_lock(&wheld);
	weft_rwmutex_rlock(&rheld);
	if (pthread_create(&t, NULL, thread, NULL) != 0) {
		weft_printf("pthread_create failed\n");
		return 1;
	}

	/* Goroutine 1 polls, with a timer pending, until the thread is done:
	 * waiting on the thread in a channel receive, it would be the only
	 * goroutine, asleep, and the deadlock detector, which knows nothing
	 * of the program's own threads, would end the program. Then none of
	 * these blocks. */
	while (!__atomic_load_n(&done, __ATOMIC_ACQUIRE))
		weft_sleep(1000000);
	weft_chan_recv(values, &a);
	weft_chan_recv(values, &b);
	weft_mutex_lock(&mu);
	weft_waitgroup_wait(&wg);
	int z = 7;
	bool ok = weft_chan_recv(closed, &z);
	weft_printf("from the thread: %d, goid %d, closed %s\n", a, b, !ok && z == 0 ? "yes" : "no");
	__atomic_store_n(&checked, 1, __ATOMIC_RELEASE);
	for (;;)
		weft_sleep(1000000000); /* until the thread's call ends the process */
}
