/*
 * symtab.c: reading the symbol table that `weft build` embeds in every
 * binary (abi/symtab.h; Go's symtab.go reads its pclntab the same way).
 *
 * The table is reached through the weak symbol weft_symtab: a binary
 * linked without one (the driver's first link, or a program linked by
 * hand) has none, and every lookup here says "unknown". symtab_init checks
 * the header and that every part lies inside the blob once, at start-up;
 * after that the lookups trust the structure but still bound every read of
 * a pc-value table, so a damaged table gives wrong answers, never a fault.
 *
 * PCs in the table are offsets from the link-time text base. A PIE binary
 * (hosted programs) is loaded elsewhere: the load bias is the distance
 * between rt0_go's run-time address and the link-time one the table
 * records.
 */
#include "runtime.h"

extern const uint8_t weft_symtab[] __attribute__((weak));

static struct {
	const uint8_t *base;
	const SymtabHeader *h;
	const SymtabFunc *funcs;
	const SymtabBucket *buckets;
	const SymtabInlinedCall *inl;
	const SymtabFrameRule *rules;
	const uint32_t *files;
	const uint8_t *pc, *pcend;
	uintptr_t text; /* run-time address of textbase */
} tab;

static bool inside(const SymtabHeader *h, uint32_t off, uint64_t count, uint64_t size)
{
	return off <= h->size && count * size <= h->size - off;
}

/* symtab_init finds and checks the table. It runs once, before any other
 * thread exists. A damaged table is reported and ignored. */
void symtab_init(void)
{
	const SymtabHeader *h = (const SymtabHeader *)weft_symtab;
	if (!h)
		return;
	const char *bad = NULL;
	if (h->magic != SYMTAB_MAGIC)
		bad = "bad magic";
	else if (h->version != SYMTAB_VERSION)
		bad = "unknown version";
	else if (h->ptrsize != sizeof(void *) || h->arch != ARCH_SYMTAB_ARCH)
		bad = "built for another architecture";
	else if (h->size < sizeof *h || !inside(h, h->functab, h->nfunc, sizeof(SymtabFunc)) ||
		 !inside(h, h->buckettab, h->nbucket, sizeof(SymtabBucket)) ||
		 !inside(h, h->inltab, h->ninl, sizeof(SymtabInlinedCall)) ||
		 !inside(h, h->ruletab, h->nrule, sizeof(SymtabFrameRule)) ||
		 !inside(h, h->filetab, h->nfile, sizeof(uint32_t)) || !inside(h, h->pctab, h->pcsize, 1) ||
		 !inside(h, h->strtab, h->strsize, 1) || h->strsize == 0 ||
		 (uint64_t)h->nbucket * SYMTAB_BUCKET_SIZE < h->textsize)
		bad = "a part lies outside the table";
	if (bad) {
		rt_printf("runtime: ignoring the symbol table: %s\n", bad);
		return;
	}
	tab.base = weft_symtab;
	tab.funcs = (const SymtabFunc *)(tab.base + h->functab);
	tab.buckets = (const SymtabBucket *)(tab.base + h->buckettab);
	tab.inl = (const SymtabInlinedCall *)(tab.base + h->inltab);
	tab.rules = (const SymtabFrameRule *)(tab.base + h->ruletab);
	tab.files = (const uint32_t *)(tab.base + h->filetab);
	tab.pc = tab.base + h->pctab;
	tab.pcend = tab.pc + h->pcsize;
	tab.text = (uintptr_t)h->textbase + ((uintptr_t)rt0_go - (uintptr_t)h->anchor);
	for (uint32_t i = 0; i < h->nfunc; i++) {
		const SymtabFunc *f = &tab.funcs[i];
		if (f->entry > f->end || f->end > h->textsize || (i > 0 && f->entry < tab.funcs[i - 1].end) ||
		    (uint64_t)f->inl + f->ninl > h->ninl) {
			rt_printf("runtime: ignoring the symbol table: function %u is malformed\n", i);
			return;
		}
	}
	tab.h = h;
}

bool symtab_present(void)
{
	return tab.h != NULL;
}

/*
 * findfunc returns the function whose code holds pc, or NULL. The bucket
 * of pc's 4 KiB of text, and its 256-byte sub-bucket, name the function
 * at the sub-bucket's start; a few steps forward find pc's.
 */
const SymtabFunc *findfunc(uintptr_t pc)
{
	const SymtabHeader *h = tab.h;
	if (!h || pc < tab.text || pc - tab.text >= h->textsize || h->nfunc == 0)
		return NULL;
	uint32_t off = (uint32_t)(pc - tab.text);
	const SymtabBucket *b = &tab.buckets[off / SYMTAB_BUCKET_SIZE];
	uint32_t i = b->idx + b->subbucket[(off % SYMTAB_BUCKET_SIZE) / (SYMTAB_BUCKET_SIZE / SYMTAB_SUBBUCKETS)];
	if (i >= h->nfunc)
		i = h->nfunc - 1;
	while (i > 0 && tab.funcs[i].entry > off)
		i--;
	while (i + 1 < h->nfunc && tab.funcs[i + 1].entry <= off)
		i++;
	const SymtabFunc *f = &tab.funcs[i];
	return off >= f->entry && off < f->end ? f : NULL;
}

uintptr_t funcentry(const SymtabFunc *f)
{
	return tab.text + f->entry;
}

/* symtab_string returns the string at blob offset off, "?" if off is not
 * inside the strings. */
const char *symtab_string(uint32_t off)
{
	if (!tab.h || off < tab.h->strtab || off - tab.h->strtab >= tab.h->strsize)
		return "?";
	return (const char *)tab.base + off;
}

const char *funcname(const SymtabFunc *f)
{
	return f ? symtab_string(f->name) : "?";
}

/* symtab_file returns the name of file idx, "?" if there is none. */
const char *symtab_file(uint32_t idx)
{
	if (!tab.h || idx >= tab.h->nfile)
		return "?";
	return symtab_string(tab.files[idx]);
}

static bool readuvarint(const uint8_t **pp, uint32_t *v)
{
	uint32_t x = 0;
	for (int shift = 0; shift < 35; shift += 7) {
		if (*pp >= tab.pcend)
			return false;
		uint8_t b = *(*pp)++;
		x |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = x;
			return true;
		}
	}
	return false;
}

/*
 * pcvalue returns the value that f's pc-value table at offset tab_ gives
 * pc: pairs of (value delta, pc delta) from value -1 at f's entry, ending
 * with a pc delta of 0. It returns -1 when there is no table or pc is not
 * covered.
 */
int32_t pcvalue(const SymtabFunc *f, uint32_t tab_, uintptr_t pc)
{
	if (!tab.h || tab_ < tab.h->pctab || tab_ - tab.h->pctab >= tab.h->pcsize)
		return -1; /* 0 (no table) lies before pctab */
	const uint8_t *p = tab.base + tab_;
	uintptr_t at = funcentry(f);
	int32_t val = -1;
	for (;;) {
		uint32_t uv, pcdelta;
		if (!readuvarint(&p, &uv) || !readuvarint(&p, &pcdelta) || pcdelta == 0)
			return -1;
		val += (int32_t)(uv >> 1) ^ -(int32_t)(uv & 1);
		at += pcdelta;
		if (pc < at)
			return val;
	}
}

/* symtab_inltree returns f's inline tree (f->ninl entries). */
const SymtabInlinedCall *symtab_inltree(const SymtabFunc *f)
{
	return tab.inl + f->inl;
}

/* symtab_rule returns frame rule idx, or NULL. */
const SymtabFrameRule *symtab_rule(int32_t idx)
{
	if (!tab.h || idx < 0 || (uint32_t)idx >= tab.h->nrule)
		return NULL;
	return &tab.rules[idx];
}
