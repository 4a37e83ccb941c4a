/*
 * deadlock.c: every goroutine blocks forever. A second goroutine waits on a
 * channel of its own, and main waits on one nobody sends to; the runtime
 * must notice that nothing can ever run again and stop with Go's
 * "fatal error: all goroutines are asleep - deadlock!" (exit status 2).
 */
#include <weft.h>

static void stuck(void *arg)
{
	int v;
	weft_chan_recv((weft_chan *)arg, &v);
}

int weft_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	weft_chan *other = weft_chan_make(sizeof(int), 0);
	weft_chan *never = weft_chan_make(sizeof(int), 0);
	int v;

	weft_go(stuck, other);
	weft_printf("blocking\n");
	weft_chan_recv(never, &v);
	weft_printf("unreachable: received %d\n", v);
	return 0;
}
