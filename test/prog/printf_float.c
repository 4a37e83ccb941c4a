/*
 * printf_float.c: weft_snprintf against glibc's snprintf, byte for byte,
 * on random formats and values. A hosted program (weft build --libc), run
 * natively and on arm64 under qemu by test/printf_float_test.c.
 *
 *	printf_float [CASES [SEED]]     (default: 200000 cases, seed 1)
 *
 * First a few hand-picked cases, each checked against the string glibc
 * prints (written out here) for both weft and glibc. Then CASES random
 * cases, shared among 4 goroutines (so at several Ps they run on several
 * threads at once), each drawn from a seeded generator:
 *
 *  - a format: %f %F %e %E %g %G (70%) or %d %i %u %x %X %c %s %p, with
 *    any of the flags - + space # 0 (repeated, in any order), a width or
 *    a '*' width (negative ones too), a precision or a '*' precision
 *    (negative ones too), large precisions up to 1100 for the floats,
 *    every size that glibc reads the same way, and text around it;
 *  - a value: for the floats random bit patterns (every exponent), random
 *    subnormals, infinities, NaNs with either sign and any payload, zeros
 *    of both signs, values within a few ulps of every power of ten,
 *    halfway cases (m / 2^n printed with n-1 decimals, integers ending in
 *    5 printed with one digit fewer), integers, huge values, short
 *    decimals and values that straddle %g's switch to %e; for the
 *    integers random bits, small values and the extremes;
 *  - a rounding mode: to nearest mostly, and one in eight in each of the
 *    other three (set in the x87 control word and MXCSR, or FPCR).
 *
 * Each case is formatted into a large buffer, comparing the return values
 * and the output; one in four also into a buffer of a random size up to
 * the length plus one, comparing the truncated output, the terminating
 * NUL and the bytes past the buffer (which must not be written).
 *
 * It prints each of the first 20 mismatches on a line and ends with
 * "printf_float: N cases, M mismatches"; the exit status is 0 only with
 * no mismatch.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <weft.h>

#include "printf_call.h"
#include "printf_float_cases.h"

enum { GOROUTINES = 4, BUFSZ = 8192, MAXSHOW = 20 };

/* ---- the generator (splitmix64) ---- */

typedef struct Rng {
	uint64_t s;
} Rng;

static uint64_t next(Rng *r)
{
	uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t below(Rng *r, uint64_t n)
{
	return next(r) % n;
}

static double frombits(uint64_t u)
{
	double d;
	memcpy(&d, &u, sizeof d);
	return d;
}

static uint64_t tobits(double d)
{
	uint64_t u;
	memcpy(&u, &d, sizeof u);
	return u;
}

/* ---- rounding modes ---- */

enum { NEAREST, TOWARDZERO, UPWARD, DOWNWARD };
static const char *const modename[] = {"nearest", "towardzero", "upward", "downward"};

static void setround(int mode)
{
#if defined(__x86_64__)
	/* x87 RC and MXCSR RC: 0 nearest, 1 down, 2 up, 3 zero */
	static const unsigned rc[] = {0, 3, 2, 1};
	uint16_t cw;
	uint32_t csr;
	__asm__ volatile("fnstcw %0" : "=m"(cw));
	cw = (uint16_t)((cw & ~0xc00u) | rc[mode] << 10);
	__asm__ volatile("fldcw %0" : : "m"(cw));
	__asm__ volatile("stmxcsr %0" : "=m"(csr));
	csr = (csr & ~0x6000u) | rc[mode] << 13;
	__asm__ volatile("ldmxcsr %0" : : "m"(csr));
#elif defined(__aarch64__)
	/* FPCR RMode: 0 nearest, 1 up, 2 down, 3 zero */
	static const uint64_t rm[] = {0, 3, 1, 2};
	uint64_t fpcr;
	__asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
	fpcr = (fpcr & ~(UINT64_C(3) << 22)) | rm[mode] << 22;
	__asm__ volatile("msr fpcr, %0" : : "r"(fpcr));
#else
#error "unsupported arch"
#endif
}

/* ---- cases ---- */

typedef PrintfCall Case; /* printf_call.h */

/* format formats c with weft_snprintf or with glibc's snprintf, in c's
 * rounding mode. */
static int format(bool weft, char *buf, size_t n, const Case *c)
{
	setround(c->mode);
	int r = printf_call(weft, buf, n, c);
	setround(NEAREST);
	return r;
}

/* pow2 returns 2^e for -1022 <= e <= 1023. */
static double pow2(int e)
{
	return frombits((uint64_t)(e + 1023) << 52);
}

/* genfloat draws a double; *prec is set to a precision that makes it a
 * halfway case in *conv ('f' or 'e'), or left at -1. */
static double genfloat(Rng *r, int *prec, char *conv)
{
	static const uint64_t special[] = {
		0, UINT64_C(0x8000000000000000),                       /* +-0 */
		UINT64_C(0x7ff0000000000000), UINT64_C(0xfff0000000000000), /* +-inf */
		UINT64_C(0x7ff8000000000000), UINT64_C(0xfff8000000000000), /* +-nan */
		UINT64_C(0x7ff0000000000001), UINT64_C(0xfff4000000abcdef), /* nan payloads */
		1, UINT64_C(0x000fffffffffffff),                       /* subnormal ends */
		UINT64_C(0x0010000000000000), UINT64_C(0x7fefffffffffffff), /* DBL_MIN, DBL_MAX */
		UINT64_C(0x3ff0000000000000), UINT64_C(0x3fb999999999999a), /* 1, 0.1 */
		UINT64_C(0x3fe0000000000000), UINT64_C(0x4004000000000000), /* 0.5, 2.5 */
	};
	double v;
	uint64_t m;
	int n;
	char s[64];

	*prec = -1;
	switch (below(r, 16)) {
	case 0:
	case 1:
	case 2:
	case 3: /* any bits */
		return frombits(next(r));
	case 4: /* subnormal */
		return frombits((next(r) & UINT64_C(0x800fffffffffffff)) >> below(r, 52));
	case 5:
		v = frombits(special[below(r, sizeof special / sizeof special[0])]);
		return below(r, 2) ? v : -v;
	case 6:
	case 7: /* within a few ulps of a power of ten */
		snprintf(s, sizeof s, "1e%d", (int)below(r, 635) - 325);
		m = tobits(strtod(s, NULL)) + below(r, 7) - 3;
		return frombits(m | (below(r, 2) << 63));
	case 8:
	case 9: /* m / 2^n, a tie at n-1 decimals */
		n = 1 + (int)below(r, 60);
		m = (next(r) >> (11 + below(r, 53))) | 1;
		*prec = n - 1 - (int)below(r, 2) * (int)below(r, 3); /* sometimes near it */
		*conv = 'f';
		v = (double)m * pow2(-n);
		return below(r, 2) ? v : -v;
	case 10: /* an integer ending in 5, a tie at one digit fewer */
		m = (next(r) >> (14 + below(r, 50))) * 10 + 5;
		snprintf(s, sizeof s, "%lu", (unsigned long)m);
		*prec = (int)strlen(s) - 2; /* %e shows prec+1 digits */
		*conv = 'e';
		v = (double)m;
		if (below(r, 3) == 0)
			v *= pow2(-(int)below(r, 30)); /* the same digits, other ties */
		return below(r, 2) ? v : -v;
	case 11: /* integers, and integers and a half */
		v = (double)(next(r) >> below(r, 64));
		if (below(r, 3) == 0)
			v += 0.5;
		return below(r, 2) ? v : -v;
	case 12: /* huge */
		return frombits((next(r) & UINT64_C(0x800fffffffffffff)) | (uint64_t)(2000 + below(r, 47)) << 52);
	case 13: /* short decimals */
		snprintf(s, sizeof s, "%s%lu.%lue%d", below(r, 2) ? "-" : "", (unsigned long)below(r, 100000),
			 (unsigned long)below(r, 1000), (int)below(r, 40) - 20);
		return strtod(s, NULL);
	case 14: /* around %g's switch: 9.99..95 x 10^k */
		n = 1 + (int)below(r, 17);
		snprintf(s, sizeof s, "%.*se%d", n + 2, "9.99999999999999999999999", (int)below(r, 30) - 10);
		s[n + 1] = '5';
		m = tobits(strtod(s, NULL)) + below(r, 3) - 1;
		*prec = n;
		*conv = 'g';
		return frombits(m);
	default: /* small: 1e-7 .. 1 */
		return (double)(next(r) >> 11) * pow2(-53) * pow2(-(int)below(r, 24));
	}
}

static char *putint(char *p, int v)
{
	return p + sprintf(p, "%d", v);
}

/* gen draws a case. */
static void gen(Rng *r, Case *c)
{
	static const char *const fsizes[] = {"l", "h", "hh", "z", "j", "t"};
	static const char *const isizes[] = {"", "hh", "h", "l", "ll", "z", "j", "t", "L"};
	static const char *const strs[] = {"", "a", "weft", "hello, world", "0123456789abcdefghij", "%d"};
	static const char *const text[] = {"", "", "", "x=", "[", "%%", "a b "};
	bool isfloat = below(r, 10) < 7;
	char conv = isfloat ? "fFeEgG"[below(r, 6)] : "diuxXcsp"[below(r, 8)];
	char hconv = 0, *f = c->fmt;
	int hprec = -1, prec = -2; /* -2: none */
	bool width_star = false, zero_flag = false;
	const char *size = "";

	memset(c, 0, sizeof *c);
	if (isfloat)
		c->f = genfloat(r, &hprec, &hconv);
	c->mode = below(r, 2) ? NEAREST : (int)below(r, 4);

	f = stpcpy(f, text[below(r, 7)]);
	*f++ = '%';
	for (int n = below(r, 3) ? (int)below(r, 5) : 0; n > 0; n--) {
		*f++ = "-+ #0"[below(r, 5)];
		zero_flag |= f[-1] == '0';
	}
	switch (below(r, 8)) {
	case 0:
	case 1:
	case 2:
		break;
	case 3:
	case 4:
	case 5:
		f = putint(f, 1 + (int)below(r, 30));
		break;
	case 6:
		f = putint(f, 1 + (int)below(r, 400));
		break;
	default:
		*f++ = '*';
		c->star[c->nstar++] = (int)below(r, 81) - 40;
		width_star = true;
		break;
	}
	switch (below(r, 10)) {
	case 0:
	case 1:
	case 2:
		break;
	case 3:
		prec = -3; /* a bare '.': precision 0 */
		break;
	case 4:
	case 5:
		prec = (int)below(r, 21);
		break;
	case 6:
		prec = (int)below(r, 61);
		break;
	case 7:
		prec = isfloat ? (int)below(r, 1101) : (int)below(r, 40);
		break;
	default:
		prec = -4; /* '*' */
		c->star[c->nstar++] = below(r, 3) == 0 ? (int)below(r, isfloat ? 1101 : 40) : (int)below(r, 50) - 5;
		break;
	}
	/* Halfway cases: usually at the precision that makes them ties. */
	if (hprec >= 0 && prec != -4 && below(r, 4) != 0 && (prec == -2 || below(r, 2))) {
		prec = hprec;
		if (below(r, 2))
			conv = hconv == 'f' ? "fF"[below(r, 2)] : hconv == 'e' ? "eE"[below(r, 2)] : "gG"[below(r, 2)];
		if (conv == 'g' || conv == 'G')
			prec = hconv == 'e' ? hprec + 1 : hconv == 'g' ? hprec : prec;
	}
	if (prec != -2)
		*f++ = '.';
	if (prec == -4)
		*f++ = '*';
	else if (prec >= 0)
		f = putint(f, prec);

	if (isfloat) {
		c->type = T_DOUBLE;
		if (below(r, 6) == 0)
			size = fsizes[below(r, 6)];
	} else if (conv == 'c') {
		c->type = T_INT;
		c->i = below(r, 8) == 0 ? 0 : (int)below(r, 256);
	} else if (conv == 's') {
		c->type = T_STR;
		c->s = strs[below(r, 6)];
	} else if (conv == 'p') {
		c->type = T_PTR;
		c->p = (void *)(uintptr_t)((next(r) >> below(r, 64)) | 1);
	} else {
		static const long edge[] = {0, 1, -1, 127, -128, 255, 32767, -32768, 65535,
					    2147483647, -2147483647 - 1, 4294967295, 0x7fffffffffffffff,
					    -0x7fffffffffffffff - 1};
		long v;
		switch (below(r, 3)) {
		case 0:
			v = (long)next(r);
			break;
		case 1:
			v = (long)below(r, 2000) - 1000;
			break;
		default:
			v = edge[below(r, sizeof edge / sizeof edge[0])];
			break;
		}
		size = isizes[below(r, 9)];
		if (size[0] == 0 || size[0] == 'h') {
			c->type = T_INT;
			c->i = (int)v;
		} else {
			c->type = T_LONG;
			c->l = v;
		}
	}
	/* glibc reads a format with h or hh before a float conversion
	 * another way (printf_positional), and there a negative '*' width
	 * with the '0' flag pads with zeros on the right: "%0*hf" of -10
	 * and 1.5 prints 1.50000000. weft pads with spaces, as C says and
	 * as glibc does without the h: such cases get a positive width. */
	if (isfloat && size[0] == 'h' && zero_flag && width_star && c->star[0] < 0)
		c->star[0] = -c->star[0];
	f = stpcpy(f, size);
	*f++ = conv;
	f = stpcpy(f, text[below(r, 7)]);
	*f = 0;
}

/* ---- running them ---- */

static int nshown;
static weft_mutex showmu;

static void show(const Case *c, size_t n, const char *what, const char *a, int ra, const char *b, int rb)
{
	weft_mutex_lock(&showmu);
	if (nshown++ < MAXSHOW) {
		printf("mismatch (%s): format \"%s\"", what, c->fmt);
		for (int i = 0; i < c->nstar; i++)
			printf(" *%d", c->star[i]);
		switch (c->type) {
		case T_DOUBLE:
			printf(" value %a (0x%016llx)", c->f, (unsigned long long)tobits(c->f));
			break;
		case T_INT:
			printf(" value %d", c->i);
			break;
		case T_LONG:
			printf(" value %ld", c->l);
			break;
		case T_STR:
			printf(" value \"%s\"", c->s);
			break;
		case T_PTR:
			printf(" value %p", c->p);
			break;
		}
		printf(" mode %s size %zu\n  weft:  %d \"%.300s\"\n  glibc: %d \"%.300s\"\n", modename[c->mode], n, ra,
		       a, rb, b);
	}
	weft_mutex_unlock(&showmu);
}

/* check runs one case with the buffers a and b (BUFSZ + 64 bytes each);
 * it returns true when weft and glibc agree. */
static bool check(Rng *r, const Case *c, char *a, char *b)
{
	int ra, rb;
	size_t n;

	memset(a, 0x55, BUFSZ);
	memset(b, 0x55, BUFSZ);
	ra = format(true, a, BUFSZ, c);
	rb = format(false, b, BUFSZ, c);
	if (rb < 0 || rb >= BUFSZ) {
		show(c, BUFSZ, "glibc's output does not fit", a, ra, b, rb);
		return false;
	}
	if (ra != rb || memcmp(a, b, (size_t)rb + 1) != 0) {
		show(c, BUFSZ, "output", a, ra, b, rb);
		return false;
	}
	if (below(r, 4) != 0)
		return true;
	/* Truncated: a buffer of 0 to rb+1 bytes. */
	n = below(r, (uint64_t)rb + 2);
	memset(a, 0x55, (size_t)rb + 64);
	memset(b, 0x55, (size_t)rb + 64);
	ra = format(true, a, n, c);
	rb = format(false, b, n, c);
	if (ra != rb || memcmp(a, b, (size_t)rb + 64) != 0) {
		show(c, n, "truncated", a, ra, b, rb);
		return false;
	}
	return true;
}

static int check_fixed(void)
{
	char a[BUFSZ], b[BUFSZ];
	int bad = 0;

	for (size_t i = 0; i < NFIXED; i++) {
		const struct fixed *x = &fixed[i];
		int ra = weft_snprintf(a, sizeof a, x->fmt, x->v);
		int rb = snprintf(b, sizeof b, x->fmt, x->v);
		if (strcmp(a, x->want) != 0 || ra != (int)strlen(x->want)) {
			printf("fixed: weft_snprintf(\"%s\", %a) = \"%.200s\" (%d), want \"%.200s\"\n", x->fmt, x->v, a,
			       ra, x->want);
			bad++;
		}
		if (strcmp(b, x->want) != 0 || rb != (int)strlen(x->want)) {
			printf("fixed: glibc snprintf(\"%s\", %a) = \"%.200s\" (%d), want \"%.200s\"\n", x->fmt, x->v, b,
			       rb, x->want);
			bad++;
		}
	}
	/* Long doubles are not supported: printed as written, but their
	 * argument is taken, so the next one lines up. */
	weft_snprintf(a, sizeof a, "%Lf|%d|%.1f", 1.5L, 7, 2.5);
	if (strcmp(a, "%Lf|7|2.5") != 0) {
		printf("fixed: %%Lf: \"%s\"\n", a);
		bad++;
	}
	/* The flags on integers. */
	weft_snprintf(a, sizeof a, "%+d % d %#x %#X %#x %#.3x %#08x %+5d %-+5d|", 5, 5, 255u, 255u, 0u, 1u, 1u, -3,
		      3);
	if (strcmp(a, "+5  5 0xff 0XFF 0 0x001 0x000001    -3 +3   |") != 0) {
		printf("fixed: integer flags: \"%s\"\n", a);
		bad++;
	}
	/* Rounding modes. */
	setround(UPWARD);
	weft_snprintf(a, sizeof a, "%.2f %.0f %.1f", 0.125, -2.5, 1e-300);
	setround(NEAREST);
	if (strcmp(a, "0.13 -2 0.1") != 0) {
		printf("fixed: upward: \"%s\"\n", a);
		bad++;
	}
	return bad;
}

struct worker {
	Rng rng;
	long cases, bad;
	char a[BUFSZ + 64], b[BUFSZ + 64];
	weft_waitgroup *wg;
};

static void work(void *arg)
{
	struct worker *w = arg;
	Case c;

	for (long i = 0; i < w->cases; i++) {
		gen(&w->rng, &c);
		if (!check(&w->rng, &c, w->a, w->b))
			w->bad++;
		if (i % 256 == 0)
			weft_yield();
	}
	weft_waitgroup_done(w->wg);
}

int weft_main(int argc, char **argv)
{
	long cases = argc > 1 ? atol(argv[1]) : 200000;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
	static struct worker w[GOROUTINES];
	weft_waitgroup wg = {0};
	long bad = check_fixed();

	for (int i = 0; i < GOROUTINES; i++) {
		w[i] = (struct worker){.rng = {seed * 1000003 + (uint64_t)i}, .wg = &wg,
				       .cases = cases / GOROUTINES + (i < cases % GOROUTINES)};
		weft_waitgroup_add(&wg, 1);
		weft_go(work, &w[i]);
	}
	weft_waitgroup_wait(&wg);
	for (int i = 0; i < GOROUTINES; i++)
		bad += w[i].bad;
	printf("printf_float: %ld cases, %ld mismatches\n", cases, bad);
	return bad == 0 ? 0 : 1;
}
