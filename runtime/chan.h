/*
 * chan.h: the channel's layout and the helpers chan.c and select.c share.
 * Nothing else should include it: the rest of the runtime sees a channel
 * only through runtime.h (chansend, chanrecv) and weft.h.
 */
#ifndef WEFT_CHAN_H
#define WEFT_CHAN_H

#include "runtime.h"

/* A waitq is a FIFO of the sudogs blocked on one side of a channel, linked
 * through Sudog.next and Sudog.prev. */
typedef struct Waitq {
	Sudog *first;
	Sudog *last;
} Waitq;

/*
 * struct weft_chan is Go's hchan. lock guards every field below it that is
 * not marked immutable, and also the fields of the sudogs queued on recvq
 * and sendq (elem, success, next, prev). qcount, closed and recvq.first /
 * sendq.first are also read without the lock, as single aligned words, by
 * the non-blocking fast paths and weft_chan_len.
 */
struct weft_chan {
	/* Immutable after weft_chan_make. */
	size_t dataqsiz; /* capacity of the ring; 0 for unbuffered */
	size_t elemsize;
	char *buf;       /* dataqsiz slots of elemsize bytes */
	Timer *timer;    /* weft_after's or weft_ticker's timer; set once, before any use */

	Mutex lock;
	uint32_t closed;
	size_t qcount; /* elements in buf */
	size_t sendx;  /* next slot to fill */
	size_t recvx;  /* next slot to drain */
	Waitq recvq;   /* blocked receivers */
	Waitq sendq;   /* blocked senders */
};

/* chanbuf: the address of slot i of c's ring. */
static inline void *chanbuf(hchan *c, size_t i)
{
	return c->buf + i * c->elemsize;
}

/* Go's waitq methods (q.enqueue, q.dequeue, q.dequeueSudoG), named
 * waitq_<method> as weft names Go's methods; then the channel operations
 * select shares, chan_<name>: Go's send and recv (bare, the names would
 * meet libc's in a hosted program) and the buffer's halves, which Go
 * writes inline. Each is described where chan.c defines it. */
void waitq_enqueue(Waitq *q, Sudog *s);
Sudog *waitq_dequeue(Waitq *q);
void waitq_dequeuesudog(Waitq *q, Sudog *s);
G *chan_send(hchan *c, Sudog *sg, const void *ep);
G *chan_recv(hchan *c, Sudog *sg, void *ep);
void chan_bufsend(hchan *c, const void *ep);
void chan_bufrecv(hchan *c, void *ep);

#endif
