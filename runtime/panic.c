/*
 * panic.c: panics, fatal errors and the stack dumps that go with them.
 *
 * weft has no recover, so a panic is always fatal: the message, the
 * panicking goroutine's stack, exit status 2, as an unrecovered Go panic.
 * throw is for broken runtime invariants (a weft bug), fatal for errors the
 * program cannot survive (deadlock, out of memory); both print "fatal
 * error: ..." and every goroutine's stack, as Go does.
 *
 * Stacks are printed as return addresses from a frame-pointer walk; the
 * symbol tables (symtab.c, a later step) will name them.
 */
#include "runtime.h"

enum { MAXFRAMES = 100, MAXGOROUTINES = 20 };

static uint32_t panicking;

/* startpanic lets one thread report; any other that fails meanwhile waits
 * for the first to exit the process. */
static void startpanic(void)
{
	if (atomic_xadd(&panicking, 1) != 1)
		for (;;)
			sys_nanosleep(1000000000);
}

static bool onstack(G *gp, uintptr_t p)
{
	if (!gp || gp->stack.lo == 0)
		return p != 0 && (p & 7) == 0;
	return p >= gp->stack.lo && p + 2 * sizeof(uintptr_t) <= gp->stack.hi && (p & 7) == 0;
}

/*
 * printstack prints pc (if not 0) and then the return address of every
 * frame record on the chain starting at fp. Records are {caller's fp,
 * return address} on both arches; the chain ends at a zero frame pointer
 * (goexit, or the start of a thread), at a pointer outside gp's stack or
 * one that does not move toward the stack's top.
 */
void printstack(uintptr_t pc, uintptr_t fp, G *gp)
{
	int n = 0;
	if (pc) {
		rt_printf("\t0x%lx\n", (unsigned long)pc);
		n++;
	}
	while (fp && onstack(gp, fp)) {
		uintptr_t *rec = (uintptr_t *)fp;
		uintptr_t next = rec[0], ret = rec[1];
		if (ret == 0)
			break;
		if (n++ == MAXFRAMES) {
			rt_printf("\t...additional frames elided...\n");
			break;
		}
		rt_printf("\t0x%lx\n", (unsigned long)ret);
		if (next <= fp)
			break;
		fp = next;
	}
}

static const char *gstatus_string(G *gp)
{
	switch (readgstatus(gp)) {
	case Grunnable:
		return "runnable";
	case Grunning:
		return "running";
	case Gsyscall:
		return "syscall";
	case Gwaiting:
		return waitreason_string(gp->waitreason);
	default:
		return "idle";
	}
}

/* dumpgoroutines prints the live goroutines but skip (the first
 * MAXGOROUTINES of them, and how many more there are), each with its stack
 * when it is parked (a running one's stack belongs to another thread). */
void dumpgoroutines(G *skip)
{
	long shown = 0, more = 0;
	for (G *gp = atomic_load(&allgs); gp; gp = gp->alllink) {
		uint32_t st = readgstatus(gp);
		if (gp == skip || st == Gdead || st == Gidle)
			continue;
		if (shown == MAXGOROUTINES) {
			more++;
			continue;
		}
		shown++;
		rt_printf("\ngoroutine %lld [%s]:\n", (long long)gp->goid, gstatus_string(gp));
		uintptr_t sp = gp->sched_sp;
		if ((st == Gwaiting || st == Grunnable) && sp)
			printstack(0, sp + ARCH_GOBUF_FPSLOT * sizeof(uintptr_t), gp);
		else
			rt_printf("\tgoroutine running on other thread; stack unavailable\n");
	}
	if (more)
		rt_printf("\n...%ld additional goroutines not shown...\n", more);
}

/* curg returns the user goroutine the current thread is running, if any. */
static G *curg(void)
{
	M *mp = getm();
	return mp ? mp->curg : NULL;
}

static _Noreturn void fatalerror(const char *msg, uintptr_t fp)
{
	startpanic();
	rt_printf("fatal error: %s\n", msg);
	G *gp = curg();
	if (gp && getg() == gp) {
		rt_printf("\ngoroutine %lld [running]:\n", (long long)gp->goid);
		printstack(0, fp, gp);
	}
	dumpgoroutines(gp);
	sys_exit_group(2);
}

/* throw reports a broken runtime invariant and exits with status 2. */
_Noreturn void throw(const char *msg)
{
	fatalerror(msg, (uintptr_t)__builtin_frame_address(0));
}

/* fatal reports an error the program cannot survive and exits with status 2. */
_Noreturn void fatal(const char *msg)
{
	fatalerror(msg, (uintptr_t)__builtin_frame_address(0));
}

static _Noreturn void vpanic(uintptr_t fp, const char *fmt, va_list ap)
{
	char msg[512];
	rt_vsnprintf(msg, sizeof msg, fmt, ap);
	startpanic();
	rt_printf("panic: %s\n", msg);
	G *gp = curg();
	if (gp && getg() == gp) {
		rt_printf("\ngoroutine %lld [running]:\n", (long long)gp->goid);
		printstack(0, fp, gp);
	} else {
		rt_printf("\n(panic outside a goroutine)\n");
	}
	sys_exit_group(2);
}

/* gopanic is the runtime's panic for a user's mistake (send on a closed
 * channel, ...): "panic: <message>", the goroutine's stack, exit 2. */
_Noreturn void gopanic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vpanic((uintptr_t)__builtin_frame_address(0), fmt, ap);
}

_Noreturn void weft_panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vpanic((uintptr_t)__builtin_frame_address(0), fmt, ap);
}

/* weft_exit ends the program with status; other goroutines are not
 * waited for. A hosted program exits through libc (stdio is flushed). */
_Noreturn void weft_exit(int status)
{
	if (rthooks.exit)
		rthooks.exit(status);
	sys_exit_group(status);
}
