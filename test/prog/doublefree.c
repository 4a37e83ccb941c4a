/* doublefree.c: freeing a block twice is the caller's mistake, and
 * weft_free panics ("weft_free: double free") rather than corrupt memory. */
#include <weft.h>

int weft_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	void *p = weft_alloc(100);

	weft_free(p);
	weft_free(p);
	weft_printf("unreachable: the second free returned\n");
	return 0;
}
