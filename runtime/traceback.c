/*
 * traceback.c: walking stacks and printing them (Go's traceback.go).
 *
 * Two unwinders find the physical frames of a stack:
 *
 *  - fpcallers follows the frame-pointer chain. Everything weft compiles
 *    keeps frame pointers, and every stack ends in a record with a zero
 *    frame pointer (goexit on a goroutine, the thread start on g0), so
 *    this is a loop of two loads per frame. The tracer uses it.
 *  - rulecallers needs no frame pointers: at each PC the frame rule from
 *    the symbol table (abi/symtab.h, from .eh_frame) says where the return
 *    address and the caller's frame pointer were saved relative to the
 *    canonical frame address. It is the fallback for code built without
 *    frame pointers.
 *
 * Both give return addresses. The inline unwinder (symtabinl.c) turns each
 * into the logical frames it stands for; printframes prints them as Go
 * prints a goroutine's stack:
 *
 *	main.f(...)
 *		/path/to/file.c:12 +0x1d
 *
 * Reads of the stack stay inside the stack's bounds, so a damaged frame
 * ends a walk instead of faulting.
 */
#include "runtime.h"

/* fpcallers collects up to n return addresses from the frame records on
 * the chain at fp, after skipping skip of them; each record must lie inside
 * [lo, hi) (unbounded if hi is 0). It stops at a zero frame pointer or
 * return address. */
int fpcallers(uintptr_t fp, uintptr_t lo, uintptr_t hi, int skip, uintptr_t *pcs, int n)
{
	int i = 0;
	while (fp && i < n && (fp & (sizeof(uintptr_t) - 1)) == 0) {
		if (hi && (fp < lo || fp + 2 * sizeof(uintptr_t) > hi))
			break;
		uintptr_t *rec = (uintptr_t *)fp;
		if (rec[1] == 0)
			break;
		if (skip > 0)
			skip--;
		else
			pcs[i++] = rec[1];
		if (rec[0] != 0 && rec[0] <= fp)
			break; /* callers live at higher addresses */
		fp = rec[0];
	}
	return i;
}

static bool stopsunwinding(uint8_t funcid)
{
	return funcid == FUNCID_GOEXIT || funcid == FUNCID_MSTART || funcid == FUNCID_RT0 ||
	       funcid == FUNCID_CLONE;
}

/* stackbounds gives the current goroutine's (or g0's) stack. */
static void stackbounds(uintptr_t *lo, uintptr_t *hi)
{
	G *gp = getg();
	*lo = gp ? gp->stack.lo : 0;
	*hi = gp ? gp->stack.hi : 0;
}

static bool readword(uintptr_t addr, uintptr_t lo, uintptr_t hi, uintptr_t *v)
{
	if (addr < lo || addr + sizeof(uintptr_t) > hi || (addr & (sizeof(uintptr_t) - 1)))
		return false;
	*v = *(const uintptr_t *)addr;
	return true;
}

/*
 * rulecallers walks the current stack by frame rules from the frame that
 * is at pc (exactly there if exactpc, else pc is a return address and the
 * call is just before it) with registers sp, fp and lr. It records pc and
 * then each return address, up to n, and stops at a function that ends
 * stacks (goexit, the thread or process start), at a PC without a rule, or
 * when a read would leave the stack.
 */
int rulecallers(uintptr_t pc, bool exactpc, uintptr_t sp, uintptr_t fp, uintptr_t lr, uintptr_t *pcs, int n)
{
	Stack stk;
	stackbounds(&stk.lo, &stk.hi);
	UnwindFrame f = {.pc = pc, .sp = sp, .fp = fp, .lr = lr, .exactpc = exactpc};
	return rulecallers_in(stk, f, pcs, n);
}

/* rulestep unwinds f, a frame on the stack stk, to its caller's by the
 * frame rule at its pc: afterwards f->pc is the return address, sp the
 * caller's stack pointer (the CFA), fp its frame pointer, lr spent. It
 * returns false, leaving *f alone, at a function that ends stacks
 * (goexit, the thread or process start), at a PC without a rule, or when
 * a read would leave [stk.lo, stk.hi). It reads nothing else, so a signal
 * handler may use it on whatever it interrupted (the CPU profiler). */
bool rulestep(Stack stk, UnwindFrame *f)
{
	uintptr_t look = f->exactpc ? f->pc : f->pc - 1;
	const SymtabFunc *fn = findfunc(look);
	if (!fn || stopsunwinding(fn->funcid))
		return false;
	const SymtabFrameRule *r = symtab_rule(pcvalue(fn, fn->pcrule, look));
	if (!r)
		return false;
	uintptr_t cfa = (r->cfareg == SYMTAB_REG_FP ? f->fp : f->sp) + (intptr_t)r->cfaoff;
	uintptr_t ra, nfp = f->fp;
	if (r->raoff == SYMTAB_IN_LR)
		ra = f->lr;
	else if (!readword(cfa + (intptr_t)r->raoff, stk.lo, stk.hi, &ra))
		return false;
	if (r->fpoff != SYMTAB_SAME && !readword(cfa + (intptr_t)r->fpoff, stk.lo, stk.hi, &nfp))
		return false;
	/* Each step moves up the stack, but for an arm64 leaf that has
	 * not made a frame yet: its CFA is its sp, its return address in
	 * the link register (a signal finds one there: the CPU profiler). */
	if (ra == 0 || cfa < f->sp || (cfa == f->sp && r->raoff != SYMTAB_IN_LR))
		return false;
	*f = (UnwindFrame){.pc = ra, .sp = cfa, .fp = nfp, .lr = 0, .exactpc = false};
	return true;
}

/* rulecallers_in is rulecallers from frame f on the stack stk, which need
 * not be the current one (the tracer walks a parked goroutine's from g0);
 * a walk reads only inside [stk.lo, stk.hi), and none happens when stk.hi
 * is 0. */
int rulecallers_in(Stack stk, UnwindFrame f, uintptr_t *pcs, int n)
{
	if (!stk.hi || n <= 0)
		return 0;
	int i = 0;
	pcs[i++] = f.pc;
	while (i < n && rulestep(stk, &f))
		pcs[i++] = f.pc;
	return i;
}

/*
 * What a traceback shows. Like Go's, it shows what the program did, not
 * how the runtime did it for the program: wrappers and the runtime's
 * frames at the bottom of every goroutine (goexit, and runtime_main below
 * weft_main) are left out, and so is everything inside the public
 * function the program called, so that a goroutine blocked in a channel
 * receive starts at weft_chan_recv(...), not at the mcall, gopark and
 * chanrecv beneath it. The rule for which frames are the runtime's is the
 * tracer's own (symtab_inruntime), and the trim is the tracer's too: the
 * runtime's frames on top of the stack go but for the outermost, and a
 * stack that is the runtime's all through is shown whole.
 *
 * WEFTTRACEBACK=system shows every frame (Go's GOTRACEBACK=system),
 * for debugging the runtime itself.
 */

/* tracebacksystem reports whether WEFTTRACEBACK asks for every frame.
 * It reads the environment each time: tracebacks are rare, and this way
 * one needs no initialization before the first. */
static bool tracebacksystem(void)
{
	const char *s = rt_getenv("WEFTTRACEBACK");
	return s && (rt_strcmp(s, "system") == 0 || rt_strcmp(s, "2") == 0);
}

/* showframe says whether a traceback at the default level prints a
 * frame with this FuncID. */
static bool showframe(uint8_t funcid)
{
	return funcid != FUNCID_WRAPPER && funcid != FUNCID_GOEXIT && funcid != FUNCID_RUNTIME_MAIN &&
	       funcid != FUNCID_ASYNCPREEMPT;
}

/* printframe prints one logical frame. */
static void printframe(const char *name, const char *file, int32_t line, uintptr_t pc, uintptr_t entry)
{
	rt_printf("%s(...)\n", name);
	if (entry)
		rt_printf("\t%s:%d +0x%lx\n", file, line, (unsigned long)(pc - entry));
	else
		rt_printf("\t%s:%d\n", file, line);
}

/*
 * walkframes goes through the logical frames of pcs that the traceback
 * shows (every one if all), innermost first. With print false it counts
 * them and returns how many of the first ones are the runtime's, setting
 * *total; with print true it prints all but the first skip and returns 0.
 * pcs are as for printframes.
 */
static int walkframes(const uintptr_t *pcs, int n, bool exact0, bool all, bool print, int skip, int *total)
{
	int seen = 0, top = 0;
	bool intop = true;
	bool exact = exact0;
	for (int i = 0; i < n; i++) {
		/* Exact: a faulting pc, or one asyncPreempt interrupted. */
		uintptr_t pc = exact ? pcs[i] : pcs[i] - 1;
		const SymtabFunc *f = findfunc(pc);
		exact = f && f->funcid == FUNCID_ASYNCPREEMPT;
		if (!f) {
			intop = false; /* no file: not the runtime's */
			if (print && seen >= skip)
				rt_printf("?(0x%lx)\n\t?:0\n", (unsigned long)pcs[i]); /* no name known */
			seen++;
			continue;
		}
		InlineUnwinder u;
		for (InlineFrame uf = newInlineUnwinder(&u, f, pc); inlframe_valid(uf); uf = inl_next(&u, uf)) {
			SrcFunc sf = inl_srcfunc(&u, uf);
			if (!all && !showframe(sf.funcid))
				continue;
			int32_t line;
			const char *file = inl_fileline(&u, uf, &line);
			if (print && seen >= skip)
				printframe(sf.name, file, line, pcs[i], inl_isinlined(&u, uf) ? 0 : funcentry(f));
			intop = intop && symtab_inruntime(file);
			top += intop;
			seen++;
		}
	}
	if (total)
		*total = seen;
	return top;
}

/*
 * printframes prints the logical frames of pcs, innermost first. pcs are
 * return addresses (the call is just before each), except pcs[0] when
 * exact0 (a faulting PC). What it leaves out is said above.
 */
void printframes(const uintptr_t *pcs, int n, bool exact0)
{
	bool all = tracebacksystem();
	int skip = 0;
	if (!all) {
		int total;
		int top = walkframes(pcs, n, exact0, false, false, 0, &total);
		skip = top == total ? 0 : top > 0 ? top - 1 : 0;
	}
	walkframes(pcs, n, exact0, all, true, skip, NULL);
}

/*
 * weft_callers stores the return addresses of the calling goroutine's
 * stack in pcs, skipping skip physical frames (0 is weft_callers itself,
 * 1 its caller) and returns how many it stored. It walks frame pointers.
 */
__attribute__((noinline)) int weft_callers(int skip, uintptr_t *pcs, int n)
{
	uintptr_t regs[4], lo, hi;
	if (n <= 0)
		return 0;
	arch_getcontext(regs); /* regs[0] is a PC inside weft_callers */
	stackbounds(&lo, &hi);
	int i = 0;
	if (skip <= 0)
		pcs[i++] = regs[0];
	else
		skip--;
	/* Our own frame record holds our caller's return address. */
	return i + fpcallers(regs[2], lo, hi, skip, pcs + i, n - i);
}

/* The iterator's state inside weft_frames.state. */
typedef struct FramesState {
	InlineUnwinder u;
	InlineFrame uf;
} FramesState;
_Static_assert(sizeof(FramesState) <= sizeof(((weft_frames *)0)->state), "weft_frames.state too small");

/* weft_frames_init starts iterating over the logical frames of pcs (as
 * from weft_callers). */
void weft_frames_init(weft_frames *it, const uintptr_t *pcs, int n)
{
	it->pcs = pcs;
	it->n = n;
	it->i = 0;
	FramesState *st = (FramesState *)it->state;
	st->uf = (InlineFrame){0, 0, 0, 0};
}

/* weft_frames_next stores the next logical frame in *frame and returns
 * true, or returns false after the last one. */
bool weft_frames_next(weft_frames *it, weft_frame *frame)
{
	FramesState *st = (FramesState *)it->state;
	if (!inlframe_valid(st->uf)) {
		if (it->i >= it->n)
			return false;
		uintptr_t pc = it->pcs[it->i++] - 1;
		const SymtabFunc *f = findfunc(pc);
		if (!f) {
			*frame = (weft_frame){.pc = pc, .function = "?", .file = "?", .funcid = FUNCID_NORMAL};
			return true;
		}
		st->uf = newInlineUnwinder(&st->u, f, pc);
	}
	InlineFrame uf = st->uf;
	SrcFunc sf = inl_srcfunc(&st->u, uf);
	int32_t line;
	const char *file = inl_fileline(&st->u, uf, &line);
	*frame = (weft_frame){
		.pc = uf.pc,
		.entry = funcentry(st->u.f),
		.function = sf.name,
		.file = file,
		.line = line,
		.inlined = inl_isinlined(&st->u, uf),
		.funcid = sf.funcid,
	};
	st->uf = inl_next(&st->u, uf);
	return true;
}
