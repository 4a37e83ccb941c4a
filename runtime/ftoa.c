/*
 * ftoa.c: the exact decimal value of a double, digit by digit, for
 * printf's %f %e %g (print.c lays the digits out).
 *
 * glibc's printf prints the exact decimal value of a double, correctly
 * rounded at any precision: "%.60f" of 0.1 shows the binary value's 55
 * significant digits and then zeros; "%f" of 1e308 all 309 digits of the
 * integer it really is. So does weft, and the method is plain big-integer
 * arithmetic, with no floating point at all:
 *
 * A finite double is m * 2^q with m < 2^53 an integer and -1074 <= q <=
 * 971 (m is made odd first, moving its trailing zero bits into q).
 *
 *   q >= 0: the value is the integer m * 2^q, below 2^1024 < 10^309.
 *   q < 0:  m * 2^q = m * 5^-q / 10^-q: the digits are those of the
 *           integer m * 5^-q, with the decimal point -q digits from its
 *           right end. m * 5^-q < 2^53 * 5^1074 < 10^767.
 *
 * Either way a single integer of at most 767 digits carries every digit
 * of the value. It is built by repeated multiplication by small factors
 * (2^31, 5^13) and kept in base 10^9, nine decimal digits to a 32-bit
 * word, so that any digit is a word index and a division away and no
 * conversion from binary to decimal is ever needed.
 *
 * Rounding to a precision cuts the integer after a digit and looks at
 * what was cut: all of its digits are there, so a tie (exactly half a
 * unit) is known exactly. Like glibc, weft rounds in the thread's current
 * rounding mode: to nearest with ties to even (the default), toward zero,
 * upward or downward.
 *
 * Bounds. 767 digits are 86 words; one more holds a carry out of
 * rounding: a Decimal is 87 words and three ints, 360 bytes, on the
 * caller's stack, and nothing here uses more than a few words besides.
 * There is no digit buffer: print.c asks for one digit at a time, so a
 * precision of any size costs no memory (the digits past the exact ones
 * are zeros). The work is bounded too: at most 83 multiplications by
 * 5^13 or less of at most 86 words, or 32 by 2^31 or less of at most 35.
 */
#include "runtime.h"
#include "ftoa.h"

#define BASE 1000000000u /* 10^9: one word's digits */

static const uint32_t pow10[10] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
};

/* mulsmall multiplies d's integer by f (f < 2^32). Each word times f plus
 * the carry stays below 10^9 * 2^32 + 2^32 < 2^64. */
static void mulsmall(Decimal *d, uint32_t f)
{
	uint64_t carry = 0;

	for (int i = 0; i < d->nw; i++) {
		uint64_t t = (uint64_t)d->w[i] * f + carry;
		d->w[i] = (uint32_t)(t % BASE);
		carry = t / BASE;
	}
	for (; carry != 0; carry /= BASE)
		d->w[d->nw++] = (uint32_t)(carry % BASE);
}

/* ndigits counts the digits of d's integer (0 for zero). */
static int ndigits(const Decimal *d)
{
	int n;

	if (d->nw == 0)
		return 0;
	n = 9 * (d->nw - 1);
	for (uint32_t top = d->w[d->nw - 1]; top != 0; top /= 10)
		n++;
	return n;
}

int ftoa_decode(double v, bool *neg, Decimal *d)
{
	union {
		double f;
		uint64_t u;
	} bits = {.f = v};
	uint64_t m = bits.u & ((UINT64_C(1) << 52) - 1);
	int be = (int)(bits.u >> 52) & 0x7ff, q, k;

	*neg = bits.u >> 63;
	if (be == 0x7ff)
		return m == 0 ? FT_INF : FT_NAN;
	d->nw = 0;
	d->nd = 0;
	d->exp = 0;
	if (be == 0 && m == 0)
		return FT_FINITE;
	if (be == 0) {
		q = -1074; /* subnormal: m * 2^-1074 */
	} else {
		m |= UINT64_C(1) << 52;
		q = be - 1075;
	}
	for (; (m & 1) == 0; m >>= 1)
		q++;

	for (; m != 0; m /= BASE)
		d->w[d->nw++] = (uint32_t)(m % BASE);
	k = 0; /* digits right of the decimal point */
	if (q >= 0) {
		for (; q >= 31; q -= 31)
			mulsmall(d, UINT32_C(1) << 31);
		if (q > 0)
			mulsmall(d, UINT32_C(1) << q);
	} else {
		k = -q;
		for (; q <= -13; q += 13)
			mulsmall(d, 1220703125); /* 5^13 */
		if (q < 0) {
			uint32_t f = 1;
			for (; q < 0; q++)
				f *= 5;
			mulsmall(d, f);
		}
	}
	d->nd = ndigits(d);
	d->exp = d->nd - 1 - k;
	return FT_FINITE;
}

/* place returns the digit of d's integer that stands for 10^p there. */
static int place(const Decimal *d, int p)
{
	if (p < 0 || p >= d->nd)
		return 0;
	return (int)(d->w[p / 9] / pow10[p % 9] % 10);
}

int dec_digit(const Decimal *d, int i)
{
	return place(d, d->nd - 1 - i);
}

int dec_sigdigits(const Decimal *d)
{
	int i = 0, zeros;

	if (d->nd == 0)
		return 0;
	while (d->w[i] == 0)
		i++;
	zeros = 9 * i;
	for (uint32_t w = d->w[i]; w % 10 == 0; w /= 10)
		zeros++;
	return d->nd - zeros;
}

void dec_round(Decimal *d, int keep, bool neg, int mode)
{
	int cut, next, i;
	bool rest = false, up, odd;
	uint32_t add;

	if (d->nd == 0 || keep >= d->nd)
		return; /* exact already */
	/* The cut drops the integer's cut lowest digits; the first dropped
	 * one (next) stands for 10^(cut-1) there. With keep <= 0 every digit
	 * goes, and next is a zero in front of them. */
	cut = d->nd - keep;
	next = place(d, cut - 1);
	if (cut - 1 > 0) { /* anything nonzero below next? */
		int p = cut - 1;
		for (i = 0; i < p / 9 && i < d->nw && !rest; i++)
			rest = d->w[i] != 0;
		if (!rest && p / 9 < d->nw)
			rest = d->w[p / 9] % pow10[p % 9] != 0;
	}
	odd = place(d, cut) & 1;
	switch (mode) {
	case ROUND_ZERO:
		up = false;
		break;
	case ROUND_UP:
		up = !neg && (next != 0 || rest);
		break;
	case ROUND_DOWN:
		up = neg && (next != 0 || rest);
		break;
	default: /* to nearest, ties to even */
		up = next > 5 || (next == 5 && (rest || odd));
		break;
	}

	if (keep <= 0) {
		/* Nothing is kept: the result is zero or one unit in the
		 * place just above the cut, 10^(exp - keep + 1). */
		int e = d->exp - keep + 1;
		d->nw = d->nd = 0;
		if (up) {
			d->w[0] = 1;
			d->nw = d->nd = 1;
			d->exp = e;
		}
		return;
	}
	/* Zero the dropped digits, then add one unit at the cut. cut < nd,
	 * so the cut's word is in use. */
	for (i = 0; i < cut / 9; i++)
		d->w[i] = 0;
	d->w[i] -= d->w[i] % pow10[cut % 9];
	if (!up)
		return;
	for (add = pow10[cut % 9]; add != 0; i++) {
		if (i == d->nw)
			d->w[d->nw++] = 0;
		d->w[i] += add;
		add = 0;
		if (d->w[i] >= BASE) {
			d->w[i] -= BASE;
			add = 1;
		}
	}
	i = ndigits(d);
	d->exp += i - d->nd;
	d->nd = i;
}

int ftoa_roundmode(void)
{
	switch (arch_fltrounds()) {
	case 0:
		return ROUND_ZERO;
	case 2:
		return ROUND_UP;
	case 3:
		return ROUND_DOWN;
	}
	return ROUND_NEAREST;
}
