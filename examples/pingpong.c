/*
 * pingpong.c: two goroutines hit a ball back and forth over two unbuffered
 * channels.
 *
 * An unbuffered send waits until a receiver takes the value, so the two
 * players strictly alternate: each prints only after it has received the
 * ball, and the other cannot print again until the ball comes back. The
 * output is the same on every run, whatever WEFTMAXPROCS is.
 */
#include <weft.h>

enum { HITS = 10 };

/* A player waits for the ball on in, hits it (adds one) and sends it on out. */
struct player {
	const char *name;
	weft_chan *in, *out;
	weft_chan *done;    /* receives the ball after the last hit */
	weft_waitgroup *wg; /* counts players still on the court */
};

static void play(void *arg)
{
	struct player *p = arg;
	int ball;

	/* weft_chan_recv returns false once in is closed: the game is over. */
	while (weft_chan_recv(p->in, &ball)) {
		ball++;
		weft_printf("%s %d\n", p->name, ball);
		weft_chan_send(ball == HITS ? p->done : p->out, &ball);
	}
	weft_waitgroup_done(p->wg);
}

int weft_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;

	/* Channels of int; capacity 0 makes them unbuffered. */
	weft_chan *ping = weft_chan_make(sizeof(int), 0);
	weft_chan *pong = weft_chan_make(sizeof(int), 0);
	weft_chan *done = weft_chan_make(sizeof(int), 0);
	weft_waitgroup wg = {0}; /* a zero WaitGroup is ready to use */

	/* The players live on main's stack: main outlives them (it waits). */
	struct player a = {"ping", ping, pong, done, &wg};
	struct player b = {"pong", pong, ping, done, &wg};
	weft_waitgroup_add(&wg, 2);
	weft_go(play, &a);
	weft_go(play, &b);

	int ball = 0;
	weft_chan_send(ping, &ball); /* serve */
	weft_chan_recv(done, &ball); /* wait for the last hit */
	weft_printf("game over after %d hits\n", ball);

	/* Closing the channels ends both players' loops; wait for them. */
	weft_chan_close(ping);
	weft_chan_close(pong);
	weft_waitgroup_wait(&wg);
	weft_chan_free(ping);
	weft_chan_free(pong);
	weft_chan_free(done);
	return 0;
}
