/*
 * syncdeadlock.c: goroutine 1 blocks for good in a sync call, so the
 * deadlock report lists it with Go's wait reason and the call on top of
 * its stack. The argument picks the call:
 *
 *	cond    weft_cond_wait with nobody to signal: [sync.Cond.Wait]
 *	rlock   weft_rwmutex_rlock of a mutex it write-locked: [sync.RWMutex.RLock]
 *	lock    weft_rwmutex_lock of a mutex it read-locked: [sync.RWMutex.Lock]
 *	once    weft_once_do from inside its own fn: [sync.Mutex.Lock]
 */
#include <weft.h>

static weft_mutex mu;
static weft_cond cond;
static weft_rwmutex rw;
static weft_once once;

static bool streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static void again(void *arg)
{
	(void)arg;
	weft_once_do(&once, again, NULL);
}

int weft_main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	weft_printf("blocking\n");
	if (streq(what, "cond")) {
		weft_mutex_lock(&mu);
		weft_cond_wait(&cond, &mu);
	} else if (streq(what, "rlock")) {
		weft_rwmutex_lock(&rw);
		weft_rwmutex_rlock(&rw);
	} else if (streq(what, "lock")) {
		weft_rwmutex_rlock(&rw);
		weft_rwmutex_lock(&rw);
	} else if (streq(what, "once")) {
		weft_once_do(&once, again, NULL);
	} else {
		weft_printf("syncdeadlock: unknown call \"%s\"\n", what);
		return 1;
	}
	weft_printf("unreachable: %s returned\n", what);
	return 0;
}
