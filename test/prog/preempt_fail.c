/*
 * preempt_fail.c: the ways a program fails work the same while its
 * goroutines are being preempted (test/preempt_test.c; run with a short
 * time slice, WEFTDEBUG=preemptus=200).
 *
 *	preempt_fail deadlock|panic|overflow
 *
 * deadlock: a goroutine spins in a pure C loop (spin_until_released)
 *   until another, after weft_sleep(200 ms), sets a flag; then the spinner
 *   says "spinner done" and blocks on a channel nobody sends to, as do
 *   the one that released it and goroutine 1. While the spinner spins the
 *   program is not deadlocked (it runs, if preempted again and again);
 *   once it blocks, it is: "fatal error: all goroutines are asleep -
 *   deadlock!", exit status 2.
 * panic: a goroutine spins (spin_then_panic) until goroutine 1, after
 *   weft_sleep(100 ms), sets a flag, then panics ("panic: preempt_fail:
 *   panicking on purpose"), from explode; another goroutine spins beside
 *   it all along. Exit status 2, and the stack of the panicking goroutine
 *   shows explode and spin_then_panic.
 * overflow: a goroutine recurses without end (deep_work), doing some
 *   0.2 ms of work in each frame of about 1 KiB, so that it is preempted
 *   at every depth, the last frames next to its stack's guard included;
 *   another spins beside it. The report: "fatal error: stack overflow",
 *   exit status 2, and the stack of the recursing goroutine ("goroutine
 *   N [running]:") starting in deep_work.
 *
 * Each goroutine that matters says who it is first on standard output:
 * "goroutine N spinning", "goroutine N panicking", "goroutine N
 * recursing".
 */
#include <weft.h>

static volatile int released;
static volatile int stop_forever; /* never set */
static volatile uint64_t sink;
static weft_chan *never;

/* ---- a spinner beside, for ever ---- */

__attribute__((noinline)) static void spin_beside(void)
{
	uint64_t n = 0;
	while (!stop_forever)
		n++;
	sink = n;
}

static void beside(void *arg)
{
	(void)arg;
	spin_beside();
}

/* ---- deadlock ---- */

__attribute__((noinline)) static void spin_until_released(void)
{
	uint64_t n = 0;
	while (!released)
		n++;
	sink = n;
}

static void spinner(void *arg)
{
	(void)arg;
	int v;
	weft_printf("goroutine %lld spinning\n", (long long)weft_goid());
	spin_until_released();
	weft_printf("spinner done\n");
	weft_chan_recv(never, &v);
}

static void releaser(void *arg)
{
	(void)arg;
	int v;
	weft_sleep(200 * 1000 * 1000);
	released = 1;
	weft_chan_recv(never, &v);
}

/* ---- panic ---- */

__attribute__((noinline)) _Noreturn static void explode(void)
{
	weft_panic("preempt_fail: panicking on purpose");
}

__attribute__((noinline)) static void spin_then_panic(void)
{
	uint64_t n = 0;
	while (!released)
		n++;
	sink = n;
	explode();
}

static void panicker(void *arg)
{
	(void)arg;
	weft_printf("goroutine %lld panicking\n", (long long)weft_goid());
	spin_then_panic();
}

/* ---- overflow ---- */

enum { FRAME_PAD = 1024, FRAME_WORK = 150000 };

/* deep_work works a while in a frame of its own, then goes one deeper. */
__attribute__((noinline)) static uint64_t deep_work(uint64_t n)
{
	volatile unsigned char pad[FRAME_PAD];
	uint64_t acc = n;

	for (int i = 0; i < FRAME_WORK; i++)
		acc = acc * 6364136223846793005ull + (i & 255);
	pad[0] = (unsigned char)acc;
	pad[FRAME_PAD - 1] = (unsigned char)(acc >> 8);
	if (stop_forever)
		return acc;
	uint64_t r = deep_work(n + 1);
	/* Use the frame after the call, so that the recursion stays one. */
	return r + pad[0] + pad[FRAME_PAD - 1];
}

static void recurser(void *arg)
{
	(void)arg;
	weft_printf("goroutine %lld recursing\n", (long long)weft_goid());
	weft_printf("unreachable: %llu\n", (unsigned long long)deep_work(0));
}

static bool streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

int weft_main(int argc, char **argv)
{
	int v;

	never = weft_chan_make(sizeof(int), 0);
	if (argc == 2 && streq(argv[1], "deadlock")) {
		weft_go(spinner, NULL);
		weft_go(releaser, NULL);
		weft_printf("blocking\n");
	} else if (argc == 2 && streq(argv[1], "panic")) {
		weft_go(panicker, NULL);
		weft_go(beside, NULL);
		weft_sleep(100 * 1000 * 1000);
		released = 1;
	} else if (argc == 2 && streq(argv[1], "overflow")) {
		weft_go(recurser, NULL);
		weft_go(beside, NULL);
	} else {
		weft_eprintf("usage: preempt_fail deadlock|panic|overflow\n");
		return 1;
	}
	weft_chan_recv(never, &v);
	weft_printf("unreachable: received %d\n", v);
	return 0;
}
