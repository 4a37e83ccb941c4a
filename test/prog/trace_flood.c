/*
 * trace_flood.c: as many events as the machine can make, for the
 * tracer's generation bound test (test/trace_test.c): twice as many
 * goroutines as Ps yield in a loop, every M busy writing GoStop and
 * GoStart, until the program is killed (or 60 s have passed).
 */
#include <weft.h>

static void yielder(void *arg)
{
	(void)arg;
	for (;;)
		weft_yield();
}

int weft_main(int argc, char **argv)
{
	(void)argc, (void)argv;
	int n = 2 * weft_gomaxprocs();
	for (int i = 0; i < n; i++)
		weft_go(yielder, NULL);
	weft_sleep(60LL * 1000 * 1000 * 1000);
	return 0;
}
