/*
 * string.c: memcpy, memmove, memset and memcmp, which the compiler calls
 * on its own (for struct copies and zeroing, even in freestanding code),
 * and the few string helpers the runtime needs.
 *
 * The mem* functions move a word at a time through the uword type below,
 * then finish byte by byte. They are simple rather than fast: no alignment
 * prologue and no vector registers.
 *
 * The functions with the C library's names (memcpy, memmove, memset,
 * memcmp, bcmp, strlen) stand in for a C library that is not there. A
 * hosted program (weft build --libc) has one, and the same libweft.a is
 * linked into it, ahead of libc: so they are weak (LIBCNAME), and libc's
 * own definitions take over wherever the link brings them in, with no
 * "multiple definition" error. That error is not hypothetical: glibc's
 * static libc.a defines strlen in the member that its rawmemchr needs
 * (__strlen), so every static hosted link (arm64's) would fail. They are
 * also hidden: a dynamically linked hosted program (amd64's) keeps them to
 * itself instead of exporting them, where they would replace libc's for
 * every shared library in the process. (The rt_ helpers have names of
 * their own and clash with nothing.)
 */
#include "runtime.h"

/*
 * uword: a 64-bit word that may live at any address and may alias any
 * object. may_alias exempts it from the strict-aliasing rules (the bytes
 * being copied are of any type); aligned(1) makes an unaligned access
 * well-defined, and on amd64 and arm64 it is still one plain load or store.
 */
typedef uint64_t __attribute__((may_alias, aligned(1))) uword;

/*
 * NOLIBCALL: GCC's loop distribution can turn a loop that fills or copies
 * bytes into a call to memset or memcpy; inside memset that is infinite
 * recursion (GCC bug 56888). GCC 12 holds back under -ffreestanding, but
 * not every release has, so this turns it off explicitly, as glibc's
 * inhibit_loop_to_libcall does. Clang leaves loops alone under
 * -ffreestanding (it implies -fno-builtin) and does not know the attribute.
 */
#if defined(__GNUC__) && !defined(__clang__)
#define NOLIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define NOLIBCALL
#endif

/* LIBCNAME marks a definition under a C library name: one that a linked
 * libc's replaces, visible only inside the program (see the top). */
#define LIBCNAME __attribute__((weak, visibility("hidden")))

/* copyfwd copies n bytes from s to d, lowest address first: correct when
 * the areas do not overlap or when d is below s. Each word is loaded
 * before it is stored, and a store never reaches a source byte not yet
 * read, since d < s. */
static inline NOLIBCALL void copyfwd(unsigned char *d, const unsigned char *s, size_t n)
{
	for (; n >= 8; n -= 8, d += 8, s += 8)
		*(uword *)d = *(const uword *)s;
	for (; n > 0; n--)
		*d++ = *s++;
}

/* copybwd copies n bytes from s to d, highest address first: correct when
 * d is above s. */
static inline NOLIBCALL void copybwd(unsigned char *d, const unsigned char *s, size_t n)
{
	d += n;
	s += n;
	for (; n >= 8; n -= 8) {
		d -= 8;
		s -= 8;
		*(uword *)d = *(const uword *)s;
	}
	for (; n > 0; n--)
		*--d = *--s;
}

/* memcpy copies n bytes from s to d, which must not overlap; returns d. */
LIBCNAME NOLIBCALL void *memcpy(void *restrict d, const void *restrict s, size_t n)
{
	copyfwd(d, s, n);
	return d;
}

/* memmove copies n bytes from s to d, which may overlap; returns d. */
LIBCNAME NOLIBCALL void *memmove(void *d, const void *s, size_t n)
{
	/* Compare as integers: relational operators on pointers into
	 * different objects are undefined. */
	if ((uintptr_t)d - (uintptr_t)s >= n)
		copyfwd(d, s, n); /* d below s, or no overlap */
	else
		copybwd(d, s, n); /* d inside [s, s+n): copy the top first */
	return d;
}

/* memset fills n bytes at d with the byte c; returns d. */
LIBCNAME NOLIBCALL void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;
	uint64_t w = (unsigned char)c * 0x0101010101010101ull; /* c in every byte */

	for (; n >= 8; n -= 8, p += 8)
		*(uword *)p = w;
	for (; n > 0; n--)
		*p++ = (unsigned char)c;
	return d;
}

/* memcmp compares n bytes as unsigned chars: <0, 0 or >0 as a is less
 * than, equal to or greater than b. */
LIBCNAME NOLIBCALL int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	/* Skip equal words; the bytes loop then finds the first difference. */
	for (; n >= 8 && *(const uword *)p == *(const uword *)q; n -= 8, p += 8, q += 8)
		;
	for (; n > 0; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

/* rt_strlen returns the length of the NUL-terminated string s. */
NOLIBCALL size_t rt_strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

/* bcmp is memcmp under its old name: clang turns memcmp(...) != 0 in a
 * freestanding program's code into a call to it. */
LIBCNAME int bcmp(const void *a, const void *b, size_t n)
{
	return memcmp(a, b, n);
}

/* strlen is rt_strlen under the C library's name: compilers turn
 * string-length loops in a freestanding program's own code into calls to
 * it, as they do for memcpy and memset. */
LIBCNAME size_t strlen(const char *s)
{
	return rt_strlen(s);
}

/* rt_strcmp compares two NUL-terminated strings as unsigned chars, like
 * strcmp. */
NOLIBCALL int rt_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

/* rt_hasprefix reports whether s begins with prefix. */
NOLIBCALL bool rt_hasprefix(const char *s, const char *prefix)
{
	for (; *prefix; s++, prefix++)
		if (*s != *prefix)
			return false;
	return true;
}

/* rt_atoi parses s, an optional '-' and then one or more decimal digits
 * and nothing else. It returns the value and sets *ok (if ok is not NULL)
 * to true; on an empty string, any other character or a value outside
 * int64_t it returns 0 and sets *ok to false. */
NOLIBCALL int64_t rt_atoi(const char *s, bool *ok)
{
	bool neg = false;
	uint64_t v = 0, max;

	if (ok)
		*ok = false;
	if (*s == '-') {
		neg = true;
		s++;
	}
	if (*s == '\0')
		return 0;
	/* The magnitude of INT64_MIN is one more than INT64_MAX's. */
	max = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; *s; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (d > 9 || v > (max - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	if (ok)
		*ok = true;
	/* Negate in unsigned arithmetic: -(int64_t)v overflows for INT64_MIN. */
	return neg ? (int64_t)(0 - v) : (int64_t)v;
}
