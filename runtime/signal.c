/*
 * signal.c: turning faults into Go-style reports.
 *
 * SIGSEGV, SIGBUS and SIGFPE run a handler on the M's alternate signal
 * stack (the faulting stack may be the one that overflowed). A fault in the
 * guard below the current goroutine's stack is a stack overflow; anything
 * else becomes Go's runtime error panic. Both print the goroutine's stack
 * and exit with status 2.
 */
#include "runtime.h"
#include "trace.h"

#define SIG_DFL ((void (*)(int, void *, void *))0)

struct ksigaction {
	void (*handler)(int, void *, void *);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

struct kstack {
	void *ss_sp;
	int ss_flags;
	size_t ss_size;
};

static const char *signame(int sig)
{
	switch (sig) {
	case SIGSEGV:
		return "SIGSEGV: segmentation violation";
	case SIGBUS:
		return "SIGBUS: bus error";
	case SIGFPE:
		return "SIGFPE: floating-point exception";
	}
	return "signal";
}

static void sighandler(int sig, void *info, void *uc)
{
	uintptr_t addr = *(uintptr_t *)((char *)info + 16); /* si_addr */
	int code = *(int *)((char *)info + 8);               /* si_code */
	uintptr_t pc = ARCH_UC_PC(uc), sp = ARCH_UC_SP(uc), fp = ARCH_UC_FP(uc);
	M *mp = getm();
	G *gp = getg();

	/* The signal stack is ours alone, but two threads can fault at once. */
	bool overflow = gp && (sig == SIGSEGV || sig == SIGBUS) &&
			(stack_guardfault(addr, &gp) || (sp < gp->stack.lo && sp + STACK_GUARD >= gp->stack.lo));
	if (overflow) {
		rt_printf("runtime: goroutine stack exceeds %d-byte limit\n", STACK_SIZE);
		rt_printf("runtime: sp=0x%lx stack=[0x%lx, 0x%lx]\n", (unsigned long)sp,
			  (unsigned long)gp->stack.lo, (unsigned long)gp->stack.hi);
		if (mp && gp == mp->g0) {
			rt_printf("fatal error: stack overflow on the scheduler stack (g0 of M %lld)\n",
				  (long long)mp->id);
			exitflush(true);
			sys_exit_group(2);
		}
		rt_printf("fatal error: stack overflow\n\nstack trace:\ngoroutine %lld [running]:\n",
			  (long long)gp->goid);
		printstack(pc, fp, gp);
		exitflush(true);
		sys_exit_group(2);
	}

	if (sig == SIGFPE)
		rt_printf("panic: runtime error: integer divide by zero\n");
	else if (addr < 4096)
		rt_printf("panic: runtime error: invalid memory address or nil pointer dereference\n");
	else
		rt_printf("unexpected fault address 0x%lx\nfatal error: fault\n", (unsigned long)addr);
	rt_printf("[signal %s code=0x%x addr=0x%lx pc=0x%lx]\n", signame(sig), code, (unsigned long)addr,
		  (unsigned long)pc);
	if (gp && mp && gp != mp->g0) {
		rt_printf("\ngoroutine %lld [running]:\n", (long long)gp->goid);
		printstack(pc, fp, gp);
	} else {
		rt_printf("\n(on the scheduler stack)\n");
		printstack(pc, fp, NULL);
	}
	exitflush(true);
	sys_exit_group(2);
}

WEFT_FUNCID(sighandler, FUNCID_SIGPANIC);

/*
 * SIGQUIT, as Go has it: the program prints every goroutine's stack and
 * exits with status 2 (a flight recorder's window, WEFTFLIGHT, goes to
 * its file first). The thread that takes the signal prints the goroutine
 * it interrupted from the signal's context; the others are listed as the
 * dumps of fatal errors list them.
 */
static void sigquithandler(int sig, void *info, void *uc)
{
	(void)sig, (void)info;
	uintptr_t pc = ARCH_UC_PC(uc), fp = ARCH_UC_FP(uc);
	M *mp = getm();
	G *gp = getg();
	rt_printf("SIGQUIT: quit\nPC=0x%lx m=%lld\n", (unsigned long)pc, mp ? (long long)mp->id : -1LL);
	if (gp && mp && gp != mp->g0) {
		rt_printf("\ngoroutine %lld [running]:\n", (long long)gp->goid);
		printstack(pc, fp, gp);
	} else {
		gp = NULL;
	}
	dumpgoroutines(gp);
	exitflush(true);
	sys_exit_group(2);
}

/*
 * SIGPIPE, as Go has it: a write to a pipe or socket whose reader has
 * gone fails with EPIPE instead of killing the process, except on file
 * descriptors 1 and 2, where the program ends as SIGPIPE would end it
 * (weft_write checks: sigpipe). So `prog | head` ends quietly, while a
 * closed connection or a trace file whose reader left is an error the
 * program sees. The handler does nothing: a handler, unlike SIG_IGN, is
 * reset by execve, so a program that runs others does not pass them an
 * ignored SIGPIPE. (A hosted program's own libc writes see EPIPE too.)
 */
static void sigpipehandler(int sig, void *info, void *uc)
{
	(void)sig, (void)info, (void)uc;
}

/* sigpipe ends the program as the SIGPIPE of a write to fd 1 or 2 would
 * have, once the trace is flushed: killed by SIGPIPE (Go's sigpipe and
 * dieFromSignal). */
_Noreturn void sigpipe(void)
{
	exitflush(false);
	struct ksigaction sa = {.handler = SIG_DFL, .flags = ARCH_SA_RESTORER, .restorer = arch_sigreturn};
	arch_syscall4(SYS_rt_sigaction, SIGPIPE, (long)&sa, 0, SIGSETSIZE);
	uint64_t set = 1ull << (SIGPIPE - 1);
	arch_syscall4(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&set, 0, SIGSETSIZE);
	sys_tgkill(sys_getpid(), sys_gettid(), SIGPIPE);
	sys_exit_group(2); /* not reached: the signal kills */
}

/* setsignal installs fn as sig's handler for the whole process, on the
 * alternate signal stack, with flags (SA_RESTART ...) besides and the
 * signals in mask blocked while it runs. */
void setsignal(int sig, void (*fn)(int, void *, void *), unsigned long flags, uint64_t mask)
{
	struct ksigaction sa = {
		.handler = fn,
		.flags = SA_SIGINFO | SA_ONSTACK | ARCH_SA_RESTORER | flags,
		.restorer = arch_sigreturn,
		.mask = mask,
	};
	if (arch_syscall4(SYS_rt_sigaction, sig, (long)&sa, 0, SIGSETSIZE) < 0)
		throw("rt_sigaction failed");
}

/* initsig installs the fault handlers, and SIGPIPE's and SIGQUIT's, for
 * the whole process. */
void initsig(void)
{
	setsignal(SIGSEGV, sighandler, 0, ~0ull);
	setsignal(SIGBUS, sighandler, 0, ~0ull);
	setsignal(SIGFPE, sighandler, 0, ~0ull);
	setsignal(SIGPIPE, sigpipehandler, SA_RESTART, 0);
	setsignal(SIGQUIT, sigquithandler, 0, ~0ull);
}

/* The signals the runtime needs on every M: the faults it reports,
 * preemption's and the profiler's. */
#define SIGS_RUNTIME \
	((1ull << (SIGSEGV - 1)) | (1ull << (SIGBUS - 1)) | (1ull << (SIGFPE - 1)) | \
	 (1ull << (SIGURG - 1)) | (1ull << (SIGPROF - 1)))

/*
 * minitsignals gives the calling thread (mp's) its alternate signal
 * stack and its signal mask, and notes the signals it blocks (preempt.c's
 * rule 4). A thread starts with its creator's mask; as Go's minit does,
 * the M unblocks the runtime's own signals, whatever the thread that
 * made it (a hosted program's, say) blocked, and keeps the rest.
 *
 * The mask is set even when nothing in it changes, for qemu-user (7.2):
 * a thread it creates starts with the creating thread's host mask, and
 * if a signal had just reached that thread (qemu's host handler then
 * blocks every host signal until it delivers the signal to the guest),
 * the new thread's host mask blocks everything while its guest mask
 * blocks nothing. Nothing in that thread would ever unblock them: no
 * signal reaches it, and only a guest call that sets the mask makes qemu
 * recompute the host mask from the guest's. Its SIGPROF and SIGURG would
 * then wait forever, leaving a thread that is never profiled or
 * preempted. The call also reads the old mask, so it costs an M the one
 * system call the read alone did.
 */
void minitsignals(M *mp)
{
	uint64_t old = 0, unblock = SIGS_RUNTIME;
	arch_syscall4(SYS_rt_sigprocmask, SIG_UNBLOCK, (long)&unblock, (long)&old, SIGSETSIZE);
	mp->sigmask = old & ~unblock;
	if (!mp->gsignal) {
		mp->gsignal = sys_mmap(NULL, SIGNAL_STACK_SIZE, PROT_READ | PROT_WRITE, 0);
		if (!mp->gsignal)
			fatal("out of memory: cannot allocate a signal stack");
	}
	struct kstack ss = {.ss_sp = mp->gsignal, .ss_flags = 0, .ss_size = SIGNAL_STACK_SIZE};
	if (arch_syscall2(SYS_sigaltstack, (long)&ss, 0) < 0)
		throw("sigaltstack failed");
}
