/*
 * panic.c: weft_panic("boom %d", 42) must print "panic: boom 42", a
 * "goroutine N [running]:" header with at least one stack line below it,
 * and exit with status 2. With the argument "go", the panic happens in a
 * goroutine other than main (whose id is printed on stdout first).
 */
#include <weft.h>

/* noinline: keep a frame of our own on the stack being printed. */
__attribute__((noinline)) _Noreturn static void explode(int n)
{
	weft_panic("boom %d", n);
}

static void child(void *arg)
{
	weft_printf("goroutine %lld panicking\n", (long long)weft_goid());
	explode(*(int *)arg);
}

int weft_main(int argc, char **argv)
{
	static int answer = 42;

	if (argc > 1 && argv[1][0] == 'g') {
		weft_chan *never = weft_chan_make(sizeof(int), 0);
		int v;
		weft_go(child, &answer);
		weft_chan_recv(never, &v);
		return 0;
	}
	weft_printf("goroutine %lld panicking\n", (long long)weft_goid());
	explode(answer);
}
