/*
 * fpunwind.c: table-driven checks of fpunwindExpand and traceStackFrame
 * (runtime/tracestack.c) on real stacks of known shape.
 *
 * Each shape is a chain of calls ending in capture(), which walks the
 * frame pointers with fpcallers into pcBuf[1..] (pcBuf[0] = skip 0), as
 * the tracer's capture does. Every call site stores its own line number
 * (__LINE__) just before the call, so the logical stack to expect is known
 * exactly whatever the compiler and level: the test builds this with gcc
 * and clang, at -O1 and -O2, for amd64 and arm64. The shapes:
 *
 *  - chain:     chain -> c1 -> c2 -> c3 (always_inline) -> capture, the
 *               chain of inlinechain.h, shared with inline.c
 *  - wrap:      wrapN (a wrapper) -> wrappedN -> capture
 *  - panicwrap: wrapP (a wrapper) -> panicky (FUNCID_PANIC) -> capture
 *  - sigwrap:   wrapS (a wrapper) -> sigpanicky (FUNCID_SIGPANIC) -> capture
 *  - around:    wrapOuter -> panicky2 -> wrapInner -> target -> capture
 *  - wrapwrap:  wrapX -> wrapY -> panicky3 -> capture
 *  - wraptop:   wrapTop -> capture (a wrapper is the innermost frame)
 *  - iwrap:     host -> iwrap (an inlined wrapper) -> target2 -> capture
 *  - iwrapP:    host2 -> iwrapP -> ipanic (both inlined) -> capture
 *  - deep:      deephost -> deep129 -> ... -> deep0 (all inlined) -> capture,
 *               deeper than tracestack.c can name
 *  - after:     afterhost -> after (inlined) -> capture, with code of
 *               after's after the call
 *
 * all called from weft_main. Every case compares the expansion, frame by
 * frame and symbolized by traceStackFrame, with the frames it expects;
 * the frames below weft_main (the runtime's) with what weft_frames says
 * for the same return addresses. Generic checks run on every shape: the
 * same input gives the same output, skip k gives the skip-0 expansion
 * without its first k frames, a dst of k frames gets exactly the first k,
 * and no two frames share a value. And the PCs the trace writes: across
 * every shape and CPU samples at every byte of their functions, one PC
 * never names two frames (Go's Reader keeps one frame per PC).
 *
 * It prints "ok <case>" or "FAIL <case>: ..." with the stack, then
 * "fpunwind: N passed, M failed", and exits 0 only if every case passed.
 * "fpunwind -v" also prints every shape's expansion first.
 */
#include "runtime.h"
#include "tracestack.h"

#define CHAIN_LEAF capture
#include "inlinechain.h"

enum { MAXPC = 64, MAXF = 256, NDEEP = 130 };
#define POISON ((uintptr_t)0x5a5a5a5a5a5a5a5aull)

static int passed, failed;

/* ---- the shapes ---- */

static uintptr_t stk[MAXPC]; /* the last capture: stk[0] = 0, the skip */
static int nstk;

static int line_wrappedN, line_wrapN, line_panicky, line_wrapP, line_sigpanicky, line_wrapS, line_target,
	line_wrapInner, line_panicky2, line_wrapOuter, line_panicky3, line_wrapY, line_wrapX, line_wrapTop,
	line_target2, line_host, line_ipanic, line_iwrapP, line_host2, line_deep0, line_deephost, line_after,
	line_afterhost;

/* capture stores its caller's stack in stk: physical return addresses,
 * its caller's first. */
static NOINLINE void capture(void)
{
	G *gp = getg();
	stk[0] = 0;
	nstk = 1 + fpcallers((uintptr_t)__builtin_frame_address(0), gp->stack.lo, gp->stack.hi, 0,
			     stk + 1, MAXPC - 1);
	NOTAIL();
}

static NOINLINE void wrappedN(void)
{
	line_wrappedN = __LINE__ + 1;
	capture();
	NOTAIL();
}

static NOINLINE void wrapN(void)
{
	line_wrapN = __LINE__ + 1;
	wrappedN();
	NOTAIL();
}
WEFT_FUNCID(wrapN, FUNCID_WRAPPER);

static NOINLINE void panicky(void)
{
	line_panicky = __LINE__ + 1;
	capture();
	NOTAIL();
}
WEFT_FUNCID(panicky, FUNCID_PANIC);

static NOINLINE void wrapP(void)
{
	line_wrapP = __LINE__ + 1;
	panicky();
	NOTAIL();
}
WEFT_FUNCID(wrapP, FUNCID_WRAPPER);

static NOINLINE void sigpanicky(void)
{
	line_sigpanicky = __LINE__ + 1;
	capture();
	NOTAIL();
}
WEFT_FUNCID(sigpanicky, FUNCID_SIGPANIC);

static NOINLINE void wrapS(void)
{
	line_wrapS = __LINE__ + 1;
	sigpanicky();
	NOTAIL();
}
WEFT_FUNCID(wrapS, FUNCID_WRAPPER);

static NOINLINE void target(void)
{
	line_target = __LINE__ + 1;
	capture();
	NOTAIL();
}

static NOINLINE void wrapInner(void)
{
	line_wrapInner = __LINE__ + 1;
	target();
	NOTAIL();
}
WEFT_FUNCID(wrapInner, FUNCID_WRAPPER);

static NOINLINE void panicky2(void)
{
	line_panicky2 = __LINE__ + 1;
	wrapInner();
	NOTAIL();
}
WEFT_FUNCID(panicky2, FUNCID_PANIC);

static NOINLINE void wrapOuter(void)
{
	line_wrapOuter = __LINE__ + 1;
	panicky2();
	NOTAIL();
}
WEFT_FUNCID(wrapOuter, FUNCID_WRAPPER);

static NOINLINE void panicky3(void)
{
	line_panicky3 = __LINE__ + 1;
	capture();
	NOTAIL();
}
WEFT_FUNCID(panicky3, FUNCID_PANIC);

static NOINLINE void wrapY(void)
{
	line_wrapY = __LINE__ + 1;
	panicky3();
	NOTAIL();
}
WEFT_FUNCID(wrapY, FUNCID_WRAPPER);

static NOINLINE void wrapX(void)
{
	line_wrapX = __LINE__ + 1;
	wrapY();
	NOTAIL();
}
WEFT_FUNCID(wrapX, FUNCID_WRAPPER);

static NOINLINE void wrapTop(void)
{
	line_wrapTop = __LINE__ + 1;
	capture();
	NOTAIL();
}
WEFT_FUNCID(wrapTop, FUNCID_WRAPPER);

static NOINLINE void target2(void)
{
	line_target2 = __LINE__ + 1;
	capture();
	NOTAIL();
}

ALWAYS void iwrap(void)
{
	target2();
	NOTAIL();
}
WEFT_FUNCID(iwrap, FUNCID_WRAPPER);

static NOINLINE void host(void)
{
	line_host = __LINE__ + 1;
	iwrap();
	NOTAIL();
}

ALWAYS void ipanic(void)
{
	line_ipanic = __LINE__ + 1;
	capture();
	NOTAIL();
}
WEFT_FUNCID(ipanic, FUNCID_PANIC);

ALWAYS void iwrapP(void)
{
	line_iwrapP = __LINE__ + 1;
	ipanic();
	NOTAIL();
}
WEFT_FUNCID(iwrapP, FUNCID_WRAPPER);

static NOINLINE void host2(void)
{
	line_host2 = __LINE__ + 1;
	iwrapP();
	NOTAIL();
}

/* deep: NDEEP always_inline functions, deep129 calling deep128 ... deep0
 * calling capture, all in deephost. */
ALWAYS void deep0(void)
{
	line_deep0 = __LINE__ + 1;
	capture();
	NOTAIL();
}
#define D(i, j)                 \
	ALWAYS void deep##i(void) \
	{                         \
		deep##j();        \
		NOTAIL();         \
	}
#define D10(a, b) D(a##0, b##9) D(a##1, a##0) D(a##2, a##1) D(a##3, a##2) D(a##4, a##3) \
	D(a##5, a##4) D(a##6, a##5) D(a##7, a##6) D(a##8, a##7) D(a##9, a##8)
D(1, 0) D(2, 1) D(3, 2) D(4, 3) D(5, 4) D(6, 5) D(7, 6) D(8, 7) D(9, 8)
D10(1, ) D10(2, 1) D10(3, 2) D10(4, 3) D10(5, 4) D10(6, 5) D10(7, 6) D10(8, 7) D10(9, 8)
D10(10, 9) D10(11, 10) D10(12, 11)
_Static_assert(NDEEP == 130, "deep0 .. deep129");

static NOINLINE void deephost(void)
{
	line_deephost = __LINE__ + 1;
	deep129();
	NOTAIL();
}

/* after: the inlined function has code after its call to capture, so
 * that samples in afterhost land in an inline nest after a call (the
 * compiler may still schedule afterhost's own code first). */
static volatile int sink;

ALWAYS void after(void)
{
	line_after = __LINE__ + 1;
	capture();
	sink = __LINE__;
}

static NOINLINE void afterhost(void)
{
	line_afterhost = __LINE__ + 1;
	after();
	sink = __LINE__;
}

/* A Shape is one captured stack. */
typedef struct Shape {
	const char *name;
	uintptr_t pcs[MAXPC];
	int npc;
	int line; /* of weft_main's call */
} Shape;

static Shape sh_chain, sh_wrap, sh_panicwrap, sh_sigwrap, sh_around, sh_wrapwrap, sh_wraptop,
	sh_iwrap, sh_iwrapP, sh_deep, sh_after;

static void save(Shape *s, const char *name, int line)
{
	s->name = name;
	s->line = line;
	s->npc = nstk;
	for (int i = 0; i < nstk; i++)
		s->pcs[i] = stk[i];
}

/* ---- expectations ---- */

static bool streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static bool endswith(const char *s, const char *suffix)
{
	size_t n = 0, m = 0;
	while (s[n])
		n++;
	while (suffix[m])
		m++;
	return n >= m && streq(s + n - m, suffix);
}

static void fmt(char *buf, size_t n, const char *f, ...) WEFT_PRINTF(3, 4);
static void fmt(char *buf, size_t n, const char *f, ...)
{
	va_list ap;
	va_start(ap, f);
	rt_vsnprintf(buf, n, f, ap);
	va_end(ap);
}

/* A Want is one expected frame: a function in file (fpunwind.c, or
 * inlinechain.h for the chain's; line 0: any line; inlined and funcid -1:
 * either), or a value kept as it came because it has no function info. */
typedef struct Want {
	const char *function;
	int line;
	int inlined;
	int funcid;
	bool raw;
	uintptr_t value;
	const char *file;
} Want;

static Want want[MAXF];
static int nwant;
static char names[NDEEP][12];

static void want_reset(void)
{
	nwant = 0;
}

static void want_fn(const char *function, int line, int inlined, int funcid)
{
	want[nwant++] = (Want){function, line, inlined, funcid, false, 0, "fpunwind.c"};
}

/* want_chain wants a frame of the inline chain (inlinechain.h). */
static void want_chain(const char *function, int line, int inlined)
{
	want[nwant++] = (Want){function, line, inlined, FUNCID_NORMAL, false, 0, INLINECHAIN_FILE};
}

static void want_raw(uintptr_t v)
{
	want[nwant++] = (Want){"?", 0, -1, -1, true, v, NULL};
}

static void want_main(const Shape *s)
{
	want_fn("weft_main", s->line, 0, FUNCID_NORMAL);
}

static void dump(const uintptr_t *dst, int n)
{
	for (int i = 0; i < n; i++) {
		weft_frame f;
		bool known = traceStackFrame(dst[i], &f, NULL);
		weft_printf("\t%d: 0x%lx %s %s:%d%s funcid=%d%s\n", i, (unsigned long)dst[i], f.function,
			    f.file, f.line, f.inlined ? " (inlined)" : "", f.funcid, known ? "" : " (no info)");
	}
}

static void pass(const char *check)
{
	weft_printf("ok %s\n", check);
	passed++;
}

static void fail(const char *check, const char *why, const uintptr_t *dst, int n)
{
	weft_printf("FAIL %s: %s\n", check, why);
	if (dst)
		dump(dst, n);
	failed++;
}

static bool sameframe(const weft_frame *a, const weft_frame *b)
{
	return a->pc == b->pc && a->entry == b->entry && streq(a->function, b->function) &&
	       streq(a->file, b->file) && a->line == b->line && a->inlined == b->inlined &&
	       a->funcid == b->funcid;
}

/*
 * matches checks dst[0..n) against want[0..nwant) and, when tail, the
 * frames after the last one wanted against weft_frames' view of the same
 * return addresses (pcs[1..npc)): the runtime's frames below weft_main.
 * It writes why into why and returns false on the first difference.
 */
static bool matches(const uintptr_t *dst, int n, const uintptr_t *pcs, int npc, bool tail, char *why,
		    size_t nwhy)
{
	weft_frame f;
	for (int i = 0; i < nwant; i++) {
		const Want *w = &want[i];
		if (i >= n) {
			fmt(why, nwhy, "%d frames, want at least %d", n, nwant);
			return false;
		}
		bool known = traceStackFrame(dst[i], &f, NULL);
		if (w->raw) {
			if (dst[i] != w->value || known || !streq(f.function, "?"))
				fmt(why, nwhy, "frame %d: want 0x%lx kept, with no function info", i,
				    (unsigned long)w->value);
			else
				continue;
			return false;
		}
		const char *bad = NULL;
		if (!known)
			bad = "no function info";
		else if (!streq(f.function, w->function))
			bad = "wrong function";
		else if (w->line && f.line != w->line)
			bad = "wrong line";
		else if (w->inlined >= 0 && f.inlined != (w->inlined == 1))
			bad = "wrong inlining";
		else if (w->funcid >= 0 && f.funcid != w->funcid)
			bad = "wrong funcid";
		else if (!endswith(f.file, w->file))
			bad = "wrong file";
		if (bad) {
			fmt(why, nwhy, "frame %d: %s (want %s %s:%d%s)", i, bad, w->function, w->file, w->line,
			    w->inlined == 1 ? " inlined" : "");
			return false;
		}
	}
	if (!tail)
		return true;

	/* The reference: every logical frame of pcs, nothing left out. Find
	 * the last frame wanted in it; what follows must be the same. */
	static weft_frame ref[2 * MAXF];
	int nref = 0;
	weft_frames it;
	weft_frames_init(&it, pcs + 1, npc - 1);
	while (nref < (int)nelem(ref) && weft_frames_next(&it, &ref[nref]))
		nref++;
	traceStackFrame(dst[nwant - 1], &f, NULL);
	int r = 0;
	while (r < nref && !sameframe(&ref[r], &f))
		r++;
	if (r == nref) {
		fmt(why, nwhy, "frame %d (%s) is not among weft_frames' frames", nwant - 1, f.function);
		return false;
	}
	if (n - nwant != nref - (r + 1)) {
		fmt(why, nwhy, "%d frames after the last wanted, weft_frames has %d", n - nwant, nref - (r + 1));
		return false;
	}
	for (int i = nwant; i < n; i++) {
		traceStackFrame(dst[i], &f, NULL);
		if (!sameframe(&f, &ref[r + 1 + i - nwant])) {
			fmt(why, nwhy, "frame %d differs from weft_frames' %s:%d", i,
			    ref[r + 1 + i - nwant].function, ref[r + 1 + i - nwant].line);
			return false;
		}
	}
	return true;
}

/* expect expands pcs and compares the result with want (and the tail). */
static void expect(const char *check, const uintptr_t *pcs, int npc, bool tail)
{
	static uintptr_t dst[MAXF];
	char why[200];
	int n = fpunwindExpand(dst, MAXF, pcs, npc);
	if (matches(dst, n, pcs, npc, tail, why, sizeof why))
		pass(check);
	else
		fail(check, why, dst, n);
}

/*
 * generic runs the checks every stack must pass: the same input gives the
 * same values; skip k gives the skip-0 values from the k-th on; a dst of k
 * frames gets exactly the first k and nothing is written past them; no
 * two frames share a value (none of the shapes recurses).
 */
static void generic(const Shape *s)
{
	static uintptr_t d0[MAXF], d[MAXF + 8], pcs[MAXPC];
	char check[64];
	int n0 = fpunwindExpand(d0, MAXF, s->pcs, s->npc);

	fmt(check, sizeof check, "%s same", s->name);
	int n = fpunwindExpand(d, MAXF, s->pcs, s->npc);
	bool ok = n == n0 && n0 > 0;
	for (int i = 0; ok && i < n; i++)
		ok = d[i] == d0[i];
	if (ok)
		pass(check);
	else
		fail(check, "a second expansion differs", d, n);

	fmt(check, sizeof check, "%s distinct", s->name);
	ok = true;
	for (int i = 0; ok && i < n0; i++)
		for (int j = i + 1; ok && j < n0; j++)
			ok = d0[i] != d0[j];
	if (ok)
		pass(check);
	else
		fail(check, "two frames share a value", d0, n0);

	fmt(check, sizeof check, "%s skip", s->name);
	for (int i = 0; i < s->npc; i++)
		pcs[i] = s->pcs[i];
	ok = true;
	for (int k = 0; ok && k <= n0 + 2; k++) {
		pcs[0] = (uintptr_t)k;
		n = fpunwindExpand(d, MAXF, pcs, s->npc);
		ok = n == (k < n0 ? n0 - k : 0);
		for (int i = 0; ok && i < n; i++)
			ok = d[i] == d0[k + i];
		if (!ok) {
			char why[64];
			fmt(why, sizeof why, "skip %d: %d frames, want the last %d of %d", k, n,
			    k < n0 ? n0 - k : 0, n0);
			fail(check, why, d, n);
		}
	}
	if (ok)
		pass(check);

	fmt(check, sizeof check, "%s truncate", s->name);
	ok = true;
	for (int k = 0; ok && k <= n0 + 1; k++) {
		for (int i = 0; i < (int)nelem(d); i++)
			d[i] = POISON;
		n = fpunwindExpand(d, k, s->pcs, s->npc);
		ok = n == (k < n0 ? k : n0);
		for (int i = 0; ok && i < n; i++)
			ok = d[i] == d0[i];
		for (int i = n; ok && i < k + 8; i++)
			ok = d[i] == POISON;
		if (!ok) {
			char why[64];
			fmt(why, sizeof why, "dst of %d: %d frames, want %d, nothing after", k, n,
			    k < n0 ? k : n0);
			fail(check, why, d, k + 8);
		}
	}
	if (ok)
		pass(check);
}

/* ---- the cases ---- */

/* sentinel: a logical stack passes through as it is, wrappers and unknown
 * PCs included, nothing skipped, cut at ndst. */
static void sentinel(void)
{
	uintptr_t in[8], d[8];
	int nin = 0;
	in[nin++] = LOGICAL_STACK_SENTINEL;
	in[nin++] = sh_wrap.pcs[2]; /* in wrapN, a wrapper */
	in[nin++] = 0x10;
	in[nin++] = sh_chain.pcs[1];
	in[nin++] = sh_chain.pcs[1] | (uintptr_t)3 << TRACESTACK_TAG_SHIFT;
	in[nin++] = 0;

	bool ok = true;
	for (int k = 0; ok && k <= 8; k++) {
		for (int i = 0; i < 8; i++)
			d[i] = POISON;
		int n = fpunwindExpand(d, k, in, nin);
		ok = n == (k < nin - 1 ? k : nin - 1);
		for (int i = 0; ok && i < n; i++)
			ok = d[i] == in[1 + i];
		for (int i = n; ok && i < 8; i++)
			ok = d[i] == POISON;
		if (!ok)
			fail(k >= nin - 1 ? "sentinel" : "sentinel truncation", "not copied through", d, n);
	}
	if (ok) {
		pass("sentinel");
		pass("sentinel truncation");
	}
	if (fpunwindExpand(d, 8, in, 1) == 0 && fpunwindExpand(d, 8, in, 0) == 0)
		pass("sentinel empty");
	else
		fail("sentinel empty", "an empty stack gave frames", NULL, 0);
}

/* skip: from 0 up through the chain's inlined frames and past them. */
static void skips(void)
{
	static uintptr_t pcs[MAXPC];
	const Shape *s = &sh_chain;
	for (int i = 0; i < s->npc; i++)
		pcs[i] = s->pcs[i];
	for (int k = 0; k <= 5; k++) {
		const Want chainw[] = {
			{"c3", line_c3, 1, FUNCID_NORMAL, false, 0, INLINECHAIN_FILE},
			{"c2", line_c2, 1, FUNCID_NORMAL, false, 0, INLINECHAIN_FILE},
			{"c1", line_c1, 1, FUNCID_NORMAL, false, 0, INLINECHAIN_FILE},
			{"chain", line_chain, 0, FUNCID_NORMAL, false, 0, INLINECHAIN_FILE},
			{"weft_main", s->line, 0, FUNCID_NORMAL, false, 0, "fpunwind.c"},
		};
		want_reset();
		for (int i = k; i < (int)nelem(chainw); i++)
			want[nwant++] = chainw[i];
		pcs[0] = (uintptr_t)k;
		char check[32];
		fmt(check, sizeof check, "skip %d", k);
		if (nwant > 0) {
			expect(check, pcs, s->npc, true);
		} else { /* past weft_main: the runtime's frames, one fewer */
			uintptr_t d0[MAXF], d[MAXF];
			pcs[0] = 0;
			int n0 = fpunwindExpand(d0, MAXF, pcs, s->npc);
			pcs[0] = (uintptr_t)k;
			int n = fpunwindExpand(d, MAXF, pcs, s->npc);
			bool ok = n == n0 - k;
			for (int i = 0; ok && i < n; i++)
				ok = d[i] == d0[i + k];
			if (ok)
				pass(check);
			else
				fail(check, "not the skip-0 frames from the 6th on", d, n);
		}
	}
	uintptr_t d[4];
	pcs[0] = 1000;
	if (fpunwindExpand(d, 4, pcs, s->npc) == 0)
		pass("skip all");
	else
		fail("skip all", "frames left after skipping more than there are", d, 4);
}

/* truncate: a dst shorter than the expansion, cut inside the inlined frames. */
static void truncation(void)
{
	uintptr_t d[8];
	char why[200];
	for (int i = 0; i < 8; i++)
		d[i] = POISON;
	int n = fpunwindExpand(d, 2, sh_chain.pcs, sh_chain.npc);
	want_reset();
	want_chain("c3", line_c3, 1);
	want_chain("c2", line_c2, 1);
	if (n == 2 && d[2] == POISON && matches(d, n, NULL, 0, false, why, sizeof why))
		pass("truncate");
	else
		fail("truncate", n == 2 ? why : "not exactly 2 frames", d, n);

	uintptr_t pcs[MAXPC];
	for (int i = 0; i < sh_chain.npc; i++)
		pcs[i] = sh_chain.pcs[i];
	pcs[0] = 1;
	n = fpunwindExpand(d, 3, pcs, sh_chain.npc);
	want_reset();
	want_chain("c2", line_c2, 1);
	want_chain("c1", line_c1, 1);
	want_chain("chain", line_chain, 0);
	if (n == 3 && d[3] == POISON && matches(d, n, NULL, 0, false, why, sizeof why))
		pass("truncate after skip");
	else
		fail("truncate after skip", n == 3 ? why : "not exactly 3 frames", d, n);
}

static void wrappers(void)
{
	want_reset();
	want_fn("wrappedN", line_wrappedN, 0, FUNCID_NORMAL);
	want_main(&sh_wrap); /* wrapN left out */
	expect("wrapper elided", sh_wrap.pcs, sh_wrap.npc, true);

	want_reset();
	want_fn("panicky", line_panicky, 0, FUNCID_PANIC);
	want_fn("wrapP", line_wrapP, 0, FUNCID_WRAPPER);
	want_main(&sh_panicwrap);
	expect("wrapper calling panic kept", sh_panicwrap.pcs, sh_panicwrap.npc, true);

	want_reset();
	want_fn("sigpanicky", line_sigpanicky, 0, FUNCID_SIGPANIC);
	want_fn("wrapS", line_wrapS, 0, FUNCID_WRAPPER);
	want_main(&sh_sigwrap);
	expect("wrapper calling sigpanic kept", sh_sigwrap.pcs, sh_sigwrap.npc, true);

	want_reset();
	want_fn("target", line_target, 0, FUNCID_NORMAL);
	/* wrapInner calls target: left out */
	want_fn("panicky2", line_panicky2, 0, FUNCID_PANIC);
	want_fn("wrapOuter", line_wrapOuter, 0, FUNCID_WRAPPER);
	want_main(&sh_around);
	expect("wrappers around panic", sh_around.pcs, sh_around.npc, true);

	want_reset();
	want_fn("panicky3", line_panicky3, 0, FUNCID_PANIC);
	want_fn("wrapY", line_wrapY, 0, FUNCID_WRAPPER);
	/* wrapX calls a wrapper, not a panic function: left out */
	want_main(&sh_wrapwrap);
	expect("wrapper calling wrapper elided", sh_wrapwrap.pcs, sh_wrapwrap.npc, true);

	want_reset();
	want_main(&sh_wraptop); /* wrapTop, innermost, calls nothing known */
	expect("innermost wrapper elided", sh_wraptop.pcs, sh_wraptop.npc, true);

	want_reset();
	want_fn("target2", line_target2, 0, FUNCID_NORMAL);
	want_fn("host", line_host, 0, FUNCID_NORMAL); /* iwrap, inlined in host, left out */
	want_main(&sh_iwrap);
	expect("inlined wrapper elided", sh_iwrap.pcs, sh_iwrap.npc, true);

	want_reset();
	want_fn("ipanic", line_ipanic, 1, FUNCID_PANIC);
	want_fn("iwrapP", line_iwrapP, 1, FUNCID_WRAPPER);
	want_fn("host2", line_host2, 0, FUNCID_NORMAL);
	want_main(&sh_iwrapP);
	expect("inlined wrapper calling panic kept", sh_iwrapP.pcs, sh_iwrapP.npc, true);

	/* Skip counts what is kept: skipping 1 of the wrap shape leaves
	 * weft_main first, not the left-out wrapN. */
	uintptr_t pcs[MAXPC];
	for (int i = 0; i < sh_wrap.npc; i++)
		pcs[i] = sh_wrap.pcs[i];
	pcs[0] = 1;
	want_reset();
	want_main(&sh_wrap);
	expect("skip past elided wrapper", pcs, sh_wrap.npc, true);
}

static const char some_data[16] = "not code";

/* build makes pcBuf = {skip, pre..., pcs[first..]} into out. */
static int build(uintptr_t *out, uintptr_t skip, const uintptr_t *pre, int npre, const Shape *s, int first)
{
	int n = 0;
	out[n++] = skip;
	for (int i = 0; i < npre; i++)
		out[n++] = pre[i];
	for (int i = first; i < s->npc; i++)
		out[n++] = s->pcs[i];
	return n;
}

/* unknown: return addresses with no function info are kept as they are,
 * count toward skip, and leave the wrapper rule alone: the frame after one
 * looks at the frame before it. */
static void unknown(void)
{
	static uintptr_t in[MAXPC + 8];
	const Shape *s = &sh_panicwrap; /* pcs: 0, panicky, wrapP, weft_main, ... */
	uintptr_t data = (uintptr_t)some_data;
	int n;

	n = build(in, 0, (uintptr_t[]){0x10, data, 0}, 3, s, 1);
	want_reset();
	want_raw(0x10);
	want_raw(data);
	want_raw(0);
	want_fn("panicky", line_panicky, 0, FUNCID_PANIC);
	want_fn("wrapP", line_wrapP, 0, FUNCID_WRAPPER);
	want_main(s);
	expect("unknown pcs kept", in, n, true);

	/* panicky, 0x10, wrapP: wrapP still calls panicky. */
	n = 0;
	in[n++] = 0;
	in[n++] = s->pcs[1];
	in[n++] = 0x10;
	for (int i = 2; i < s->npc; i++)
		in[n++] = s->pcs[i];
	want_reset();
	want_fn("panicky", line_panicky, 0, FUNCID_PANIC);
	want_raw(0x10);
	want_fn("wrapP", line_wrapP, 0, FUNCID_WRAPPER);
	want_main(s);
	expect("unknown pc between panic and wrapper", in, n, true);

	/* 0x10, wrapP: wrapP calls nothing known, and is left out. */
	n = build(in, 0, (uintptr_t[]){0x10}, 1, s, 2);
	want_reset();
	want_raw(0x10);
	want_main(s);
	expect("unknown pc before wrapper", in, n, true);

	/* Skip counts unknown PCs. */
	n = build(in, 2, (uintptr_t[]){0x10, data}, 2, s, 1);
	want_reset();
	want_fn("panicky", line_panicky, 0, FUNCID_PANIC);
	want_fn("wrapP", line_wrapP, 0, FUNCID_WRAPPER);
	want_main(s);
	expect("skip unknown pcs", in, n, true);

	/* Only unknown PCs. */
	n = build(in, 1, (uintptr_t[]){0x10, data, 0x20}, 3, s, s->npc);
	want_reset();
	want_raw(data);
	want_raw(0x20);
	uintptr_t d[8];
	char why[200];
	int nd = fpunwindExpand(d, 8, in, n);
	if (nd == 2 && matches(d, nd, NULL, 0, false, why, sizeof why))
		pass("only unknown pcs");
	else
		fail("only unknown pcs", nd == 2 ? why : "want 2 frames", d, nd);

	/* traceStackFrame names nothing for a tag no frame has. */
	weft_frame f;
	uintptr_t notag = sh_wrap.pcs[1] | (uintptr_t)5 << TRACESTACK_TAG_SHIFT; /* wrappedN: no inlining */
	if (!traceStackFrame(notag, &f, NULL) && !traceStackFrame(0x10, &f, NULL) && streq(f.function, "?"))
		pass("unknown tags");
	else
		fail("unknown tags", "a value fpunwindExpand cannot write named a frame", &notag, 1);
}

/* deep: an inline nest deeper than tags can name keeps its first
 * TRACESTACK_TAG_MAXINL + 1 frames and the physical function. */
static void deep(void)
{
	want_reset();
	want_fn("deep0", line_deep0, 1, FUNCID_NORMAL);
	for (int i = 1; i <= TRACESTACK_TAG_MAXINL && i < NDEEP; i++)
		want_fn(names[i], 0, 1, FUNCID_NORMAL);
	want_fn("deephost", line_deephost, 0, FUNCID_NORMAL);
	want_main(&sh_deep);
	expect("deep inline", sh_deep.pcs, sh_deep.npc, true);

	/* The physical function's value carries TRACESTACK_TAG_FUNC. */
	uintptr_t d[MAXF];
	int n = fpunwindExpand(d, MAXF, sh_deep.pcs, sh_deep.npc);
	int k = TRACESTACK_TAG_MAXINL + 1;
	if (n > k && d[k] >> TRACESTACK_TAG_SHIFT == TRACESTACK_TAG_FUNC &&
	    (d[k] & TRACESTACK_PC_MASK) == sh_deep.pcs[1] && d[0] == sh_deep.pcs[1])
		pass("deep tags");
	else
		fail("deep tags", "want the return address, tagged 0 .. 126 and 127", d, n);
}

/*
 * tracepcs: the PCs the trace writes (traceStackFrame's tracepc) for the
 * frames of every shape, and of a CPU sample at every byte of every
 * function above weft_main in them (a sample's PC starts an instruction;
 * every byte is a superset, and the rule must hold there too). A PC names
 * one frame, function, file and line, wherever it appears. What broke
 * before: a sample's frames at P + 1 - depth, its inlined ones reaching
 * back to P, which another stack gave the innermost frame at the call
 * ending there, or another sample its own innermost frame at P - 1.
 */
enum { NPCTAB = 1 << 16 };
typedef struct PcFrame {
	uintptr_t pc;
	const char *function, *file;
	int line;
} PcFrame;
static PcFrame pctab[NPCTAB];
static int npctab;

/* pcframe records what pc names, and reports whether it names nothing
 * else; on a conflict it writes both into why. */
static bool pcframe(uintptr_t pc, const weft_frame *f, char *why, size_t nwhy)
{
	uint64_t h = (uint64_t)pc * 0x9E3779B97F4A7C15ull;
	for (uint32_t i = (uint32_t)(h >> 48);; i = (i + 1) & (NPCTAB - 1)) {
		PcFrame *e = &pctab[i];
		if (!e->function) {
			if (npctab >= NPCTAB / 2) {
				fmt(why, nwhy, "more than %d PCs", NPCTAB / 2);
				return false;
			}
			*e = (PcFrame){pc, f->function, f->file, f->line};
			npctab++;
			return true;
		}
		if (e->pc != pc)
			continue;
		if (streq(e->function, f->function) && streq(e->file, f->file) && e->line == f->line)
			return true;
		fmt(why, nwhy, "PC 0x%lx names %s %s:%d and %s %s:%d", (unsigned long)pc, e->function, e->file,
		    e->line, f->function, f->file, f->line);
		return false;
	}
}

/* stackpcs expands pcBuf and records its frames' trace PCs, and returns
 * how many frames share the first's return address (or exact PC); -1,
 * and why, on a conflict. */
static int stackpcs(const uintptr_t *pcBuf, int npc, char *why, size_t nwhy)
{
	static uintptr_t d[MAXF];
	int n = fpunwindExpand(d, MAXF, pcBuf, npc), nest = 0;
	for (int i = 0; i < n; i++) {
		weft_frame f;
		uintptr_t pc = 0;
		traceStackFrame(d[i], &f, &pc);
		if (pc == 0 || pc >> TRACESTACK_TAG_SHIFT != 0) { /* a tag leaked */
			fmt(why, nwhy, "frame %d (%s) has trace PC 0x%lx, no address", i, f.function, (unsigned long)pc);
			return -1;
		}
		if (!pcframe(pc, &f, why, nwhy))
			return -1;
		if ((d[i] & TRACESTACK_PC_MASK) == (d[0] & TRACESTACK_PC_MASK))
			nest++;
	}
	return nest;
}

static void tracepcs(const Shape *const *all, int nall)
{
	const SymtabFunc *done[MAXF];
	int ndone = 0, nsample = 0, nested = 0;
	char why[200];
	for (int k = 0; k < nall; k++) {
		const Shape *s = all[k];
		if (stackpcs(s->pcs, s->npc, why, sizeof why) < 0)
			goto bad;
		for (int i = 1; i < s->npc; i++) {
			const SymtabFunc *fn = findfunc(s->pcs[i] - 1);
			if (fn && streq(funcname(fn), "weft_main"))
				break; /* and the runtime's below */
			bool seen = false;
			for (int j = 0; j < ndone; j++)
				seen |= done[j] == fn;
			if (!fn || seen || ndone == MAXF)
				continue;
			done[ndone++] = fn;
			for (uintptr_t pc = funcentry(fn); findfunc(pc) == fn; pc++) {
				uintptr_t in[2] = {CPU_SAMPLE_STACK, pc};
				int nest = stackpcs(in, 2, why, sizeof why);
				if (nest < 0)
					goto bad;
				nsample++;
				nested += nest > 1;
			}
		}
	}
	weft_printf("trace pcs: %d stacks, %d samples (%d with inlined frames at their PC), %d PCs\n", nall,
		    nsample, nested, npctab);
	/* The inlined shapes have code of inlined calls: samples there
	 * have frames the old rule placed before their PC. */
	if (nested == 0)
		fail("trace pcs", "no sample had inlined frames at its PC", NULL, 0);
	else
		pass("trace pcs");
	return;
bad:
	fail("trace pcs", why, NULL, 0);
}

/* CAPTURE calls fn, which captures a stack, and saves it as shape sh, with
 * the line of the call (on the same line as the macro's use). */
#define CAPTURE(sh, name, fn)                    \
	do {                                     \
		fn();                            \
		save(&sh, name, __LINE__);       \
	} while (0)

int weft_main(int argc, char **argv)
{
	for (int i = 0; i < NDEEP; i++)
		fmt(names[i], sizeof names[i], "deep%d", i);

	CAPTURE(sh_chain, "chain", chain);
	CAPTURE(sh_wrap, "wrap", wrapN);
	CAPTURE(sh_panicwrap, "panicwrap", wrapP);
	CAPTURE(sh_sigwrap, "sigwrap", wrapS);
	CAPTURE(sh_around, "around", wrapOuter);
	CAPTURE(sh_wrapwrap, "wrapwrap", wrapX);
	CAPTURE(sh_wraptop, "wraptop", wrapTop);
	CAPTURE(sh_iwrap, "iwrap", host);
	CAPTURE(sh_iwrapP, "iwrapP", host2);
	CAPTURE(sh_deep, "deep", deephost);
	CAPTURE(sh_after, "after", afterhost);

	const Shape *all[] = {&sh_chain,    &sh_wrap,    &sh_panicwrap, &sh_sigwrap, &sh_around, &sh_wrapwrap,
			      &sh_wraptop, &sh_iwrap, &sh_iwrapP,    &sh_deep,    &sh_after};
	if (argc > 1 && streq(argv[1], "-v")) {
		static uintptr_t d[MAXF];
		for (int i = 0; i < (int)nelem(all); i++) {
			weft_printf("%s:\n", all[i]->name);
			dump(d, fpunwindExpand(d, MAXF, all[i]->pcs, all[i]->npc));
		}
	}

	/* The chain, whole: c3, c2, c1 inlined in chain, then weft_main. */
	want_reset();
	want_chain("c3", line_c3, 1);
	want_chain("c2", line_c2, 1);
	want_chain("c1", line_c1, 1);
	want_chain("chain", line_chain, 0);
	want_main(&sh_chain);
	expect("chain", sh_chain.pcs, sh_chain.npc, true);

	sentinel();
	skips();
	truncation();
	wrappers();
	unknown();
	deep();

	for (int i = 0; i < (int)nelem(all); i++)
		generic(all[i]);
	tracepcs(all, (int)nelem(all));

	weft_printf("fpunwind: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
