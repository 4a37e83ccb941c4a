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

/*
 * Asynchronous preemption (runtime/preempt.c has the design). The SIGURG
 * handler, at a safe point in the program's own code, makes the goroutine
 * look as if it had called asyncPreempt from the interrupted instruction
 * (arch_divert, arch.h): it pushes the interrupted link register in 16
 * bytes below the stack pointer (arm64 Linux has no red zone), puts the
 * interrupted pc in x30 as the return address, and resumes here.
 *
 * asyncPreempt saves what the C calls it makes may clobber: x0-x17, the
 * flags (NZCV), and the whole FP/SIMD state: q0-q31 (only the low halves
 * of v8-v15 are callee-saved), FPSR and FPCR. x19-x28 are kept by the
 * calls themselves (arch_mcall saves them while the goroutine is away).
 * x18 is the one register weft's code never uses (-ffixed-x18, build.ninja
 * and the driver): the return needs a register for the interrupted pc
 * while x30 gets its own value back. asyncPreempt2 yields the goroutine;
 * when it runs again, on any M, everything is put back exactly.
 */
	.set .Lpreempt_frame, 704	/* fp lr | x0-x17 | nzcv fpsr fpcr pad | q0-q31 */
	.set .Lpreempt_x, 16
	.set .Lpreempt_flags, 160
	.set .Lpreempt_q, 192

	.globl asyncPreempt
	.type asyncPreempt, %function
asyncPreempt:
	.cfi_startproc
	.cfi_def_cfa sp, 16		/* the interrupted function's CFA: sp as it was */
	sub sp, sp, #.Lpreempt_frame
	.cfi_def_cfa_offset .Lpreempt_frame + 16
	stp x29, x30, [sp]
	.cfi_offset x29, -(.Lpreempt_frame + 16)
	.cfi_offset x30, -(.Lpreempt_frame + 8)
	mov x29, sp
	stp x0, x1, [sp, #.Lpreempt_x + 0]
	stp x2, x3, [sp, #.Lpreempt_x + 16]
	stp x4, x5, [sp, #.Lpreempt_x + 32]
	stp x6, x7, [sp, #.Lpreempt_x + 48]
	stp x8, x9, [sp, #.Lpreempt_x + 64]
	stp x10, x11, [sp, #.Lpreempt_x + 80]
	stp x12, x13, [sp, #.Lpreempt_x + 96]
	stp x14, x15, [sp, #.Lpreempt_x + 112]
	stp x16, x17, [sp, #.Lpreempt_x + 128]
	mrs x0, nzcv
	mrs x1, fpsr
	mrs x2, fpcr
	str x0, [sp, #.Lpreempt_flags]
	stp x1, x2, [sp, #.Lpreempt_flags + 8]
	stp q0, q1, [sp, #.Lpreempt_q + 0]
	stp q2, q3, [sp, #.Lpreempt_q + 32]
	stp q4, q5, [sp, #.Lpreempt_q + 64]
	stp q6, q7, [sp, #.Lpreempt_q + 96]
	stp q8, q9, [sp, #.Lpreempt_q + 128]
	stp q10, q11, [sp, #.Lpreempt_q + 160]
	stp q12, q13, [sp, #.Lpreempt_q + 192]
	stp q14, q15, [sp, #.Lpreempt_q + 224]
	stp q16, q17, [sp, #.Lpreempt_q + 256]
	stp q18, q19, [sp, #.Lpreempt_q + 288]
	stp q20, q21, [sp, #.Lpreempt_q + 320]
	stp q22, q23, [sp, #.Lpreempt_q + 352]
	stp q24, q25, [sp, #.Lpreempt_q + 384]
	stp q26, q27, [sp, #.Lpreempt_q + 416]
	stp q28, q29, [sp, #.Lpreempt_q + 448]
	stp q30, q31, [sp, #.Lpreempt_q + 480]
	/* Whatever goroutine this thread runs next wants the default
	 * rounding mode and traps, not the interrupted one's. */
	msr fpcr, xzr
	bl asyncPreempt2
	ldp q0, q1, [sp, #.Lpreempt_q + 0]
	ldp q2, q3, [sp, #.Lpreempt_q + 32]
	ldp q4, q5, [sp, #.Lpreempt_q + 64]
	ldp q6, q7, [sp, #.Lpreempt_q + 96]
	ldp q8, q9, [sp, #.Lpreempt_q + 128]
	ldp q10, q11, [sp, #.Lpreempt_q + 160]
	ldp q12, q13, [sp, #.Lpreempt_q + 192]
	ldp q14, q15, [sp, #.Lpreempt_q + 224]
	ldp q16, q17, [sp, #.Lpreempt_q + 256]
	ldp q18, q19, [sp, #.Lpreempt_q + 288]
	ldp q20, q21, [sp, #.Lpreempt_q + 320]
	ldp q22, q23, [sp, #.Lpreempt_q + 352]
	ldp q24, q25, [sp, #.Lpreempt_q + 384]
	ldp q26, q27, [sp, #.Lpreempt_q + 416]
	ldp q28, q29, [sp, #.Lpreempt_q + 448]
	ldp q30, q31, [sp, #.Lpreempt_q + 480]
	ldr x0, [sp, #.Lpreempt_flags]
	ldp x1, x2, [sp, #.Lpreempt_flags + 8]
	msr nzcv, x0
	msr fpsr, x1
	msr fpcr, x2
	ldp x0, x1, [sp, #.Lpreempt_x + 0]
	ldp x2, x3, [sp, #.Lpreempt_x + 16]
	ldp x4, x5, [sp, #.Lpreempt_x + 32]
	ldp x6, x7, [sp, #.Lpreempt_x + 48]
	ldp x8, x9, [sp, #.Lpreempt_x + 64]
	ldp x10, x11, [sp, #.Lpreempt_x + 80]
	ldp x12, x13, [sp, #.Lpreempt_x + 96]
	ldp x14, x15, [sp, #.Lpreempt_x + 112]
	ldp x16, x17, [sp, #.Lpreempt_x + 128]
	ldp x29, x18, [sp]		/* x18: the interrupted pc */
	add sp, sp, #.Lpreempt_frame
	ldr x30, [sp], #16		/* the interrupted lr; sp as it was */
	br x18
	.cfi_endproc
	.size asyncPreempt, .-asyncPreempt

/* void arch_preemptinit(void): nothing to size on arm64. */
	.globl arch_preemptinit
	.type arch_preemptinit, %function
arch_preemptinit:
	ret
	.size arch_preemptinit, .-arch_preemptinit


	WEFT_FUNCID arch_mcall, FUNCID_MCALL
	WEFT_FUNCID asyncPreempt, FUNCID_ASYNCPREEMPT
	WEFT_FUNCID arch_gogo, FUNCID_GOGO
	WEFT_FUNCID goexit, FUNCID_GOEXIT
	WEFT_FUNCID arch_clone, FUNCID_CLONE

	.section .note.GNU-stack,"",@progbits
