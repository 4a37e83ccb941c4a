/*
 * cmd/weft-symtab/build.c: what goes into the table, and symtab_generate,
 * the generator's entry point.
 *
 * Functions. The DIE walk (walk) collects every DW_TAG_subprogram with
 * code, and below it every DW_TAG_inlined_subroutine, remembering the
 * nearest enclosing inlined call of each. A subprogram with several
 * ranges (gcc's hot/cold split) becomes one function per contiguous
 * range, each named after the subprogram as addr2line names them: the
 * cold part of foo is foo, not the symbol foo.cold. Ranges outside
 * executable sections are the remains of code the linker discarded and
 * are dropped. FUNC symbols whose entry no DWARF function covers (the
 * assembly routines, libgcc) are added, clipped at the next DWARF
 * function. They take their lines from the unit whose range covers them,
 * if any (clang describes .S files by their lines and labels only). They
 * are flagged SYMTAB_FLAG_ASM unless that unit is C, as are the
 * functions of an assembler's own DWARF (gas describes .S routines as
 * subprograms).
 *
 * The program's code. Given the program's C sources (--user, canonical
 * paths), a C unit whose DW_AT_name, joined to DW_AT_comp_dir when
 * relative and made canonical the same way (path_canon), is one of them
 * is the program's, and so is every function the table takes from it:
 * its subprograms, static inline ones from headers included, and a
 * symbol its range covers. They get SYMTAB_FLAG_USER, which is what
 * async preemption asks of a PC. No other unit is the program's: the
 * runtime's, the hosted shim's, libc's if it has DWARF, an assembler's.
 * Comparing paths rather than taking what the executable says about
 * itself is the point: only the driver knows which objects it compiled
 * from the program's sources and which came prebuilt.
 *
 * Overlaps are settled in entry order: of functions with the same entry
 * the longer wins, then the earlier DIE, or for symbols the public name
 * (fewer leading underscores), GLOBAL before WEAK before LOCAL, the
 * shorter name; a function that starts inside another ends the earlier
 * one there. Entries are never moved, so every
 * function that survives can still be found from its address.
 *
 * Names and definitions follow DW_AT_abstract_origin and
 * DW_AT_specification from the concrete DIE to the abstract one (resolve,
 * memoized by DIE offset), so out-of-line copies of inline functions and
 * inlined calls are named after their source function.
 *
 * Inline trees. Each function gets the inlined calls of its subprogram
 * that have code within its range, plus their ancestors, in DIE order
 * (parents before children). pcinl gives each pc the deepest inlined
 * call covering it: children are painted over parents, which is right
 * even where a compiler's child ranges stray outside their parent's.
 *
 * FuncIDs. A .weft_funcid record names a function entry. The FuncID goes
 * to that function and, through the identity of its source function
 * (name, decl file, decl line of the abstract origin), to every other
 * part or copy of it and to every inlined call of it. Matching on that
 * identity rather than on a DIE offset also catches copies of a static
 * inline function from a header inlined in several compilation units,
 * each of which has its own abstract DIE. Assembly routines (no declared
 * file) are never inlined, and their marks stay with their address.
 */
#include <stdlib.h>

#include "symtabgen.h"

static const char INFO[] = ".debug_info";

#define MAX_DEPTH 1024 /* DIE nesting */
#define MAX_HOPS 16    /* origin/specification chains */

/* Sub is a subprogram with code. */
typedef struct Sub {
	Unit *u;
	uint64_t die;
	size_t r0, nr; /* its ranges in B.ranges */
	size_t n0, nn; /* its inlined calls in B.order */
} Sub;

/* Node is an inlined call. */
typedef struct Node {
	int64_t sub;    /* the subprogram it belongs to */
	int64_t parent; /* global index of the enclosing call, or -1 */
	int32_t depth;
	Unit *u;
	uint64_t origin;  /* abstract origin's DIE offset, 0 if none */
	uint64_t off;     /* its own DIE offset, for messages */
	bool has_file;
	uint64_t call_file, call_line;
	size_t r0, nr;
} Node;

/* Cand is a candidate function: one contiguous range. */
typedef struct Cand {
	uint64_t lo, hi;
	int64_t sub;    /* index in B.subs, or -1: from a symbol */
	const Sym *sym; /* for symbols */
	uint64_t key;   /* tie-break: DIE offset */
} Cand;

/* Origin is what resolve learns about a DIE. */
typedef struct Origin {
	uint32_t name; /* string offset, UINT32_MAX: none */
	int32_t file;  /* -1: none */
	uint32_t line;
} Origin;

typedef struct B {
	Ctx *c;
	Elf e;
	Dwarf d;
	Table *t;
	VEC(Sub) subs;
	VEC(Node) nodes;
	VEC(size_t) order; /* node indices grouped by subprogram */
	RangeVec ranges;
	Sym *syms;
	size_t nsym;
	VEC(Cand) funcs; /* the final functions, sorted */
	RuleIvs cfi;
	uint64_t *cfimax;
	VEC(Origin) origins;
	Map originix; /* DIE offset -> index in origins */
	struct UnitRange {
		uint64_t lo, hi;
		Unit *u;
	} *uranges;
	size_t nuranges;
	int32_t nofile; /* index of the file "?", -1 until used */
	VEC(struct Mark {
		Origin o;
		uint8_t id;
	}) marks;
} B;

/* ---- the DIE walk ---- */

/* add_ranges appends die's code ranges to b->ranges; returns false if it
 * has none. */
static bool add_ranges(B *b, Unit *u, const Die *die, size_t *r0, size_t *nr)
{
	*r0 = b->ranges.n;
	bool has = dw_pc_ranges(&b->d, u, die, &b->ranges);
	*nr = b->ranges.n - *r0;
	return has && *nr > 0;
}

/* walk visits every DIE of unit u. */
static void walk(B *b, Unit *u)
{
	Ctx *c = b->c;
	struct Scope {
		int64_t sub;  /* current subprogram with code; -1 none, -2 codeless */
		int64_t node; /* current inlined call, -1 none */
	} *st = cx_alloc(c, (MAX_DEPTH + 1) * sizeof *st);
	int depth = 0;
	st[0].sub = -1;
	st[0].node = -1;
	Rd r = dw_info_reader(&b->d, u);
	Die die;
	while (rd_left(&r)) {
		cx_work(c, 1);
		if (!dw_die(&b->d, u, &r, &die)) {
			if (depth > 0)
				depth--;
			continue;
		}
		struct Scope cur = st[depth], next = cur;
		if (die.tag == DW_TAG_subprogram) {
			size_t r0, nr;
			next.node = -1;
			next.sub = -2;
			if (add_ranges(b, u, &die, &r0, &nr)) {
				Sub *s = VPUSH(c, &b->subs);
				s->u = u;
				s->die = die.off;
				s->r0 = r0;
				s->nr = nr;
				next.sub = (int64_t)b->subs.n - 1;
			}
		} else if (die.tag == DW_TAG_inlined_subroutine && cur.sub >= 0) {
			Node *n = VPUSH(c, &b->nodes);
			n->sub = cur.sub;
			n->parent = cur.node;
			n->depth = cur.node >= 0 ? b->nodes.v[cur.node].depth + 1 : 0;
			n->u = u;
			n->off = die.off;
			n->origin = die.origin.cls == CLS_REF ? die.origin.u : 0;
			n->has_file = die.call_file.cls == CLS_CONST;
			n->call_file = dw_const(&die.call_file);
			n->call_line = dw_const(&die.call_line);
			add_ranges(b, u, &die, &n->r0, &n->nr);
			next.node = (int64_t)b->nodes.n - 1;
		}
		if (die.children) {
			if (depth == MAX_DEPTH)
				fail(c, INFO, die.off, "DIEs nested more than %d deep", MAX_DEPTH);
			st[++depth] = next;
		}
	}
	cx_free(c, st);
}

/* group_nodes orders the inlined calls by subprogram (DIE order kept
 * within each), since nested subprograms interleave them. */
static void group_nodes(B *b)
{
	Ctx *c = b->c;
	for (size_t i = 0; i < b->nodes.n; i++)
		b->subs.v[b->nodes.v[i].sub].nn++;
	size_t at = 0;
	for (size_t i = 0; i < b->subs.n; i++) {
		b->subs.v[i].n0 = at;
		at += b->subs.v[i].nn;
		b->subs.v[i].nn = 0;
	}
	cx_grow(c, &b->order.v, &b->order.cap, b->nodes.n, sizeof(size_t));
	b->order.n = b->nodes.n;
	for (size_t i = 0; i < b->nodes.n; i++) {
		Sub *s = &b->subs.v[b->nodes.v[i].sub];
		b->order.v[s->n0 + s->nn++] = i;
	}
}

/* is_c reports whether lang is one of DWARF's C dialects. */
static bool is_c(uint64_t lang)
{
	return lang == DW_LANG_C89 || lang == DW_LANG_C || lang == DW_LANG_C99 ||
	       lang == DW_LANG_C11 || lang == DW_LANG_C17;
}

/* mark_user sets user on each C unit whose source file is one of opts'
 * (see the file comment). It reads the file system (realpath) for the
 * units' paths, and so is skipped when there are no sources to match. */
static void mark_user(B *b, const GenOpts *opts)
{
	Ctx *c = b->c;
	if (!opts || !opts->nuser)
		return;
	for (size_t i = 0; i < b->d.units.n; i++) {
		Unit *u = &b->d.units.v[i];
		if (!is_c(u->lang) || !u->name || !u->name[0])
			continue;
		const char *path = u->name;
		if (path[0] != '/' && u->comp_dir && u->comp_dir[0]) {
			size_t a = strlen(u->comp_dir), n = strlen(u->name);
			char *s = cx_alloc(c, a + n + 2);
			memcpy(s, u->comp_dir, a);
			s[a] = '/';
			memcpy(s + a + 1, u->name, n + 1);
			path = s;
		}
		path = path_canon(c, path);
		cx_work(c, opts->nuser);
		for (size_t j = 0; j < opts->nuser && !u->user; j++)
			u->user = strcmp(path, opts->user[j]) == 0;
	}
}

/* ---- names ---- */

/* resolve follows die's abstract origin and specification to its name
 * and definition. */
static Origin resolve(B *b, uint64_t off)
{
	Ctx *c = b->c;
	bool isnew;
	uint64_t *ix = map_put(c, &b->originix, off, &isnew);
	if (!isnew)
		return b->origins.v[*ix];
	Origin o = {UINT32_MAX, -1, 0};
	const char *name = NULL;
	bool decl = false;
	uint64_t cur = off;
	for (int hop = 0; hop < MAX_HOPS && cur; hop++) {
		cx_work(c, 1);
		Die die;
		Unit *u;
		if (!dw_die_at(&b->d, cur, &die, &u))
			break;
		if (!name)
			name = dw_string(&b->d, u, &die.name);
		if (!decl && die.decl_line.cls != CLS_NONE) {
			decl = true;
			o.line = (uint32_t)dw_const(&die.decl_line);
			if (die.decl_file.cls == CLS_CONST)
				o.file = line_file(&b->d, u, die.decl_file.u, INFO, die.off);
		}
		if (name && decl)
			break;
		if (die.origin.cls == CLS_REF)
			cur = die.origin.u;
		else if (die.spec.cls == CLS_REF)
			cur = die.spec.u;
		else
			cur = 0;
	}
	if (name)
		o.name = str_intern(c, &b->t->str, name);
	/* The map may have grown: look the slot up again. */
	*VPUSH(c, &b->origins) = o;
	*map_put(c, &b->originix, off, NULL) = b->origins.n - 1;
	return o;
}

/* nofile returns the index of the file "?", for what has no source file. */
static int32_t nofile(B *b)
{
	if (b->nofile < 0)
		b->nofile = files_add(b->c, &b->t->files, str_intern(b->c, &b->t->str, "?"));
	return b->nofile;
}

/* ---- functions ---- */

/* cmp_range orders ranges by start, then end. */
static int cmp_range(const void *pa, const void *pb)
{
	const Range *a = pa, *b = pb;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return (a->hi > b->hi) - (a->hi < b->hi);
}

/* sym_rank orders symbol bindings: GLOBAL, WEAK, LOCAL, the rest. */
static int sym_rank(const Sym *s)
{
	switch (s->bind) {
	case 1: return 0; /* GLOBAL */
	case 2: return 1; /* WEAK */
	case 0: return 2; /* LOCAL */
	default: return 3;
	}
}

/* cmp_syms orders aliases, the preferred first: fewer leading underscores
 * (fstatat, not __GI___fstatat: the public name), then GLOBAL before WEAK
 * before LOCAL, then the shorter name, then by bytes. */
static int cmp_syms(const Sym *a, const Sym *b)
{
	size_t ua = strspn(a->name, "_"), ub = strspn(b->name, "_");
	if (ua != ub)
		return ua < ub ? -1 : 1;
	if (sym_rank(a) != sym_rank(b))
		return sym_rank(a) - sym_rank(b);
	size_t la = strlen(a->name), lb = strlen(b->name);
	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* cmp_cand orders candidate functions for settle: by entry, the longer
 * first, then the preferred symbol, then the earlier DIE. */
static int cmp_cand(const void *pa, const void *pb)
{
	const Cand *a = pa, *b = pb;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	if (a->hi != b->hi)
		return a->hi > b->hi ? -1 : 1; /* longer first */
	if (a->sym && b->sym) {
		int k = cmp_syms(a->sym, b->sym);
		if (k)
			return k;
	}
	return (a->key > b->key) - (a->key < b->key);
}

/* settle sorts v and removes overlaps, in place (see the file comment). */
static void settle(B *b, Cand *v, size_t *n)
{
	xsort(v, *n, sizeof *v, cmp_cand);
	size_t m = 0;
	for (size_t i = 0; i < *n; i++) {
		cx_work(b->c, 1);
		if (m && v[m - 1].lo == v[i].lo)
			continue;
		if (m && v[i].lo < v[m - 1].hi)
			v[m - 1].hi = v[i].lo;
		v[m++] = v[i];
	}
	*n = m;
}

/* find_cand returns the index of the function in v[0..n) containing pc,
 * or the first one after it (n if none). */
static size_t find_cand(const Cand *v, size_t n, uint64_t pc)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid].hi <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* cmp_sym orders symbols by address, the preferred alias first. */
static int cmp_sym(const void *pa, const void *pb)
{
	const Sym *a = pa, *b = pb;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return cmp_syms(a, b);
}

/* sym_at returns the preferred symbol at addr, or NULL (b->syms sorted). */
static const Sym *sym_at(B *b, uint64_t addr)
{
	size_t lo = 0, hi = b->nsym;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->syms[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < b->nsym && b->syms[lo].addr == addr ? &b->syms[lo] : NULL;
}

/* collect_functions fills b->funcs. */
static void collect_functions(B *b)
{
	Ctx *c = b->c;
	VEC(Cand) dw = {0}, sy = {0};

	for (size_t i = 0; i < b->subs.n; i++) {
		Sub *s = &b->subs.v[i];
		Range *rg = cx_alloc(c, s->nr * sizeof *rg);
		memcpy(rg, b->ranges.v + s->r0, s->nr * sizeof *rg);
		xsort(rg, s->nr, sizeof *rg, cmp_range);
		for (size_t j = 0; j < s->nr;) {
			uint64_t lo = rg[j].lo, hi = rg[j].hi;
			for (j++; j < s->nr && rg[j].lo <= hi; j++)
				if (rg[j].hi > hi)
					hi = rg[j].hi;
			if (!elf_exec_section(&b->e, lo, hi))
				continue;
			Cand *f = VPUSH(c, &dw);
			f->lo = lo;
			f->hi = hi;
			f->sub = (int64_t)i;
			f->key = s->die;
		}
		cx_free(c, rg);
	}
	settle(b, dw.v, &dw.n);

	for (size_t i = 0; i < b->nsym; i++) {
		const Sym *y = &b->syms[i];
		const Section *sc = elf_exec_section(&b->e, y->addr, y->addr + 1);
		if (!sc)
			continue;
		size_t k = find_cand(dw.v, dw.n, y->addr);
		if (k < dw.n && dw.v[k].lo <= y->addr)
			continue; /* DWARF covers it */
		uint64_t hi = sc->addr + sc->size;
		if (y->size && y->size < hi - y->addr)
			hi = y->addr + y->size;
		if (k < dw.n && dw.v[k].lo < hi)
			hi = dw.v[k].lo;
		Cand *f = VPUSH(c, &sy);
		f->lo = y->addr;
		f->hi = hi;
		f->sub = -1;
		f->sym = y;
		f->key = i;
	}
	/* Symbols without a size end at the next symbol: settle does that
	 * by ending each at the entry of the one after it. Sized symbols
	 * are clipped to their own size first. */
	settle(b, sy.v, &sy.n);

	/* Merge the two sorted, disjoint lists. */
	size_t i = 0, j = 0;
	while (i < dw.n || j < sy.n) {
		bool takedw = j == sy.n || (i < dw.n && dw.v[i].lo < sy.v[j].lo);
		*VPUSH(c, &b->funcs) = takedw ? dw.v[i++] : sy.v[j++];
	}
	cx_free(c, dw.v);
	cx_free(c, sy.v);
}

/* ---- per-function tables ---- */

/* unit_for returns the unit whose code covers pc (for symbols), or NULL. */
static Unit *unit_for(B *b, uint64_t pc)
{
	size_t lo = 0, hi = b->nuranges;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->uranges[mid].hi <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < b->nuranges && b->uranges[lo].lo <= pc)
		return b->uranges[lo].u;
	return NULL;
}

/* cmp_urange orders unit ranges by address. */
static int cmp_urange(const void *pa, const void *pb)
{
	const struct UnitRange *a = pa, *b = pb;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	return (a->u > b->u) - (a->u < b->u);
}

/* unit_ranges lists the units' own code ranges, overlaps settled by
 * start order, for finding the line table of a symbol-only function. */
static void unit_ranges(B *b)
{
	Ctx *c = b->c;
	VEC(struct UnitRange) v = {0};
	for (size_t i = 0; i < b->d.units.n; i++) {
		Unit *u = &b->d.units.v[i];
		if (!u->lines.n)
			continue;
		Die die;
		Unit *du;
		if (!dw_die_at(&b->d, u->dies, &die, &du))
			continue;
		RangeVec rv = {0};
		dw_pc_ranges(&b->d, u, &die, &rv);
		for (size_t j = 0; j < rv.n; j++) {
			struct UnitRange *x = VPUSH(c, &v);
			x->lo = rv.v[j].lo;
			x->hi = rv.v[j].hi;
			x->u = u;
		}
		cx_free(c, rv.v);
	}
	xsort(v.v, v.n, sizeof *v.v, cmp_urange);
	size_t m = 0;
	for (size_t i = 0; i < v.n; i++) {
		if (m && v.v[i].lo < v.v[m - 1].hi) {
			if (v.v[i].hi <= v.v[m - 1].hi)
				continue;
			v.v[i].lo = v.v[m - 1].hi;
		}
		v.v[m++] = v.v[i];
	}
	b->uranges = v.v;
	b->nuranges = m;
}

/* first_overlap returns the first index i of a list sorted by lo whose
 * interval may reach past pc, given max[i] = the largest hi of [0..i]. */
static size_t first_overlap(const uint64_t *max, size_t n, uint64_t pc)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (max[mid] <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

typedef VEC(Paint) Paints;

/* runs_merge joins adjacent runs of equal value. */
static void runs_merge(PcRuns *r)
{
	size_t m = 0;
	for (size_t i = 0; i < r->n; i++) {
		if (m && r->v[m - 1].val == r->v[i].val &&
		    (uint64_t)r->v[m - 1].len + r->v[i].len <= UINT32_MAX) {
			r->v[m - 1].len += r->v[i].len;
			continue;
		}
		r->v[m++] = r->v[i];
	}
	r->n = m;
}

/* line_tables sets f's pcfile and pcline from u's line intervals; returns
 * the file and line at the entry through *file0 and *line0 (-1 if none). */
static void line_tables(B *b, Unit *u, const Cand *fn, SymtabFunc *f, Paints *ps, PcRuns *runs,
			int32_t *file0, int32_t *line0)
{
	Ctx *c = b->c;
	*file0 = *line0 = -1;
	if (!u || !u->lines.n)
		return;
	ps->n = 0;
	for (size_t i = first_overlap(u->linemax, u->lines.n, fn->lo);
	     i < u->lines.n && u->lines.v[i].lo < fn->hi; i++) {
		cx_work(c, 1);
		if (u->lines.v[i].hi <= fn->lo)
			continue;
		Paint *p = VPUSH(c, ps);
		p->lo = u->lines.v[i].lo;
		p->hi = u->lines.v[i].hi;
		p->prio = -(int64_t)i;
		p->val = (int32_t)i;
	}
	runs->n = 0;
	paint(c, ps->v, ps->n, fn->lo, fn->hi, runs);
	/* The runs name line intervals; make one table of each field. */
	PcRuns lines = {0};
	for (size_t i = 0; i < runs->n; i++) {
		PcRun *r = &runs->v[i];
		int32_t line = -1, file = -1;
		if (r->val >= 0) {
			const LineIv *iv = &u->lines.v[r->val];
			line = iv->line;
			file = line_file(&b->d, u, (uint64_t)iv->file, ".debug_line", 0);
		}
		PcRun *lr = VPUSH(c, &lines);
		lr->val = line;
		lr->len = r->len;
		r->val = file;
		if (i == 0) {
			*file0 = file;
			*line0 = line;
		}
	}
	runs_merge(runs);
	runs_merge(&lines);
	f->pcfile = pctab_add(c, &b->t->pc, runs);
	f->pcline = pctab_add(c, &b->t->pc, &lines);
	cx_free(c, lines.v);
}

/* rule_table sets f's pcrule from the CFI intervals. */
static void rule_table(B *b, const Cand *fn, SymtabFunc *f, Paints *ps, PcRuns *runs)
{
	Ctx *c = b->c;
	ps->n = 0;
	for (size_t i = first_overlap(b->cfimax, b->cfi.n, fn->lo);
	     i < b->cfi.n && b->cfi.v[i].lo < fn->hi; i++) {
		cx_work(c, 1);
		if (b->cfi.v[i].hi <= fn->lo)
			continue;
		Paint *p = VPUSH(c, ps);
		p->lo = b->cfi.v[i].lo;
		p->hi = b->cfi.v[i].hi;
		/* .eh_frame first, then the earliest start. */
		p->prio = ((int64_t)(1 - b->cfi.v[i].src) << 40) - (int64_t)i;
		p->val = b->cfi.v[i].rule;
	}
	runs->n = 0;
	paint(c, ps->v, ps->n, fn->lo, fn->hi, runs);
	f->pcrule = pctab_add(c, &b->t->pc, runs);
}

/* cmp_origin orders source-function identities (for the FuncID marks). */
static int cmp_origin(const Origin *a, const Origin *b)
{
	if (a->name != b->name)
		return a->name < b->name ? -1 : 1;
	if (a->file != b->file)
		return a->file < b->file ? -1 : 1;
	return (a->line > b->line) - (a->line < b->line);
}

/* cmp_mark orders FuncID marks by their function's identity. */
static int cmp_mark(const void *pa, const void *pb)
{
	const struct Mark *a = pa, *b = pb;
	return cmp_origin(&a->o, &b->o);
}

/* mark_of returns the FuncID given to source function o, or 0. */
static uint8_t mark_of(B *b, Origin o)
{
	if (o.name == UINT32_MAX)
		return 0;
	size_t lo = 0, hi = b->marks.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int k = cmp_origin(&b->marks.v[mid].o, &o);
		if (k == 0)
			return b->marks.v[mid].id;
		if (k < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* inline_tree sets f's inline tree and pcinl for function fn of
 * subprogram s. */
static void inline_tree(B *b, const Sub *s, const Cand *fn, SymtabFunc *f, int32_t *local,
			Paints *ps, PcRuns *runs)
{
	Ctx *c = b->c;
	cx_work(c, s->nn + 1);
	/* Mark the calls with code in fn and their ancestors. */
	for (size_t k = 0; k < s->nn; k++)
		local[b->order.v[s->n0 + k]] = -2;
	for (size_t k = 0; k < s->nn; k++) {
		size_t g = b->order.v[s->n0 + k];
		const Node *n = &b->nodes.v[g];
		bool in = false;
		for (size_t j = 0; j < n->nr && !in; j++) {
			const Range *rg = &b->ranges.v[n->r0 + j];
			in = rg->lo < fn->hi && rg->hi > fn->lo;
		}
		cx_work(c, n->nr);
		for (int64_t a = in ? (int64_t)g : -1; a >= 0 && local[a] == -2;
		     a = b->nodes.v[a].parent)
			local[a] = -1;
	}
	f->inl = (uint32_t)b->t->inl.n;
	ps->n = 0;
	int32_t cnt = 0;
	for (size_t k = 0; k < s->nn; k++) {
		size_t g = b->order.v[s->n0 + k];
		if (local[g] != -1)
			continue;
		const Node *n = &b->nodes.v[g];
		local[g] = cnt++;
		SymtabInlinedCall *ic = VPUSH(c, &b->t->inl);
		Origin o = n->origin ? resolve(b, n->origin) : (Origin){UINT32_MAX, -1, 0};
		ic->funcid = mark_of(b, o);
		ic->name = o.name != UINT32_MAX ? o.name : str_intern(c, &b->t->str, "?");
		ic->parent = n->parent >= 0 ? local[n->parent] : -1;
		ic->callfile = n->has_file ? (uint32_t)line_file(&b->d, n->u, n->call_file, INFO, n->off)
					   : (uint32_t)nofile(b);
		ic->callline = n->call_line > UINT32_MAX ? UINT32_MAX : (uint32_t)n->call_line;
		ic->startline = o.line;
		for (size_t j = 0; j < n->nr; j++) {
			Paint *p = VPUSH(c, ps);
			p->lo = b->ranges.v[n->r0 + j].lo;
			p->hi = b->ranges.v[n->r0 + j].hi;
			p->prio = (int64_t)n->depth << 32 | (uint32_t)local[g];
			p->val = local[g];
		}
	}
	f->ninl = (uint32_t)cnt;
	if (cnt == 0) {
		f->inl = 0;
		return;
	}
	runs->n = 0;
	paint(c, ps->v, ps->n, fn->lo, fn->hi, runs);
	f->pcinl = pctab_add(c, &b->t->pc, runs);
}

/* read_marks applies the .weft_funcid records to the functions. */
static void read_marks(B *b, Origin *origin)
{
	Ctx *c = b->c;
	static const char S[] = WEFT_FUNCID_SECTION;
	const Section *sc = elf_section(&b->e, S);
	if (!sc)
		return;
	if (sc->size % 8)
		fail(c, S, 0, "size 0x%llx is not a multiple of 8 bytes", (unsigned long long)sc->size);
	Rd r;
	rd_init(&r, c, S, sc->data, sc->size);
	Table *t = b->t;
	while (rd_left(&r)) {
		uint64_t at = r.pos;
		int32_t rel = (int32_t)rd_u32(&r);
		uint32_t id = rd_u32(&r);
		uint64_t pc = sc->addr + at + (uint64_t)(int64_t)rel;
		if (id > UINT8_MAX)
			fail(c, S, at, "FuncID %u does not fit in a byte", id);
		size_t k = find_cand(b->funcs.v, b->funcs.n, pc);
		if (k == b->funcs.n || b->funcs.v[k].lo != pc)
			fail(c, S, at, "address 0x%llx is not the entry of a function",
			     (unsigned long long)pc);
		SymtabFunc *f = &t->funcs.v[k];
		if (f->funcid && f->funcid != id)
			fail(c, S, at, "function at 0x%llx marked twice (FuncIDs %u and %u)",
			     (unsigned long long)pc, f->funcid, id);
		if (f->funcid)
			continue;
		f->funcid = (uint8_t)id;
		if (b->funcs.v[k].sub >= 0 && origin[k].name != UINT32_MAX && origin[k].file >= 0) {
			struct Mark *m = VPUSH(c, &b->marks);
			m->o = origin[k];
			m->id = (uint8_t)id;
		}
	}
	/* Other parts and copies of a marked function. Two source
	 * functions marked differently but alike (same name, file, line)
	 * cannot be told apart: the first in the sorted order wins. */
	xsort(b->marks.v, b->marks.n, sizeof *b->marks.v, cmp_mark);
	for (size_t k = 0; k < b->funcs.n; k++)
		if (b->funcs.v[k].sub >= 0 && !t->funcs.v[k].funcid)
			t->funcs.v[k].funcid = mark_of(b, origin[k]);
}

/* buckets builds findfunc's index (abi/symtab.h). */
static void buckets(B *b)
{
	Ctx *c = b->c;
	Table *t = b->t;
	size_t n = t->funcs.n;
	if (!n)
		return;
	const SymtabFunc *f = t->funcs.v;
	uint64_t nb = ((uint64_t)t->hdr.textsize + SYMTAB_BUCKET_SIZE - 1) / SYMTAB_BUCKET_SIZE;
	size_t j = 0;
	for (uint64_t i = 0; i < nb; i++) {
		uint64_t start = i * SYMTAB_BUCKET_SIZE;
		while (j < n && f[j].end <= start)
			j++;
		size_t idx = j < n ? j : n - 1, k = j;
		SymtabBucket *bk = VPUSH(c, &t->buckets);
		bk->idx = (uint32_t)idx;
		for (unsigned s = 0; s < SYMTAB_SUBBUCKETS; s++) {
			uint64_t at = start + s * (SYMTAB_BUCKET_SIZE / SYMTAB_SUBBUCKETS);
			while (k < n && f[k].end <= at)
				k++;
			size_t d = (k < n ? k : n - 1) - idx;
			if (d > UINT8_MAX)
				fail(c, NULL, 0,
				     "%zu functions in the 4096 bytes of text at 0x%llx: too many for findfunc's index",
				     d, (unsigned long long)(t->hdr.textbase + start));
			bk->subbucket[s] = (uint8_t)d;
		}
	}
}

/* build fills b->t from the ELF file, with the options opts (or NULL). */
static void build(B *b, const GenOpts *opts)
{
	Ctx *c = b->c;
	Table *t = b->t;
	b->nofile = -1;
	dw_open(&b->d, c, &b->e, &t->str, &t->files);
	mark_user(b, opts);
	for (size_t i = 0; i < b->d.units.n; i++)
		walk(b, &b->d.units.v[i]);
	group_nodes(b);
	b->syms = elf_symbols(&b->e, false, &b->nsym);
	xsort(b->syms, b->nsym, sizeof *b->syms, cmp_sym);
	collect_functions(b);
	unit_ranges(b);
	cfi_read(c, &b->e, &t->rules, &b->cfi);
	b->cfimax = cx_alloc(c, (b->cfi.n + 1) * sizeof *b->cfimax);
	for (size_t i = 0, m = 0; i < b->cfi.n; i++) {
		if (b->cfi.v[i].hi > m)
			m = b->cfi.v[i].hi;
		b->cfimax[i] = m;
	}

	size_t n = b->funcs.n;
	t->hdr.magic = SYMTAB_MAGIC;
	t->hdr.version = SYMTAB_VERSION;
	t->hdr.ptrsize = 8;
	t->hdr.arch = (uint8_t)b->e.arch;
	if (n) {
		t->hdr.textbase = b->funcs.v[0].lo;
		uint64_t size = b->funcs.v[n - 1].hi - t->hdr.textbase;
		if (size > UINT32_MAX)
			fail(c, NULL, 0, "text spans 0x%llx bytes, more than 4 GiB", (unsigned long long)size);
		t->hdr.textsize = (uint32_t)size;
	} else {
		const Section *tx = elf_section(&b->e, ".text");
		t->hdr.textbase = tx ? tx->addr : 0;
	}
	for (size_t i = 0; i < b->nsym; i++)
		if (strcmp(b->syms[i].name, "rt0_go") == 0)
			t->hdr.anchor = b->syms[i].addr;

	/* Names and definitions first: FuncIDs need them. */
	Origin *origin = cx_alloc(c, (n + 1) * sizeof *origin);
	cx_grow(c, &t->funcs.v, &t->funcs.cap, n, sizeof *t->funcs.v);
	t->funcs.n = n;
	if (n)
		memset(t->funcs.v, 0, n * sizeof *t->funcs.v);
	for (size_t i = 0; i < n; i++) {
		const Cand *fn = &b->funcs.v[i];
		SymtabFunc *f = &t->funcs.v[i];
		f->entry = (uint32_t)(fn->lo - t->hdr.textbase);
		f->end = (uint32_t)(fn->hi - t->hdr.textbase);
		origin[i] = (Origin){UINT32_MAX, -1, 0};
		/* Assembly: described by an assembler's DWARF, or by none. A
		 * C function that only its symbol describes (gcc sometimes
		 * leaves a DIE without its pc range) but whose unit covers
		 * it is not. */
		const Unit *u = fn->sub >= 0 ? b->subs.v[fn->sub].u : unit_for(b, fn->lo);
		if (!u || u->lang == DW_LANG_Mips_Assembler)
			f->flags |= SYMTAB_FLAG_ASM;
		else if (u->user)
			f->flags |= SYMTAB_FLAG_USER;
		if (fn->sub >= 0)
			origin[i] = resolve(b, b->subs.v[fn->sub].die);
	}
	read_marks(b, origin);

	int32_t *local = cx_alloc(c, (b->nodes.n + 1) * sizeof *local);
	Paints ps = {0};
	PcRuns runs = {0};
	for (size_t i = 0; i < n; i++) {
		const Cand *fn = &b->funcs.v[i];
		SymtabFunc *f = &t->funcs.v[i];
		const Sub *s = fn->sub >= 0 ? &b->subs.v[fn->sub] : NULL;
		Unit *u = s ? s->u : unit_for(b, fn->lo);
		int32_t file0, line0;
		line_tables(b, u, fn, f, &ps, &runs, &file0, &line0);
		rule_table(b, fn, f, &ps, &runs);
		if (s)
			inline_tree(b, s, fn, f, local, &ps, &runs);

		if (origin[i].name != UINT32_MAX) {
			f->name = origin[i].name;
		} else {
			/* No DWARF name: the symbol at the entry, if any. */
			const Sym *y = fn->sym ? fn->sym : sym_at(b, fn->lo);
			f->name = str_intern(c, &t->str, y ? y->name : "?");
		}
		if (origin[i].file >= 0) {
			f->file = (uint32_t)origin[i].file;
			f->startline = origin[i].line;
		} else {
			f->file = (uint32_t)(file0 >= 0 ? file0 : nofile(b));
			f->startline = origin[i].line ? origin[i].line : line0 > 0 ? (uint32_t)line0 : 0;
		}
	}
	buckets(b);
	t->hdr.nfunc = (uint32_t)n;
	t->hdr.nbucket = (uint32_t)t->buckets.n;
	t->hdr.ninl = (uint32_t)t->inl.n;
	t->hdr.nrule = (uint32_t)t->rules.v.n;
	t->hdr.nfile = (uint32_t)t->files.path.n;
}

int symtab_generate(Ctx *c, const char *file, const uint8_t *buf, size_t len, Blob *out)
{
	return symtab_generate_opts(c, file, buf, len, NULL, out);
}

int symtab_generate_opts(Ctx *c, const char *file, const uint8_t *buf, size_t len,
			 const GenOpts *opts, Blob *out)
{
	cx_init(c, file, len);
	out->data = NULL;
	out->size = 0;
	if (setjmp(c->jb)) {
		cx_freeall(c);
		return -1;
	}
	B *b = cx_alloc(c, sizeof *b);
	b->c = c;
	b->t = cx_alloc(c, sizeof *b->t);
	elf_open(&b->e, c, buf, len);
	build(b, opts);
	Blob bl = table_write(c, b->t);
	uint8_t *data = malloc(bl.size ? bl.size : 1);
	if (!data)
		fail(c, NULL, 0, "out of memory");
	memcpy(data, bl.data, bl.size);
	out->data = data;
	out->size = bl.size;
	cx_freeall(c);
	return 0;
}
