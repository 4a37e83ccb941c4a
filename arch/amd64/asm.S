/*
 * arch/amd64/asm.S: context switch, goroutine entry, thread start.
 * Each routine's C prototype is in runtime/runtime.h. Every routine sets up a
 * frame-pointer record or ends the chain with a zero frame pointer.
 */
#include "arch.h"
#include "funcid.h"

/*
 * The saved frame's layout is arch.h's ARCH_GOBUF_* slots, which the C
 * side indexes. arch_mcall pushes it and arch_gogo pops it through the
 * macros below. .Lslot_<reg> gives each register its slot, once for both
 * routines; .Lgobuf_slot counts the words as they go (the slot the next
 * push fills, or the next pop empties), and a register that would land in
 * a slot other than its own stops the build.
 */
	.set .Lslot_r15, 0
	.set .Lslot_r14, 1
	.set .Lslot_r13, ARCH_GOBUF_ARGSLOT	/* a new goroutine's argument (goexit) */
	.set .Lslot_r12, ARCH_GOBUF_FNSLOT	/* and its function */
	.set .Lslot_rbx, 4
	.set .Lslot_rbp, ARCH_GOBUF_FPSLOT
	.if ARCH_GOBUF_PCSLOT != ARCH_GOBUF_WORDS - 1
	.error "the return address must be the saved frame's top word"
	.endif

	.macro gobuf_push reg
	.set .Lgobuf_slot, .Lgobuf_slot - 1
	.if .Lgobuf_slot != .Lslot_\reg
	.error "arch_mcall pushes %\reg into another slot than arch.h gives it"
	.endif
	push %\reg
	.endm

	.macro gobuf_pop reg
	.if .Lgobuf_slot != .Lslot_\reg
	.error "arch_gogo pops %\reg from another slot than arch.h gives it"
	.endif
	pop %\reg
	.set .Lgobuf_slot, .Lgobuf_slot + 1
	.endm

	.text

/* void arch_mcall(uintptr_t *save, void (*fn)(void *), void *arg, uintptr_t g0sp) */
	.globl arch_mcall
	.type arch_mcall, @function
arch_mcall:
	.set .Lgobuf_slot, ARCH_GOBUF_PCSLOT	/* the call pushed the return address */
	gobuf_push rbp
	mov %rsp, %rbp
	gobuf_push rbx
	gobuf_push r12
	gobuf_push r13
	gobuf_push r14
	gobuf_push r15
	.if .Lgobuf_slot != 0
	.error "arch_mcall saves fewer words than ARCH_GOBUF_WORDS"
	.endif
	mov %rsp, (%rdi)
	mov %rcx, %rsp
	xor %ebp, %ebp		/* g0's frame chain starts here */
	mov %rdx, %rdi
	call *%rsi
	ud2
	.size arch_mcall, .-arch_mcall

/* void arch_gogo(uintptr_t sp) */
	.globl arch_gogo
	.type arch_gogo, @function
arch_gogo:
	mov %rdi, %rsp
	.set .Lgobuf_slot, 0
	gobuf_pop r15
	gobuf_pop r14
	gobuf_pop r13
	gobuf_pop r12
	gobuf_pop rbx
	gobuf_pop rbp
	.if .Lgobuf_slot != ARCH_GOBUF_PCSLOT
	.error "arch_gogo returns through another slot than ARCH_GOBUF_PCSLOT"
	.endif
	ret
	.size arch_gogo, .-arch_gogo

/* void goexit(void): entered from arch_gogo with rbp = 0, r12 = fn, r13 = arg. */
	.globl goexit
	.type goexit, @function
goexit:
	.if ARCH_STACK_ALIGN_ADJ % 16 != 8
	.error "goexit is entered as after a call: rsp 8 below a 16-byte boundary"
	.endif
	push %rbp		/* zero: the chain ends here */
	mov %rsp, %rbp
	mov %r13, %rdi
	call *%r12
	call goexit1
	ud2
	.size goexit, .-goexit

/* long arch_clone(unsigned long flags, void *stack, void *tls, void (*fn)(void *), void *arg) */
	.globl arch_clone
	.type arch_clone, @function
arch_clone:
	and $-16, %rsi
	sub $16, %rsi
	mov %rcx, 8(%rsi)	/* fn and arg ride on the child's stack */
	mov %r8, (%rsi)
	mov %rdx, %r8		/* tls */
	xor %edx, %edx		/* parent_tid */
	xor %r10d, %r10d	/* child_tid */
	mov $SYS_clone, %eax
	syscall
	test %rax, %rax
	jz 1f
	ret
1:	xor %ebp, %ebp		/* a new thread's chain starts empty */
	pop %rdi
	pop %rax
	call *%rax
	mov $SYS_exit, %eax
	xor %edi, %edi
	syscall
	ud2
	.size arch_clone, .-arch_clone

/* void arch_sigreturn(void) */
	.globl arch_sigreturn
	.type arch_sigreturn, @function
arch_sigreturn:
	mov $SYS_rt_sigreturn, %eax
	syscall
	ud2
	.size arch_sigreturn, .-arch_sigreturn

/* void arch_getcontext(uintptr_t regs[4]): the caller's pc (this call's
 * return address), sp (as it will be after the return), fp and lr (= pc). */
	.globl arch_getcontext
	.type arch_getcontext, @function
arch_getcontext:
	mov (%rsp), %rax
	mov %rax, 0(%rdi)
	lea 8(%rsp), %rax
	mov %rax, 8(%rdi)
	mov %rbp, 16(%rdi)
	mov (%rsp), %rax
	mov %rax, 24(%rdi)
	ret
	.size arch_getcontext, .-arch_getcontext

/* int fpTracebackPCs(uintptr_t fp, uintptr_t *pcBuf, int n): the return
 * address of each frame record on the chain at fp, into pcBuf; stops at a
 * zero frame pointer or return address, or a full buffer. Returns the
 * count. The tracer's stack walk: two loads and a store per frame. */
	.globl fpTracebackPCs
	.type fpTracebackPCs, @function
fpTracebackPCs:
	xor %eax, %eax
	test %edx, %edx
	jle 2f
1:	test %rdi, %rdi
	jz 2f
	mov 8(%rdi), %rcx	/* the return address */
	test %rcx, %rcx
	jz 2f
	mov %rcx, (%rsi,%rax,8)
	mov (%rdi), %rdi	/* the caller's record */
	inc %eax
	cmp %edx, %eax
	jl 1b
2:	ret
	.size fpTracebackPCs, .-fpTracebackPCs

/*
 * Asynchronous preemption (runtime/preempt.c has the design). The SIGURG
 * handler, at a safe point in the program's own code, makes the goroutine
 * look as if it had called asyncPreempt: below the interrupted stack
 * pointer it leaves the 128-byte red zone alone (a leaf function may keep
 * data there without moving rsp), pushes the interrupted pc as the return
 * address, and resumes here (arch_divert, arch.h).
 *
 * asyncPreempt saves what the C calls it makes may clobber: the caller-
 * saved integer registers, the flags, and the whole FP/SIMD state (xsave:
 * x87, MXCSR, every XMM/YMM/ZMM register the kernel enabled; fxsave where
 * the CPU has no xsave). The callee-saved registers are kept by the calls
 * themselves (arch_mcall saves them on this stack while the goroutine is
 * away). asyncPreempt2 yields the goroutine; when it runs again, on any
 * M, everything is put back and `ret $128` returns to the interrupted
 * instruction with rsp as it was. Its frame is an ordinary frame-pointer
 * record whose return address is the interrupted pc, so walks pass
 * through it into the program's frames.
 */
	.set .Lpreempt_gprs, 10		/* flags + 9 registers, below the saved rbp */

	.globl asyncPreempt
	.type asyncPreempt, @function
asyncPreempt:
	.cfi_startproc simple
	.cfi_def_cfa %rsp, 8 + 128	/* the interrupted function's CFA: rsp as it was */
	.cfi_offset %rip, -(8 + 128)
	push %rbp
	.cfi_offset %rbp, -(16 + 128)
	mov %rsp, %rbp
	.cfi_def_cfa %rbp, 16 + 128
	pushfq
	cld			/* the C ABI wants the direction flag clear */
	push %rax
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
	mov arch_xsavesize(%rip), %rax
	test %rax, %rax
	jz 1f
	sub %rax, %rsp
	and $-64, %rsp
	xor %eax, %eax		/* xrstor wants the header's reserved bytes zero */
	.irp off, 512, 520, 528, 536, 544, 552, 560, 568
	mov %rax, \off(%rsp)
	.endr
	mov $-1, %eax
	mov $-1, %edx
	xsave64 (%rsp)
	jmp 2f
1:	sub $512, %rsp
	and $-64, %rsp
	fxsave64 (%rsp)
2:	/* The C calls below, and whatever goroutine this thread runs next,
	 * want the x87 stack empty (the ABI's rule at a call) and the
	 * default control words: an interrupted long-double loop leaves
	 * the x87 stack full, and the program may have changed the rounding
	 * mode. xrstor gives this goroutine its own back. */
	fninit
	pushq $0x1f80		/* MXCSR at exec: all exceptions masked, round to nearest */
	ldmxcsr (%rsp)
	add $8, %rsp
	call asyncPreempt2
	cmpq $0, arch_xsavesize(%rip)
	je 3f
	mov $-1, %eax
	mov $-1, %edx
	xrstor64 (%rsp)
	jmp 4f
3:	fxrstor64 (%rsp)
4:	lea -8 * .Lpreempt_gprs(%rbp), %rsp
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rax
	popfq
	pop %rbp
	ret $128
	.cfi_endproc
	.size asyncPreempt, .-asyncPreempt

/* void arch_preemptinit(void): sizes asyncPreempt's save area from CPUID:
 * the xsave area for the features the kernel enabled (XCR0), or 0 for
 * fxsave's 512 bytes where there is no OS-enabled xsave. */
	.globl arch_preemptinit
	.type arch_preemptinit, @function
arch_preemptinit:
	push %rbp
	mov %rsp, %rbp
	push %rbx
	mov $1, %eax
	xor %ecx, %ecx
	cpuid
	xor %eax, %eax
	bt $26, %ecx		/* XSAVE */
	jnc 1f
	bt $27, %ecx		/* OSXSAVE */
	jnc 1f
	mov $0xd, %eax
	xor %ecx, %ecx
	cpuid
	mov %ebx, %eax		/* bytes for the features XCR0 enables */
1:	mov %rax, arch_xsavesize(%rip)
	pop %rbx
	pop %rbp
	ret
	.size arch_preemptinit, .-arch_preemptinit

	.data
	.balign 8
	.globl arch_xsavesize
arch_xsavesize:
	.quad 0
	.text


	WEFT_FUNCID arch_mcall, FUNCID_MCALL
	WEFT_FUNCID asyncPreempt, FUNCID_ASYNCPREEMPT
	WEFT_FUNCID arch_gogo, FUNCID_GOGO
	WEFT_FUNCID goexit, FUNCID_GOEXIT
	WEFT_FUNCID arch_clone, FUNCID_CLONE

	.section .note.GNU-stack,"",@progbits
