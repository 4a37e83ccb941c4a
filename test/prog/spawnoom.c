/*
 * spawnoom.c: keeps creating goroutines that block forever, until memory
 * runs out. The test runs it under a low RLIMIT_AS: the runtime must stop
 * with a clear "fatal error" about memory and exit status 2, not crash or
 * hang. It prints a line once it is well under way, so a failure at start-up
 * is not mistaken for the one under test.
 */
#include <weft.h>

static void block(void *arg)
{
	int v;
	weft_chan_recv((weft_chan *)arg, &v);
}

int weft_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	weft_chan *gate = weft_chan_make(sizeof(int), 0);

	for (long i = 1;; i++) {
		weft_go(block, gate);
		if (i == 100)
			weft_printf("spawned 100 goroutines\n");
		if (i % 64 == 0)
			weft_yield(); /* let them run and park */
	}
}
