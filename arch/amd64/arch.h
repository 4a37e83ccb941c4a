/*
 * arch/amd64/arch.h: what the generic runtime needs from x86-64 Linux.
 * Every arch defines the same names; a missing one fails the build.
 *
 * asm.S includes it too: the constants come first, as plain macros both
 * languages read; the C-only rest is behind __ASSEMBLER__.
 *
 * System calls follow musl: tiny inline wrappers with register constraints,
 * returning the kernel's result (-errno on failure).
 */
#ifndef WEFT_ARCH_H
#define WEFT_ARCH_H

#define ARCH_PTRSIZE 8
#define ARCH_PAGESIZE 4096
#define ARCH_HUGEPAGESIZE (2 << 20) /* a transparent huge page (PMD) */
#define ARCH_SYMTAB_ARCH SYMTAB_ARCH_AMD64 /* abi/symtab.h */

/* System call numbers (arch/x86/entry/syscalls/syscall_64.tbl), macros so
 * that asm.S can use them; sys_linux.c checks each against the kernel's
 * own <asm/unistd.h>. */
#define SYS_read 0
#define SYS_write 1
#define SYS_close 3
#define SYS_mmap 9
#define SYS_mprotect 10
#define SYS_munmap 11
#define SYS_rt_sigaction 13
#define SYS_rt_sigprocmask 14
#define SYS_rt_sigreturn 15
#define SYS_writev 20
#define SYS_sched_yield 24
#define SYS_madvise 28
#define SYS_nanosleep 35
#define SYS_getpid 39
#define SYS_clone 56
#define SYS_exit 60
#define SYS_sigaltstack 131
#define SYS_arch_prctl 158
#define SYS_gettid 186
#define SYS_futex 202
#define SYS_sched_getaffinity 204
#define SYS_clock_gettime 228
#define SYS_exit_group 231
#define SYS_tgkill 234
#define SYS_openat 257
#define SYS_pipe2 293
#define SYS_membarrier 324
#define SYS_unlinkat 263
#define SYS_renameat2 316
#define SYS_timer_create 222
#define SYS_timer_settime 223
#define SYS_timer_delete 226
#define SYS_pidfd_open 434
#define SYS_process_madvise 440

/*
 * Context switching (asm.S; prototypes in runtime.h). A goroutine's
 * context is only its stack pointer: arch_mcall pushes the return address,
 * the frame pointer and the callee-saved registers on the goroutine's own
 * stack before it leaves, and arch_gogo pops them back. The frame that
 * arch_mcall pushes is an ordinary frame-pointer record, so a walk of a
 * parked goroutine starts at sp + ARCH_GOBUF_FPSLOT words.
 *
 * Saved frame, from the saved sp upward: r15 r14 r13 r12 rbx rbp retpc.
 * asm.S checks its pushes and pops against these slots as it assembles.
 */
#define ARCH_GOBUF_WORDS 7
#define ARCH_GOBUF_FPSLOT 5 /* index of the saved frame pointer */
#define ARCH_GOBUF_PCSLOT 6 /* index of the return address */
#define ARCH_GOBUF_FNSLOT 3 /* r12: a new goroutine's function */
#define ARCH_GOBUF_ARGSLOT 2 /* r13: its argument */
/* A new goroutine resumes in goexit with its stack pointer at
 * ARCH_STACK_ALIGN_ADJ below a 16-byte boundary, as after a call. */
#define ARCH_STACK_ALIGN_ADJ 8

/* The vDSO's clock_gettime. */
#define ARCH_VDSO_CLOCK_GETTIME "__vdso_clock_gettime"
#define ARCH_VDSO_VERSION "LINUX_2.6"

/* sigaction's SA_RESTORER: handlers return through arch_sigreturn. */
#define ARCH_SA_RESTORER 0x04000000

/* TLS: variant II. The thread pointer points at the TCB, whose first word
 * points to itself; the static TLS block lies just below it. */
#define ARCH_TLS_VARIANT 2
/* ARCH_TLS_INLINE: may getg/getm be inlined? Here yes: segment-relative loads (%fs:) always read the running
 * thread's block, so a compiler can't cache a stale thread pointer. */
#define ARCH_TLS_INLINE 1
#define ARCH_TCB_SIZE 256 /* room for libgcc's and -fstack-protector's slots */

#ifndef __ASSEMBLER__

#include <stddef.h>
#include <stdint.h>

static inline long arch_syscall0(long n)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n) : "rcx", "r11", "memory");
	return r;
}

static inline long arch_syscall1(long n, long a)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a) : "rcx", "r11", "memory");
	return r;
}

static inline long arch_syscall2(long n, long a, long b)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b) : "rcx", "r11", "memory");
	return r;
}

static inline long arch_syscall3(long n, long a, long b, long c)
{
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return r;
}

static inline long arch_syscall4(long n, long a, long b, long c, long d)
{
	long r;
	register long r10 __asm__("r10") = d;
	__asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
	return r;
}

static inline long arch_syscall6(long n, long a, long b, long c, long d, long e, long f)
{
	long r;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return r;
}

/* The sigcontext registers inside a ucontext_t. */
#define ARCH_UC_PC(uc) (((uint64_t *)((char *)(uc) + 40))[16])
#define ARCH_UC_SP(uc) (((uint64_t *)((char *)(uc) + 40))[15])
#define ARCH_UC_FP(uc) (((uint64_t *)((char *)(uc) + 40))[10])
#define ARCH_UC_LR(uc) ((uint64_t)0) /* no link register: calls push the return address */
/* The signals blocked where the signal interrupted (uc_sigmask). */
#define ARCH_UC_SIGMASK(uc) (*(uint64_t *)((char *)(uc) + 40 + 256))

/* asyncPreempt's save area: xsave's size for the enabled features, or 0
 * for fxsave's 512 bytes (arch_preemptinit, asm.S). */
extern uint64_t arch_xsavesize;

/* arch_preemptroom: the stack asyncPreempt and the scheduler calls it
 * makes need below the interrupted stack pointer: the red zone, the
 * registers, the save area (64-byte aligned) and the calls. */
static inline uintptr_t arch_preemptroom(void)
{
	return 128 + 16 * 8 + (arch_xsavesize ? arch_xsavesize : 512) + 64 + 1024;
}

/* arch_divert makes the context uc, when the handler returns, call fn
 * from the interrupted instruction: below the 128-byte red zone, the
 * interrupted pc as the return address (asyncPreempt returns with
 * `ret $128`). */
static inline void arch_divert(void *uc, uintptr_t fn)
{
	uint64_t *r = (uint64_t *)((char *)uc + 40);
	uintptr_t sp = r[15] - 128 - 8;
	*(uintptr_t *)sp = r[16];
	r[15] = sp;
	r[16] = fn;
}

/* arch_undivert is arch_divert undone, for a context found at fn's first
 * instruction: the interrupted pc, sp and link register (none here). */
static inline void arch_undivert(uintptr_t *pc, uintptr_t *sp, uintptr_t *lr)
{
	*pc = *(const uintptr_t *)*sp;
	*sp += 8 + 128;
	*lr = 0;
}

/* arch_settls makes tp the calling thread's thread pointer. */
static inline long arch_settls(void *tp)
{
	return arch_syscall2(SYS_arch_prctl, 0x1002 /* ARCH_SET_FS */, (long)tp);
}

/* arch_procyield: a spin-wait hint to the CPU. */
static inline void arch_procyield(void)
{
	__asm__ volatile("pause");
}


/* arch_cputicks: the CPU's cycle counter (rdtsc), the tracer's clock.
 * Linux keeps the TSC in step across CPUs on machines with an invariant
 * TSC; trace readers clamp what steps back anyway. */
static inline uint64_t arch_cputicks(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* arch_fltrounds: the current rounding direction, numbered as C's
 * FLT_ROUNDS: 0 toward zero, 1 to nearest, 2 upward, 3 downward. It reads
 * the x87 control word, not MXCSR: glibc's printf rounds by the x87 mode,
 * and weft's printf prints what glibc's prints (ftoa.c). */
static inline int arch_fltrounds(void)
{
	uint16_t cw;
	__asm__ volatile("fnstcw %0" : "=m"(cw));
	static const int8_t rc[4] = {1, 3, 2, 0}; /* RC: nearest, down, up, zero */
	return rc[(cw >> 10) & 3];
}

#endif /* __ASSEMBLER__ */

#endif
