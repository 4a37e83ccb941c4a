/*
 * sema.c: semaphores for goroutines (Go's sema.go), on which sync.c builds
 * weft_mutex and weft_waitgroup.
 *
 * semacquire and semrelease are a sleep/wakeup pair rather than a general
 * semaphore: *addr counts wakeups not yet consumed, and every semrelease
 * lets exactly one semacquire through, even when the release comes first.
 * Callers keep their own state in a word beside the semaphore and use it
 * only to sleep and wake in the contended case.
 *
 * Waiters live in a fixed table of SEMTABSIZE roots, chosen by hashing the
 * semaphore's address (a prime, so it doesn't correlate with allocation
 * patterns), each a cache line of its own. A root has a runtime Mutex, a
 * FIFO of the sudogs waiting on any address that hashes there, and nwait,
 * the number of those waiters, which semrelease reads without the lock to
 * skip the root entirely when nobody sleeps.
 *
 * Go keeps a treap of distinct addresses per root, each with its own list,
 * so a release is O(log n) in the number of addresses sharing a root. weft
 * keeps one list per root and scans it for the first waiter on the address:
 * O(waiters on the root), which is short unless very many distinct
 * semaphores are contended at once. It is FIFO per address (LIFO on
 * request, for a mutex waiter that was woken and lost the race again).
 *
 * No lost wakeups: a waiter increments nwait under the root lock before its
 * last try at *addr; a releaser increments *addr before it reads nwait.
 * Both are sequentially consistent, so either the waiter's try sees the
 * release, or the releaser sees the waiter and takes the root lock, which
 * the waiter holds until it is parked and queued.
 */
#include "runtime.h"

enum {
	SEMTABSIZE = 251,
	CACHELINE = 64,
};

typedef struct SemaRoot {
	Mutex lock;
	uint32_t nwait; /* waiters on this root; atomic, read without lock */
	/* lock guards these: sudogs in arrival order, linked by next/prev. */
	Sudog *head;
	Sudog *tail;
} SemaRoot;

static struct {
	SemaRoot root;
	char pad[CACHELINE - sizeof(SemaRoot)];
} __attribute__((aligned(CACHELINE))) semtable[SEMTABSIZE];

static SemaRoot *rootfor(uint32_t *addr)
{
	return &semtable[((uintptr_t)addr >> 3) % SEMTABSIZE].root;
}

/* cansemacquire takes one count from *addr if there is one. */
static bool cansemacquire(uint32_t *addr)
{
	for (;;) {
		uint32_t v = atomic_load(addr);
		if (v == 0)
			return false;
		if (atomic_cas(addr, v, v - 1))
			return true;
	}
}

/* semaqueue adds the current goroutine's s to root's waiters on addr: at
 * the back, or (lifo) ahead of every other waiter. root->lock is held. */
static void semaqueue(SemaRoot *root, uint32_t *addr, Sudog *s, bool lifo)
{
	s->g = getg();
	s->addr = addr;
	s->ticket = 0;
	if (lifo) {
		s->prev = NULL;
		s->next = root->head;
		if (root->head != NULL)
			root->head->prev = s;
		else
			root->tail = s;
		root->head = s;
	} else {
		s->next = NULL;
		s->prev = root->tail;
		if (root->tail != NULL)
			root->tail->next = s;
		else
			root->head = s;
		root->tail = s;
	}
}

/* semadequeue removes and returns the first waiter on addr, or NULL.
 * root->lock is held. */
static Sudog *semadequeue(SemaRoot *root, uint32_t *addr)
{
	Sudog *s;

	for (s = root->head; s != NULL; s = s->next)
		if (s->addr == addr)
			break;
	if (s == NULL)
		return NULL;
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		root->head = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	else
		root->tail = s->prev;
	s->next = NULL;
	s->prev = NULL;
	return s;
}

/*
 * semacquire1 waits until it can take a count from *addr, parking with
 * reason. lifo queues the caller ahead of the other waiters. A wakeup with
 * s->ticket set means the releaser already took the count for us (a
 * handoff); otherwise we compete for it and may sleep again. Must run on
 * a goroutine.
 */
void semacquire1(uint32_t *addr, bool lifo, int reason)
{
	G *gp = getg();
	M *mp = getm();
	if (gp == NULL || mp == NULL || gp == mp->g0)
		throw("semacquire not on a goroutine");

	if (cansemacquire(addr))
		return;

	Sudog *s = acquireSudog();
	SemaRoot *root = rootfor(addr);
	for (;;) {
		lock(&root->lock);
		/* Counting ourselves first makes semrelease look for us. */
		atomic_xadd(&root->nwait, 1);
		if (cansemacquire(addr)) {
			atomic_xadd(&root->nwait, (uint32_t)-1);
			unlock(&root->lock);
			break;
		}
		semaqueue(root, addr, s, lifo);
		goparkunlock(&root->lock, reason);
		/* semrelease dequeued us and dropped nwait. */
		if (s->ticket != 0 || cansemacquire(addr))
			break;
	}
	releaseSudog(s);
}

/*
 * semrelease increments *addr and wakes the first goroutine waiting on it,
 * if any. With handoff, the count goes straight to that waiter, so no
 * goroutine arriving meanwhile can take it (a starving mutex needs this),
 * and the caller yields its P so the waiter, readied into runnext, runs at
 * once, inheriting the time slice. Callable on any thread: only a
 * goroutine yields.
 */
void semrelease(uint32_t *addr, bool handoff)
{
	SemaRoot *root = rootfor(addr);

	atomic_xadd(addr, 1);
	/* After the increment, or a waiter between its try and its
	 * sleep could be missed (see semacquire1). */
	if (atomic_load(&root->nwait) == 0)
		return;

	lock(&root->lock);
	if (atomic_load(&root->nwait) == 0) {
		/* A waiter took the count itself and left. */
		unlock(&root->lock);
		return;
	}
	Sudog *s = semadequeue(root, addr);
	if (s != NULL)
		atomic_xadd(&root->nwait, (uint32_t)-1);
	unlock(&root->lock);
	if (s == NULL)
		return;
	/* s is ours until goready: its goroutine is parked and dequeued. */
	if (s->ticket != 0)
		throw("semrelease: corrupted semaphore ticket");
	if (handoff && cansemacquire(addr))
		s->ticket = 1;
	goready(s->g);
	/* (Only a goroutine yields: weft_mutex_unlock works on any thread.) */
	M *mp = getm();
	if (s->ticket == 1 && mp != NULL && mp->locks == 0 && getg() != mp->g0)
		gosched(); /* to the back of our P's queue: runnext goes first */
}
