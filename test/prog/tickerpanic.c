/* tickerpanic.c: a ticker with a non-positive interval panics, as Go's
 * time.NewTicker does ("non-positive interval for weft_ticker"). The
 * argument is the interval: 0 (the default) or a negative number. */
#include <weft.h>

int weft_main(int argc, char **argv)
{
	int64_t ns = 0;

	if (argc > 1 && argv[1][0] == '-')
		ns = -1;
	weft_chan *c = weft_ticker(ns);
	weft_printf("unreachable: weft_ticker(%lld) returned %p\n", (long long)ns, (void *)c);
	return 0;
}
