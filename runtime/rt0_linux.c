/*
 * rt0_linux.c: the C half of a freestanding program's entry point. _start
 * (arch/<arch>/rt0.S) passes the initial stack pointer, where the kernel
 * put argc, argv, envp and the auxiliary vector. A hosted program starts
 * in the hosted shim's main instead; both end in rt0_go.
 */
#include "runtime.h"

_Noreturn void rt0_start(uintptr_t *sp);

_Noreturn void rt0_start(uintptr_t *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	char **p = envp;
	while (*p)
		p++;
	tls_freestanding = true;
	rt0_go(argc, argv, envp, (const uintptr_t *)(p + 1));
}
WEFT_FUNCID(rt0_start, FUNCID_RT0);
