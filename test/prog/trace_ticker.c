/*
 * trace_ticker.c: a goroutine that blocks receiving from a ticker, for
 * the tracer's test (test/trace_test.c). tick_receiver receives N ticks
 * of a 2 ms ticker with weft_chan_recv, parking each time until the
 * ticker's timer, run by whichever thread runs timers, sends the tick
 * and wakes it; goroutine 1 waits for it on a channel.
 */
#include <weft.h>

enum { N = 5 };

static __attribute__((noinline)) void tick_receiver(void *arg)
{
	weft_chan *done = arg;
	weft_chan *t = weft_ticker(2000000);
	int64_t prev = 0, v;
	int ok = 1;

	for (int i = 0; i < N; i++) {
		weft_chan_recv(t, &v);
		ok &= v > prev;
		prev = v;
	}
	weft_chan_free(t);
	weft_chan_send(done, &ok);
}

int weft_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	weft_chan *done = weft_chan_make(sizeof(int), 0);
	int ok = 0;

	weft_go(tick_receiver, done);
	weft_chan_recv(done, &ok);
	weft_printf("%d ticks%s\n", N, ok ? ", increasing" : " out of order");
	return 0;
}
