/*
 * select.c: weft_select, Go's selectgo (select.go).
 *
 * A select locks every channel it names, in increasing address order (a
 * channel named twice is locked once), so it can never deadlock with
 * another select or with a plain send or receive, which hold one lock.
 * Then:
 *
 *   pass 1: visit the cases in a random order (the poll order, a fresh
 *           permutation each time, so no case starves) and run the first
 *           that can proceed: a waiting partner, buffer space or data, or
 *           a closed channel. If none can and the select does not block,
 *           unlock and return -1.
 *   pass 2: queue a sudog (isSelect set) on every case's channel, linked
 *           in lock order on gp->waiting, and park. selparkcommit unlocks
 *           the channels only after the goroutine is off its stack.
 *   wakeup: the first channel operation to dequeue one of our sudogs and
 *           win the CAS on gp->selectDone (waitq_dequeue) completes that
 *           case, stores the sudog in gp->param and readies us. Other
 *           channels' operations that meet our other sudogs meanwhile lose
 *           the CAS and skip them.
 *   pass 3: lock everything again, reset selectDone, find which sudog
 *           fired and take all the others off their queues.
 *
 * The case arrays (the poll and lock orders) live on the goroutine's stack
 * when small. selparkcommit must not read them: once it unlocks one
 * channel the goroutine may already be running again elsewhere. It walks
 * gp->waiting instead, which is in lock order.
 */
#include "chan.h"

/* Cases up to this many keep their poll and lock orders on the stack. */
enum { SELECT_STACK_CASES = 64 };

/* sellock locks the channels of cases in lockorder, each once. */
static void sellock(weft_case *cases, const int *lockorder, int n)
{
	hchan *last = NULL;

	for (int i = 0; i < n; i++) {
		hchan *c = cases[lockorder[i]].chan;
		if (c != last) {
			last = c;
			lock(&c->lock);
		}
	}
}

/* selunlock unlocks what sellock locked, in reverse order. */
static void selunlock(weft_case *cases, const int *lockorder, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		hchan *c = cases[lockorder[i]].chan;
		if (i > 0 && c == cases[lockorder[i - 1]].chan)
			continue; /* unlocked with its last duplicate */
		unlock(&c->lock);
	}
}

/*
 * selparkcommit is gopark's unlockf for a select: it unlocks every channel
 * on gp->waiting. Once a channel is unlocked, its sudogs (their c and
 * waitlink) may change, so each channel is unlocked only after its last
 * sudog in the list has been passed.
 */
static bool selparkcommit(G *gp, void *arg)
{
	hchan *lastc = NULL;

	(void)arg;
	for (Sudog *sg = gp->waiting; sg != NULL; sg = sg->waitlink) {
		if (sg->c != lastc && lastc != NULL)
			unlock(&lastc->lock);
		lastc = sg->c;
	}
	if (lastc != NULL)
		unlock(&lastc->lock);
	return true;
}

/* freeorder frees the case orders when they did not fit on the stack. */
static void freeorder(int *heaporder)
{
	if (heaporder != NULL)
		rtfree(heaporder);
}

/* waitq: the queue a case's sudog waits on. */
static Waitq *waitq(weft_case *cas)
{
	return cas->dir == WEFT_SEND ? &cas->chan->sendq : &cas->chan->recvq;
}

static bool chanless(weft_case *cases, int a, int b)
{
	return (uintptr_t)cases[a].chan < (uintptr_t)cases[b].chan;
}

/*
 * sortlockorder heap-sorts the n case indices of order by channel
 * address: O(n log n) with no recursion or extra memory. Starting from the
 * poll order means repeated channels end up in random relative order.
 */
static void sortlockorder(weft_case *cases, int *order, const int *pollorder, int n)
{
	/* Build a max-heap, sifting each new element up. */
	for (int i = 0; i < n; i++) {
		int j = i, v = pollorder[i];
		while (j > 0 && chanless(cases, order[(j - 1) / 2], v)) {
			order[j] = order[(j - 1) / 2];
			j = (j - 1) / 2;
		}
		order[j] = v;
	}
	/* Move the maximum to the end and sift the displaced element down. */
	for (int i = n - 1; i > 0; i--) {
		int v = order[i], j = 0;
		order[i] = order[0];
		for (;;) {
			int k = 2 * j + 1;
			if (k >= i)
				break;
			if (k + 1 < i && chanless(cases, order[k], order[k + 1]))
				k++;
			if (!chanless(cases, v, order[k]))
				break;
			order[j] = order[k];
			j = k;
		}
		order[j] = v;
	}
}

/* What pass 1 found to do. */
enum {
	SEL_RECV = 1, /* take the value of a waiting sender */
	SEL_BUFRECV,  /* take a buffered value */
	SEL_RCLOSE,   /* receive on a closed, drained channel */
	SEL_SEND,     /* hand the value to a waiting receiver */
	SEL_BUFSEND,  /* buffer the value */
	SEL_SCLOSE,   /* send on a closed channel: panic */
};

/*
 * weft_select runs one of the n cases, chosen uniformly at random among
 * those ready, and returns its index; with block false and none ready it
 * returns -1 at once. Cases with a NULL chan are never ready. For the case
 * that ran, ok is set: for a receive, whether a value (rather than close)
 * arrived, and elem (unless NULL) holds it or zeroes; for a send, true.
 * With no usable case and block true, the goroutine blocks forever.
 * Sending on a closed channel panics, as does a case with a bad dir.
 */
int weft_select(weft_case *cases, int n, bool block)
{
	int stackorder[2 * SELECT_STACK_CASES];
	int *pollorder, *lockorder, *heaporder = NULL;
	int norder = 0;

	preemptcheck();
	if (n <= 0) {
		if (!block)
			return -1;
		mustbeg("weft_select");
		gopark(NULL, NULL, WaitReasonSelectNoCases);
		throw("select: unreachable");
	}

	if (n <= SELECT_STACK_CASES) {
		pollorder = stackorder;
	} else {
		heaporder = rtalloc(2 * (size_t)n * sizeof(int));
		pollorder = heaporder;
	}
	lockorder = pollorder + n;

	/* A random permutation of the usable cases: the poll order. */
	for (int i = 0; i < n; i++) {
		weft_case *cas = &cases[i];
		if (cas->chan == NULL)
			continue;
		if (cas->dir != WEFT_SEND && cas->dir != WEFT_RECV)
			gopanic("weft_select: case %d has invalid dir %d", i, cas->dir);
		if (cas->dir == WEFT_SEND && cas->elem == NULL && cas->chan->elemsize != 0)
			gopanic("weft_select: send case %d has a NULL element", i);
		uint32_t j = cheaprandn((uint32_t)norder + 1);
		pollorder[norder] = pollorder[j];
		pollorder[j] = i;
		norder++;
	}

	if (norder == 0) {
		freeorder(heaporder);
		if (!block)
			return -1;
		mustbeg("weft_select");
		gopark(NULL, NULL, WaitReasonSelect);
		throw("select: unreachable");
	}

	sortlockorder(cases, lockorder, pollorder, norder);
	sellock(cases, lockorder, norder);

	/* Pass 1: look for a case that can run now. */
	int casi = -1, action = 0;
	Sudog *sg = NULL;
	hchan *c = NULL;
	for (int i = 0; i < norder && action == 0; i++) {
		casi = pollorder[i];
		c = cases[casi].chan;
		if (cases[casi].dir == WEFT_RECV) {
			if ((sg = waitq_dequeue(&c->sendq)) != NULL)
				action = SEL_RECV;
			else if (c->qcount > 0)
				action = SEL_BUFRECV;
			else if (c->closed != 0)
				action = SEL_RCLOSE;
		} else {
			if (c->closed != 0)
				action = SEL_SCLOSE;
			else if ((sg = waitq_dequeue(&c->recvq)) != NULL)
				action = SEL_SEND;
			else if (c->qcount < c->dataqsiz)
				action = SEL_BUFSEND;
		}
	}

	if (action != 0) {
		weft_case *cas = &cases[casi];
		G *gp = NULL;
		switch (action) {
		case SEL_RECV:
			gp = chan_recv(c, sg, cas->elem);
			cas->ok = true;
			break;
		case SEL_BUFRECV:
			chan_bufrecv(c, cas->elem);
			cas->ok = true;
			break;
		case SEL_RCLOSE:
			if (cas->elem != NULL)
				memset(cas->elem, 0, c->elemsize);
			cas->ok = false;
			break;
		case SEL_SEND:
			gp = chan_send(c, sg, cas->elem);
			cas->ok = true;
			break;
		case SEL_BUFSEND:
			chan_bufsend(c, cas->elem);
			cas->ok = true;
			break;
		}
		selunlock(cases, lockorder, norder);
		freeorder(heaporder);
		if (action == SEL_SCLOSE)
			gopanic("send on closed channel");
		if (gp != NULL)
			goready(gp);
		return casi;
	}

	if (!block) {
		selunlock(cases, lockorder, norder);
		freeorder(heaporder);
		return -1;
	}

	/* Pass 2: queue on every channel, in lock order, and sleep. */
	G *gp = mustbeg("weft_select");
	if (gp->waiting != NULL)
		throw("select: gp->waiting != NULL");
	Sudog **nextp = &gp->waiting;
	for (int i = 0; i < norder; i++) {
		weft_case *cas = &cases[lockorder[i]];
		Sudog *s = acquireSudog();
		s->g = gp;
		s->isSelect = true;
		s->elem = cas->elem;
		s->c = cas->chan;
		*nextp = s;
		nextp = &s->waitlink;
		waitq_enqueue(waitq(cas), s);
	}
	gp->param = NULL;
	gopark(selparkcommit, NULL, WaitReasonSelect);

	sellock(cases, lockorder, norder);
	atomic_store(&gp->selectDone, 0);
	sg = gp->param;
	gp->param = NULL;

	/*
	 * Pass 3: the sudog that fired was dequeued by its waker; take every
	 * other one off its queue, or they would pile up on quiet channels.
	 * gp->waiting is in lock order, so it walks in step with lockorder.
	 */
	Sudog *sglist = gp->waiting;
	for (Sudog *s = sglist; s != NULL; s = s->waitlink) {
		s->isSelect = false;
		s->elem = NULL;
		s->c = NULL;
	}
	gp->waiting = NULL;

	casi = -1;
	bool success = false;
	for (int i = 0; i < norder; i++) {
		weft_case *cas = &cases[lockorder[i]];
		if (sglist == NULL)
			throw("select: waiting list too short");
		if (sglist == sg) {
			casi = lockorder[i];
			success = sglist->success;
		} else {
			waitq_dequeuesudog(waitq(cas), sglist);
		}
		Sudog *next = sglist->waitlink;
		sglist->waitlink = NULL;
		releaseSudog(sglist);
		sglist = next;
	}
	if (casi < 0)
		throw("select: bad wakeup");

	selunlock(cases, lockorder, norder);
	freeorder(heaporder);
	if (cases[casi].dir == WEFT_SEND) {
		if (!success)
			gopanic("send on closed channel");
		cases[casi].ok = true;
	} else {
		/* A receive woken by close found its elem zeroed by closechan. */
		cases[casi].ok = success;
	}
	return casi;
}
