/*
 * exit.c: exit statuses and arguments.
 *
 *   exit return N   weft_main returns N
 *   exit goexit N   a goroutine calls weft_exit(N) while main is blocked
 *
 * It first prints argc and each argument, one a line.
 */
#include <weft.h>

static int status;

static int parse(const char *s)
{
	int n = 0;
	for (; *s >= '0' && *s <= '9'; s++)
		n = n * 10 + (*s - '0');
	return n;
}

static void quit(void *arg)
{
	(void)arg;
	weft_sleep(1000000); /* 1 ms: main is surely blocked by now */
	weft_exit(status);
}

int weft_main(int argc, char **argv)
{
	weft_printf("argc %d\n", argc);
	for (int i = 1; i < argc; i++)
		weft_printf("argv[%d] %s\n", i, argv[i]);
	if (argc < 3)
		return 100;
	status = parse(argv[2]);
	if (argv[1][0] == 'g') {
		weft_chan *never = weft_chan_make(sizeof(int), 0);
		int v;
		weft_go(quit, NULL);
		weft_chan_recv(never, &v);
		weft_printf("unreachable: main woke up\n");
		return 101;
	}
	return status;
}
