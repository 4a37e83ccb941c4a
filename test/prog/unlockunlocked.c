/* unlockunlocked.c: unlocking an unlocked mutex panics, as in Go
 * ("sync: unlock of unlocked mutex"). Lock and unlock once first, so the
 * mutex has been used, then unlock again. */
#include <weft.h>

int weft_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	static weft_mutex mu;

	weft_mutex_lock(&mu);
	weft_mutex_unlock(&mu);
	weft_mutex_unlock(&mu);
	weft_printf("unreachable: the second unlock returned\n");
	return 0;
}
