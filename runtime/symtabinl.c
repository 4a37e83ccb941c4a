/*
 * symtabinl.c: the inline unwinder (Go's symtabinl.go).
 *
 * One PC of a physical function may stand for several logical frames: the
 * inlined calls around it, innermost first, then the function itself. The
 * unwinder yields them in that order, each with its name, FuncID and the
 * file:line within it: the PC's own line for the innermost frame, and for
 * every frame outside it the line of the call to the frame just inside
 * (abi/symtab.h explains why weft records call sites where Go records a
 * PC in the caller). Use:
 *
 *	InlineUnwinder u;
 *	for (InlineFrame uf = newInlineUnwinder(&u, f, pc); inlframe_valid(uf);
 *	     uf = inl_next(&u, uf))
 *		... inl_srcfunc(&u, uf), inl_fileline(&u, uf, &line) ...
 *
 * pc must be the PC of the instruction itself: for a return address, the
 * caller subtracts one first to land in the call.
 */
#include "runtime.h"

/* newInlineUnwinder starts unwinding the logical frames of f at pc. */
InlineFrame newInlineUnwinder(InlineUnwinder *u, const SymtabFunc *f, uintptr_t pc)
{
	u->f = f;
	u->tree = symtab_inltree(f);
	int32_t ix = f->ninl ? pcvalue(f, f->pcinl, pc) : -1;
	if (ix < -1 || ix >= (int32_t)f->ninl)
		ix = -1; /* a damaged table: fall back to the physical frame */
	return (InlineFrame){.pc = pc, .index = ix, .child = -1, .depth = 0};
}

/* inl_next returns the frame that calls uf, or an invalid frame after the
 * physical function. */
InlineFrame inl_next(const InlineUnwinder *u, InlineFrame uf)
{
	if (uf.index < 0)
		return (InlineFrame){0, 0, 0, 0};
	int32_t parent = u->tree[uf.index].parent;
	/* No chain of calls is longer than the tree: a longer one is a cycle
	 * in a damaged table. */
	if (parent < -1 || parent >= (int32_t)u->f->ninl || uf.depth >= (int32_t)u->f->ninl)
		parent = -1;
	return (InlineFrame){.pc = uf.pc, .index = parent, .child = uf.index, .depth = uf.depth + 1};
}

/* inl_isinlined reports whether uf is an inlined call (not the physical
 * function). */
bool inl_isinlined(const InlineUnwinder *u, InlineFrame uf)
{
	(void)u;
	return uf.index >= 0;
}

/* inl_srcfunc returns the name, FuncID and first line of uf's function. */
SrcFunc inl_srcfunc(const InlineUnwinder *u, InlineFrame uf)
{
	if (uf.index >= 0) {
		const SymtabInlinedCall *ic = &u->tree[uf.index];
		return (SrcFunc){symtab_string(ic->name), ic->funcid, (int32_t)ic->startline};
	}
	return (SrcFunc){funcname(u->f), u->f->funcid, (int32_t)u->f->startline};
}

/* inl_fileline returns uf's file and sets *line: the source position of
 * uf.pc in the innermost frame, of the call to the inner frame elsewhere. */
const char *inl_fileline(const InlineUnwinder *u, InlineFrame uf, int32_t *line)
{
	if (uf.child >= 0) {
		const SymtabInlinedCall *ic = &u->tree[uf.child];
		*line = (int32_t)ic->callline;
		return symtab_file(ic->callfile);
	}
	*line = pcvalue(u->f, u->f->pcline, uf.pc);
	if (*line < 0)
		*line = 0;
	int32_t file = pcvalue(u->f, u->f->pcfile, uf.pc);
	return file < 0 ? "?" : symtab_file((uint32_t)file);
}
