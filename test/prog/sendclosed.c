/* sendclosed.c: a send on a closed channel panics ("send on closed channel"). */
#include <weft.h>

int weft_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	weft_chan *c = weft_chan_make(sizeof(int), 1);
	int v = 1;

	weft_chan_close(c);
	weft_chan_send(c, &v);
	weft_printf("unreachable: the send returned\n");
	return 0;
}
