/*
 * trace_sync.c: goroutines that block in each of weft_cond, weft_rwmutex
 * and weft_once, for the tracer's test of their block reasons and stacks
 * (test/trace_test.c). Each blocks for certain: main waits until the
 * goroutine has shown, in the object's public state, that it is about to
 * park (a cond ticket taken, a reader or a writer counted), then a little
 * longer, and only then lets it go.
 *
 *  - cond_waiter: weft_cond_wait, woken by main's weft_cond_signal;
 *  - rlocker: weft_rwmutex_rlock while main holds the write lock,
 *    released by main's weft_rwmutex_unlock;
 *  - locker: weft_rwmutex_lock while main holds a read lock, released by
 *    main's weft_rwmutex_runlock;
 *  - once_second: weft_once_do while once_first runs fn (which sleeps),
 *    released when once_first's weft_once_do returns.
 */
#include <weft.h>

#define MS 1000000LL
#define load(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)

static weft_mutex mu;
static weft_cond cond;
static int ready; /* under mu */
static weft_rwmutex rw1, rw2;
static weft_once once;
static int fnstarted, fnruns;
static weft_waitgroup wg;

static void cond_waiter(void *arg)
{
	(void)arg;
	weft_mutex_lock(&mu);
	while (!ready)
		weft_cond_wait(&cond, &mu);
	weft_mutex_unlock(&mu);
	weft_waitgroup_done(&wg);
}

static void rlocker(void *arg)
{
	(void)arg;
	weft_rwmutex_rlock(&rw1);
	weft_rwmutex_runlock(&rw1);
	weft_waitgroup_done(&wg);
}

static void locker(void *arg)
{
	(void)arg;
	weft_rwmutex_lock(&rw2);
	weft_rwmutex_unlock(&rw2);
	weft_waitgroup_done(&wg);
}

static void once_fn(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&fnruns, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&fnstarted, 1, __ATOMIC_SEQ_CST);
	weft_sleep(30 * MS);
}

static void once_first(void *arg)
{
	(void)arg;
	weft_once_do(&once, once_fn, NULL);
	weft_waitgroup_done(&wg);
}

static void once_second(void *arg)
{
	(void)arg;
	weft_once_do(&once, once_fn, NULL);
	weft_waitgroup_done(&wg);
}

/* settle polls until done() holds, then gives the goroutine time to
 * park. */
static void settle(bool (*done)(void))
{
	while (!done())
		weft_sleep(MS / 10);
	weft_sleep(5 * MS);
}

static bool ticket_taken(void)
{
	weft_mutex_lock(&mu);
	bool t = cond.wait != cond.notify;
	weft_mutex_unlock(&mu);
	return t;
}
static bool reader_counted(void) { return load(&rw1.readercount) == -(1 << 30) + 1; }
static bool writer_counted(void) { return load(&rw2.readercount) < 0; }
static bool fn_started(void) { return load(&fnstarted) != 0; }

int weft_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;

	weft_waitgroup_add(&wg, 5);

	weft_go(cond_waiter, NULL);
	settle(ticket_taken);
	weft_mutex_lock(&mu);
	ready = 1;
	weft_cond_signal(&cond);
	weft_mutex_unlock(&mu);

	weft_rwmutex_lock(&rw1);
	weft_go(rlocker, NULL);
	settle(reader_counted);
	weft_rwmutex_unlock(&rw1);

	weft_rwmutex_rlock(&rw2);
	weft_go(locker, NULL);
	settle(writer_counted);
	weft_rwmutex_runlock(&rw2);

	weft_go(once_first, NULL);
	settle(fn_started);
	weft_go(once_second, NULL);

	weft_waitgroup_wait(&wg);
	weft_printf("fn ran %d time(s)\ndone\n", load(&fnruns));
	return 0;
}
