/*
 * overflow.c: unbounded recursion in a goroutine other than main. The
 * runtime must report a stack overflow naming the goroutine ("goroutine N",
 * the id printed on stdout first) and exit with status 2. Main waits on a
 * channel meanwhile, so the program is not deadlocked.
 *
 *	overflow [fresh|reused|global]
 *
 * says where the recursing goroutine's stack comes from (stack.c): a new
 * one carved from an arena (fresh, the default); one a finished goroutine
 * gave back to the P's cache (reused); one that went through the global
 * list (global: many goroutines finish at once, the cache spills, and is
 * later refilled). With WEFTDEBUG=stackguard=mprotect or =runguard the
 * test covers the guards of every kind.
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

static weft_chan *gate;
static weft_waitgroup wg;

static void finish(void *arg)
{
	int v;
	if (arg)
		weft_chan_recv(gate, &v);
	weft_waitgroup_done(&wg);
}

/* run starts n goroutines, blocked until all have started if block, and
 * waits until all have finished. */
static void run(int n, bool block)
{
	weft_waitgroup_add(&wg, n);
	for (int i = 0; i < n; i++)
		weft_go(finish, block ? gate : NULL);
	if (block) {
		weft_yield(); /* let them all start and block */
		weft_chan_close(gate);
	}
	weft_waitgroup_wait(&wg);
	gate = weft_chan_make(sizeof(int), 0);
}

static bool streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

int weft_main(int argc, char **argv)
{
	weft_chan *never = weft_chan_make(sizeof(int), 0);
	int v;

	gate = weft_chan_make(sizeof(int), 0);
	if (argc > 1 && streq(argv[1], "reused")) {
		run(4, false); /* their stack stays in the P's cache */
	} else if (argc > 1 && streq(argv[1], "global")) {
		run(200, true); /* 200 stacks at once; the cache spills */
		run(40, true);  /* the cache empties and refills */
	} else if (argc > 1 && !streq(argv[1], "fresh")) {
		weft_eprintf("usage: overflow [fresh|reused|global]\n");
		return 1;
	}
	weft_go(recurse, NULL);
	weft_chan_recv(never, &v);
	return 0;
}
