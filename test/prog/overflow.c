/*
 * overflow.c: unbounded recursion in a goroutine other than main. The
 * runtime must report a stack overflow naming the goroutine ("goroutine N",
 * the id printed on stdout first) and exit with status 2. Main waits on a
 * channel meanwhile, so the program is not deadlocked.
 */
#include <weft.h>

static volatile int stop; /* never set: hides the endless recursion from the compiler */

static int deep(int n)
{
	volatile char pad[512];

	pad[0] = (char)n;
	pad[sizeof pad - 1] = (char)n;
	if (stop)
		return 0;
	int r = deep(n + 1);
	/* Use the frame after the call, so it cannot become a loop. */
	return r + pad[0] + pad[sizeof pad - 1];
}

static void recurse(void *arg)
{
	(void)arg;
	weft_printf("goroutine %lld recursing\n", (long long)weft_goid());
	weft_printf("unreachable: %d\n", deep(0));
}

int weft_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	weft_chan *never = weft_chan_make(sizeof(int), 0);
	int v;

	weft_go(recurse, NULL);
	weft_chan_recv(never, &v);
	return 0;
}
