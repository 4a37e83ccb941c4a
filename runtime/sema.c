/*
 * sema.c: semaphores for goroutines (Go's sema.go), on which sync.c builds
 * weft_mutex, weft_waitgroup and weft_rwmutex, and the notify list under
 * weft_cond (at the end of the file, as in Go).
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

/*
 * ---- notify lists: weft_cond's waiters (Go's notifyList) ----
 *
 * A waiter takes a ticket (notifyListAdd: one atomic add on wait) while
 * it still holds the cond's mutex, unlocks the mutex, and only then
 * queues and parks (notifyListWait). notify is the first ticket not yet
 * woken. A signal wakes ticket notify and advances it; a broadcast
 * advances it to wait, waking every ticket taken. Deciding by ticket,
 * not by who is on the list, is what makes a signal wake a goroutine
 * that was waiting when it was sent, never a later one: a waiter that
 * has its ticket but is not queued yet is not missed (it finds its
 * ticket below notify when it takes the lock, and does not park), and a
 * goroutine that starts waiting after the signal has a ticket at or above
 * the new notify, which the signal never reaches. A signal with every
 * ticket woken already (wait == notify) does nothing: it is not saved.
 *
 * wait and notify wrap around; they are compared by their difference,
 * which stays far below 2^31 (as many goroutines would have to wait on
 * one cond at once).
 *
 * The list is in ticket order but for the waiters that raced between
 * taking a ticket and queueing, so NotifyOne's search for its ticket
 * stops near the front.
 */

/* weft_cond is a NotifyList to the public (weft.h): the same layout. */
_Static_assert(sizeof(weft_cond) == sizeof(NotifyList) &&
		       offsetof(weft_cond, wait) == offsetof(NotifyList, wait) &&
		       offsetof(weft_cond, notify) == offsetof(NotifyList, notify) &&
		       offsetof(weft_cond, lock) == offsetof(NotifyList, lock) &&
		       offsetof(weft_cond, head) == offsetof(NotifyList, head) &&
		       offsetof(weft_cond, tail) == offsetof(NotifyList, tail),
	       "weft_cond (weft.h) and NotifyList (runtime.h) differ");

/* ticketless: is ticket a before b (a < b, allowing for wrap-around)? */
static bool ticketless(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/* notifyListAdd takes the caller's ticket, for notifyListWait. Any number
 * of goroutines may take one at once, with or without the cond's mutex. */
uint32_t notifyListAdd(NotifyList *l)
{
	return atomic_xadd(&l->wait, 1) - 1;
}

/* notifyListWait parks the calling goroutine until ticket t (from
 * notifyListAdd) is notified, or returns at once if it has been. */
void notifyListWait(NotifyList *l, uint32_t t)
{
	lock(&l->lock);
	if (ticketless(t, l->notify)) {
		unlock(&l->lock);
		return;
	}
	Sudog *s = acquireSudog();
	s->g = getg();
	s->ticket = t;
	s->next = NULL;
	if (l->tail == NULL)
		l->head = s;
	else
		l->tail->next = s;
	l->tail = s;
	goparkunlock(&l->lock, WaitReasonSyncCondWait);
	/* The notifier dequeued us before goready. */
	releaseSudog(s);
}

/* notifyListNotifyAll wakes every goroutine that has taken a ticket.
 * Callable on any thread. */
void notifyListNotifyAll(NotifyList *l)
{
	/* Nobody took a ticket since the last notification: nothing to do,
	 * and no lock taken. */
	if (atomic_load(&l->wait) == atomic_load(&l->notify))
		return;
	lock(&l->lock);
	Sudog *s = l->head;
	l->head = NULL;
	l->tail = NULL;
	/* Waiters not yet on the list hold tickets below wait: they will see
	 * that and not park. */
	atomic_store(&l->notify, atomic_load(&l->wait));
	unlock(&l->lock);
	while (s != NULL) {
		Sudog *next = s->next;
		s->next = NULL;
		goready(s->g); /* s is its goroutine's again: read next first */
		s = next;
	}
}

/* notifyListNotifyOne wakes the goroutine with the oldest ticket not yet
 * notified, if there is one. Callable on any thread. */
void notifyListNotifyOne(NotifyList *l)
{
	if (atomic_load(&l->wait) == atomic_load(&l->notify))
		return;
	lock(&l->lock);
	uint32_t t = l->notify;
	if (t == atomic_load(&l->wait)) {
		unlock(&l->lock);
		return;
	}
	atomic_store(&l->notify, t + 1);
	/* Ticket t's holder is on the list, or will find t below notify
	 * when it gets to the lock and not park. */
	for (Sudog *p = NULL, *s = l->head; s != NULL; p = s, s = s->next) {
		if (s->ticket != t)
			continue;
		if (p != NULL)
			p->next = s->next;
		else
			l->head = s->next;
		if (s->next == NULL)
			l->tail = p;
		unlock(&l->lock);
		s->next = NULL;
		goready(s->g);
		return;
	}
	unlock(&l->lock);
}
