/*
 * chanbig.c: channels too big to make panic with "makechan: size out of
 * range", as in Go. The argument says how:
 *
 *	elem       an element of 64 KiB (one of 64 KiB - 1 works first)
 *	overflow   elem_size * cap overflows a size_t
 *	huge       elem_size * cap is larger than any address space
 */
#include <stdint.h>
#include <weft.h>

static char big[(1 << 16) - 1];

static bool streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

int weft_main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "elem";

	if (streq(how, "elem")) {
		/* The largest element Go allows: it travels intact. */
		weft_chan *c = weft_chan_make(sizeof big, 1);
		big[0] = 1;
		big[sizeof big - 1] = 2;
		weft_chan_send(c, big);
		big[0] = big[sizeof big - 1] = 0;
		weft_chan_recv(c, big);
		weft_printf("elem %zu: %d %d\n", sizeof big, big[0], big[sizeof big - 1]);
		weft_chan_free(c);
		weft_chan_make(sizeof big + 1, 0);
	} else if (streq(how, "overflow")) {
		weft_chan_make(4096, SIZE_MAX / 2);
	} else if (streq(how, "huge")) {
		weft_chan_make(60000, (size_t)1 << 32);
	}
	weft_printf("unreachable: the channel was made\n");
	return 0;
}
