/*
 * arch/amd64/rt0.S: _start, the entry point of a freestanding weft program.
 * The kernel leaves argc, argv, envp and auxv on the stack; rt0_start (C)
 * reads them. Kept apart from asm.S so a hosted link (libc's _start) never
 * pulls it in.
 */
#include "funcid.h"

	.text
	.globl _start
	.type _start, @function
_start:
	xor %ebp, %ebp		/* the chain ends here */
	mov %rsp, %rdi
	and $-16, %rsp
	call rt0_start
	ud2
	.size _start, .-_start

	WEFT_FUNCID _start, FUNCID_RT0

	.section .note.GNU-stack,"",@progbits
