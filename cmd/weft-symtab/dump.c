/*
 * cmd/weft-symtab/dump.c: reads a table blob back, checking everything a
 * reader relies on, and prints it as text (weft-symtab --dump).
 *
 * The checks are those of the format, not of one writer: every offset and
 * count in bounds, strings terminated inside the string table, functions
 * sorted and disjoint inside [0, textsize), every pc-value table decoding
 * to exactly its function's length with values in range, inline trees
 * with parents before children, and findfunc's buckets pointing at the
 * function abi/symtab.h says they must. The fuzz target runs these checks
 * on every table the generator writes.
 *
 * Output, one line per item, addresses absolute (textbase + offset):
 *
 *	func I ENTRY-END NAME funcid=ID flags=F FILE:LINE
 *	  inl J parent=P NAME funcid=ID call=FILE:LINE startline=N
 *	  pc LO-HI FILE:LINE inl=J rule=R
 *
 * where F is 0 or the flags by name, joined by '|' (asm, user), and the pc
 * lines merge the four tables: a new line starts wherever any of them
 * changes.
 *
 * The input is a table as the generator writes it, or an executable that
 * `weft build` gave one (the bytes at its symbol weft_symtab).
 */
#include "symtabgen.h"

static const char *const funcid_names[FUNCID_COUNT] = {
	"normal", "goexit", "mstart", "rt0",      "runtime_main", "mcall",
	"gogo",   "clone",  "panic",  "sigpanic", "throw",        "wrapper",
	"asyncpreempt",
};

typedef struct Dump {
	Ctx *c;
	const uint8_t *p;
	size_t len;
	SymtabHeader h;
	FILE *out;
} Dump;

/* region checks that n elements of size esz at off lie inside the blob,
 * after the header, 4-byte aligned. */
static void region(Dump *d, const char *name, uint32_t off, uint64_t n, uint64_t esz)
{
	if (off < sizeof(SymtabHeader) || off % 4)
		fail(d->c, name, off, "table offset misplaced");
	if (n * esz > d->h.size || off > d->h.size - n * esz)
		fail(d->c, name, off, "%llu entries of %llu bytes run past the end (0x%x)",
		     (unsigned long long)n, (unsigned long long)esz, d->h.size);
}

/* str returns the string at blob offset off, which must be in strtab. */
static const char *str(Dump *d, const char *sect, uint64_t at, uint32_t off)
{
	const SymtabHeader *h = &d->h;
	if (off < h->strtab || off - h->strtab >= h->strsize)
		fail(d->c, sect, at, "string offset 0x%x outside the strings", off);
	const uint8_t *s = d->p + off;
	if (!memchr(s, 0, h->strtab + h->strsize - off))
		fail(d->c, sect, at, "string at 0x%x not terminated", off);
	return (const char *)s;
}

/* file_name returns the name of file i (i < nfile, checked by the caller). */
static const char *file_name(Dump *d, uint32_t i)
{
	uint32_t off;
	memcpy(&off, d->p + d->h.filetab + 4 * (size_t)i, 4);
	return str(d, "filetab", d->h.filetab + 4 * (uint64_t)i, off);
}

/* Dec decodes one pc-value table. */
typedef struct Dec {
	Rd r;
	bool none; /* offset 0: -1 throughout */
	bool done;
	int32_t val;
	uint32_t left; /* bytes left in the current run */
} Dec;

/* dec_init starts decoding the table at blob offset off (0: none), of
 * the function record at at. */
static void dec_init(Dump *d, Dec *x, uint32_t off, uint64_t at)
{
	const SymtabHeader *h = &d->h;
	memset(x, 0, sizeof *x);
	x->val = -1;
	if (off == 0) {
		x->none = true;
		return;
	}
	if (off < h->pctab || off - h->pctab >= h->pcsize)
		fail(d->c, "functab", at, "pc-value table offset 0x%x outside the tables", off);
	rd_init(&x->r, d->c, "pctab", d->p, (uint64_t)h->pctab + h->pcsize);
	rd_seek(&x->r, off);
}

/* dec_fill makes x->left nonzero, or marks the table done. */
static void dec_fill(Dec *x)
{
	while (!x->none && !x->done && x->left == 0) {
		uint32_t n;
		if (!pcvalue_next(&x->r, &x->val, &n))
			x->done = true;
		else
			x->left = n;
	}
}

/* print_rule prints r as cfa=REG+OFF ra=... fp=.... */
static void print_rule(FILE *o, const SymtabFrameRule *r)
{
	fprintf(o, "cfa=%s%+d", r->cfareg == SYMTAB_REG_SP ? "sp" : "fp", r->cfaoff);
	if (r->raoff == SYMTAB_IN_LR)
		fprintf(o, " ra=lr");
	else
		fprintf(o, " ra=cfa%+d", r->raoff);
	if (r->fpoff == SYMTAB_SAME)
		fprintf(o, " fp=same");
	else
		fprintf(o, " fp=cfa%+d", r->fpoff);
}

/* funcid_print prints a FuncID by name. */
static void funcid_print(FILE *o, unsigned id)
{
	if (id < FUNCID_COUNT)
		fprintf(o, "funcid=%s", funcid_names[id]);
	else
		fprintf(o, "funcid=%u", id);
}

/* flags_print prints a function's flags by name ("asm|user"), 0 for none. */
static void flags_print(FILE *o, unsigned flags)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {{SYMTAB_FLAG_ASM, "asm"}, {SYMTAB_FLAG_USER, "user"}};
	if (!flags)
		fputc('0', o);
	const char *sep = "";
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (flags & names[i].bit) {
			fprintf(o, "%s%s", sep, names[i].name);
			sep = "|";
		}
	}
}

/* check_value checks a decoded value against its table's range. */
static void check_value(Dump *d, const char *what, uint64_t at, int32_t v, int64_t n)
{
	if (v < -1 || v >= n)
		fail(d->c, "pctab", at, "%s %d out of range (%lld)", what, v, (long long)n);
}

/* dump_func checks (and prints) function i, its inline tree and its four
 * tables, decoded together; prev is function i-1, or NULL. */
static void dump_func(Dump *d, uint32_t i, const SymtabFunc *f, const SymtabFunc *prev)
{
	Ctx *c = d->c;
	const SymtabHeader *h = &d->h;
	FILE *o = d->out;
	uint64_t at = h->functab + (uint64_t)i * sizeof *f;
	if (f->entry >= f->end || f->end > h->textsize)
		fail(c, "functab", at, "function %u's range [0x%x, 0x%x) invalid", i, f->entry, f->end);
	if (prev && f->entry < prev->end)
		fail(c, "functab", at, "function %u overlaps or precedes the one before", i);
	if (f->file >= h->nfile)
		fail(c, "functab", at, "file %u out of range", f->file);
	if (f->flags & ~(SYMTAB_FLAG_ASM | SYMTAB_FLAG_USER))
		fail(c, "functab", at, "unknown flags 0x%x", f->flags);
	if (f->ninl > h->ninl || f->inl > h->ninl - f->ninl)
		fail(c, "functab", at, "inline tree [%u, +%u) out of range", f->inl, f->ninl);
	const char *name = str(d, "functab", at, f->name);
	if (o) {
		fprintf(o, "func %u 0x%llx-0x%llx %s ", i, (unsigned long long)(h->textbase + f->entry),
			(unsigned long long)(h->textbase + f->end), name);
		funcid_print(o, f->funcid);
		fprintf(o, " flags=");
		flags_print(o, f->flags);
		fprintf(o, " %s:%u\n", file_name(d, f->file), f->startline);
	} else {
		file_name(d, f->file);
	}
	for (uint32_t j = 0; j < f->ninl; j++) {
		SymtabInlinedCall ic;
		uint64_t iat = h->inltab + (uint64_t)(f->inl + j) * sizeof ic;
		memcpy(&ic, d->p + iat, sizeof ic);
		if (ic.parent < -1 || ic.parent >= (int32_t)j)
			fail(c, "inltab", iat, "parent %d of call %u invalid", ic.parent, j);
		if (ic.callfile >= h->nfile)
			fail(c, "inltab", iat, "call file %u out of range", ic.callfile);
		const char *iname = str(d, "inltab", iat, ic.name);
		const char *cf = file_name(d, ic.callfile);
		if (o) {
			fprintf(o, "  inl %u parent=%d %s ", j, ic.parent, iname);
			funcid_print(o, ic.funcid);
			fprintf(o, " call=%s:%u startline=%u\n", cf, ic.callline, ic.startline);
		}
	}
	Dec t[4];
	dec_init(d, &t[0], f->pcfile, at);
	dec_init(d, &t[1], f->pcline, at);
	dec_init(d, &t[2], f->pcinl, at);
	dec_init(d, &t[3], f->pcrule, at);
	uint64_t pc = f->entry;
	while (pc < f->end) {
		cx_work(c, 1);
		uint64_t step = f->end - pc;
		for (int k = 0; k < 4; k++) {
			dec_fill(&t[k]);
			if (t[k].done)
				fail(c, "pctab", t[k].r.pos,
				     "table of function %u ends 0x%llx bytes before the function", i,
				     (unsigned long long)(f->end - pc));
			if (!t[k].none && t[k].left < step)
				step = t[k].left;
		}
		check_value(d, "file", t[0].r.pos, t[0].val, h->nfile);
		check_value(d, "inline index", t[2].r.pos, t[2].val, f->ninl);
		check_value(d, "rule", t[3].r.pos, t[3].val, h->nrule);
		if (o) {
			fprintf(o, "  pc 0x%llx-0x%llx %s:%d inl=%d rule=%d\n",
				(unsigned long long)(h->textbase + pc),
				(unsigned long long)(h->textbase + pc + step),
				t[0].val >= 0 ? file_name(d, (uint32_t)t[0].val) : "?", t[1].val, t[2].val,
				t[3].val);
		}
		for (int k = 0; k < 4; k++)
			if (!t[k].none)
				t[k].left -= (uint32_t)step;
		pc += step;
	}
	for (int k = 0; k < 4; k++) {
		dec_fill(&t[k]);
		if (!t[k].none && !t[k].done)
			fail(c, "pctab", t[k].r.pos, "table of function %u runs past its end", i);
	}
}

/* check_buckets checks findfunc's index against the functions. */
static void check_buckets(Dump *d)
{
	const SymtabHeader *h = &d->h;
	uint64_t want = ((uint64_t)h->textsize + SYMTAB_BUCKET_SIZE - 1) / SYMTAB_BUCKET_SIZE;
	if (h->nfunc == 0)
		want = 0;
	if (h->nbucket != want)
		fail(d->c, "header", offsetof(SymtabHeader, nbucket), "%u buckets for 0x%x bytes of text",
		     h->nbucket, h->textsize);
	uint32_t k = 0;
	for (uint32_t i = 0; i < h->nbucket; i++) {
		SymtabBucket bk;
		uint64_t at = h->buckettab + (uint64_t)i * sizeof bk;
		memcpy(&bk, d->p + at, sizeof bk);
		for (unsigned s = 0; s < SYMTAB_SUBBUCKETS; s++) {
			uint64_t pc = (uint64_t)i * SYMTAB_BUCKET_SIZE + s * (SYMTAB_BUCKET_SIZE / SYMTAB_SUBBUCKETS);
			uint64_t ix = (uint64_t)bk.idx + bk.subbucket[s];
			if (ix >= h->nfunc)
				fail(d->c, "buckettab", at, "function index %llu out of range",
				     (unsigned long long)ix);
			/* Expected: the first function ending after pc. */
			SymtabFunc f;
			for (;;) {
				memcpy(&f, d->p + h->functab + (uint64_t)k * sizeof f, sizeof f);
				if (f.end > pc || k + 1 == h->nfunc)
					break;
				k++;
			}
			if (ix != k)
				fail(d->c, "buckettab", at,
				     "sub-bucket %u of bucket %u gives function %llu, not %u", s, i,
				     (unsigned long long)ix, k);
		}
	}
}

/* dump checks (and prints) the whole table. */
static void dump(Dump *d)
{
	Ctx *c = d->c;
	SymtabHeader *h = &d->h;
	FILE *o = d->out;
	if (d->len < sizeof *h)
		fail(c, "header", 0, "truncated: %zu bytes", d->len);
	memcpy(h, d->p, sizeof *h);
	if (h->magic != SYMTAB_MAGIC)
		fail(c, "header", 0, "bad magic 0x%08x", h->magic);
	if (h->version != SYMTAB_VERSION)
		fail(c, "header", 4, "unsupported version %u", h->version);
	if (h->ptrsize != 8)
		fail(c, "header", 6, "pointer size %u", h->ptrsize);
	if (h->arch != SYMTAB_ARCH_AMD64 && h->arch != SYMTAB_ARCH_ARM64)
		fail(c, "header", 7, "unknown arch %u", h->arch);
	if (h->size > d->len || h->size < sizeof *h || h->size % 8)
		fail(c, "header", offsetof(SymtabHeader, size), "size 0x%x invalid (file has 0x%zx bytes)",
		     h->size, d->len);
	region(d, "functab", h->functab, h->nfunc, sizeof(SymtabFunc));
	region(d, "buckettab", h->buckettab, h->nbucket, sizeof(SymtabBucket));
	region(d, "inltab", h->inltab, h->ninl, sizeof(SymtabInlinedCall));
	region(d, "ruletab", h->ruletab, h->nrule, sizeof(SymtabFrameRule));
	region(d, "filetab", h->filetab, h->nfile, 4);
	if (h->pctab < sizeof *h || h->pcsize > h->size || h->pctab > h->size - h->pcsize)
		fail(c, "header", offsetof(SymtabHeader, pctab), "pc-value tables out of bounds");
	if (h->strtab < sizeof *h || h->strsize > h->size || h->strtab > h->size - h->strsize)
		fail(c, "header", offsetof(SymtabHeader, strtab), "strings out of bounds");
	if (h->nfunc && h->textbase + h->textsize < h->textbase)
		fail(c, "header", offsetof(SymtabHeader, textbase), "text wraps around");

	if (o) {
		fprintf(o, "symtab version %u arch %s ptrsize %u size %u\n", h->version,
			h->arch == SYMTAB_ARCH_AMD64 ? "amd64" : "arm64", h->ptrsize, h->size);
		fprintf(o, "textbase 0x%llx textsize 0x%x anchor 0x%llx\n",
			(unsigned long long)h->textbase, h->textsize, (unsigned long long)h->anchor);
		fprintf(o,
			"nfunc %u nbucket %u ninl %u nrule %u nfile %u pcsize %u strsize %u\n",
			h->nfunc, h->nbucket, h->ninl, h->nrule, h->nfile, h->pcsize, h->strsize);
	}
	for (uint32_t i = 0; i < h->nfile; i++) {
		const char *s = file_name(d, i);
		if (o)
			fprintf(o, "file %u %s\n", i, s);
	}
	for (uint32_t i = 0; i < h->nrule; i++) {
		SymtabFrameRule r;
		uint64_t at = h->ruletab + (uint64_t)i * sizeof r;
		memcpy(&r, d->p + at, sizeof r);
		if (r.cfareg != SYMTAB_REG_SP && r.cfareg != SYMTAB_REG_FP)
			fail(c, "ruletab", at, "rule %u's CFA register %d unknown", i, r.cfareg);
		if (o) {
			fprintf(o, "rule %u ", i);
			print_rule(o, &r);
			fputc('\n', o);
		}
	}
	SymtabFunc prev;
	for (uint32_t i = 0; i < h->nfunc; i++) {
		SymtabFunc f;
		memcpy(&f, d->p + h->functab + (uint64_t)i * sizeof f, sizeof f);
		dump_func(d, i, &f, i ? &prev : NULL);
		prev = f;
	}
	check_buckets(d);
}

int symtab_dump(Ctx *c, const char *file, const uint8_t *buf, size_t len, FILE *out)
{
	cx_init(c, file, len);
	if (setjmp(c->jb)) {
		cx_freeall(c);
		return -1;
	}
	Dump *d = cx_alloc(c, sizeof *d);
	d->c = c;
	d->p = buf;
	d->len = len;
	d->out = out;
	if (len >= 4 && memcmp(buf, "\177ELF", 4) == 0) {
		/* A built program: its table is the bytes at weft_symtab (as
		 * far as the end of their section; the header says how many). */
		Elf *e = cx_alloc(c, sizeof *e);
		elf_open(e, c, buf, len);
		d->p = elf_symbol_data(e, "weft_symtab", &d->len);
		if (!d->p)
			fail(c, NULL, 0, "no symbol table: no weft_symtab with bytes in the file (built with -g0?)");
	}
	dump(d);
	cx_freeall(c);
	return 0;
}
