/*
 * sync.c: weft_mutex, weft_waitgroup, weft_cond, weft_once and
 * weft_rwmutex, Go's sync.Mutex, sync.WaitGroup, sync.Cond, sync.Once and
 * sync.RWMutex (sync/mutex.go, waitgroup.go, cond.go, once.go,
 * rwmutex.go), built as Go builds them on the runtime's semaphores and
 * notify lists (sema.c). In Go they live in package sync and reach the
 * runtime through a few linknamed hooks (sync_runtime_SemacquireMutex,
 * sync_runtime_canSpin, runtime_notifyListAdd, ...); weft is one library,
 * so they call semacquire1, semrelease, the notifyList functions and
 * read the scheduler's counters directly.
 */
#include "runtime.h"

/*
 * ---- weft_mutex: Go's sync.Mutex ----
 *
 * state holds a locked bit, a woken bit, a starving bit, and above them the
 * number of goroutines blocked on sema. The zero value is unlocked.
 *
 * Normal mode. Lock is one CAS when the mutex is free. Otherwise the
 * goroutine may spin briefly (multicore, other Ps busy, nothing else to
 * run here), then counts itself as a waiter and sleeps on sema. Unlock
 * clears the locked bit with one atomic add and, if there are waiters and
 * none is already awake (woken bit), wakes one. The woken waiter does not
 * own the mutex: it competes with goroutines just arriving, which tend to
 * win as they are already running; a loser goes back to the front of the
 * queue. This barging keeps a hot mutex moving without a context switch
 * per handover, which a strict handoff design would cost.
 *
 * Starvation mode. A waiter that has waited over STARVATION_NS sets the
 * starving bit. Then Unlock hands the mutex itself to the first waiter
 * (semrelease with handoff, locked bit left clear for the waiter to set),
 * and arrivals neither take nor spin on it but queue at the back. The
 * waiter that takes ownership returns to normal mode if it waited less
 * than STARVATION_NS or was the last waiter.
 */
enum {
	MUTEX_LOCKED = 1,
	MUTEX_WOKEN = 2,
	MUTEX_STARVING = 4,
	MUTEX_WAITERSHIFT = 3,
	MUTEX_ACTIVE_SPIN = 4,
	MUTEX_SPIN_PAUSES = 30,
};
#define STARVATION_NS 1000000

/* sync_canspin: is spinning on a held mutex worth it? Only briefly, on a
 * multicore machine, when some other P is running (it may release the
 * mutex) and this P has nothing else to run. */
static bool sync_canspin(int iter)
{
	if (iter >= MUTEX_ACTIVE_SPIN || ncpu <= 1 ||
	    gomaxprocs <= atomic_load(&sched.npidle) + atomic_load(&sched.nmspinning) + 1)
		return false;
	M *mp = getm();
	P *pp = mp != NULL ? mp->p : NULL;
	if (pp == NULL)
		return false;
	return atomic_load(&pp->runqhead) == atomic_load(&pp->runqtail) &&
	       atomic_load(&pp->runnext) == NULL;
}

static void sync_dospin(void)
{
	for (int i = 0; i < MUTEX_SPIN_PAUSES; i++)
		arch_procyield();
}

/* mutex_lockslow: Lock's contended path (see above), for the public
 * call named call (weft_mutex_lock, or one built on it): on a thread
 * running no goroutine, the fatal error names it. */
static void mutex_lockslow(weft_mutex *m, const char *call)
{
	int64_t waitstart = 0;
	bool starving = false, awoke = false;
	int iter = 0;
	uint32_t old = atomic_load(&m->state);

	mustbeg(call); /* it may have to park */

	for (;;) {
		/* Spin only on a mutex held in normal mode: in starvation
		 * mode ownership goes to the waiters, not to us. */
		if ((old & (MUTEX_LOCKED | MUTEX_STARVING)) == MUTEX_LOCKED && sync_canspin(iter)) {
			/* Setting woken tells Unlock not to wake a sleeper:
			 * we will take the mutex ourselves. */
			if (!awoke && (old & MUTEX_WOKEN) == 0 && (old >> MUTEX_WAITERSHIFT) != 0 &&
			    atomic_cas(&m->state, old, old | MUTEX_WOKEN))
				awoke = true;
			sync_dospin();
			iter++;
			old = atomic_load(&m->state);
			continue;
		}
		uint32_t new = old;
		/* A starving mutex belongs to the queue: don't take it. */
		if ((old & MUTEX_STARVING) == 0)
			new |= MUTEX_LOCKED;
		if ((old & (MUTEX_LOCKED | MUTEX_STARVING)) != 0)
			new += 1u << MUTEX_WAITERSHIFT;
		/* Switch to starvation mode, unless the mutex is free now:
		 * Unlock expects a starving mutex to have waiters. */
		if (starving && (old & MUTEX_LOCKED) != 0)
			new |= MUTEX_STARVING;
		if (awoke) {
			/* We were the woken one; clear the bit either way. */
			if ((new & MUTEX_WOKEN) == 0)
				throw("sync: inconsistent mutex state");
			new &= ~(uint32_t)MUTEX_WOKEN;
		}
		if (!atomic_cas(&m->state, old, new)) {
			old = atomic_load(&m->state);
			continue;
		}
		if ((old & (MUTEX_LOCKED | MUTEX_STARVING)) == 0)
			return; /* locked it with the CAS */

		/* Sleep. A goroutine that already waited goes to the front. */
		bool lifo = waitstart != 0;
		if (waitstart == 0)
			waitstart = nanotime();
		semacquire1(&m->sema, lifo, WaitReasonSyncMutexLock);
		starving = starving || nanotime() - waitstart > STARVATION_NS;
		old = atomic_load(&m->state);
		if ((old & MUTEX_STARVING) != 0) {
			/*
			 * Starvation mode handed the mutex to us, but the state
			 * still counts us as a waiter and has locked clear.
			 * Fix both in one add, leaving starvation mode if we
			 * did not wait long or nobody else waits.
			 */
			if ((old & (MUTEX_LOCKED | MUTEX_WOKEN)) != 0 ||
			    (old >> MUTEX_WAITERSHIFT) == 0)
				throw("sync: inconsistent mutex state");
			uint32_t delta = MUTEX_LOCKED - (1u << MUTEX_WAITERSHIFT);
			if (!starving || (old >> MUTEX_WAITERSHIFT) == 1)
				delta -= MUTEX_STARVING;
			atomic_xadd(&m->state, delta);
			return;
		}
		awoke = true;
		iter = 0;
	}
}

/*
 * weft_mutex_lock locks m, blocking the goroutine while another holds it.
 * A zero weft_mutex is unlocked. The n'th unlock happens before the
 * (n+1)'th lock returns.
 */
void weft_mutex_lock(weft_mutex *m)
{
	preemptcheck();
	if (likely(atomic_cas(&m->state, 0, MUTEX_LOCKED)))
		return;
	mutex_lockslow(m, "weft_mutex_lock");
}

/* mutex_lockas is weft_mutex_lock for another public call, named call,
 * that locks m on its way. */
static inline void mutex_lockas(weft_mutex *m, const char *call)
{
	if (likely(atomic_cas(&m->state, 0, MUTEX_LOCKED)))
		return;
	mutex_lockslow(m, call);
}

/* mutex_unlockslow: Unlock when the state, after clearing locked, is not
 * zero: there are waiters or flags to deal with, or m was not locked. */
static void mutex_unlockslow(weft_mutex *m, uint32_t new)
{
	if (((new + MUTEX_LOCKED) & MUTEX_LOCKED) == 0)
		gopanic("sync: unlock of unlocked mutex");
	if ((new & MUTEX_STARVING) != 0) {
		/* Hand the mutex to the first waiter. locked stays clear for
		 * it to set; the starving bit keeps arrivals away until then. */
		semrelease(&m->sema, true);
		return;
	}
	uint32_t old = new;
	for (;;) {
		/* Nobody to wake, or someone is awake already, or the mutex
		 * was taken again, or it turned starving after our add (then
		 * its next Unlock hands it off): nothing for us to do. */
		if ((old >> MUTEX_WAITERSHIFT) == 0 ||
		    (old & (MUTEX_LOCKED | MUTEX_WOKEN | MUTEX_STARVING)) != 0)
			return;
		/* Take the right to wake one waiter. */
		new = (old - (1u << MUTEX_WAITERSHIFT)) | MUTEX_WOKEN;
		if (atomic_cas(&m->state, old, new)) {
			semrelease(&m->sema, false);
			return;
		}
		old = atomic_load(&m->state);
	}
}

/*
 * weft_mutex_unlock unlocks m, which any goroutine may have locked, and
 * wakes or hands off to a waiter. Panics with "sync: unlock of unlocked
 * mutex" if m is not locked.
 */
void weft_mutex_unlock(weft_mutex *m)
{
	uint32_t new = atomic_xadd(&m->state, (uint32_t)-MUTEX_LOCKED);
	if (unlikely(new != 0))
		mutex_unlockslow(m, new);
}

/*
 * ---- weft_waitgroup: Go's sync.WaitGroup ----
 *
 * state: the counter in the high 32 bits, the number of waiters in the low
 * 32. Wait returns at once on a zero counter, else counts itself a waiter
 * and sleeps on sema. The Add that brings the counter to zero with waiters
 * present is then the only one touching state (new Adds must not race with
 * Wait, and Wait doesn't count itself on a zero counter), so it resets
 * state to zero and releases sema once per waiter.
 */

/*
 * weft_waitgroup_add adds n (possibly negative) to wg's counter, waking
 * every waiter when it reaches zero. Panics if the counter goes negative,
 * or on evidence of an Add from zero racing with Wait.
 */
void weft_waitgroup_add(weft_waitgroup *wg, int n)
{
	uint64_t state = atomic_xadd(&wg->state, (uint64_t)(int64_t)n << 32);
	int32_t v = (int32_t)(state >> 32);
	uint32_t w = (uint32_t)state;

	if (v < 0)
		gopanic("sync: negative WaitGroup counter");
	if (w != 0 && n > 0 && v == n)
		gopanic("sync: WaitGroup misuse: Add called concurrently with Wait");
	if (v > 0 || w == 0)
		return;
	/* We brought the counter to zero with waiters: state is ours. */
	if (atomic_load(&wg->state) != state)
		gopanic("sync: WaitGroup misuse: Add called concurrently with Wait");
	atomic_store(&wg->state, 0);
	for (; w != 0; w--)
		semrelease(&wg->sema, false);
}

/* weft_waitgroup_done decrements wg's counter by one. */
void weft_waitgroup_done(weft_waitgroup *wg)
{
	weft_waitgroup_add(wg, -1);
}

/*
 * weft_waitgroup_wait blocks until wg's counter is zero. Every Done that
 * brings it there happens before Wait returns. Panics if wg is reused
 * (Add) before a previous Wait has returned.
 */
void weft_waitgroup_wait(weft_waitgroup *wg)
{
	for (;;) {
		uint64_t state = atomic_load(&wg->state);
		if ((int32_t)(state >> 32) == 0)
			return;
		mustbeg("weft_waitgroup_wait"); /* it is about to park */
		if (atomic_cas(&wg->state, state, state + 1)) {
			semacquire(&wg->sema, WaitReasonSyncWaitGroupWait);
			if (atomic_load(&wg->state) != 0)
				gopanic("sync: WaitGroup is reused before previous Wait has returned");
			return;
		}
	}
}

/*
 * ---- weft_cond: Go's sync.Cond ----
 *
 * A waiter takes a ticket from the notify list (sema.c) while it holds
 * the mutex, then unlocks and waits for its ticket. Taking the ticket
 * first is what makes the unlock and the wait one step to a signaller
 * that holds the mutex: a signal sent after the waiter unlocked wakes
 * its ticket even if the waiter has not parked yet.
 */

/*
 * weft_cond_wait unlocks m, which the caller holds, waits until a
 * weft_cond_signal or _broadcast made after the unlock wakes it, and
 * locks m again. Needs a goroutine: elsewhere a fatal error names it.
 */
void weft_cond_wait(weft_cond *c, weft_mutex *m)
{
	NotifyList *l = (NotifyList *)c;

	mustbeg("weft_cond_wait");
	uint32_t t = notifyListAdd(l);
	weft_mutex_unlock(m);
	notifyListWait(l, t);
	weft_mutex_lock(m);
}

/* weft_cond_signal wakes the goroutine that has waited on c longest, if
 * any. Any thread, with or without the mutex. */
void weft_cond_signal(weft_cond *c)
{
	notifyListNotifyOne((NotifyList *)c);
}

/* weft_cond_broadcast wakes every goroutine waiting on c. Any thread,
 * with or without the mutex. */
void weft_cond_broadcast(weft_cond *c)
{
	notifyListNotifyAll((NotifyList *)c);
}

/*
 * ---- weft_once: Go's sync.Once ----
 *
 * done is set once fn has returned; after that a call is one load. Before
 * that, callers serialize on the mutex: the first runs fn and sets done,
 * and those that queued behind it (parked as on any mutex, reason
 * "sync") find done set when they get the mutex. done is stored only
 * after fn returns, never before: a caller that saw it set and returned
 * at once must see everything fn did (a CAS on done before calling fn
 * would let a second caller return while fn still runs).
 */

/* once_doslow: weft_once_do when done was not yet set. */
static void once_doslow(weft_once *o, void (*fn)(void *), void *arg)
{
	mutex_lockas(&o->m, "weft_once_do");
	if (atomic_load(&o->done) == 0) {
		fn(arg);
		atomic_store(&o->done, 1);
	}
	weft_mutex_unlock(&o->m);
}

/*
 * weft_once_do runs fn(arg) if no weft_once_do on o has run its fn, and
 * returns once it has: every call returns after the one fn has returned,
 * and sees what it did. Waiting for a running fn needs a goroutine.
 */
void weft_once_do(weft_once *o, void (*fn)(void *), void *arg)
{
	if (likely(atomic_load_acq(&o->done) != 0))
		return;
	once_doslow(o, fn, arg);
}

/*
 * ---- weft_rwmutex: Go's sync.RWMutex ----
 *
 * readercount counts the readers inside and those waiting. A writer
 * first takes w, which orders writers among themselves, then subtracts
 * RWMUTEX_MAXREADERS from readercount: from then on the count is
 * negative, and a reader arriving (RLock adds one) sees that and sleeps
 * on readersem, which is the writer preference. The subtraction also
 * tells the writer how many readers were inside; it adds that to
 * readerwait and sleeps on writersem unless they all left meanwhile.
 * Each reader leaving while the count is negative takes one from
 * readerwait, and the one that brings it to zero wakes the writer.
 * Unlock adds RWMUTEX_MAXREADERS back, which lets new readers straight
 * in, releases readersem once for each reader that queued meanwhile
 * (the count above the bias), and only then unlocks w for the next
 * writer: the waiting readers go before it.
 *
 * So readers never touch w, and an uncontended RLock or RUnlock is one
 * atomic add. Misuse shows in the count: RUnlock of a mutex nobody
 * read-locked leaves it at -1 (or at -1 below the bias, under a writer),
 * and Unlock of a mutex not write-locked finds it at or above zero.
 */
enum { RWMUTEX_MAXREADERS = 1 << 30 };

/* weft_rwmutex_rlock takes rw for reading, blocking while a writer holds
 * it or waits for it. */
void weft_rwmutex_rlock(weft_rwmutex *rw)
{
	if (likely(atomic_xadd(&rw->readercount, 1) >= 0))
		return;
	/* A writer holds it or waits: we are counted, and its Unlock
	 * releases readersem once for us. */
	mustbeg("weft_rwmutex_rlock");
	semacquire1(&rw->readersem, false, WaitReasonSyncRWMutexRLock);
}

/* rwmutex_runlockslow: RUnlock found the count negative after its
 * decrement r: a writer waits, or rw was not read-locked. */
static void rwmutex_runlockslow(weft_rwmutex *rw, int32_t r)
{
	if (r + 1 == 0 || r + 1 == -RWMUTEX_MAXREADERS)
		fatal("sync: RUnlock of unlocked RWMutex");
	/* The last reader the writer waits for wakes it. */
	if (atomic_xadd(&rw->readerwait, -1) == 0)
		semrelease(&rw->writersem, false);
}

/* weft_rwmutex_runlock undoes one weft_rwmutex_rlock; any thread. A fatal
 * error if rw is not read-locked. */
void weft_rwmutex_runlock(weft_rwmutex *rw)
{
	int32_t r = atomic_xadd(&rw->readercount, -1);
	if (unlikely(r < 0))
		rwmutex_runlockslow(rw, r);
}

/* weft_rwmutex_lock takes rw for writing, blocking while another writer
 * holds it or any reader does. From the moment it has ordered itself
 * after the other writers, new readers wait for it. */
void weft_rwmutex_lock(weft_rwmutex *rw)
{
	mutex_lockas(&rw->w, "weft_rwmutex_lock");
	/* Announce the writer; r is the readers inside. */
	int32_t r = atomic_xadd(&rw->readercount, -RWMUTEX_MAXREADERS) + RWMUTEX_MAXREADERS;
	if (r != 0 && atomic_xadd(&rw->readerwait, r) != 0) {
		mustbeg("weft_rwmutex_lock");
		semacquire1(&rw->writersem, false, WaitReasonSyncRWMutexLock);
	}
}

/* weft_rwmutex_unlock undoes weft_rwmutex_lock, letting in the readers
 * that waited and then the next writer; any thread. A fatal error if rw
 * is not write-locked. */
void weft_rwmutex_unlock(weft_rwmutex *rw)
{
	int32_t r = atomic_xadd(&rw->readercount, RWMUTEX_MAXREADERS);
	if (unlikely(r >= RWMUTEX_MAXREADERS))
		fatal("sync: Unlock of unlocked RWMutex");
	for (int32_t i = 0; i < r; i++)
		semrelease(&rw->readersem, false);
	weft_mutex_unlock(&rw->w);
}
