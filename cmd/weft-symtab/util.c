/*
 * cmd/weft-symtab/util.c: what every stage of the generator stands on:
 * the error path (fail), tracked memory, the bounds-checked reader, a
 * hash map, byte buffers, interned strings and canonical paths.
 *
 * Memory is tracked in a circular list hung off the context, each block
 * preceded by its links, so that an error anywhere (a longjmp out of
 * arbitrarily deep parsing) still frees everything: the entry point calls
 * cx_freeall on both paths. The generator is a short-lived batch tool;
 * nothing is freed early except buffers that are regrown.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "symtabgen.h"

void cx_init(Ctx *c, const char *file, size_t len)
{
	c->file = file;
	c->msg[0] = 0;
	c->head.prev = c->head.next = &c->head;
	c->work = 0;
	c->worklimit = WORK_BASE + (uint64_t)len * WORK_PER_BYTE;
}

_Noreturn void fail(Ctx *c, const char *sect, uint64_t off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (sect)
		n = snprintf(c->msg, sizeof c->msg, "%s: %s: offset 0x%llx: ", c->file, sect,
			     (unsigned long long)off);
	else
		n = snprintf(c->msg, sizeof c->msg, "%s: ", c->file);
	if (n < 0 || (size_t)n >= sizeof c->msg)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(c->msg + n, sizeof c->msg - n, fmt, ap);
	va_end(ap);
	/* One line of text, whatever bytes of the input it quotes. */
	for (char *p = c->msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	longjmp(c->jb, 1);
}

/* A block's links sit before it, padded to 16 bytes for alignment. */
typedef union Hdr {
	Alloc a;
	max_align_t align;
} Hdr;

/* link_block adds a to c's list of live blocks. */
static void link_block(Ctx *c, Alloc *a)
{
	a->next = c->head.next;
	a->prev = &c->head;
	c->head.next->prev = a;
	c->head.next = a;
}

/* unlink_block removes a from its list. */
static void unlink_block(Alloc *a)
{
	a->prev->next = a->next;
	a->next->prev = a->prev;
}

void *cx_alloc(Ctx *c, size_t n)
{
	if (n > SIZE_MAX / 2)
		fail(c, NULL, 0, "out of memory");
	Hdr *h = calloc(1, sizeof(Hdr) + n);
	if (!h)
		fail(c, NULL, 0, "out of memory");
	link_block(c, &h->a);
	return h + 1;
}

void *cx_realloc(Ctx *c, void *p, size_t n)
{
	if (!p)
		return cx_alloc(c, n);
	if (n > SIZE_MAX / 2)
		fail(c, NULL, 0, "out of memory");
	Hdr *h = (Hdr *)p - 1;
	unlink_block(&h->a);
	Hdr *nh = realloc(h, sizeof(Hdr) + n);
	if (!nh) {
		link_block(c, &h->a); /* still ours: freed with the rest */
		fail(c, NULL, 0, "out of memory");
	}
	link_block(c, &nh->a);
	return nh + 1;
}

void cx_free(Ctx *c, void *p)
{
	(void)c;
	if (!p)
		return;
	Hdr *h = (Hdr *)p - 1;
	unlink_block(&h->a);
	free(h);
}

void cx_freeall(Ctx *c)
{
	while (c->head.next != &c->head) {
		Alloc *a = c->head.next;
		unlink_block(a);
		free(a);
	}
}

char *cx_strdup(Ctx *c, const char *s)
{
	size_t n = strlen(s) + 1;
	char *t = cx_alloc(c, n);
	memcpy(t, s, n);
	return t;
}

void cx_work(Ctx *c, uint64_t n)
{
	c->work += n;
	if (c->work > c->worklimit)
		fail(c, NULL, 0, "input too complex: more than %llu steps for %llu bytes",
		     (unsigned long long)c->worklimit,
		     (unsigned long long)((c->worklimit - WORK_BASE) / WORK_PER_BYTE));
}

void cx_grow(Ctx *c, void *pv, size_t *cap, size_t need, size_t esz)
{
	void **pp = pv;
	if (need <= *cap)
		return;
	size_t ncap = *cap ? *cap : 8;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / esz)
			fail(c, NULL, 0, "out of memory");
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / esz)
		fail(c, NULL, 0, "out of memory");
	*pp = cx_realloc(c, *pp, ncap * esz);
	*cap = ncap;
}

const char *path_canon(Ctx *c, const char *path)
{
	char *real = realpath(path, NULL);
	if (real) {
		const char *r = cx_strdup(c, real);
		free(real);
		return r;
	}
	/* Absolute first: the current directory, then path. */
	char *cwd = NULL;
	if (path[0] != '/') {
		for (size_t n = 256; !cwd; n *= 2) {
			char *buf = cx_alloc(c, n);
			if (getcwd(buf, n))
				cwd = buf;
			else if (errno != ERANGE)
				fail(c, NULL, 0, "cannot find the current directory: %s", strerror(errno));
			else
				cx_free(c, buf);
		}
	}
	size_t cn = cwd ? strlen(cwd) : 0, pn = strlen(path);
	char *in = cx_alloc(c, cn + pn + 2);
	if (cwd)
		memcpy(in, cwd, cn);
	in[cn] = '/';
	memcpy(in + cn + 1, path, pn + 1);
	cx_free(c, cwd);
	/* Then component by component into out, which never grows longer
	 * than in: "." and empty ones dropped, ".." taking the last one off
	 * (at the root there is none to take). */
	char *out = cx_alloc(c, cn + pn + 2);
	size_t o = 0;
	for (const char *p = in; *p;) {
		while (*p == '/')
			p++;
		const char *q = p;
		while (*q && *q != '/')
			q++;
		size_t k = (size_t)(q - p);
		if (k == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else if (k > 0 && !(k == 1 && p[0] == '.')) {
			out[o++] = '/';
			memcpy(out + o, p, k);
			o += k;
		}
		p = q;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = 0;
	cx_free(c, in);
	return out;
}

void xsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

/* ---- the reader ---- */

void rd_init(Rd *r, Ctx *c, const char *sect, const uint8_t *p, uint64_t size)
{
	r->c = c;
	r->sect = sect;
	r->p = p;
	r->pos = 0;
	r->end = size;
}

/* need fails unless n more bytes can be read. */
static inline void need(Rd *r, uint64_t n)
{
	if (n > r->end - r->pos)
		fail(r->c, r->sect, r->pos, "truncated: need %llu bytes, %llu left",
		     (unsigned long long)n, (unsigned long long)(r->end - r->pos));
}

Rd rd_sub(Rd *r, uint64_t len)
{
	need(r, len);
	Rd s = *r;
	s.end = r->pos + len;
	return s;
}

void rd_seek(Rd *r, uint64_t off)
{
	if (off > r->end)
		fail(r->c, r->sect, off, "offset beyond the end (0x%llx)",
		     (unsigned long long)r->end);
	r->pos = off;
}

void rd_skip(Rd *r, uint64_t n)
{
	need(r, n);
	r->pos += n;
}

uint8_t rd_u8(Rd *r)
{
	need(r, 1);
	return r->p[r->pos++];
}

uint16_t rd_u16(Rd *r)
{
	need(r, 2);
	const uint8_t *b = r->p + r->pos;
	r->pos += 2;
	return (uint16_t)(b[0] | b[1] << 8);
}

uint32_t rd_u32(Rd *r)
{
	need(r, 4);
	const uint8_t *b = r->p + r->pos;
	r->pos += 4;
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

uint64_t rd_u64(Rd *r)
{
	uint64_t lo = rd_u32(r);
	return lo | (uint64_t)rd_u32(r) << 32;
}

uint64_t rd_un(Rd *r, unsigned n)
{
	if (n < 1 || n > 8)
		fail(r->c, r->sect, r->pos, "bad integer size %u", n);
	need(r, n);
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)r->p[r->pos + i] << (8 * i);
	r->pos += n;
	return v;
}

uint64_t rd_uleb(Rd *r)
{
	uint64_t v = 0;
	unsigned shift = 0;
	for (;;) {
		uint8_t b = rd_u8(r);
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
		if (!(b & 0x80))
			return v;
	}
}

int64_t rd_sleb(Rd *r)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t b;
	do {
		b = rd_u8(r);
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (shift < 64 && (b & 0x40))
		v |= ~(uint64_t)0 << shift;
	return (int64_t)v;
}

const char *rd_str(Rd *r)
{
	const uint8_t *s = r->p + r->pos;
	const uint8_t *z = r->pos < r->end ? memchr(s, 0, r->end - r->pos) : NULL;
	if (!z)
		fail(r->c, r->sect, r->pos, "unterminated string");
	r->pos += (uint64_t)(z - s) + 1;
	return (const char *)s;
}

const char *str_at(Ctx *c, const char *sect, const uint8_t *p, uint64_t size, uint64_t off)
{
	if (!p)
		fail(c, sect, off, "string offset into a missing section");
	if (off >= size)
		fail(c, sect, off, "string offset out of bounds (size 0x%llx)",
		     (unsigned long long)size);
	const uint8_t *z = memchr(p + off, 0, size - off);
	if (!z)
		fail(c, sect, off, "unterminated string");
	cx_work(c, (uint64_t)(z - (p + off)) / 64);
	return (const char *)p + off;
}

/* ---- hash map ---- */

static inline size_t mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return (size_t)k;
}

uint64_t *map_get(const Map *m, uint64_t key)
{
	if (!m->cap)
		return NULL;
	for (size_t i = mix(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->used[i])
			return NULL;
		if (m->keys[i] == key)
			return &m->vals[i];
	}
}

/* map_resize rehashes m into ncap slots (a power of two). */
static void map_resize(Ctx *c, Map *m, size_t ncap)
{
	Map n = {0};
	n.cap = ncap;
	n.keys = cx_alloc(c, ncap * sizeof *n.keys);
	n.vals = cx_alloc(c, ncap * sizeof *n.vals);
	n.used = cx_alloc(c, ncap);
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->used[i])
			continue;
		size_t j = mix(m->keys[i]) & (ncap - 1);
		while (n.used[j])
			j = (j + 1) & (ncap - 1);
		n.used[j] = 1;
		n.keys[j] = m->keys[i];
		n.vals[j] = m->vals[i];
	}
	n.n = m->n;
	cx_free(c, m->keys);
	cx_free(c, m->vals);
	cx_free(c, m->used);
	*m = n;
}

uint64_t *map_put(Ctx *c, Map *m, uint64_t key, bool *isnew)
{
	if (2 * (m->n + 1) > m->cap)
		map_resize(c, m, m->cap ? 2 * m->cap : 64);
	size_t i = mix(key) & (m->cap - 1);
	while (m->used[i]) {
		if (m->keys[i] == key) {
			if (isnew)
				*isnew = false;
			return &m->vals[i];
		}
		i = (i + 1) & (m->cap - 1);
	}
	m->used[i] = 1;
	m->keys[i] = key;
	m->vals[i] = 0;
	m->n++;
	if (isnew)
		*isnew = true;
	return &m->vals[i];
}

/* ---- buffers and strings ---- */

void buf_put(Ctx *c, Buf *b, const void *p, size_t n)
{
	cx_grow(c, &b->v, &b->cap, b->n + n, 1);
	if (n)
		memcpy(b->v + b->n, p, n);
	b->n += n;
}

void buf_uvarint(Ctx *c, Buf *b, uint32_t v)
{
	uint8_t tmp[5];
	size_t n = 0;
	while (v >= 0x80) {
		tmp[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	tmp[n++] = (uint8_t)v;
	buf_put(c, b, tmp, n);
}

uint64_t hash_bytes(const void *p, size_t n, uint64_t h)
{
	const uint8_t *b = p;
	if (!h)
		h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

uint32_t str_intern(Ctx *c, Strtab *t, const char *s)
{
	size_t n = strlen(s) + 1;
	cx_work(c, n / 64);
	uint64_t h = hash_bytes(s, n, 0);
	bool isnew;
	uint64_t *head = map_put(c, &t->idx, h, &isnew);
	/* *head is 1 + the first entry of this hash's chain. */
	for (uint64_t e = isnew ? 0 : *head; e; e = t->ents.v[e - 1].next) {
		uint32_t off = t->ents.v[e - 1].off;
		if (t->buf.n - off >= n && memcmp(t->buf.v + off, s, n) == 0)
			return off;
	}
	if (t->buf.n + n > UINT32_MAX / 2)
		fail(c, NULL, 0, "string table too large");
	uint32_t off = (uint32_t)t->buf.n;
	buf_put(c, &t->buf, s, n);
	StrEnt *e = VPUSH(c, &t->ents);
	e->off = off;
	e->next = isnew ? 0 : (uint32_t)*head;
	*head = t->ents.n;
	return off;
}
