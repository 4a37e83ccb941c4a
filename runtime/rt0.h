/*
 * rt0.h: how a program enters the runtime. Shared by the runtime and the
 * hosted shim (hosted/hosted.c), which includes libc headers and so cannot
 * include runtime.h.
 */
#ifndef WEFT_RT0_H
#define WEFT_RT0_H

#include <stddef.h>
#include <stdint.h>

struct M;

/* RtHooks: what a hosted program changes in the runtime. */
typedef struct RtHooks {
	/* newosproc starts an OS thread running mstart0(m), with a stack of
	 * size bytes; NULL means the raw clone. Returns 0 or -errno. */
	int (*newosproc)(struct M *m, void *stk, size_t size);
	/* exit ends the process when weft_main returns or calls weft_exit;
	 * NULL means exit_group. A hosted program uses libc's exit, which
	 * flushes stdio buffers and runs atexit handlers. */
	void (*exit)(int status);
} RtHooks;
extern RtHooks rthooks;

/* rt0_go starts the runtime on the process's initial thread; the program
 * ends when weft_main returns. */
_Noreturn void rt0_go(int argc, char **argv, char **envp, const uintptr_t *auxv);
/* mstart0 is where every new M starts, on its own thread. */
void mstart0(void *m);

#endif
