/*
 * cmd/weft-symtab/pcvalue.c: pc-value tables (abi/symtab.h). paint turns
 * the intervals that DWARF and CFI give (line rows, inlined calls, frame
 * rules: they may overlap, nest, or leave gaps) into one value per byte
 * of a function, as runs; pctab_add encodes runs in the table's delta
 * encoding, sharing identical tables; pcvalue_next decodes them again.
 *
 * paint is a sweep over the intervals sorted by start, keeping those that
 * cover the current pc in a max-heap by priority (stale tops are dropped
 * lazily): O(n log n) however the intervals overlap, so hostile input
 * cannot make it quadratic.
 */
#include <stdlib.h>

#include "symtabgen.h"

/* Item is one interval in the sweep: its index in the input, which breaks
 * ties in both the order of starts and of priorities. */
typedef struct Item {
	uint64_t lo, hi;
	int64_t prio;
	int32_t val;
	uint32_t ix;
} Item;

/* cmp_start orders sweep items by start, then input order. */
static int cmp_start(const void *pa, const void *pb)
{
	const Item *a = pa, *b = pb;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return (a->ix > b->ix) - (a->ix < b->ix);
}

/* above reports whether a outranks b in the heap. */
static inline bool above(const Item *a, const Item *b)
{
	if (a->prio != b->prio)
		return a->prio > b->prio;
	return a->ix > b->ix;
}

/* heap_push adds it to the max-heap h[0..*n). */
static void heap_push(Item **h, size_t *n, Item *it)
{
	size_t i = (*n)++;
	h[i] = it;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!above(h[i], h[p]))
			break;
		Item *t = h[i];
		h[i] = h[p];
		h[p] = t;
		i = p;
	}
}

/* heap_pop removes the top of the max-heap h[0..*n). */
static void heap_pop(Item **h, size_t *n)
{
	h[0] = h[--*n];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < *n && above(h[l], h[m]))
			m = l;
		if (r < *n && above(h[r], h[m]))
			m = r;
		if (m == i)
			break;
		Item *t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* emit appends a run of val over len bytes, merging with the last. */
static void emit(Ctx *c, PcRuns *out, int32_t val, uint64_t len)
{
	while (len) {
		uint32_t n = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
		if (out->n && out->v[out->n - 1].val == val &&
		    (uint64_t)out->v[out->n - 1].len + n <= UINT32_MAX) {
			out->v[out->n - 1].len += n;
		} else {
			PcRun *r = VPUSH(c, out);
			r->val = val;
			r->len = n;
		}
		len -= n;
	}
}

void paint(Ctx *c, Paint *p, size_t n, uint64_t lo, uint64_t hi, PcRuns *out)
{
	if (hi <= lo)
		return;
	Item *it = cx_alloc(c, (n + 1) * sizeof *it);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t a = p[i].lo > lo ? p[i].lo : lo;
		uint64_t b = p[i].hi < hi ? p[i].hi : hi;
		if (a >= b)
			continue;
		it[m] = (Item){a, b, p[i].prio, p[i].val, (uint32_t)i};
		m++;
	}
	cx_work(c, m + 1);
	xsort(it, m, sizeof *it, cmp_start);
	Item **heap = cx_alloc(c, (m + 1) * sizeof *heap);
	size_t nh = 0, next = 0;
	uint64_t pc = lo;
	while (pc < hi) {
		while (next < m && it[next].lo <= pc)
			heap_push(heap, &nh, &it[next++]);
		while (nh && heap[0]->hi <= pc)
			heap_pop(heap, &nh);
		uint64_t to = hi;
		if (next < m && it[next].lo < to)
			to = it[next].lo;
		if (nh && heap[0]->hi < to)
			to = heap[0]->hi;
		emit(c, out, nh ? heap[0]->val : -1, to - pc);
		pc = to;
	}
	cx_free(c, heap);
	cx_free(c, it);
}

/* zigzag maps a signed delta to an unsigned one, small magnitudes small. */
static inline uint32_t zigzag(int32_t v)
{
	return ((uint32_t)v << 1) ^ (uint32_t)(v >> 31);
}

uint32_t pctab_add(Ctx *c, PcTabs *t, const PcRuns *runs)
{
	bool any = false;
	for (size_t i = 0; i < runs->n; i++)
		any |= runs->v[i].val != -1;
	if (!any)
		return 0;
	Buf b = {0};
	int32_t prev = -1;
	for (size_t i = 0; i < runs->n; i++) {
		int32_t v = runs->v[i].val;
		buf_uvarint(c, &b, zigzag((int32_t)((uint32_t)v - (uint32_t)prev)));
		buf_uvarint(c, &b, runs->v[i].len);
		prev = v;
	}
	buf_uvarint(c, &b, 0);
	buf_uvarint(c, &b, 0);
	uint64_t h = hash_bytes(b.v, b.n, 0);
	for (;; h++) {
		bool isnew;
		uint64_t *slot = map_put(c, &t->idx, h, &isnew);
		if (isnew) {
			if (t->buf.n + b.n > UINT32_MAX / 2)
				fail(c, NULL, 0, "pc-value tables too large");
			*slot = t->buf.n + 1;
			buf_put(c, &t->buf, b.v, b.n);
			cx_free(c, b.v);
			return (uint32_t)*slot;
		}
		uint64_t off = *slot - 1;
		if (t->buf.n - off >= b.n && memcmp(t->buf.v + off, b.v, b.n) == 0) {
			cx_free(c, b.v);
			return (uint32_t)*slot;
		}
	}
}

/* uvarint32 reads a varint that must fit in 32 bits. */
static uint32_t uvarint32(Rd *r)
{
	uint64_t at = r->pos;
	uint32_t v = 0;
	for (unsigned shift = 0;; shift += 7) {
		uint8_t b = rd_u8(r);
		if (shift == 28 && (b & 0xf0))
			fail(r->c, r->sect, at, "varint overflows 32 bits");
		v |= (uint32_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
}

bool pcvalue_next(Rd *r, int32_t *val, uint32_t *len)
{
	uint32_t z = uvarint32(r);
	int32_t d = (int32_t)((z >> 1) ^ (uint32_t)-(int32_t)(z & 1));
	*len = uvarint32(r);
	if (*len == 0)
		return false;
	*val = (int32_t)((uint32_t)*val + (uint32_t)d);
	return true;
}
