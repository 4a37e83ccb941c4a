/*
 * arch/arm64/asm.S: context switch, goroutine entry, thread start.
 * Each routine's C prototype is in runtime/runtime.h.
 */
#include "funcid.h"

	.text

/* void arch_mcall(uintptr_t *save, void (*fn)(void *), void *arg, uintptr_t g0sp) */
	.globl arch_mcall
	.type arch_mcall, %function
arch_mcall:
	stp x29, x30, [sp, #-160]!
	mov x29, sp
	stp x19, x20, [sp, #16]
	stp x21, x22, [sp, #32]
	stp x23, x24, [sp, #48]
	stp x25, x26, [sp, #64]
	stp x27, x28, [sp, #80]
	stp d8, d9, [sp, #96]
	stp d10, d11, [sp, #112]
	stp d12, d13, [sp, #128]
	stp d14, d15, [sp, #144]
	mov x9, sp
	str x9, [x0]
	mov sp, x3
	mov x29, #0		/* g0's frame chain starts here */
	mov x30, #0
	mov x0, x2
	blr x1
	brk #0
	.size arch_mcall, .-arch_mcall

/* void arch_gogo(uintptr_t sp) */
	.globl arch_gogo
	.type arch_gogo, %function
arch_gogo:
	mov sp, x0
	ldp x19, x20, [sp, #16]
	ldp x21, x22, [sp, #32]
	ldp x23, x24, [sp, #48]
	ldp x25, x26, [sp, #64]
	ldp x27, x28, [sp, #80]
	ldp d8, d9, [sp, #96]
	ldp d10, d11, [sp, #112]
	ldp d12, d13, [sp, #128]
	ldp d14, d15, [sp, #144]
	ldp x29, x30, [sp], #160
	ret
	.size arch_gogo, .-arch_gogo

/* void goexit(void): entered from arch_gogo with x19 = fn, x20 = arg. */
	.globl goexit
	.type goexit, %function
goexit:
	stp xzr, xzr, [sp, #-16]!	/* zero record: the chain ends here */
	mov x29, sp
	mov x0, x20
	blr x19
	bl goexit1
	brk #0
	.size goexit, .-goexit

/* long arch_clone(unsigned long flags, void *stack, void *tls, void (*fn)(void *), void *arg) */
	.globl arch_clone
	.type arch_clone, %function
arch_clone:
	and x1, x1, #~15
	stp x3, x4, [x1, #-16]!	/* fn and arg ride on the child's stack */
	mov x3, x2		/* tls */
	mov x2, #0		/* parent_tid */
	mov x4, #0		/* child_tid */
	mov x8, #220		/* SYS_clone */
	svc #0
	cbz x0, 1f
	ret
1:	ldp x1, x0, [sp], #16
	mov x29, #0		/* a new thread's chain starts empty */
	mov x30, #0
	blr x1
	mov x0, #0
	mov x8, #93		/* SYS_exit */
	svc #0
	brk #0
	.size arch_clone, .-arch_clone

/* void arch_sigreturn(void) */
	.globl arch_sigreturn
	.type arch_sigreturn, %function
arch_sigreturn:
	mov x8, #139		/* SYS_rt_sigreturn */
	svc #0
	brk #0
	.size arch_sigreturn, .-arch_sigreturn

/* void arch_getcontext(uintptr_t regs[4]): the caller's pc (this call's
 * return address), sp, fp and lr. */
	.globl arch_getcontext
	.type arch_getcontext, %function
arch_getcontext:
	str x30, [x0, #0]
	mov x9, sp
	str x9, [x0, #8]
	str x29, [x0, #16]
	str x30, [x0, #24]
	ret
	.size arch_getcontext, .-arch_getcontext

/* int fpTracebackPCs(uintptr_t fp, uintptr_t *pcBuf, int n): the return
 * address of each frame record on the chain at fp, into pcBuf; stops at a
 * zero frame pointer or return address, or a full buffer. Returns the
 * count. The tracer's stack walk: one load pair and a store per frame. */
	.globl fpTracebackPCs
	.type fpTracebackPCs, %function
fpTracebackPCs:
	mov w3, #0
	cmp w2, #0
	b.le 2f
1:	cbz x0, 2f
	ldp x4, x5, [x0]	/* the caller's record, the return address */
	cbz x5, 2f
	str x5, [x1, w3, uxtw #3]
	mov x0, x4
	add w3, w3, #1
	cmp w3, w2
	b.lt 1b
2:	mov w0, w3
	ret
	.size fpTracebackPCs, .-fpTracebackPCs

	WEFT_FUNCID arch_mcall, FUNCID_MCALL
	WEFT_FUNCID arch_gogo, FUNCID_GOGO
	WEFT_FUNCID goexit, FUNCID_GOEXIT
	WEFT_FUNCID arch_clone, FUNCID_CLONE

	.section .note.GNU-stack,"",@progbits
