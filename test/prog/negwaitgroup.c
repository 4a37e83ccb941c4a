/* negwaitgroup.c: Done without a matching Add panics, as in Go
 * ("sync: negative WaitGroup counter"). */
#include <weft.h>

int weft_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	static weft_waitgroup wg;

	weft_waitgroup_add(&wg, 1);
	weft_waitgroup_done(&wg);
	weft_waitgroup_done(&wg);
	weft_printf("unreachable: the second done returned\n");
	return 0;
}
