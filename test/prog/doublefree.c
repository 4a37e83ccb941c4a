/*
 * doublefree.c: freeing twice is the caller's mistake, and panics rather
 * than corrupt memory or fault. The argument says what is freed twice:
 *
 *	(none)     a small block: "weft_free: double free"
 *	large      a block with a mapping of its own (1 MiB), which the
 *	           first free unmaps: the same panic
 *	chan       a channel: "weft_chan_free of freed channel"
 *	largechan  a channel whose ring has a mapping of its own: the same
 *	after      a weft_after channel, its timer pending: the same
 */
#include <weft.h>

static bool streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

int weft_main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "small";

	if (streq(what, "small") || streq(what, "large")) {
		void *p = weft_alloc(streq(what, "large") ? 1 << 20 : 100);
		weft_free(p);
		weft_free(p);
	} else {
		weft_chan *c;
		if (streq(what, "after"))
			c = weft_after(1000000000);
		else
			c = weft_chan_make(sizeof(int), streq(what, "largechan") ? 1 << 20 : 4);
		weft_chan_free(c);
		weft_chan_free(c);
	}
	weft_printf("unreachable: the second free returned\n");
	return 0;
}
