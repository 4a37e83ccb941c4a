/*
 * chan.c: channels (Go's chan.go), the timer channels of weft_after and
 * weft_ticker, and the sudog cache.
 *
 * The model. A channel is an hchan (struct weft_chan, laid out in chan.h):
 * a ring buffer of dataqsiz elements, plus two FIFO wait queues, recvq and
 * sendq, of sudogs for goroutines blocked on it. A sudog ("pseudo-G")
 * stands for one goroutine waiting in one queue; its elem points at the
 * waiter's own memory: the value a sender offers, or the place a receiver
 * wants its value. One runtime Mutex, c->lock, guards the whole channel.
 *
 * Invariants (as in Go), while c->lock is not held:
 *   - at most one of recvq and sendq is non-empty, except when a single
 *     goroutine's select has queued both a send and a receive on the same
 *     unbuffered channel;
 *   - qcount > 0 implies recvq is empty (a receiver would have taken it);
 *   - qcount < dataqsiz implies sendq is empty (a sender would have
 *     buffered instead of waiting).
 *
 * Direct handoff. A sender that finds a receiver waiting copies its value
 * straight into the receiver's elem, dequeues it and makes it runnable; the
 * buffer is bypassed even when the channel has one (the buffer must be
 * empty then, by the invariants). Symmetrically a receiver that finds a
 * sender waiting takes the value from it: on an unbuffered channel
 * straight from the sender's elem; on a buffered one (which must be full)
 * it takes the oldest element from the ring and moves the sender's value
 * into the slot just freed, so FIFO order is kept. Either way the waker
 * records the completed sudog in gp->param and sets sg->success before
 * goready; close wakes waiters with success false instead.
 *
 * Blocking. The blocked goroutine enqueues its sudog under c->lock and
 * parks with gopark(chanparkcommit, &c->lock): the lock is released only
 * once the goroutine is off its stack, so a waker that finds the sudog can
 * goready it at once. A goroutine is woken only by the one that dequeued
 * its sudog, so there are no spurious wakeups.
 *
 * select. A goroutine in select queues a sudog on every channel at once
 * (isSelect set). Several wakers may dequeue its sudogs concurrently, each
 * holding only its own channel's lock; the first to win the CAS of
 * gp->selectDone from 0 to 1 completes the select, and the others drop the
 * sudog and look for another waiter (waitq_dequeue).
 *
 * Lock order: channel locks are taken in increasing address order (select
 * holds several at once; a plain send or receive holds one). A channel lock
 * may be held while taking sched.sudoglock and the allocator's lock, never
 * the reverse. Goroutines are readied after the channel lock is dropped,
 * as in Go.
 *
 * Timer channels (weft_after, weft_ticker): a buffered channel of one
 * int64_t, filled by a timer callback with a non-blocking send; a ticker's
 * timer is periodic, and a tick that finds the buffer full is dropped. That callback runs on an M
 * that may have no goroutine (getg() is NULL or g0), so the non-blocking
 * send path never parks and never touches the current G.
 */
#include "chan.h"


/* elemcopy copies one element. Most elements are a word or two, which a
 * call to memmove would cost more than the copy. */
static inline void elemcopy(void *d, const void *s, size_t n)
{
	typedef uint64_t __attribute__((may_alias, aligned(1))) u64;
	typedef uint32_t __attribute__((may_alias, aligned(1))) u32;
	if (n == 8)
		*(u64 *)d = *(const u64 *)s;
	else if (n == 4)
		*(u32 *)d = *(const u32 *)s;
	else if (n == 16) {
		u64 a = ((const u64 *)s)[0], b = ((const u64 *)s)[1];
		((u64 *)d)[0] = a;
		((u64 *)d)[1] = b;
	} else
		memmove(d, s, n);
}

/* The largest buffer weft_chan_make accepts: beyond the 48-bit address
 * space of both arches, an allocation could never succeed. */
#define CHAN_MAXALLOC ((size_t)1 << 47)
/* Elements must be smaller than this, as in Go (1 << 16, 64 KiB). */
#define CHAN_MAXELEM ((size_t)1 << 16)
#define CHAN_HDRSIZE ROUNDUP(sizeof(hchan), 16)

/* ---- the sudog cache ---- */

/*
 * Sudogs are never freed. Each P keeps a cache (P.sudogcache, linked
 * through next) so that blocking costs no lock; overflow and underflow go
 * through the central list sched.sudogcache under sched.sudoglock.
 *
 * The P's cache is a stack, and each sudog in it holds in its ticket the
 * length of the stack from itself down: the top's ticket is the cache's
 * length, and popping leaves the new top's count right. (ticket is free
 * while a sudog is cached; acquireSudog zeroes it.)
 */
enum { SUDOG_CACHE_MAX = 128 };

static void sudogpush(P *pp, Sudog *s)
{
	s->next = pp->sudogcache;
	s->ticket = s->next != NULL ? s->next->ticket + 1 : 1;
	pp->sudogcache = s;
}

static Sudog *sudogpop(P *pp)
{
	Sudog *s = pp->sudogcache;
	if (s != NULL) {
		pp->sudogcache = s->next;
		s->next = NULL;
	}
	return s;
}

/*
 * acquireSudog returns a clean sudog (every field zero or NULL). The
 * caller must be a goroutine: it uses the cache of its M's P, which
 * nothing else touches while the goroutine runs (weft does not preempt).
 */
Sudog *acquireSudog(void)
{
	M *mp = getm();
	P *pp = mp != NULL ? mp->p : NULL;
	Sudog *s;

	if (pp == NULL) {
		lock(&sched.sudoglock);
		s = sched.sudogcache;
		if (s != NULL)
			sched.sudogcache = s->next;
		unlock(&sched.sudoglock);
		if (s == NULL)
			return persistentalloc(sizeof(Sudog), 16); /* kept, never freed */
		s->next = NULL;
		s->ticket = 0;
		return s;
	}

	if (pp->sudogcache == NULL) {
		/* Refill half the local cache from the central one. */
		lock(&sched.sudoglock);
		for (int i = 0; i < SUDOG_CACHE_MAX / 2 && sched.sudogcache != NULL; i++) {
			s = sched.sudogcache;
			sched.sudogcache = s->next;
			sudogpush(pp, s);
		}
		unlock(&sched.sudoglock);
		if (pp->sudogcache == NULL)
			return persistentalloc(sizeof(Sudog), 16); /* kept, never freed */
	}
	s = sudogpop(pp);
	if (s->elem != NULL)
		throw("acquireSudog: found s->elem != NULL in cache");
	s->ticket = 0;
	return s;
}

/*
 * releaseSudog returns s to the cache. s must be off every queue and
 * list, and the calling goroutine's param must be clear: anything else
 * means a waker and a waiter disagree about who owns s, so it throws.
 */
void releaseSudog(Sudog *s)
{
	if (s->elem != NULL)
		throw("releaseSudog: sudog with non-NULL elem");
	if (s->isSelect)
		throw("releaseSudog: sudog with isSelect set");
	if (s->next != NULL)
		throw("releaseSudog: sudog with non-NULL next");
	if (s->prev != NULL)
		throw("releaseSudog: sudog with non-NULL prev");
	if (s->waitlink != NULL)
		throw("releaseSudog: sudog with non-NULL waitlink");
	if (s->c != NULL)
		throw("releaseSudog: sudog with non-NULL c");
	G *gp = getg();
	if (gp != NULL && gp->param != NULL)
		throw("releaseSudog: releaseSudog with non-NULL gp->param");
	s->g = NULL;
	s->addr = NULL;
	s->success = false;

	M *mp = getm();
	P *pp = mp != NULL ? mp->p : NULL;
	if (pp == NULL) {
		lock(&sched.sudoglock);
		s->next = sched.sudogcache;
		sched.sudogcache = s;
		unlock(&sched.sudoglock);
		return;
	}
	if (pp->sudogcache != NULL && pp->sudogcache->ticket >= SUDOG_CACHE_MAX) {
		/* Full: move the top half to the central cache in one splice. */
		Sudog *first = pp->sudogcache, *last = first;
		for (int i = 1; i < SUDOG_CACHE_MAX / 2; i++)
			last = last->next;
		pp->sudogcache = last->next;
		lock(&sched.sudoglock);
		last->next = sched.sudogcache;
		sched.sudogcache = first;
		unlock(&sched.sudoglock);
	}
	sudogpush(pp, s);
}

/* ---- wait queues ---- */

/* waitq_enqueue appends s to q. The channel's lock must be held. */
void waitq_enqueue(Waitq *q, Sudog *s)
{
	s->next = NULL;
	s->prev = q->last;
	if (q->last == NULL)
		q->first = s;
	else
		q->last->next = s;
	q->last = s;
}

/*
 * waitq_dequeue removes and returns the first sudog of q that may be
 * completed, or NULL. The channel's lock must be held.
 *
 * A select's sudogs sit on several channels, each guarded by a different
 * lock, so two wakers can find the same goroutine at once. Whoever moves
 * g->selectDone from 0 to 1 wins the goroutine; a loser drops the sudog
 * from its queue (the selecting goroutine's cleanup then finds it already
 * gone, see waitq_dequeuesudog) and tries the next one. A removed sudog
 * always has next and prev NULL.
 */
Sudog *waitq_dequeue(Waitq *q)
{
	for (;;) {
		Sudog *s = q->first;
		if (s == NULL)
			return NULL;
		Sudog *y = s->next;
		if (y == NULL) {
			q->first = NULL;
			q->last = NULL;
		} else {
			y->prev = NULL;
			q->first = y;
			s->next = NULL;
		}
		if (s->isSelect && !atomic_cas(&s->g->selectDone, 0, 1))
			continue;
		return s;
	}
}

/*
 * waitq_dequeuesudog removes s from q if it is still there. The channel's
 * lock must be held. s may already have been taken off by waitq_dequeue
 * (a select that lost the race on this channel); then it is the first of
 * q only if it is still queued, since removal clears next and prev.
 */
void waitq_dequeuesudog(Waitq *q, Sudog *s)
{
	Sudog *x = s->prev, *y = s->next;

	if (x != NULL) {
		x->next = y;
		if (y != NULL)
			y->prev = x;
		else
			q->last = x;
		s->next = NULL;
		s->prev = NULL;
		return;
	}
	if (y != NULL) {
		y->prev = NULL;
		q->first = y;
		s->next = NULL;
		return;
	}
	/* Neither neighbour: s is alone in q, or no longer in it. */
	if (q->first == s) {
		q->first = NULL;
		q->last = NULL;
	}
}

/* ---- the operations shared with select ---- */

/*
 * chan_send completes a send of *ep to the receiver sg, which the caller
 * has dequeued from c->recvq (so c's buffer is empty). c must be locked.
 * It copies the value into the receiver's memory and marks sg done; the
 * caller must unlock c and then goready the G it returns.
 */
G *chan_send(hchan *c, Sudog *sg, const void *ep)
{
	G *gp = sg->g;

	if (sg->elem != NULL) {
		elemcopy(sg->elem, ep, c->elemsize);
		sg->elem = NULL;
	}
	sg->success = true;
	gp->param = sg;
	return gp;
}

/*
 * chan_recv completes a receive into ep (NULL discards) from the sender
 * sg, which the caller has dequeued from c->sendq. c must be locked.
 * Unbuffered: the value comes straight from the sender. Buffered (the
 * buffer is full, or the sender would not have waited): the receiver
 * takes the oldest element and the sender's value goes into the slot
 * freed, which is the new tail. The caller must unlock c and then goready
 * the G returned.
 */
G *chan_recv(hchan *c, Sudog *sg, void *ep)
{
	G *gp = sg->g;

	if (c->dataqsiz == 0) {
		if (ep != NULL)
			elemcopy(ep, sg->elem, c->elemsize);
	} else {
		void *qp = chanbuf(c, c->recvx);
		if (ep != NULL)
			elemcopy(ep, qp, c->elemsize);
		elemcopy(qp, sg->elem, c->elemsize);
		if (++c->recvx == c->dataqsiz)
			c->recvx = 0;
		c->sendx = c->recvx; /* the ring is still full */
	}
	sg->elem = NULL;
	sg->success = true;
	gp->param = sg;
	return gp;
}

/* chan_bufsend appends *ep to c's ring. c must be locked and not full. */
void chan_bufsend(hchan *c, const void *ep)
{
	elemcopy(chanbuf(c, c->sendx), ep, c->elemsize);
	if (++c->sendx == c->dataqsiz)
		c->sendx = 0;
	c->qcount++;
}

/*
 * chan_bufrecv takes the oldest element of c's ring into ep (NULL
 * discards). c must be locked and not empty. (Go clears the slot for its
 * garbage collector; weft has none, so it does not.)
 */
void chan_bufrecv(hchan *c, void *ep)
{
	if (ep != NULL)
		elemcopy(ep, chanbuf(c, c->recvx), c->elemsize);
	if (++c->recvx == c->dataqsiz)
		c->recvx = 0;
	c->qcount--;
}

/* ---- make, send, receive, close ---- */

/*
 * weft_chan_make returns a new channel of cap elements of elem_size bytes
 * (cap 0: unbuffered). The ring lives in the same allocation. It panics
 * with "makechan: size out of range" for an element of 64 KiB or more (Go's
 * limit: its compiler rejects such a channel type, its makechan throws),
 * or when the ring's size overflows or could never be allocated.
 */
weft_chan *weft_chan_make(size_t elem_size, size_t cap)
{
	size_t mem;

	if (elem_size >= CHAN_MAXELEM || __builtin_mul_overflow(elem_size, cap, &mem) ||
	    mem > CHAN_MAXALLOC - CHAN_HDRSIZE)
		gopanic("makechan: size out of range");
	hchan *c = rtalloc(CHAN_HDRSIZE + mem);
	c->buf = (char *)c + CHAN_HDRSIZE;
	c->elemsize = elem_size;
	c->dataqsiz = cap;
	return c;
}

/* chan_full reports whether a send on c would block, from a lock-free
 * read; the answer may be stale by the time it is used. */
static bool chan_full(hchan *c)
{
	if (c->dataqsiz == 0)
		return atomic_load(&c->recvq.first) == NULL;
	return atomic_load(&c->qcount) == c->dataqsiz;
}

/* chan_empty reports whether a receive on c would block, lock-free. */
static bool chan_empty(hchan *c)
{
	if (c->dataqsiz == 0)
		return atomic_load(&c->sendq.first) == NULL;
	return atomic_load(&c->qcount) == 0;
}

/* chanparkcommit is gopark's unlockf for a channel operation: it drops
 * the channel lock once the goroutine is off its stack. */
static bool chanparkcommit(G *gp, void *chanlock)
{
	(void)gp;
	unlock(chanlock);
	return true;
}

/*
 * chansend_common is chansend with a choice for a closed channel: panic
 * (every user send) or silently drop the value (the timer callback: a user
 * may close a timer channel, and the callback has no goroutine to
 * panic on). Non-blocking calls never park and never use the current G.
 */
static bool chansend_common(hchan *c, const void *ep, bool block, bool panicifclosed)
{
	if (c == NULL) {
		if (!block)
			return false;
		mustbeg("weft_chan_send");
		gopark(NULL, NULL, WaitReasonChanSendNilChan);
		throw("chansend: unreachable");
	}

	/*
	 * Fast path: a failed non-blocking send, without the lock. We see c
	 * open and then full; since a closed channel never becomes ready for
	 * sending again, there was a moment when it was both open and full,
	 * and we report as of that moment.
	 */
	if (!block && atomic_load(&c->closed) == 0 && chan_full(c))
		return false;

	lock(&c->lock);
	if (c->closed != 0) {
		unlock(&c->lock);
		if (!panicifclosed)
			return false;
		gopanic("send on closed channel");
	}

	Sudog *sg = waitq_dequeue(&c->recvq);
	if (sg != NULL) {
		/* A receiver is waiting: hand it the value directly. */
		G *gp = chan_send(c, sg, ep);
		unlock(&c->lock);
		goready(gp);
		preemptcheck();
		return true;
	}

	if (c->qcount < c->dataqsiz) {
		chan_bufsend(c, ep);
		unlock(&c->lock);
		preemptcheck();
		return true;
	}

	if (!block) {
		unlock(&c->lock);
		return false;
	}

	/* Block: some receiver, or close, will complete the send for us. */
	G *gp = mustbeg("weft_chan_send");
	/* The sudog lives in this frame: weft's stacks never move (Go's do,
	 * which is why Go's sudogs come from a cache), and nobody touches it
	 * once it is dequeued and its G readied. */
	Sudog self = {.elem = (void *)ep, .g = gp, .c = c};
	Sudog *mysg = &self;
	gp->waiting = mysg;
	gp->param = NULL;
	waitq_enqueue(&c->sendq, mysg);
	gopark(chanparkcommit, &c->lock, WaitReasonChanSend);

	/* Woken by the receiver or the close that dequeued mysg. */
	if (mysg != gp->waiting)
		throw("chansend: G waiting list is corrupted");
	if (gp->param != mysg)
		throw("chansend: woken with the wrong sudog");
	gp->waiting = NULL;
	bool closed = !mysg->success;
	gp->param = NULL;
	if (closed) {
		if (atomic_load(&c->closed) == 0)
			throw("chansend: spurious wakeup");
		gopanic("send on closed channel");
	}
	return true;
}

/*
 * chansend sends the elemsize bytes at ep on c. Blocking: waits until a
 * receiver or the buffer takes the value and returns true. Non-blocking:
 * returns false at once if that cannot happen now; it never parks, so it
 * may run on an M with no goroutine (a timer callback). A NULL c blocks
 * forever (or fails, non-blocking). Panics on a closed channel, including
 * one closed while the sender waits.
 */
bool chansend(hchan *c, const void *ep, bool block)
{
	return chansend_common(c, ep, block, true);
}

/*
 * chanrecv receives from c into ep (NULL discards the value). It returns
 * false only when !block and nothing could be received now (never
 * parking then). Otherwise it returns true and sets *received (if
 * received is not NULL): true for a value, false when c is closed and
 * drained, in which case ep's elemsize bytes are zeroed. A NULL c blocks
 * forever (or fails, non-blocking).
 */
bool chanrecv(hchan *c, void *ep, bool block, bool *received)
{
	bool dummy;

	if (received == NULL)
		received = &dummy;
	*received = false;
	if (c == NULL) {
		if (!block)
			return false;
		mustbeg("weft_chan_recv");
		gopark(NULL, NULL, WaitReasonChanReceiveNilChan);
		throw("chanrecv: unreachable");
	}

	/*
	 * Fast path: a failed non-blocking receive, without the lock. Seeing
	 * c empty and then open means it was empty and open at once (it can't
	 * reopen). Seeing it closed, we must look again for a value sent
	 * before the close; emptying and closing happen in separate critical
	 * sections and these loads are sequentially consistent, so the order
	 * of the observations holds.
	 */
	if (!block && chan_empty(c)) {
		if (atomic_load(&c->closed) == 0)
			return false;
		if (chan_empty(c)) {
			if (ep != NULL)
				memset(ep, 0, c->elemsize);
			return true;
		}
	}

	lock(&c->lock);
	if (c->closed != 0) {
		if (c->qcount == 0) {
			unlock(&c->lock);
			if (ep != NULL)
				memset(ep, 0, c->elemsize);
			return true;
		}
		/* Closed, but values are still buffered: drain them first. */
	} else {
		Sudog *sg = waitq_dequeue(&c->sendq);
		if (sg != NULL) {
			/* A sender is waiting, so the buffer (if any) is full. */
			G *gp = chan_recv(c, sg, ep);
			unlock(&c->lock);
			goready(gp);
			*received = true;
			preemptcheck();
			return true;
		}
	}

	if (c->qcount > 0) {
		chan_bufrecv(c, ep);
		unlock(&c->lock);
		*received = true;
		preemptcheck();
		return true;
	}

	if (!block) {
		unlock(&c->lock);
		return false;
	}

	/* Block: some sender, or close, will complete the receive for us. */
	G *gp = mustbeg("weft_chan_recv");
	Sudog self = {.elem = ep, .g = gp, .c = c}; /* on the stack, as in chansend */
	Sudog *mysg = &self;
	gp->waiting = mysg;
	gp->param = NULL;
	waitq_enqueue(&c->recvq, mysg);
	gopark(chanparkcommit, &c->lock, WaitReasonChanReceive);

	if (mysg != gp->waiting)
		throw("chanrecv: G waiting list is corrupted");
	if (gp->param != mysg)
		throw("chanrecv: woken with the wrong sudog");
	gp->waiting = NULL;
	*received = mysg->success;
	gp->param = NULL;
	return true;
}

/*
 * closechan closes c: every waiting receiver wakes with a zero value and
 * success false, every waiting sender wakes to panic. Values already
 * buffered stay receivable. Panics when c is NULL or already closed.
 */
static void closechan(hchan *c)
{
	if (c == NULL)
		gopanic("close of nil channel");

	lock(&c->lock);
	if (c->closed != 0) {
		unlock(&c->lock);
		gopanic("close of closed channel");
	}
	atomic_store(&c->closed, 1);

	/* Collect the Gs under the lock (waitq_dequeue settles select races);
	 * ready them after dropping it. A parked G's schedlink is free. */
	G *glist = NULL;
	Sudog *sg;
	while ((sg = waitq_dequeue(&c->recvq)) != NULL) {
		if (sg->elem != NULL) {
			memset(sg->elem, 0, c->elemsize);
			sg->elem = NULL;
		}
		sg->success = false;
		sg->g->param = sg;
		sg->g->schedlink = glist;
		glist = sg->g;
	}
	while ((sg = waitq_dequeue(&c->sendq)) != NULL) {
		sg->elem = NULL;
		sg->success = false;
		sg->g->param = sg;
		sg->g->schedlink = glist;
		glist = sg->g;
	}
	unlock(&c->lock);

	while (glist != NULL) {
		G *gp = glist;
		glist = gp->schedlink;
		gp->schedlink = NULL;
		goready(gp);
	}
}

/* ---- the public API ---- */

/* weft_chan_send sends *elem on c, blocking until it is taken. A NULL c
 * blocks forever. Panics if c is or becomes closed. */
void weft_chan_send(weft_chan *c, const void *elem)
{
	if (elem == NULL && c != NULL && c->elemsize != 0)
		gopanic("weft_chan_send: NULL element");
	chansend(c, elem, true);
}

/* weft_chan_recv receives from c into *elem (NULL discards), blocking
 * until a value or close arrives. Returns false, with *elem zeroed, once
 * c is closed and drained. A NULL c blocks forever. */
bool weft_chan_recv(weft_chan *c, void *elem)
{
	bool received;

	chanrecv(c, elem, true, &received);
	return received;
}

/* weft_chan_close closes c (see closechan). */
void weft_chan_close(weft_chan *c)
{
	closechan(c);
}

/* weft_chan_len returns the number of buffered elements (0 for NULL),
 * a snapshot that may be stale at once. */
size_t weft_chan_len(weft_chan *c)
{
	if (c == NULL)
		return 0;
	return atomic_load(&c->qcount);
}

/* weft_chan_cap returns the capacity of c's buffer (0 for an unbuffered
 * or NULL channel, as Go's cap). It never changes, so no lock is needed. */
size_t weft_chan_cap(weft_chan *c)
{
	if (c == NULL)
		return 0;
	return c->dataqsiz;
}

/*
 * weft_chan_free frees c (NULL: nothing). No goroutine may be using c or
 * blocked on it. The timer of a weft_after still pending, or of a
 * weft_ticker, is stopped first. Freeing c twice panics ("weft_chan_free
 * of freed channel"), as far as the allocator can tell (blockstate).
 *
 * This relies on timer_stop's contract (time.c): when timer_stop returns,
 * the timer's callback is not running and will not run, whether
 * timer_stop removed it (true) or it had already fired (false). Without
 * that, the callback could still be sending on c as it is freed.
 */
void weft_chan_free(weft_chan *c)
{
	if (c == NULL)
		return;
	/* A freed channel's memory is the allocator's: check before reading
	 * c->timer (it may be unmapped, for a channel with a large ring). */
	switch (blockstate(c)) {
	case BlockFreed:
		gopanic("weft_chan_free of freed channel");
	case BlockBad:
		gopanic("weft_chan_free of invalid channel");
	}
	if (c->timer != NULL) {
		timer_stop(c->timer);
		rtfree(c->timer);
		c->timer = NULL;
	}
	rtfree(c);
}

/*
 * timerchan_fire is the timer callback of weft_after and weft_ticker: on
 * some M, maybe with no goroutine, it offers the time the timer was due
 * to the channel without blocking. weft_after's buffer has room for the
 * one value it ever sends; a ticker's tick that finds the buffer full (the
 * receiver has fallen behind) is dropped, so ticks never queue up. A value
 * for a channel the user closed is dropped too.
 */
static void timerchan_fire(void *arg, int64_t when)
{
	chansend_common(arg, &when, false, false);
}

/*
 * timerchan returns a channel of int64_t, capacity 1, with a timer that
 * sends on it ns nanoseconds from now (at once if ns <= 0) and then, when
 * period > 0, every period nanoseconds on the same phase (time.c re-arms
 * it). weft_chan_free stops the timer.
 */
static hchan *timerchan(int64_t ns, int64_t period)
{
	hchan *c = weft_chan_make(sizeof(int64_t), 1);
	Timer *t = rtalloc(sizeof(Timer));
	int64_t now = nanotime();

	t->when = ns > INT64_MAX - now ? INT64_MAX : now + ns;
	t->period = period;
	t->f = timerchan_fire;
	t->arg = c;
	t->idx = -1;
	c->timer = t; /* for weft_chan_free to stop; before c is shared */
	timer_add(t);
	return c;
}

/*
 * weft_after returns a channel of int64_t, capacity 1, that receives the
 * time ns nanoseconds from now, once, when it comes (at once if ns <= 0).
 * Free it with weft_chan_free, which also stops the timer if still
 * pending.
 */
weft_chan *weft_after(int64_t ns)
{
	return timerchan(ns, 0);
}

/*
 * weft_ticker returns a channel of int64_t, capacity 1, that receives a
 * tick every ns nanoseconds, the first ns from now (Go's time.NewTicker):
 * each tick's value is the time it was due, start + k * ns. A receiver
 * that lags loses ticks (timerchan_fire drops them) and time.c's re-arming
 * skips the periods already missed, so a lagging receiver never sees a
 * burst. weft_chan_free stops it; ns <= 0 panics, as NewTicker does.
 */
weft_chan *weft_ticker(int64_t ns)
{
	if (ns <= 0)
		gopanic("non-positive interval for weft_ticker");
	return timerchan(ns, ns);
}
