/*
 * arch/arm64/rt0.S: _start, the entry point of a freestanding weft program.
 * sp points at argc, argv, envp and auxv; rt0_start (C) reads them.
 */
#include "funcid.h"

	.text
	.globl _start
	.type _start, %function
_start:
	mov x29, #0		/* the chain ends here */
	mov x30, #0
	mov x0, sp
	bl rt0_start
	brk #0
	.size _start, .-_start

	WEFT_FUNCID _start, FUNCID_RT0

	.section .note.GNU-stack,"",@progbits
