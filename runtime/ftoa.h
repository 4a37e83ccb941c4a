/*
 * ftoa.h: the exact decimal value of a double (ftoa.c), for print.c's
 * %f %e %g.
 */
#ifndef WEFT_FTOA_H
#define WEFT_FTOA_H

#include <stdbool.h>
#include <stdint.h>

/* A Decimal's words: enough for the 767 digits of the longest exact
 * double (ftoa.c explains), and one carry out of rounding. */
enum { DEC_WORDS = 87 };

/*
 * Decimal: a non-negative decimal number, an integer of nd digits in base
 * 10^9 (w[0] least significant) whose leading digit stands for 10^exp.
 * Digit i, counting from the leading one (i = 0), stands for 10^(exp - i).
 * nd == 0 is zero (exp is then meaningless). The digits past the last
 * nonzero one are zeros, however many a format asks for.
 */
typedef struct Decimal {
	uint32_t w[DEC_WORDS];
	int nw;  /* words in use */
	int nd;  /* digits, the leading one nonzero */
	int exp; /* the power of ten of the leading digit */
} Decimal;

enum { FT_FINITE, FT_INF, FT_NAN };

/* The rounding directions of dec_round (the FPU's current mode, ftoa_roundmode). */
enum { ROUND_NEAREST, ROUND_ZERO, ROUND_UP, ROUND_DOWN };

/* ftoa_decode sets *neg to v's sign bit and returns FT_INF, FT_NAN, or
 * FT_FINITE after setting *d to the exact value of |v|. */
int ftoa_decode(double v, bool *neg, Decimal *d);

/* dec_round rounds d to its first keep digits (keep may be zero or
 * negative: the cut is then before the leading digit) in direction mode,
 * for a number whose sign is neg; the digits past the cut become zeros.
 * Carrying may add a digit at the front (9.96 -> 10.0): exp then grows. */
void dec_round(Decimal *d, int keep, bool neg, int mode);

/* dec_digit returns digit i of d (0 when i is outside [0, nd)). */
int dec_digit(const Decimal *d, int i);

/* dec_sigdigits returns how many digits d has up to its last nonzero one. */
int dec_sigdigits(const Decimal *d);

/* ftoa_roundmode returns the calling thread's rounding mode, read where
 * glibc's printf reads it: the x87 control word on amd64, FPCR on arm64. */
int ftoa_roundmode(void);

#endif
