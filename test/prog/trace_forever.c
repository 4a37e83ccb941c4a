/*
 * trace_forever.c: a program that keeps busy until it is killed, for the
 * tracer's SIGKILL test (test/trace_test.c): traced with a short
 * generation period, it is killed with SIGKILL part way, and the
 * generations already written must still read.
 *
 * It never idles for long, so every generation has events: a ticker
 * starts a short-lived goroutine every 200 µs, and two goroutines play
 * ping-pong in bursts. In case nobody kills it, it exits 0 on its own
 * after 60 s.
 */
#include <weft.h>

#define US 1000LL

static void shortlived(void *arg)
{
	weft_chan *c = arg;
	int v = 1;
	weft_chan_send(c, &v);
}

static void ticker(void *arg)
{
	(void)arg;
	weft_chan *c = weft_chan_make(sizeof(int), 1);
	for (;;) {
		int v;
		weft_go(shortlived, c);
		weft_chan_recv(c, &v);
		weft_sleep(200 * US);
	}
}

static void player(void *arg)
{
	weft_chan **ch = arg; /* in, out */
	int v;
	while (weft_chan_recv(ch[0], &v)) {
		v++;
		if (v % 100 == 0)
			weft_sleep(100 * US);
		weft_chan_send(ch[1], &v);
	}
}

int weft_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	static weft_chan *a[2], *b[2];
	weft_chan *ping = weft_chan_make(sizeof(int), 0);
	weft_chan *pong = weft_chan_make(sizeof(int), 0);
	a[0] = ping, a[1] = pong;
	b[0] = pong, b[1] = ping;
	weft_go(ticker, NULL);
	weft_go(player, a);
	weft_go(player, b);
	weft_printf("running\n");
	int v = 0;
	weft_chan_send(ping, &v);
	weft_sleep(60LL * 1000 * 1000 * 1000);
	return 0;
}
