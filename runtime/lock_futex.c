/*
 * lock_futex.c: the runtime's own locks and notes, built on Linux futexes
 * (Go's lock_futex.go). These block the whole M, not just a goroutine: they
 * protect short critical sections inside the scheduler and are also used on
 * g0, where there is no goroutine to park.
 */
#include "runtime.h"

enum { MUTEX_UNLOCKED = 0, MUTEX_LOCKED = 1, MUTEX_SLEEPING = 2 };
enum { ACTIVE_SPIN = 4, ACTIVE_SPIN_CNT = 30 };

static void futexsleep(uint32_t *addr, uint32_t val, int64_t ns)
{
	struct sys_timespec ts, *tsp = NULL;

	if (ns >= 0) {
		ts.tv_sec = ns / 1000000000;
		ts.tv_nsec = ns % 1000000000;
		tsp = &ts;
	}
	sys_futex(addr, FUTEX_WAIT_PRIVATE, val, tsp);
}

static void futexwakeup(uint32_t *addr, uint32_t cnt)
{
	long r = sys_futex(addr, FUTEX_WAKE_PRIVATE, cnt, NULL);
	if (r < 0)
		throw("futexwakeup failed");
}

/*
 * lock acquires l, spinning briefly and then sleeping in the kernel. The
 * key says whether anyone may be sleeping (MUTEX_SLEEPING), so unlock only
 * makes the futex call when needed.
 */
void lock(Mutex *l)
{
	uint32_t v = atomic_xchg(&l->key, MUTEX_LOCKED);
	if (likely(v == MUTEX_UNLOCKED))
		return;

	/* Once we have slept, we must leave the key SLEEPING when we take the
	 * lock: others may still be asleep. */
	uint32_t wait = v;
	for (;;) {
		for (int i = 0; i < ACTIVE_SPIN; i++) {
			while (atomic_load(&l->key) == MUTEX_UNLOCKED)
				if (atomic_cas(&l->key, MUTEX_UNLOCKED, wait))
					return;
			for (int j = 0; j < ACTIVE_SPIN_CNT; j++)
				arch_procyield();
		}
		v = atomic_xchg(&l->key, MUTEX_SLEEPING);
		if (v == MUTEX_UNLOCKED)
			return;
		wait = MUTEX_SLEEPING;
		futexsleep(&l->key, MUTEX_SLEEPING, -1);
	}
}

/* unlock releases l and wakes one sleeper if there may be one. */
void unlock(Mutex *l)
{
	uint32_t v = atomic_xchg(&l->key, MUTEX_UNLOCKED);
	if (unlikely(v == MUTEX_UNLOCKED))
		throw("unlock of unlocked lock");
	if (v == MUTEX_SLEEPING)
		futexwakeup(&l->key, 1);
}

/* noteclear resets n for another round of notesleep/notewakeup. */
void noteclear(Note *n)
{
	atomic_store(&n->key, 0);
}

/* notewakeup wakes the M sleeping on n (or lets the next sleep return at
 * once). It may be called once per noteclear. */
void notewakeup(Note *n)
{
	uint32_t old = atomic_xchg(&n->key, 1);
	if (old != 0)
		throw("notewakeup - double wakeup");
	futexwakeup(&n->key, 1);
}

/* notesleep blocks the calling M until notewakeup(n). */
void notesleep(Note *n)
{
	while (atomic_load(&n->key) == 0)
		futexsleep(&n->key, 0, -1);
}

/* notetsleep is notesleep with a timeout of ns (< 0: none). It returns
 * whether the note was woken. */
bool notetsleep(Note *n, int64_t ns)
{
	if (ns < 0) {
		notesleep(n);
		return true;
	}
	int64_t deadline = nanotime() + ns;
	while (atomic_load(&n->key) == 0) {
		futexsleep(&n->key, 0, ns);
		if (atomic_load(&n->key) != 0)
			break;
		ns = deadline - nanotime();
		if (ns <= 0)
			return false;
	}
	return true;
}
