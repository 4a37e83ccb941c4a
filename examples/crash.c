/*
 * crash.c: a program that panics after a while, to show the flight
 * recorder (README, "Tracing"):
 *
 *	WEFTFLIGHT=last.trace ./crash
 *	go tool trace last.trace
 *
 * Pairs of goroutines play ping-pong, resting now and then, for a few
 * seconds (the argument; default 3); then one player logs "about to
 * panic" to the trace and panics. With WEFTFLIGHT set, the runtime writes
 * the last seconds of the trace to the file as the program dies.
 */
#include <weft.h>

enum { PAIRS = 4 };

static int64_t deadline;

/* player hits the ball back and forth with its partner until the
 * deadline; then the first to notice panics. */
static void player(void *arg)
{
	weft_chan **ch = arg; /* ch[0]: to receive on, ch[1]: to send on */
	int64_t hits = 0;

	for (;;) {
		weft_chan_recv(ch[0], &hits);
		if (weft_nanotime() > deadline) {
			weft_trace_log(0, "crash", "about to panic");
			weft_panic("crash: the game ran out of time after %lld hits", (long long)hits);
		}
		if (hits % 100 == 0)
			weft_sleep(1000 * 1000); /* rest */
		hits++;
		weft_chan_send(ch[1], &hits);
	}
}

int weft_main(int argc, char **argv)
{
	int64_t seconds = 3;
	if (argc > 1) {
		seconds = 0;
		for (const char *p = argv[1]; *p >= '0' && *p <= '9'; p++)
			seconds = seconds * 10 + (*p - '0');
	}
	deadline = weft_nanotime() + seconds * 1000 * 1000 * 1000;
	static weft_chan *ends[PAIRS][2][2];
	for (int i = 0; i < PAIRS; i++) {
		weft_chan *a = weft_chan_make(sizeof(int64_t), 0), *b = weft_chan_make(sizeof(int64_t), 0);
		ends[i][0][0] = a, ends[i][0][1] = b; /* one player receives on a, sends on b */
		ends[i][1][0] = b, ends[i][1][1] = a;
		weft_go(player, ends[i][0]);
		weft_go(player, ends[i][1]);
		int64_t serve = 0;
		weft_chan_send(a, &serve);
	}
	weft_chan *never = weft_chan_make(sizeof(int), 0);
	int v;
	weft_chan_recv(never, &v); /* the panic ends the program */
	return 0;
}
