/*
 * symtab.c: reading the symbol table that `weft build` embeds in every
 * binary (abi/symtab.h; Go's symtab.go reads its pclntab the same way).
 *
 * The table is reached through the weak symbol weft_symtab: a binary
 * linked without one (built with -g0, or a program linked by
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

static void findrtdirs(void);

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
	findrtdirs();
}

/*
 * The boundary between the program and the runtime, for trimming stacks
 * to what the program did (tracebacks, traceback.c; the tracer's stack
 * table, tracestack.c): a frame is the runtime's when its source file
 * lies in the runtime's own directories (runtime/ and arch/<arch>/),
 * which the symbol table gives as the files of two functions known to be
 * there. A name prefix would not do: the runtime's public functions call
 * each other (weft_printf ends in weft_write), and the program's own
 * weft_main has the prefix too.
 */
static struct {
	const char *dir[2];
	size_t len[2];
} rtdirs;

/* findrtdirs fills rtdirs from the files of a runtime/ and an arch/
 * function, as symtab_init's last step: before any other thread exists,
 * so readers need no synchronization. */
static void findrtdirs(void)
{
	const uintptr_t fns[2] = {(uintptr_t)symtab_init, (uintptr_t)fpTracebackPCs};
	for (int i = 0; i < 2; i++) {
		const SymtabFunc *f = findfunc(fns[i]);
		int32_t file = f ? pcvalue(f, f->pcfile, fns[i]) : -1;
		if (file < 0)
			continue;
		const char *name = symtab_file((uint32_t)file), *slash = NULL;
		for (const char *p = name; *p; p++)
			if (*p == '/')
				slash = p;
		if (slash) {
			rtdirs.dir[i] = name;
			rtdirs.len[i] = (size_t)(slash - name) + 1;
		}
	}
}

/* symtab_inruntime reports whether file, a source file name from the
 * table, is one of the runtime's own (in runtime/ or arch/<arch>/, not in
 * a directory below them). Without a table nothing is. */
bool symtab_inruntime(const char *file)
{
	for (int i = 0; i < 2; i++) {
		size_t n = rtdirs.len[i];
		if (!n || memcmp(file, rtdirs.dir[i], n) != 0)
			continue;
		const char *p = file + n;
		while (*p && *p != '/')
			p++;
		if (!*p)
			return true;
	}
	return false;
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

/*
 * funcPreemptible reports whether asynchronous preemption may stop a
 * goroutine at pc: pc is code of a function compiled from the program's
 * own C sources (SYMTAB_FLAG_USER) and not assembly (SYMTAB_FLAG_ASM,
 * which a user function never has; checked all the same, as the cost of
 * being wrong is a goroutine stopped where the runtime cannot stop it).
 * Without a table nothing is: the runtime's, libc's and prebuilt code are
 * never preemptible, and without the table weft cannot tell which is
 * which. Nor is code of the runtime's own headers inlined into the
 * program's (its line table names runtime/ or arch/: symtab_inruntime):
 * the check programs in test/prog use the runtime's inline helpers.
 *
 * It runs in a signal handler, on any thread, at any instruction: it
 * takes no lock, allocates nothing and makes no system call. findfunc
 * only reads the table, which symtab_init set up before any other thread
 * existed and before rt0_go installed a signal handler (initsig), and
 * which nothing writes after.
 */
bool funcPreemptible(uintptr_t pc)
{
	const SymtabFunc *f = findfunc(pc);
	if (!f || (f->flags & (SYMTAB_FLAG_USER | SYMTAB_FLAG_ASM)) != SYMTAB_FLAG_USER)
		return false;
	int32_t file = pcvalue(f, f->pcfile, pc);
	return file >= 0 && !symtab_inruntime(symtab_file((uint32_t)file));
}

/* symtab_textrange gives the text the table covers, where it is loaded:
 * [*lo, *hi). False without a table. */
bool symtab_textrange(uintptr_t *lo, uintptr_t *hi)
{
	if (!tab.h)
		return false;
	*lo = tab.text;
	*hi = tab.text + tab.h->textsize;
	return true;
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
