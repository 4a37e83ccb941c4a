/*
 * preempt_coop.c: the cooperative half of preemption. A goroutine loops
 * on weft calls that never block (a non-blocking select, an uncontended
 * mutex, weft_go of a goroutine that returns at once, a send and a
 * receive on a channel with room; one kind per mode) while main, at 1 P, sleeps 1 ms five times.
 * With WEFTDEBUG=asyncpreemptoff=1 no signal helps: the goroutine yields
 * only where those calls check its preempt flag. Prints "coop: ok".
 *
 *	preempt_coop select|mutex|go|chan
 */
#include <weft.h>

static volatile int stop;
static weft_chan *buffered;
static weft_waitgroup wg;
static char mode;

static void nothing(void *arg)
{
	(void)arg;
}

static void looper(void *arg)
{
	weft_chan *c = arg;
	weft_mutex mu = {0};
	weft_case cs[1] = {{.chan = c, .dir = WEFT_RECV, .elem = NULL}};
	while (!stop) {
		switch (mode) {
		case 's':
			weft_select(cs, 1, false);
			break;
		case 'm':
			weft_mutex_lock(&mu);
			weft_mutex_unlock(&mu);
			break;
		case 'g':
			weft_go(nothing, NULL);
			break;
		case 'c': {
			int v = 1;
			weft_chan_send(buffered, &v);
			weft_chan_recv(buffered, &v);
			break;
		}
		}
	}
	weft_waitgroup_done(&wg);
}

int weft_main(int argc, char **argv)
{
	if (argc < 2) {
		weft_printf("usage: preempt_coop select|mutex|go|chan\n");
		return 2;
	}
	mode = argv[1][0];
	buffered = weft_chan_make(sizeof(int), 1);
	weft_waitgroup_add(&wg, 1);
	weft_go(looper, weft_chan_make(sizeof(int), 0));
	for (int i = 0; i < 5; i++)
		weft_sleep(1000 * 1000);
	stop = 1;
	weft_waitgroup_wait(&wg);
	weft_printf("coop: ok\n");
	return 0;
}
