/* closeclosed.c: closing a channel twice panics ("close of closed channel"). */
#include <weft.h>

int weft_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	weft_chan *c = weft_chan_make(sizeof(int), 0);

	weft_chan_close(c);
	weft_chan_close(c);
	weft_printf("unreachable: the second close returned\n");
	return 0;
}
