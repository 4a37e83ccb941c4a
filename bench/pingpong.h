/*
 * pingpong.h: the round trip of an unbuffered channel, for bench/pingpong.c
 * (which times it) and the flight recorder's benchmarks (which make events
 * with it). Two goroutines: the caller sends an int64 on one channel, the
 * ponger receives it and sends it back on the other, the caller receives
 * it. One round trip is two handoffs, each a park and a wakeup.
 */
#ifndef WEFT_BENCH_PINGPONG_H
#define WEFT_BENCH_PINGPONG_H

#include "bench.h"

static weft_chan *pingch, *pongch;

static void ponger(void *arg)
{
	int64_t v;

	(void)arg;
	while (weft_chan_recv(pingch, &v))
		weft_chan_send(pongch, &v);
}

/* pingpong_start makes the channels and starts the ponger. */
static inline void pingpong_start(void)
{
	pingch = weft_chan_make(sizeof(int64_t), 0);
	pongch = weft_chan_make(sizeof(int64_t), 0);
	weft_go(ponger, NULL);
}

/* roundtrips makes n round trips, checking each value that comes back,
 * and returns the time they took in ns. */
static inline int64_t roundtrips(int64_t n)
{
	int64_t i, v, t = weft_nanotime();

	for (i = 0; i < n; i++) {
		weft_chan_send(pingch, &i);
		weft_chan_recv(pongch, &v);
		if (v != i)
			weft_panic("ping-pong: sent %lld, got back %lld", (long long)i, (long long)v);
	}
	return weft_nanotime() - t;
}

/* pingpong_stop closes the ping channel: the ponger returns. */
static inline void pingpong_stop(void)
{
	weft_chan_close(pingch);
}

#endif
