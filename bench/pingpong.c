/*
 * pingpong: the round trip of an unbuffered channel. Two goroutines: main
 * sends an int64 on ch1, the ponger receives it and sends it back on ch2,
 * main receives it. One op is one round trip (two handoffs, each a park and
 * a wakeup). Twin: bench/go/pingpong/main.go.
 *
 *	pingpong [iterations]
 */
#include "bench.h"

static weft_chan *ch1, *ch2;

static void ponger(void *arg)
{
	int64_t v;

	(void)arg;
	while (weft_chan_recv(ch1, &v))
		weft_chan_send(ch2, &v);
}

int weft_main(int argc, char **argv)
{
	int64_t n = bench_arg(argc, argv, 1, 200000);
	int64_t warm = n / 100 + 1;
	int64_t i, v, start;

	ch1 = weft_chan_make(sizeof(int64_t), 0);
	ch2 = weft_chan_make(sizeof(int64_t), 0);
	weft_go(ponger, NULL);

	for (i = 0; i < warm; i++) {
		weft_chan_send(ch1, &i);
		weft_chan_recv(ch2, &v);
	}
	start = weft_nanotime();
	for (i = 0; i < n; i++) {
		weft_chan_send(ch1, &i);
		weft_chan_recv(ch2, &v);
		if (v != i)
			weft_panic("pingpong: sent %lld, got back %lld", (long long)i, (long long)v);
	}
	bench_report(weft_nanotime() - start, n);
	weft_chan_close(ch1);
	return 0;
}
