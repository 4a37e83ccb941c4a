/*
 * trace_exit.c: the ways a program ends, for the tracer's exit test
 * (test/trace_test.c): each must leave a complete trace behind with
 * WEFTTRACE, and the same exit status as without it.
 *
 *   trace_exit return N   weft_main returns N
 *   trace_exit exit N     another goroutine calls weft_exit(N) while main
 *                         is blocked
 *   trace_exit panic      another goroutine calls weft_panic: status 2
 *   trace_exit nil        another goroutine stores through a null
 *                         pointer: a fatal signal, status 2
 *
 * A third argument, MS, has the goroutine that ends the program sleep
 * in 100 us steps for MS milliseconds first, so that a trace in short
 * generations has finished some by then.
 *
 * Before ending, every mode starts six goroutines that block, three on
 * a channel and three asleep, and waits until they have (so that the last
 * generation has goroutines in every state), then prints "goroutine N
 * ends it", N being the goroutine that ends the program.
 */
#include <weft.h>

static weft_chan *never; /* nothing is ever sent on it */
static int status;
static char mode;
static int busyms;

static int parse(const char *s)
{
	int n = 0;
	for (; *s >= '0' && *s <= '9'; s++)
		n = n * 10 + (*s - '0');
	return n;
}

static long ready; /* blockers and sleepers about to block */

static void blocker(void *arg)
{
	(void)arg;
	int v;
	__atomic_add_fetch(&ready, 1, __ATOMIC_SEQ_CST);
	weft_chan_recv(never, &v);
}

static void sleeper(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&ready, 1, __ATOMIC_SEQ_CST);
	weft_sleep(60LL * 1000 * 1000 * 1000);
}

/* wait_blocked returns once the six blockers and sleepers have blocked:
 * each counts itself just before its blocking call, and a millisecond's
 * sleep covers the few instructions between (and lets main, which
 * blocks right after starting the ender, do so). */
static void wait_blocked(void)
{
	while (__atomic_load_n(&ready, __ATOMIC_SEQ_CST) < 6)
		weft_yield();
	weft_sleep(1000 * 1000);
}

/* ender ends the program its way, once all the others are blocked. */
__attribute__((noinline)) static void ender(void *arg)
{
	(void)arg;
	wait_blocked();
	for (int64_t end = weft_nanotime() + busyms * 1000000LL; weft_nanotime() < end;)
		weft_sleep(100 * 1000);
	weft_printf("goroutine %lld ends it\n", (long long)weft_goid());
	if (mode == 'e')
		weft_exit(status);
	if (mode == 'p')
		weft_panic("trace_exit: panicking on purpose");
	volatile int *volatile nowhere = NULL;
	*nowhere = 1;
	weft_printf("unreachable: the store went through\n");
}

int weft_main(int argc, char **argv)
{
	if (argc < 2) {
		weft_printf("usage: trace_exit return|exit|panic|nil [N [MS]]\n");
		return 100;
	}
	mode = argv[1][0];
	status = argc > 2 ? parse(argv[2]) : 0;
	busyms = argc > 3 ? parse(argv[3]) : 0;
	never = weft_chan_make(sizeof(int), 0);
	for (int i = 0; i < 3; i++) {
		weft_go(blocker, NULL);
		weft_go(sleeper, NULL);
	}
	if (mode == 'r') {
		wait_blocked();
		weft_printf("goroutine %lld ends it\n", (long long)weft_goid());
		return status;
	}
	weft_go(ender, NULL);
	int v;
	weft_chan_recv(never, &v);
	weft_printf("unreachable: main woke up\n");
	return 101;
}
