/*
 * hosted.c: the shim that links a weft program with libc (weft build
 * --libc). libc's _start calls this main, which starts the runtime; the
 * runtime then creates its threads with pthread_create, so that libc
 * calls inside goroutines find their thread state set up (Go does the
 * same when cgo is in use). This file is its own library, beside
 * libweft.a, which stays free of libc.
 */
#include <pthread.h>
#include <stdlib.h>

#include "rt0.h"

static void *threadstart(void *m)
{
	mstart0(m);
	return NULL;
}

/* hosted_newosproc starts an M on a pthread with a stack of size bytes
 * (libc allocates it; mstart0 measures it). */
static int hosted_newosproc(struct M *m, void *stk, size_t size)
{
	(void)stk;
	pthread_attr_t attr;
	pthread_t t;
	int r = pthread_attr_init(&attr);
	if (r == 0)
		r = pthread_attr_setstacksize(&attr, size);
	if (r == 0)
		r = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (r == 0)
		r = pthread_create(&t, &attr, threadstart, m);
	pthread_attr_destroy(&attr);
	return -r;
}

int main(int argc, char **argv, char **envp)
{
	char **p = envp;
	while (*p)
		p++;
	rthooks.newosproc = hosted_newosproc;
	rthooks.exit = exit;
	rt0_go(argc, argv, envp, (const uintptr_t *)(p + 1));
}
