/*
 * arch/arm64/arch.h: what the generic runtime needs from arm64 Linux.
 * Every arch defines the same names; a missing one fails the build.
 *
 * asm.S includes it too: the constants come first, as plain macros both
 * languages read; the C-only rest is behind __ASSEMBLER__.
 */
#ifndef WEFT_ARCH_H
#define WEFT_ARCH_H

#define ARCH_PTRSIZE 8
#define ARCH_PAGESIZE 4096
#define ARCH_HUGEPAGESIZE (2 << 20) /* a transparent huge page (PMD) */
#define ARCH_SYMTAB_ARCH SYMTAB_ARCH_ARM64 /* abi/symtab.h */

/* System call numbers (include/uapi/asm-generic/unistd.h), macros so that
 * asm.S can use them; sys_linux.c checks each against the kernel's own
 * <asm/unistd.h>. */
#define SYS_openat 56
#define SYS_close 57
#define SYS_pipe2 59
#define SYS_read 63
#define SYS_write 64
#define SYS_writev 66
#define SYS_exit 93
#define SYS_exit_group 94
#define SYS_futex 98
#define SYS_nanosleep 101
#define SYS_timer_create 107
#define SYS_timer_settime 110
#define SYS_timer_delete 111
#define SYS_clock_gettime 113
#define SYS_sched_getaffinity 123
#define SYS_sched_yield 124
#define SYS_tgkill 131
#define SYS_sigaltstack 132
#define SYS_rt_sigaction 134
#define SYS_rt_sigprocmask 135
#define SYS_rt_sigreturn 139
#define SYS_getpid 172
#define SYS_gettid 178
#define SYS_munmap 215
#define SYS_clone 220
#define SYS_mmap 222
#define SYS_mprotect 226
#define SYS_madvise 233
#define SYS_membarrier 283
#define SYS_unlinkat 35
#define SYS_renameat2 276
#define SYS_pidfd_open 434
#define SYS_process_madvise 440

/*
 * Context switching (asm.S): as on amd64, a context is a stack pointer;
 * arch_mcall saves a frame record and the callee-saved registers on the
 * goroutine's stack. Saved area, from the saved sp upward (words):
 *	x29 x30 | x19 x20 | x21 x22 | x23 x24 | x25 x26 | x27 x28 | d8..d15
 * asm.S checks its stores and loads against these slots as it assembles.
 */
#define ARCH_GOBUF_WORDS 20
#define ARCH_GOBUF_FPSLOT 0
#define ARCH_GOBUF_PCSLOT 1
#define ARCH_GOBUF_FNSLOT 2  /* x19 */
#define ARCH_GOBUF_ARGSLOT 3 /* x20 */
#define ARCH_STACK_ALIGN_ADJ 0

#define ARCH_VDSO_CLOCK_GETTIME "__kernel_clock_gettime"
#define ARCH_VDSO_VERSION "LINUX_2.6.39"

/* sigaction's SA_RESTORER: handlers return through arch_sigreturn. */
#define ARCH_SA_RESTORER 0x04000000

/* TLS: variant I. The thread pointer points at a 16-byte TCB; the static
 * TLS block follows it, aligned. */
#define ARCH_TLS_VARIANT 1
/* ARCH_TLS_INLINE: may getg/getm be inlined? Here no: the thread pointer is read into a register (mrs tpidr_el0)
 * that a compiler may keep across a call that switched threads. */
#define ARCH_TLS_INLINE 0
#define ARCH_TCB_SIZE 16

#ifndef __ASSEMBLER__

#include <stddef.h>
#include <stdint.h>

#define ARCH_SVC(...)                                                        \
	__asm__ volatile("svc 0" : "=r"(x0) : __VA_ARGS__ : "memory", "cc")

static inline long arch_syscall0(long n)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0");
	ARCH_SVC("r"(x8));
	return x0;
}

static inline long arch_syscall1(long n, long a)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	ARCH_SVC("r"(x8), "0"(x0));
	return x0;
}

static inline long arch_syscall2(long n, long a, long b)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	ARCH_SVC("r"(x8), "0"(x0), "r"(x1));
	return x0;
}

static inline long arch_syscall3(long n, long a, long b, long c)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	ARCH_SVC("r"(x8), "0"(x0), "r"(x1), "r"(x2));
	return x0;
}

static inline long arch_syscall4(long n, long a, long b, long c, long d)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	ARCH_SVC("r"(x8), "0"(x0), "r"(x1), "r"(x2), "r"(x3));
	return x0;
}

static inline long arch_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;
	ARCH_SVC("r"(x8), "0"(x0), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5));
	return x0;
}

/* ucontext_t: uc_mcontext (struct sigcontext) starts at byte 176:
 * fault_address, regs[31], sp, pc, pstate. */
#define ARCH_UC_PC(uc) (((uint64_t *)((char *)(uc) + 176))[33])
#define ARCH_UC_SP(uc) (((uint64_t *)((char *)(uc) + 176))[32])
#define ARCH_UC_FP(uc) (((uint64_t *)((char *)(uc) + 176))[30])
#define ARCH_UC_LR(uc) (((uint64_t *)((char *)(uc) + 176))[31])
/* The signals blocked where the signal interrupted (uc_sigmask). */
#define ARCH_UC_SIGMASK(uc) (*(uint64_t *)((char *)(uc) + 40))

/* arch_preemptroom: the stack asyncPreempt and the scheduler calls it
 * makes need below the interrupted stack pointer: the pushed link
 * register, the 704-byte save frame, and the calls. */
static inline uintptr_t arch_preemptroom(void)
{
	return 16 + 704 + 1024;
}

/* arch_divert makes the context uc, when the handler returns, call fn
 * from the interrupted instruction: the interrupted lr pushed below the
 * stack (arm64 Linux has no red zone), the interrupted pc in lr as the
 * return address (asyncPreempt puts both back). */
static inline void arch_divert(void *uc, uintptr_t fn)
{
	uint64_t *r = (uint64_t *)((char *)uc + 176 + 8); /* regs[0..30], sp, pc */
	uintptr_t sp = r[31] - 16;
	*(uintptr_t *)sp = r[30];
	r[31] = sp;
	r[30] = r[32];
	r[32] = fn;
}

/* arch_undivert is arch_divert undone, for a context found at fn's first
 * instruction: the interrupted pc (in lr), sp and link register (pushed). */
static inline void arch_undivert(uintptr_t *pc, uintptr_t *sp, uintptr_t *lr)
{
	*pc = *lr;
	*lr = *(const uintptr_t *)*sp;
	*sp += 16;
}

/* arch_settls makes tp the calling thread's thread pointer. */
static inline long arch_settls(void *tp)
{
	__asm__ volatile("msr tpidr_el0, %0" : : "r"(tp) : "memory");
	return 0;
}

/* arch_procyield: a spin-wait hint to the CPU. */
static inline void arch_procyield(void)
{
	__asm__ volatile("yield");
}


/* arch_cputicks: the generic timer's virtual count (cntvct_el0), the
 * tracer's clock; it runs at a fixed rate (cntfrq_el0, tens of MHz). */
static inline uint64_t arch_cputicks(void)
{
	uint64_t v;
	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
}

/* arch_fltrounds: the current rounding direction, numbered as C's
 * FLT_ROUNDS: 0 toward zero, 1 to nearest, 2 upward, 3 downward, read from
 * FPCR, as glibc's printf reads it (ftoa.c). */
static inline int arch_fltrounds(void)
{
	uint64_t fpcr;
	__asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
	static const int8_t rmode[4] = {1, 2, 3, 0}; /* RMode: nearest, up, down, zero */
	return rmode[(fpcr >> 22) & 3];
}

#endif /* __ASSEMBLER__ */

#endif
