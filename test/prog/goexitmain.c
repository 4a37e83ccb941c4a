/*
 * goexitmain.c: goroutine 1 ends itself with weft_goexit, so weft_main
 * never returns and the program does not exit there (Go's
 * runtime.Goexit in main):
 *
 *	goexitmain          three workers sleep a while, print and end: the
 *	                    program ends once the last has, with Go's "fatal
 *	                    error: no goroutines (main called
 *	                    runtime.Goexit) - deadlock!", exit status 2;
 *	goexitmain blocked  a goroutine waits on a channel nobody sends to:
 *	                    "fatal error: all goroutines are asleep -
 *	                    deadlock!", exit status 2, listing it.
 */
#include <weft.h>

static weft_waitgroup started;
static weft_chan *printed; /* closed once main has printed its line */

static void worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	weft_waitgroup_done(&started);
	/* main's line comes first, however the goroutines are scheduled
	 * (main may be preempted, in weft_go, before it has started all). */
	weft_chan_recv(printed, NULL);
	weft_sleep((int64_t)id * 20 * 1000 * 1000);
	weft_printf("worker %d done\n", id);
}

static void stuck(void *arg)
{
	int v;
	weft_waitgroup_done(&started);
	weft_chan_recv(arg, &v);
	weft_printf("unreachable: stuck received %d\n", v);
}

int weft_main(int argc, char **argv)
{
	bool blocked = argc > 1 && argv[1][0] == 'b'; /* "blocked": no libc strcmp here */

	if (blocked) {
		weft_waitgroup_add(&started, 1);
		weft_go(stuck, weft_chan_make(sizeof(int), 0));
	} else {
		printed = weft_chan_make(0, 0);
		weft_waitgroup_add(&started, 3);
		for (int i = 1; i <= 3; i++)
			weft_go(worker, (void *)(intptr_t)i);
	}
	weft_waitgroup_wait(&started);
	weft_printf("main exits\n");
	if (printed)
		weft_chan_close(printed);
	weft_goexit();
	weft_printf("unreachable: weft_goexit returned\n");
	return 0;
}
