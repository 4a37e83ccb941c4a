/*
 * panic.c: panics, fatal errors and the stack dumps that go with them.
 *
 * weft has no recover, so a panic is always fatal: the message, the
 * panicking goroutine's stack, exit status 2, as an unrecovered Go panic.
 * throw is for broken runtime invariants (a weft bug), fatal for errors the
 * program cannot survive (deadlock, out of memory); both print "fatal
 * error: ..." and every goroutine's stack, as Go does.
 *
 * Stacks come from a frame-pointer walk and are printed by traceback.c,
 * named from the binary's symbol table.
 */
#include "runtime.h"
#include "trace.h"

enum { MAXFRAMES = 100, MAXGOROUTINES = 20 };

static uint32_t panicking;
static long panictid; /* the thread that reports */

/*
 * startpanic lets one thread report and end the process. A failure on
 * another thread meanwhile waits for it to, for a while: the report and
 * the trace's exit flush have bounded waits of their own (trace.c), so
 * if the process still lives after PANIC_WAIT_S the first reporter is
 * stuck, and the waiting thread prints its own message and ends it. A
 * failure on the reporting thread itself, inside its report or its
 * flush (a nested failure: say, a trace buffer it cannot map), ends the
 * process at once: the first message is printed, and the trace keeps
 * every generation written before. Waiting there, as for another
 * thread, would wait for itself forever. startpanic prints what (say
 * "panic: ") and msg itself then; it returns for the first failure only.
 */
enum { PANIC_WAIT_S = 20 };

static void startpanic(const char *what, const char *msg)
{
	long tid = sys_gettid();
	if (atomic_xadd(&panicking, 1) == 1) {
		atomic_store(&panictid, tid);
		return;
	}
	if (atomic_load(&panictid) != tid)
		for (int i = 0; i < PANIC_WAIT_S; i++)
			sys_nanosleep(1000000000);
	rt_printf("%s%s\n", what, msg);
	rt_printf("runtime: %s while the program was already ending; exiting\n",
		  atomic_load(&panictid) == tid ? "a second failure" : "a failure on another thread");
	sys_exit_group(2);
}

/*
 * printstack prints the stack from pc (a faulting PC, or 0) and the frame
 * record chain at fp, as Go prints a goroutine's stack: logical frames,
 * inlined calls included, named when the binary has a symbol table.
 * Records outside gp's stack end the walk.
 */
void printstack(uintptr_t pc, uintptr_t fp, G *gp)
{
	uintptr_t pcs[MAXFRAMES + 1];
	int n = 0;
	if (pc)
		pcs[n++] = pc;
	uintptr_t lo = gp ? gp->stack.lo : 0, hi = gp ? gp->stack.hi : 0;
	n += fpcallers(fp, lo, hi, 0, pcs + n, (int)nelem(pcs) - n);
	printframes(pcs, n < MAXFRAMES ? n : MAXFRAMES, pc != 0);
	if (n > MAXFRAMES)
		rt_printf("...additional frames elided...\n");
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
		if ((st == Gwaiting || st == Grunnable) && sp) {
			printstack(0, sp + ARCH_GOBUF_FPSLOT * sizeof(uintptr_t), gp);
		} else if (st == Grunnable && gp->stackstate == StackNone) {
			/* Not started: no stack yet, only its function. */
			uintptr_t pc = (uintptr_t)gp->startfn;
			printframes(&pc, 1, true);
		} else
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

/*
 * printthreadstack prints the stack of a thread that runs no goroutine
 * (a hosted program's own thread calling weft), from the frame record at
 * fp. Its bounds are unknown, so the walk follows a record only while
 * the return address in it belongs to a function of the symbol table:
 * code weft compiled, with frame pointers. The first that does not (libc's
 * thread start, say) ends it before its frame pointer, which may be any
 * value, is followed.
 */
static void printthreadstack(uintptr_t fp)
{
	uintptr_t pcs[MAXFRAMES];
	int n = 0;
	while (fp && n < MAXFRAMES && (fp & (sizeof(uintptr_t) - 1)) == 0) {
		uintptr_t *rec = (uintptr_t *)fp;
		if (!rec[1] || !findfunc(rec[1] - 1))
			break;
		pcs[n++] = rec[1];
		if (rec[0] <= fp)
			break;
		fp = rec[0];
	}
	printframes(pcs, n, false);
}

static _Noreturn void fatalerror(const char *msg, uintptr_t fp)
{
	startpanic("fatal error: ", msg);
	rt_printf("fatal error: %s\n", msg);
	G *gp = curg();
	if (gp && getg() == gp) {
		rt_printf("\ngoroutine %lld [running]:\n", (long long)gp->goid);
		printstack(0, fp, gp);
	} else if (gp && gp->stackstate == StackNone) {
		/* The scheduler was giving gp its first stack (gostart). */
		rt_printf("\ngoroutine %lld [runnable, starting]:\n", (long long)gp->goid);
		uintptr_t pc = (uintptr_t)gp->startfn;
		printframes(&pc, 1, true);
	} else if (!getg()) {
		rt_printf("\nthread %ld, running no goroutine:\n", sys_gettid());
		printthreadstack(fp);
	}
	dumpgoroutines(gp);
	exitflush(true);
	sys_exit_group(2);
}

/* exitflush writes what must outlive the process before it ends (crash:
 * a panic or fatal error): a CPU profile still running (its last samples
 * go into the trace too), then the trace's last generation. */
void exitflush(bool crash)
{
	cpuprofExit();
	traceExitFlush(crash);
}

/* throw reports a broken runtime invariant and exits with status 2. */
_Noreturn void throw(const char *msg)
{
	fatalerror(msg, (uintptr_t)__builtin_frame_address(0));
}
WEFT_FUNCID(throw, FUNCID_THROW);

/* fatal reports an error the program cannot survive and exits with status 2. */
_Noreturn void fatal(const char *msg)
{
	fatalerror(msg, (uintptr_t)__builtin_frame_address(0));
}
WEFT_FUNCID(fatal, FUNCID_THROW);

static _Noreturn void vpanic(uintptr_t fp, const char *fmt, va_list ap)
{
	char msg[512];
	rt_vsnprintf(msg, sizeof msg, fmt, ap);
	startpanic("panic: ", msg);
	rt_printf("panic: %s\n", msg);
	G *gp = curg();
	if (gp && getg() == gp) {
		rt_printf("\ngoroutine %lld [running]:\n", (long long)gp->goid);
		printstack(0, fp, gp);
	} else {
		rt_printf("\n(panic outside a goroutine)\n");
	}
	exitflush(true);
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
WEFT_FUNCID(gopanic, FUNCID_PANIC);

_Noreturn void weft_panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vpanic((uintptr_t)__builtin_frame_address(0), fmt, ap);
}
WEFT_FUNCID(weft_panic, FUNCID_PANIC);

/* weft_exit ends the program with status; other goroutines are not
 * waited for. A hosted program exits through libc (stdio is flushed). */
_Noreturn void weft_exit(int status)
{
	preemptprintstats();
	exitflush(false);
	if (rthooks.exit)
		rthooks.exit(status);
	sys_exit_group(status);
}
