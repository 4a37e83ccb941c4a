/*
 * cmd/weft-symtab/write.c: lays a built Table out as the blob of
 * abi/symtab.h, in the order the header comment there gives, and turns
 * the build's relative offsets (into the string and pc-value buffers)
 * into offsets from the start of the blob.
 *
 * The structures are copied as they are: abi/symtab.h's layouts have no
 * padding (its _Static_asserts pin the sizes), every field is naturally
 * aligned, and the host is little-endian like every target.
 */
#include "symtabgen.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "weft-symtab writes little-endian tables by copying structures: port write.c"
#endif

/* place reserves n elements of size esz at *off; returns their offset. */
static uint32_t place(Ctx *c, uint64_t *off, uint64_t n, uint64_t esz)
{
	uint64_t at = *off;
	*off += n * esz;
	if (*off > UINT32_MAX - 8)
		fail(c, NULL, 0, "table larger than 4 GiB");
	return (uint32_t)at;
}

/* pcoff turns a build-relative pc-value table offset (1 + offset, 0:
 * none) into a blob offset. */
static inline uint32_t pcoff(const SymtabHeader *h, uint32_t rel)
{
	return rel ? h->pctab + rel - 1 : 0;
}

Blob table_write(Ctx *c, Table *t)
{
	SymtabHeader *h = &t->hdr;
	uint64_t off = sizeof *h;
	h->functab = place(c, &off, t->funcs.n, sizeof(SymtabFunc));
	h->buckettab = place(c, &off, t->buckets.n, sizeof(SymtabBucket));
	h->inltab = place(c, &off, t->inl.n, sizeof(SymtabInlinedCall));
	h->ruletab = place(c, &off, t->rules.v.n, sizeof(SymtabFrameRule));
	h->filetab = place(c, &off, t->files.path.n, sizeof(uint32_t));
	h->pctab = place(c, &off, t->pc.buf.n, 1);
	h->pcsize = (uint32_t)t->pc.buf.n;
	h->strtab = place(c, &off, t->str.buf.n, 1);
	h->strsize = (uint32_t)t->str.buf.n;
	off = (off + 7) & ~(uint64_t)7;
	h->size = (uint32_t)off;

	Blob b;
	b.size = off;
	b.data = cx_alloc(c, off);
	memcpy(b.data, h, sizeof *h);
	for (size_t i = 0; i < t->funcs.n; i++) {
		SymtabFunc f = t->funcs.v[i];
		f.name += h->strtab;
		f.pcfile = pcoff(h, f.pcfile);
		f.pcline = pcoff(h, f.pcline);
		f.pcinl = pcoff(h, f.pcinl);
		f.pcrule = pcoff(h, f.pcrule);
		memcpy(b.data + h->functab + i * sizeof f, &f, sizeof f);
	}
	if (t->buckets.n)
		memcpy(b.data + h->buckettab, t->buckets.v, t->buckets.n * sizeof(SymtabBucket));
	for (size_t i = 0; i < t->inl.n; i++) {
		SymtabInlinedCall ic = t->inl.v[i];
		ic.name += h->strtab;
		memcpy(b.data + h->inltab + i * sizeof ic, &ic, sizeof ic);
	}
	if (t->rules.v.n)
		memcpy(b.data + h->ruletab, t->rules.v.v, t->rules.v.n * sizeof(SymtabFrameRule));
	for (size_t i = 0; i < t->files.path.n; i++) {
		uint32_t s = t->files.path.v[i] + h->strtab;
		memcpy(b.data + h->filetab + i * sizeof s, &s, sizeof s);
	}
	if (t->pc.buf.n)
		memcpy(b.data + h->pctab, t->pc.buf.v, t->pc.buf.n);
	if (t->str.buf.n)
		memcpy(b.data + h->strtab, t->str.buf.v, t->str.buf.n);
	return b;
}
