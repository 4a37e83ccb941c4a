/*
 * cmd/weft-symtab/same.c: weft-symtab --same, the check that weft build's
 * second link (the one that adds the table) moved no code. Every FUNC
 * symbol of the first executable must be at the same address in the
 * second; the second may have more symbols (weft_symtab itself is an
 * OBJECT, but a table could pull in code too). Names may repeat (static
 * functions of different files), so symbols are compared as (name,
 * address) pairs: each pair of A must be in B.
 */
#include <stdlib.h>

#include "symtabgen.h"

/* cmp_name_addr orders symbols by name, then address. */
static int cmp_name_addr(const void *pa, const void *pb)
{
	const Sym *a = pa, *b = pb;
	int k = strcmp(a->name, b->name);
	if (k)
		return k;
	return (a->addr > b->addr) - (a->addr < b->addr);
}

/* lower returns the first index of v[0..n) not ordered before key. */
static size_t lower(const Sym *v, size_t n, const Sym *key)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_name_addr(&v[mid], key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* load reads the FUNC symbols of one file, sorted by name and address. */
static Sym *load(Ctx *c, const char *name, const uint8_t *p, size_t len, size_t *n)
{
	Elf e;
	c->file = name;
	elf_open(&e, c, p, len);
	Sym *v = elf_symbols(&e, false, n);
	if (!v && !elf_section(&e, ".symtab"))
		fail(c, ".symtab", 0, "missing section (the executable is stripped)");
	xsort(v, *n, sizeof *v, cmp_name_addr);
	return v;
}

int symtab_same(Ctx *c, const char *fa, const uint8_t *a, size_t alen, const char *fb,
		const uint8_t *b, size_t blen, FILE *out)
{
	cx_init(c, fa, alen + blen);
	if (setjmp(c->jb)) {
		cx_freeall(c);
		return -1;
	}
	size_t na, nb;
	Sym *va = load(c, fa, a, alen, &na);
	Sym *vb = load(c, fb, b, blen, &nb);
	int moved = 0;
	for (size_t i = 0; i < na; i++) {
		if (i && cmp_name_addr(&va[i - 1], &va[i]) == 0)
			continue;
		size_t k = lower(vb, nb, &va[i]);
		if (k < nb && cmp_name_addr(&vb[k], &va[i]) == 0)
			continue;
		moved = 1;
		/* Where did it go? The first of B's symbols of that name. */
		Sym key = {.name = va[i].name, .addr = 0};
		size_t j = lower(vb, nb, &key);
		if (j < nb && strcmp(vb[j].name, va[i].name) == 0)
			fprintf(out, "%s: moved from 0x%llx in %s to 0x%llx in %s\n", va[i].name,
				(unsigned long long)va[i].addr, fa, (unsigned long long)vb[j].addr, fb);
		else
			fprintf(out, "%s: at 0x%llx in %s, missing in %s\n", va[i].name,
				(unsigned long long)va[i].addr, fa, fb);
	}
	cx_freeall(c);
	return moved;
}
