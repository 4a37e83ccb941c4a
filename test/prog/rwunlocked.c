/*
 * rwunlocked.c: unlocking a weft_rwmutex that is not locked that way is a
 * fatal error, as in Go: "fatal error: sync: RUnlock of unlocked RWMutex"
 * or "fatal error: sync: Unlock of unlocked RWMutex", exit status 2. The
 * argument picks the mistake:
 *
 *	runlock          runlock of a mutex nobody holds (after a use)
 *	runlock-locked   runlock of a write-locked mutex
 *	unlock           unlock of a mutex nobody holds (after a use)
 *	unlock-rlocked   unlock of a read-locked mutex
 */
#include <weft.h>

static weft_rwmutex rw;

static bool streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

int weft_main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	weft_rwmutex_rlock(&rw);
	weft_rwmutex_runlock(&rw);
	weft_rwmutex_lock(&rw);
	weft_rwmutex_unlock(&rw);
	if (streq(what, "runlock")) {
		weft_rwmutex_runlock(&rw);
	} else if (streq(what, "runlock-locked")) {
		weft_rwmutex_lock(&rw);
		weft_rwmutex_runlock(&rw);
	} else if (streq(what, "unlock")) {
		weft_rwmutex_unlock(&rw);
	} else if (streq(what, "unlock-rlocked")) {
		weft_rwmutex_rlock(&rw);
		weft_rwmutex_unlock(&rw);
	} else {
		weft_printf("rwunlocked: unknown mistake \"%s\"\n", what);
		return 1;
	}
	weft_printf("unreachable: %s returned\n", what);
	return 0;
}
