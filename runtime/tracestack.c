/*
 * tracestack.c: from the tracer's captured stacks to logical frames (Go's
 * fpunwindExpand in tracestack.go).
 *
 * The model. An event's stack is captured cheaply, by a frame-pointer walk
 * (fpTracebackPCs): pcBuf[0] holds how many logical frames to skip (0:
 * see Rejected) and pcBuf[1..] the physical return addresses. The stack
 * table keys on that buffer as it is. Only when a generation's table is
 * dumped does fpunwindExpand turn each stack into logical frames, inlined
 * calls included, traceStackFrame name each frame, and the dump trim the
 * runtime's own frames, by their source files. A stack from the default
 * unwinder (WEFTDEBUG=tracefpunwindoff=1) is logical already; it says so
 * with LOGICAL_STACK_SENTINEL in pcBuf[0] and passes through.
 *
 * What a logical frame is, as a number. Go writes one PC per logical
 * frame, uf.pc + 1, and it can: its inline tree records for each inlined
 * call a PC in the caller (parentPc) where the caller is the innermost
 * frame, so every logical frame has a PC of its own, and symbolizing that
 * PC minus one finds exactly that frame. weft's tree records the call
 * site's file:line instead, straight from DWARF (abi/symtab.h), and the
 * inline unwinder's frames all carry the one physical PC. No other PC
 * would do: a C compiler promises no instruction that belongs to an
 * enclosing inlined call itself (c1() { c2(); } may leave no instruction
 * of c1 at all). So a return address names the innermost frame at it, and
 * the frames around it need something more: which one, counted outward.
 * That count goes in the value's top byte (tracestack.h gives the layout):
 *
 *	0x0000_5555_5555_9a3c   the innermost frame at return address ...9a3c
 *	0x0100_5555_5555_9a3c   the inlined call just outside it
 *	0x0200_5555_5555_9a3c   the next one out
 *	0x7f00_5555_5555_9a3c   the physical function
 *
 * A return address never has a bit of its top byte set: user space ends
 * below 2^47 on amd64 (2^56 with five-level paging) and below 2^52 on
 * arm64, and the PC never carries an address tag. So a tagged value can't
 * be mistaken for a return address, and a return address with no
 * function info (kept, as Go keeps it) is written unchanged. Bit 63 stays
 * clear, so no value is the sentinel. The one word that could be misread
 * is one with no function info and its top byte set, which no frame
 * record holds unless it is damaged; kept as it came, it may then be
 * named as a frame of whatever code its low bytes point into, a wrong
 * frame of an already broken stack. (Arm64 pointer authentication signs
 * saved return addresses in their top bits; weft is not built with it,
 * and a frame-pointer walk would not survive it either.)
 *
 * Every logical frame of a stack gets a value of its own, and the same
 * frame always gets the same value: the stack table keys on them. The
 * trace itself gives each frame an address instead (traceStackFrame's
 * tracepc, below): tools show frame PCs as addresses, and a tagged value
 * is one that exists nowhere.
 *
 * What the trace writes as a frame's PC. Go's Reader keeps one frame per
 * PC (its stack table maps a PC to the first frame written with it, in
 * each generation), and go tool trace's viewer and profiles key frames by
 * PC across the whole trace: a PC must name one frame, function, file and
 * line, everywhere. Go's do, its inlined frames' being the inline marks
 * its compiler leaves in the caller. weft writes:
 *  - for the innermost frame at a return address R, R, as Go does; at a
 *    CPU sample's exact PC P, P + 1, as Go does. P + 1 is no return
 *    address: P starts an instruction, and no call is one byte long.
 *  - for every frame outside an inlined call, the address of that call's
 *    entry in the binary's inline tree (abi/symtab.h). The entry alone
 *    decides the frame: the function the call was inlined into (the
 *    entry's parent, or the physical function) and the call's file and
 *    line. It is an address in the program, of data, so no code address
 *    and no other entry's.
 * Rejected: the return address less the frame's depth, an address inside
 * the call instruction (weft's first scheme). It is unique only while the
 * nest is shallower than the call is long, and a sample's exact PC has
 * no call to count back into: P + 1 - depth met another stack's return
 * address whenever P followed a call, the two meant different frames, and
 * Go's Reader named the sample's frames after the other stack's.
 *
 * Rejected:
 *  - One return address per logical frame, repeated, with the symbolizer
 *    counting repeats: no entry then means anything alone, skip can start
 *    in the middle of an expansion, wrapper elision removes entries, and
 *    recursion repeats return addresses legitimately (f calling itself
 *    from one call site).
 *  - Pairs (PC, depth), or a second array: dst is a flat array of frames
 *    as in Go, and a stack table keys on it.
 *  - A tag in the low bits: amd64 instructions start at any byte.
 *  - A representative PC per inlined call, written by the generator: as
 *    above, there may be none.
 *  - A count of frames to skip per call site, as Go's traceStack(skip)
 *    takes, to drop the runtime's frames above the call the program made:
 *    which frames lie above a call site depends on what the compiler
 *    inlined there, and gcc and clang, at -O1 and -O2, inline differently,
 *    so a count right for one build drops a frame too many or too few in
 *    another. traceStack captures every frame (pcBuf[0] is 0) and
 *    dumpstack trims by source directory (symtab_inruntime), which holds
 *    whatever was inlined. fpunwindExpand still applies a count in
 *    pcBuf[0], as Go's does: the default unwinder's path uses it to drop
 *    traceStack's own frame.
 *
 * A nest of more than TRACESTACK_TAG_MAXINL inlined calls at one PC loses
 * its frames beyond that depth (the physical function, tagged
 * TRACESTACK_TAG_FUNC, stays). Compilers inline nothing like that deep on
 * their own; it takes a chain of always_inline functions written for the
 * purpose, which is how test/prog/fpunwind.c checks it.
 *
 * Wrappers. As Go's elideWrapperCalling has it, a wrapper (FUNCID_WRAPPER)
 * is left out unless the frame it calls, the logical frame just inside it
 * and so the one walked before it, is a panic function (FUNCID_PANIC,
 * FUNCID_SIGPANIC; Go's third, panicwrap, has no weft counterpart): a
 * panic raised in a wrapper shows the wrapper. Exactly as in Go:
 *  - the frame before is whatever was walked last with function info,
 *    kept, skipped or left out itself: a wrapper calling a wrapper that
 *    calls a panic function is left out, the inner one stays;
 *  - the innermost frame calls nothing known, taken as a normal function:
 *    a wrapper there is left out;
 *  - a PC with no function info changes nothing: the frame beyond it
 *    still looks at the frame before it;
 *  - frames left out do not count toward skip, which applies to what is
 *    kept, after expansion.
 */
#include "trace.h"
#include "tracestack.h"

_Static_assert(sizeof(uintptr_t) == 8, "the tag layout needs 64-bit addresses");
_Static_assert(TRACESTACK_TAG_MAXINL < TRACESTACK_TAG_FUNC && TRACESTACK_TAG_FUNC < 0x80,
	       "tags must leave bit 63 clear");

/* elideWrapperCalling reports whether a wrapper that calls a frame with
 * FuncID id is left out of stacks: unless it called a panic function. */
static bool elideWrapperCalling(uint8_t id)
{
	return !(id == FUNCID_PANIC || id == FUNCID_SIGPANIC);
}

/* frametag returns the tag naming logical frame uf (tracestack.h), or -1
 * for an inlined call too deep to name. */
static int frametag(const InlineUnwinder *u, InlineFrame uf)
{
	if (uf.depth == 0)
		return 0;
	if (!inl_isinlined(u, uf))
		return TRACESTACK_TAG_FUNC;
	return uf.depth <= TRACESTACK_TAG_MAXINL ? uf.depth : -1;
}

/* An Expander is fpunwindExpand's output side: skip, then append. */
typedef struct Expander {
	uintptr_t *dst;
	int ndst, n;
	uintptr_t skip;
} Expander;

/* skipOrAdd drops v if frames are still to be skipped, else appends it,
 * and reports whether dst has room for more. */
static inline bool skipOrAdd(Expander *e, uintptr_t v)
{
	if (e->skip > 0)
		e->skip--;
	else if (e->n < e->ndst)
		e->dst[e->n++] = v;
	return e->n < e->ndst;
}

/*
 * fpunwindExpand (tracestack.h has the contract): pcBuf holds a logical
 * stack behind the sentinel, copied through, or a skip count and return
 * addresses. Each return address with function info is expanded by the
 * inline unwinder at its call (the address minus one), innermost first;
 * one without is kept as it is, as Go keeps the PCs of C functions.
 */
int fpunwindExpand(uintptr_t *dst, int ndst, const uintptr_t *pcBuf, int npc)
{
	if (npc <= 0 || ndst <= 0)
		return 0;
	if (pcBuf[0] == LOGICAL_STACK_SENTINEL) {
		int n = npc - 1 < ndst ? npc - 1 : ndst;
		for (int i = 0; i < n; i++)
			dst[i] = pcBuf[1 + i];
		return n;
	}

	/* A CPU sample's first PC is where the signal found it, not a
	 * return address: it is taken as the asyncPreempt case below. */
	bool sample = pcBuf[0] == CPU_SAMPLE_STACK;
	Expander e = {.dst = dst, .ndst = ndst, .n = 0, .skip = sample ? 0 : pcBuf[0]};
	uint8_t lastfuncid = sample ? FUNCID_ASYNCPREEMPT : FUNCID_NORMAL;
	for (int i = 1; i < npc; i++) {
		uintptr_t retpc = pcBuf[i];
		/* Below asyncPreempt is the instruction it interrupted, not
		 * a return address: one past it stands for it, as a return
		 * address stands for its call. */
		if (lastfuncid == FUNCID_ASYNCPREEMPT)
			retpc++;
		const SymtabFunc *f = findfunc(retpc - 1);
		if (!f) {
			if (!skipOrAdd(&e, retpc))
				break;
			if (lastfuncid == FUNCID_ASYNCPREEMPT)
				lastfuncid = FUNCID_NORMAL; /* what follows is a return address */
			continue;
		}
		InlineUnwinder u;
		for (InlineFrame uf = newInlineUnwinder(&u, f, retpc - 1); inlframe_valid(uf);
		     uf = inl_next(&u, uf)) {
			SrcFunc sf = inl_srcfunc(&u, uf);
			int tag = frametag(&u, uf);
			if (sf.funcid == FUNCID_WRAPPER && elideWrapperCalling(lastfuncid)) {
				/* left out */
			} else if (tag < 0) {
				/* too deep to name: left out */
			} else if (!skipOrAdd(&e, retpc | (uintptr_t)tag << TRACESTACK_TAG_SHIFT)) {
				return e.n;
			}
			lastfuncid = sf.funcid;
		}
	}
	return e.n;
}

/*
 * traceStackFrame (tracestack.h has the contract) finds the logical frame
 * v names: the one at v's return address that fpunwindExpand would tag
 * with v's tag. Exactly the values fpunwindExpand writes name frames; any
 * other tag names nothing. The top of this file says what *tracepc is.
 */
bool traceStackFrame(uintptr_t v, weft_frame *frame, uintptr_t *tracepc)
{
	unsigned tag = (unsigned)(v >> TRACESTACK_TAG_SHIFT);
	uintptr_t retpc = tag <= TRACESTACK_TAG_FUNC ? v & TRACESTACK_PC_MASK : v;
	const SymtabFunc *f = findfunc(retpc - 1);
	InlineUnwinder u;
	for (InlineFrame uf = f ? newInlineUnwinder(&u, f, retpc - 1) : (InlineFrame){0, 0, 0, 0};
	     inlframe_valid(uf); uf = inl_next(&u, uf)) {
		if (frametag(&u, uf) != (int)tag)
			continue;
		SrcFunc sf = inl_srcfunc(&u, uf);
		int32_t line;
		const char *file = inl_fileline(&u, uf, &line);
		*frame = (weft_frame){
			.pc = uf.pc,
			.entry = funcentry(f),
			.function = sf.name,
			.file = file,
			.line = line,
			.inlined = inl_isinlined(&u, uf),
			.funcid = sf.funcid,
		};
		if (tracepc)
			*tracepc = uf.child >= 0 ? (uintptr_t)&u.tree[uf.child] : retpc;
		return true;
	}
	*frame = (weft_frame){.pc = v - 1, .function = "?", .file = "?", .funcid = FUNCID_NORMAL};
	if (tracepc)
		*tracepc = v; /* no function info: kept as it came */
	return false;
}

/* ---- the tracer's stacks: capture and the table dump (Go's traceStack
 * and traceStackTable.dump) ---- */

/*
 * The stack cache: a small direct-mapped table per M in front of the
 * stack table. An M's events repeat a few stacks over and over (the same
 * blocking call sites); an entry remembers one pcBuf and its id in one
 * generation, so a repeat costs a comparison of the words instead of a
 * hash of all of them and a walk down the trie. The index mixes only the
 * innermost frames, the outermost one and the depth: cheap, and what
 * tells call sites apart. config.h has its sizes.
 */
typedef struct TraceStackCacheEntry {
	uint64_t gen, id;
	uint32_t n;
	uintptr_t pcs[TRACE_STACK_CACHE_DEPTH];
} TraceStackCacheEntry;
struct TraceStackCache {
	TraceStackCacheEntry e[TRACE_STACK_CACHE_SIZE];
};
_Static_assert(TRACE_STACK_CACHE_SIZE >= 2 && (TRACE_STACK_CACHE_SIZE & (TRACE_STACK_CACHE_SIZE - 1)) == 0,
	       "the stack cache's index is the top bits of a hash: its size is a power of two");

/* traceStackID returns the id of pcBuf[0..n) in generation gen's table. */
static uint64_t traceStackID(uint64_t gen, const uintptr_t *pcBuf, int n)
{
	TraceMap *tab = &trace.stackTab[gen % 2];
	M *mp = getm();
	if (n > TRACE_STACK_CACHE_DEPTH || !mp)
		return traceMapPut(tab, pcBuf, (size_t)n * sizeof(uintptr_t), NULL);
	struct TraceStackCache *c = mp->trace.stackcache;
	if (unlikely(!c))
		c = mp->trace.stackcache = rtalloc(sizeof *c);
	uint64_t k = (uint64_t)pcBuf[n > 1 ? 1 : 0] ^ (uint64_t)pcBuf[n > 2 ? 2 : 0] << 1 ^
		     (uint64_t)pcBuf[n - 1] << 2 ^ (uint64_t)n;
	TraceStackCacheEntry *e = &c->e[(k * 0x9E3779B97F4A7C15ull) >> (64 - __builtin_ctz(TRACE_STACK_CACHE_SIZE))];
	if (e->gen == gen && e->n == (uint32_t)n && traceMapKeyEq(e->pcs, pcBuf, (size_t)n * sizeof(uintptr_t)))
		return e->id;
	uint64_t id = traceMapPut(tab, pcBuf, (size_t)n * sizeof(uintptr_t), NULL);
	e->gen = gen;
	e->id = id;
	e->n = (uint32_t)n;
	memcpy(e->pcs, pcBuf, (size_t)n * sizeof(uintptr_t));
	return id;
}

/*
 * traceStack captures a stack for an event and returns its id in
 * generation gen's table: the current goroutine's stack from traceStack's
 * caller (gp NULL), or the parked goroutine gp's from its saved context;
 * 0 when there is none (an M outside any goroutine, a G with no saved
 * context). It keeps every frame: the dump trims the runtime's (Rejected,
 * above, says why there is no skip count). The caller holds a TraceLocker
 * of generation gen. It is not inlined: the walk starts at its own frame.
 *
 * With frame pointers (the default), pcBuf is a zero skip count and the raw
 * return addresses, one fpTracebackPCs walk: from traceStack's own frame
 * record for the current goroutine, or from the record that arch_mcall
 * saved on a parked one's stack. With WEFTDEBUG=tracefpunwindoff=1 the
 * default unwinder walks by frame rules instead (rulecallers, no frame
 * pointers needed), and the stack is expanded into logical frames right
 * away, behind LOGICAL_STACK_SENTINEL: the slow path that Go keeps for
 * checking the fast one.
 */
__attribute__((noinline)) uint64_t traceStack(G *gp, uint64_t gen)
{
	uintptr_t pcBuf[TRACE_STACK_DEPTH + 1];
	uintptr_t pc, sp, fp; /* pc: a return address */
	int extra = 0; /* physical frames of the default unwinder's to skip: its own */

	if (!gp) {
		gp = getg();
		if (!gp || gp == getm()->g0)
			return 0;
		if (!trace.fpunwindoff) {
			pcBuf[0] = 0;
			int n = fpTracebackPCs((uintptr_t)__builtin_frame_address(0), pcBuf + 1, TRACE_STACK_DEPTH);
			return traceStackID(gen, pcBuf, n + 1);
		}
		uintptr_t regs[4];
		arch_getcontext(regs); /* regs[0]: a return address inside traceStack */
		pc = regs[0];
		sp = regs[1];
		fp = regs[2];
		extra = 1;
	} else {
		const uintptr_t *save = (const uintptr_t *)gp->sched_sp;
		if (!save)
			return 0;
		if (!trace.fpunwindoff) {
			pcBuf[0] = 0;
			int n = fpTracebackPCs((uintptr_t)(save + ARCH_GOBUF_FPSLOT), pcBuf + 1, TRACE_STACK_DEPTH);
			return traceStackID(gen, pcBuf, n + 1);
		}
		/* As if arch_mcall had returned: its caller's frame. */
		pc = save[ARCH_GOBUF_PCSLOT];
		sp = (uintptr_t)(save + ARCH_GOBUF_WORDS);
		fp = save[ARCH_GOBUF_FPSLOT];
	}
	uintptr_t phys[TRACE_STACK_DEPTH + 1];
	phys[0] = (uintptr_t)extra;
	UnwindFrame f = {.pc = pc, .sp = sp, .fp = fp}; /* no link register: spent */
	int n = rulecallers_in(gp->stack, f, phys + 1, TRACE_STACK_DEPTH);
	pcBuf[0] = LOGICAL_STACK_SENTINEL;
	n = fpunwindExpand(pcBuf + 1, TRACE_STACK_DEPTH, phys, n + 1);
	return traceStackID(gen, pcBuf, n + 1);
}

/*
 * traceStackRace returns the id, in generation gen's table, of gp's
 * stack while gp may be running elsewhere: the generation's end reads the
 * stacks of the goroutines no event announced, without stopping them
 * (trace.c explains why a stack read while gp moved on is never
 * written). The walk is bounded by gp's stack, read once: every record
 * it follows lies inside it, above the last, so a stack that changes
 * under it gives wrong frames, never a fault (stacks stay mapped, and the
 * guards lie below lo). A goroutine that has not run yet has its start
 * function (traceStartPC); one running, none.
 */
uint64_t traceStackRace(G *gp, uint64_t gen)
{
	uintptr_t lo = atomic_load(&gp->stack.lo), hi = atomic_load(&gp->stack.hi);
	uintptr_t sp = atomic_load(&gp->sched_sp);
	if (atomic_load(&gp->stackstate) == StackNone) {
		uintptr_t fn = (uintptr_t)atomic_load(&gp->startfn);
		return fn ? traceStartPC(fn, gen) : 0;
	}
	if (!lo || sp <= lo || sp >= hi)
		return 0;
	uintptr_t pcBuf[TRACE_STACK_DEPTH + 1];
	int n = 0;
	pcBuf[0] = 0; /* no frames to skip */
	uintptr_t fp = sp + ARCH_GOBUF_FPSLOT * sizeof(uintptr_t);
	while (n < TRACE_STACK_DEPTH && fp >= lo && fp <= hi - 2 * sizeof(uintptr_t) &&
	       (fp & (sizeof(uintptr_t) - 1)) == 0) {
		const uintptr_t *rec = (const uintptr_t *)fp;
		uintptr_t pc = atomic_load(&rec[1]), next = atomic_load(&rec[0]);
		if (!pc)
			break;
		pcBuf[++n] = pc;
		if (next <= fp)
			break;
		fp = next;
	}
	return n ? traceStackID(gen, pcBuf, n + 1) : 0;
}

/* traceStartPC returns the id, in generation gen's table, of a new
 * goroutine's start "stack" (Go's startPC): its function fn alone, as a
 * logical frame (fn + 1, so that it names fn as a return address would). */
uint64_t traceStartPC(uintptr_t fn, uint64_t gen)
{
	uintptr_t pcBuf[2] = {LOGICAL_STACK_SENTINEL, fn + 1};
	return traceMapPut(&trace.stackTab[gen % 2], pcBuf, sizeof pcBuf, NULL);
}

typedef struct StackDump {
	TraceWriter w;
	uint64_t gen;
} StackDump;

/*
 * dumpstack writes one stack table entry. The frames are those of
 * fpunwindExpand, symbolized, less the runtime's on either side: above,
 * everything inside the public function the program called (the top frame
 * of a blocking event is weft_chan_send, weft_sleep, ...: the outermost
 * of the runtime's frames on top), below, goexit and goroutine 1's
 * runtime_main (the bottom frame is the goroutine's own function,
 * weft_main for goroutine 1). A stack that is the runtime's all through
 * is kept whole. Which frames are the runtime's is symtab_inruntime's rule.
 */
static void dumpstack(void *arg, uint64_t id, const void *data, size_t size)
{
	StackDump *d = arg;
	uintptr_t lf[2 * TRACE_MAX_FRAMES];
	weft_frame fr[2 * TRACE_MAX_FRAMES];
	int n = fpunwindExpand(lf, (int)nelem(lf), data, (int)(size / sizeof(uintptr_t)));
	uintptr_t pcs[2 * TRACE_MAX_FRAMES];
	for (int i = 0; i < n; i++)
		traceStackFrame(lf[i], &fr[i], &pcs[i]);
	int top = 0;
	while (top < n && symtab_inruntime(fr[top].file))
		top++;
	top = top == n ? 0 : top > 0 ? top - 1 : 0;
	/* A preempted goroutine's stack starts at the interrupted frame
	 * (it called nothing). */
	if (top < n - 1 && fr[top].funcid == FUNCID_ASYNCPREEMPT)
		top++;
	if (size && *(const uintptr_t *)data == CPU_SAMPLE_STACK)
		top = 0; /* a CPU sample shows where the time went, runtime or not */
	while (n > top && (fr[n - 1].funcid == FUNCID_GOEXIT || fr[n - 1].funcid == FUNCID_RUNTIME_MAIN))
		n--;
	if (n - top > TRACE_MAX_FRAMES)
		n = top + TRACE_MAX_FRAMES;

	TraceWriter w = d->w;
	uint32_t need = 1 + 2 * TRACE_VARINT_MAX + (uint32_t)(n - top) * 4 * TRACE_VARINT_MAX;
	if (!w.buf || w.buf->pos + need > sizeof w.buf->arr) {
		w = traceRefill(w, TRACE_NO_THREAD);
		traceEntry(w.buf, EvStacks);
	}
	traceEntry(w.buf, EvStack, id, (uint64_t)(n - top));
	for (int i = top; i < n; i++) {
		/* The strings go in this generation's table, dumped after
		 * this one. */
		const char *fn = fr[i].function, *file = fr[i].file;
		traceVarint(w.buf, pcs[i]);
		traceVarint(w.buf, traceString(d->gen, fn, rt_strlen(fn)));
		traceVarint(w.buf, traceString(d->gen, file, rt_strlen(file)));
		traceVarint(w.buf, (uint64_t)(fr[i].line > 0 ? fr[i].line : 0));
	}
	d->w = w;
}

/* traceStackDump writes generation gen's stack table and empties it. No
 * event of gen may still be written. */
void traceStackDump(uint64_t gen)
{
	StackDump d = {traceUnsafeWriter(gen), gen};
	traceMapForEach(&trace.stackTab[gen % 2], dumpstack, &d);
	if (d.w.buf)
		traceBufFlush(d.w.buf, gen);
	traceMapReset(&trace.stackTab[gen % 2]);
}
