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

	WEFT_FUNCID arch_mcall, FUNCID_MCALL
	WEFT_FUNCID arch_gogo, FUNCID_GOGO
	WEFT_FUNCID goexit, FUNCID_GOEXIT
	WEFT_FUNCID arch_clone, FUNCID_CLONE

	.section .note.GNU-stack,"",@progbits
