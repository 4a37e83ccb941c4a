/*
 * test/fuzz/printf_fuzz.c: libFuzzer target for the runtime's printf
 * (runtime/print.c and runtime/ftoa.c, compiled hosted with the
 * sanitizers; the few runtime functions they call are stubbed below).
 *
 * The first byte picks the mode.
 *
 * Even: directives compared with glibc. The rest of the input is read as
 * directives of 14 bytes each (at most 16 per input):
 *
 *	flags  bits 0..4: '-' '+' ' ' '#' '0'; bits 5..6: the rounding mode;
 *	       bit 7: the flags twice over
 *	width  0: none; 1..127: that width; 128..255: '*' of the byte - 192
 *	prec   0: none; 1: '.'; 2: '*' (below); 3..255: b - 3, and past 128
 *	       nine times as many (up to 1143; 60 at most for integers)
 *	text   % 5: the text before the directive; / 5: the size, an index
 *	       into those that glibc reads as weft does for the conversion
 *	conv   index into "fFeEgGdiuxXcsp"
 *	buf    the size of a second, truncating buffer (0..255)
 *	value  8 bytes: the double's bits, the integer, the character, the
 *	       string's index, the pointer
 *
 * (A '*' precision reads its value from the byte after the value.) Each
 * directive, with text around it, goes through weft_snprintf and
 * glibc's snprintf, into a large buffer and into one of buf bytes; the
 * outputs, the return values and the bytes past the small buffer must be
 * the same, or the target aborts with both outputs.
 *
 * Odd: the rest of the input is a format (up to 512 bytes, NUL-ended),
 * for weft only, with any bytes in it; the arguments are 64 pointers to
 * strings, which any conversion may read. '*' becomes '1' and digit runs
 * are cut to 4 digits (so no field is gigabytes long). The sanitizers
 * watch for any fault, and the output must be the same in a large buffer
 * and, truncated, in a small one.
 *
 * Build and run (from the repository root): ninja fuzz-printf, or
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
 *	    -Iruntime -Iabi -Iarch/amd64 test/fuzz/printf_fuzz.c runtime/print.c \
 *	    runtime/ftoa.c -lm -o build/printf_fuzz
 *	mkdir -p build/fuzz-printf-corpus
 *	build/printf_fuzz build/fuzz-printf-corpus -max_len=512
 *
 * Crashes are written as crash-* in the current directory: fix them, then
 * keep the input in test/fuzz/printf-regressions/ and replay with
 * build/printf_fuzz test/fuzz/printf-regressions/ -runs=0.
 */
#define _GNU_SOURCE
#include <fenv.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* weft.h's printf family and the runtime functions print.c calls. */
int weft_snprintf(char *buf, size_t n, const char *fmt, ...);
long weft_write(int fd, const void *p, size_t n);
long sys_write(int fd, const void *p, size_t n);
size_t rt_strlen(const char *s);

long weft_write(int fd, const void *p, size_t n)
{
	(void)fd;
	(void)p;
	return (long)n;
}

long sys_write(int fd, const void *p, size_t n)
{
	(void)fd;
	(void)p;
	return (long)n;
}

size_t rt_strlen(const char *s)
{
	return strlen(s);
}

enum { BIG = 4096, DIRLEN = 14 };

static const char *const strs[] = {"", "a", "weft", "hello, world", "0123456789abcdefghij", "%d%s%f"};

/* ---- even: directives against glibc ---- */

#include "../prog/printf_call.h" /* after weft_snprintf's prototype */

typedef PrintfCall Dir;

static int format(bool weft, char *buf, size_t n, const Dir *d)
{
	static const int modes[] = {FE_TONEAREST, FE_TOWARDZERO, FE_UPWARD, FE_DOWNWARD};

	fesetround(modes[d->mode]);
	int r = printf_call(weft, buf, n, d);
	fesetround(FE_TONEAREST);
	return r;
}

static void mismatch(const Dir *d, size_t n, const char *a, int ra, const char *b, int rb)
{
	fprintf(stderr, "mismatch: format \"%s\"", d->fmt);
	for (int i = 0; i < d->nstar; i++)
		fprintf(stderr, " *%d", d->star[i]);
	if (d->type == T_DOUBLE) {
		uint64_t u;
		memcpy(&u, &d->f, sizeof u);
		fprintf(stderr, " value %a (0x%016llx)", d->f, (unsigned long long)u);
	} else if (d->type == T_INT) {
		fprintf(stderr, " value %d", d->i);
	} else if (d->type == T_LONG) {
		fprintf(stderr, " value %ld", d->l);
	}
	fprintf(stderr, " mode %d buffer %zu\n  weft:  %d \"%.300s\"\n  glibc: %d \"%.300s\"\n", d->mode, n, ra, a, rb,
		b);
	abort();
}

/* decode reads one directive from p: DIRLEN bytes, and for a '*'
 * precision the byte after them (the next directive's first), if any;
 * *small is the size of the small buffer to format it into too. */
static void decode(const uint8_t *p, const uint8_t *end, Dir *d, size_t *small)
{
	static const char convs[] = "fFeEgGdiuxXcsp";
	static const char *const fsizes[] = {"", "l", "h", "hh", "z", "j", "t"};
	static const char *const isizes[] = {"", "hh", "h", "l", "ll", "z", "j", "t", "L"};
	static const char *const text[] = {"", "x=", "%%", "[", "a b "};
	uint8_t flags = p[0], width = p[1], prec = p[2];
	char conv = convs[p[4] % (sizeof convs - 1)], *f = d->fmt;
	bool isfloat = strchr("fFeEgG", conv) != NULL, zero = false, wstar = false;
	const char *size = "";
	uint64_t v;

	memset(d, 0, sizeof *d);
	d->mode = (flags >> 5) & 3;
	*small = p[5];
	memcpy(&v, p + 6, sizeof v);
	f = stpcpy(f, text[p[3] % 5]);
	*f++ = '%';
	for (int rep = 0; rep < (flags & 0x80 ? 2 : 1); rep++)
		for (int b = 0; b < 5; b++)
			if (flags & (1 << b)) {
				*f++ = "-+ #0"[b];
				zero |= b == 4;
			}
	if (width >= 128) {
		*f++ = '*';
		d->star[d->nstar++] = (int)width - 192;
		wstar = true;
	} else if (width > 0) {
		f += sprintf(f, "%d", width);
	}
	if (prec == 1) {
		*f++ = '.';
	} else if (prec == 2) {
		*f++ = '.';
		*f++ = '*';
		d->star[d->nstar++] = p + DIRLEN < end ? (int8_t)p[DIRLEN] : 0;
	} else if (prec >= 3) {
		int n = prec - 3;
		if (n > 125)
			n = 125 + (n - 125) * 9;
		if (!isfloat && n > 60)
			n = 60;
		f += sprintf(f, ".%d", n);
	}
	if (isfloat) {
		d->type = T_DOUBLE;
		memcpy(&d->f, &v, sizeof v);
		size = fsizes[p[3] / 5 % 7];
		/* glibc's printf_positional path (taken after h or hh before
		 * a float conversion) pads a negative '*' width with the '0'
		 * flag with zeros on the right: a glibc bug weft does not
		 * copy (test/prog/printf_float.c). */
		if (size[0] == 'h' && zero && wstar && d->star[0] < 0)
			d->star[0] = -d->star[0];
	} else if (conv == 'c') {
		d->type = T_INT;
		d->i = (int)(v & 0xff);
	} else if (conv == 's') {
		d->type = T_STR;
		d->s = strs[v % (sizeof strs / sizeof strs[0])];
	} else if (conv == 'p') {
		d->type = T_PTR;
		d->p = (void *)(uintptr_t)(v | 1); /* glibc prints (nil) for NULL, weft 0x0 */
	} else {
		size = isizes[p[3] / 5 % 9];
		if (size[0] == 0 || size[0] == 'h') {
			d->type = T_INT;
			d->i = (int)v;
		} else {
			d->type = T_LONG;
			d->l = (long)v;
		}
	}
	f = stpcpy(f, size);
	*f++ = conv;
	*f++ = '|';
	*f = 0;
}

static void directives(const uint8_t *p, size_t n)
{
	static char a[BIG + 300], b[BIG + 300];
	const uint8_t *end = p + n;
	Dir d;
	size_t small;
	int ra, rb;

	for (int k = 0; k < 16 && end - p >= DIRLEN; k++, p += DIRLEN) {
		decode(p, end, &d, &small);
		memset(a, 0x55, sizeof a);
		memset(b, 0x55, sizeof b);
		ra = format(true, a, BIG, &d);
		rb = format(false, b, BIG, &d);
		if (rb < 0 || rb >= BIG)
			continue; /* 1143 digits of precision in a 127-wide field fit: never */
		if (ra != rb || memcmp(a, b, (size_t)rb + 1) != 0)
			mismatch(&d, BIG, a, ra, b, rb);
		memset(a, 0x55, sizeof a);
		memset(b, 0x55, sizeof b);
		ra = format(true, a, small, &d);
		rb = format(false, b, small, &d);
		if (ra != rb || memcmp(a, b, sizeof a) != 0)
			mismatch(&d, small, a, ra, b, rb);
	}
}

/* ---- odd: any format, weft only ---- */

static void rawformat(const uint8_t *p, size_t n)
{
	static char fmt[513], a[1 << 16], small[64];
	const char *s[64];
	size_t len = 0;
	int digits = 0, ra, rs;

	for (size_t i = 0, pct = 0; i < n && len < sizeof fmt - 1 && p[i] != 0; i++) {
		char c = p[i] == '*' ? '1' : (char)p[i];
		digits = c >= '0' && c <= '9' ? digits + 1 : 0;
		/* At most 20 directives: each takes at most three of the 61
		 * argument slots on the stack (a long double, aligned). */
		if (c == '%' && ++pct > 20)
			break;
		if (digits <= 4)
			fmt[len++] = c;
	}
	fmt[len] = 0;
	for (int i = 0; i < 64; i++)
		s[i] = strs[i % (sizeof strs / sizeof strs[0])];
#define S8(i) s[i], s[i + 1], s[i + 2], s[i + 3], s[i + 4], s[i + 5], s[i + 6], s[i + 7]
	ra = weft_snprintf(a, sizeof a, fmt, S8(0), S8(8), S8(16), S8(24), S8(32), S8(40), S8(48), S8(56));
	rs = weft_snprintf(small, sizeof small, fmt, S8(0), S8(8), S8(16), S8(24), S8(32), S8(40), S8(48), S8(56));
	/* The same output both times, the small one a prefix ending in a NUL. */
	bool ok = ra == rs && ra >= 0 && (size_t)ra < sizeof a && a[ra] == 0;
	size_t keep = ok && (size_t)ra < sizeof small ? (size_t)ra : sizeof small - 1;
	if (!ok || memcmp(a, small, keep) != 0 || small[keep] != 0) {
		fprintf(stderr, "inconsistent: format \"%s\": %d \"%.300s\", truncated %d \"%s\"\n", fmt, ra, a, rs,
			small);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 1)
		rawformat(data + 1, size - 1);
	else
		directives(data + 1, size - 1);
	return 0;
}
