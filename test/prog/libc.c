/*
 * libc.c: a hosted program (built with --libc). It uses the C library's
 * stdio, malloc and string functions next to weft's goroutines and
 * channels. Its output goes through libc's buffered stdout and is not
 * flushed by hand: returning from weft_main must flush it, as returning
 * from main does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <weft.h>

struct job {
	int n;
	weft_chan *out;
};

static void square(void *arg)
{
	struct job *j = arg;
	char *s = malloc(32);
	snprintf(s, 32, "%d squared is %d", j->n, j->n * j->n);
	weft_chan_send(j->out, &s);
}

int weft_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	weft_chan *out = weft_chan_make(sizeof(char *), 0);
	struct job jobs[4];
	char *lines[4] = {0};

	for (int i = 0; i < 4; i++) {
		jobs[i] = (struct job){i + 1, out};
		weft_go(square, &jobs[i]);
	}
	for (int i = 0; i < 4; i++) {
		char *s;
		weft_chan_recv(out, &s);
		int n = atoi(s); /* results arrive in any order: sort by n */
		lines[n - 1] = s;
	}
	for (int i = 0; i < 4; i++) {
		printf("%s\n", lines[i] ? lines[i] : "(missing)");
		free(lines[i]);
	}
	printf("strlen(\"weft\") = %zu\n", strlen("weft"));
	return 0;
}
