/*
 * arch/arm64/asm.S: context switch, goroutine entry, thread start.
 * Each routine's C prototype is in runtime/runtime.h.
 */
#include "arch.h"
#include "funcid.h"

/*
 * The saved area's layout is arch.h's ARCH_GOBUF_* slots, which the C side
 * indexes. arch_mcall stores it and arch_gogo loads it a pair of registers
 * at a time through the macros below. .Lslot_<reg> gives each register
 * its slot, once for both routines; .Lgobuf_slot counts the words as they
 * go, and a pair that is not two adjacent slots, or comes out of turn,
 * twice or not at all, stops the build.
 */
	.set .Lslot_x29, ARCH_GOBUF_FPSLOT;	.set .Lslot_x30, ARCH_GOBUF_PCSLOT	/* the frame record */
	.set .Lslot_x19, ARCH_GOBUF_FNSLOT;	.set .Lslot_x20, ARCH_GOBUF_ARGSLOT	/* goexit's fn, arg */
	.set .Lslot_x21, 4;	.set .Lslot_x22, 5
	.set .Lslot_x23, 6;	.set .Lslot_x24, 7
	.set .Lslot_x25, 8;	.set .Lslot_x26, 9
	.set .Lslot_x27, 10;	.set .Lslot_x28, 11
	.set .Lslot_d8, 12;	.set .Lslot_d9, 13
	.set .Lslot_d10, 14;	.set .Lslot_d11, 15
	.set .Lslot_d12, 16;	.set .Lslot_d13, 17
	.set .Lslot_d14, 18;	.set .Lslot_d15, 19
	.if ARCH_STACK_ALIGN_ADJ % 16 != 0 || ARCH_GOBUF_WORDS * ARCH_PTRSIZE % 16 != 0
	.error "sp must stay 16-byte aligned"
	.endif

	.macro gobuf_check r1, r2
	.if .Lgobuf_slot != .Lslot_\r1 || .Lslot_\r2 != .Lslot_\r1 + 1
	.error "\r1 and \r2 are saved in other slots than arch.h gives them"
	.endif
	.set .Lgobuf_slot, .Lgobuf_slot + 2
	.endm

	.macro gobuf_stp r1, r2
	gobuf_check \r1, \r2
	stp \r1, \r2, [sp, #.Lslot_\r1 * ARCH_PTRSIZE]
	.endm

	.macro gobuf_ldp r1, r2
	gobuf_check \r1, \r2
	ldp \r1, \r2, [sp, #.Lslot_\r1 * ARCH_PTRSIZE]
	.endm

	.text

/* void arch_mcall(uintptr_t *save, void (*fn)(void *), void *arg, uintptr_t g0sp) */
	.globl arch_mcall
	.type arch_mcall, %function
arch_mcall:
	.set .Lgobuf_slot, 0
	gobuf_check x29, x30	/* this store makes the room: they go at sp */
	stp x29, x30, [sp, #-ARCH_GOBUF_WORDS * ARCH_PTRSIZE]!
	mov x29, sp
	gobuf_stp x19, x20
	gobuf_stp x21, x22
	gobuf_stp x23, x24
	gobuf_stp x25, x26
	gobuf_stp x27, x28
	gobuf_stp d8, d9
	gobuf_stp d10, d11
	gobuf_stp d12, d13
	gobuf_stp d14, d15
	.if .Lgobuf_slot != ARCH_GOBUF_WORDS
	.error "arch_mcall saves another number of words than ARCH_GOBUF_WORDS"
	.endif
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
	.set .Lgobuf_slot, 0
	gobuf_check x29, x30	/* loaded last, freeing the room */
	gobuf_ldp x19, x20
	gobuf_ldp x21, x22
	gobuf_ldp x23, x24
	gobuf_ldp x25, x26
	gobuf_ldp x27, x28
	gobuf_ldp d8, d9
	gobuf_ldp d10, d11
	gobuf_ldp d12, d13
	gobuf_ldp d14, d15
	.if .Lgobuf_slot != ARCH_GOBUF_WORDS
	.error "arch_gogo restores another number of words than ARCH_GOBUF_WORDS"
	.endif
	ldp x29, x30, [sp], #ARCH_GOBUF_WORDS * ARCH_PTRSIZE
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
	mov x8, #SYS_clone
	svc #0
	cbz x0, 1f
	ret
1:	ldp x1, x0, [sp], #16
	mov x29, #0		/* a new thread's chain starts empty */
	mov x30, #0
	blr x1
	mov x0, #0
	mov x8, #SYS_exit
	svc #0
	brk #0
	.size arch_clone, .-arch_clone

/* void arch_sigreturn(void) */
	.globl arch_sigreturn
	.type arch_sigreturn, %function
arch_sigreturn:
	mov x8, #SYS_rt_sigreturn
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
