/*
 * print.c: printf-style formatting without libc.
 *
 * One formatter, fmtout, feeds characters to an Out. An Out either fills
 * a caller's buffer (rt_vsnprintf), truncating and counting what did not
 * fit, or fills a buffer on the stack that it writes to a file descriptor
 * whenever it is full (rt_vfdprintf). Output shorter than that buffer
 * leaves in a single write, so lines printed by different goroutines at
 * once do not interleave mid-line.
 *
 * Supported: %d %i %u %x %X %p %s %c %%, and %f %F %e %E %g %G for a
 * double; the flags '-', '0', '+', ' ' and '#'; a width and a precision,
 * either of which may be '*'; the sizes hh h l ll z j t (and L, read as
 * ll, for integers). Each means what C says and prints what glibc's
 * printf prints: '+' and ' ' sign %d %i and the floats (and, as in glibc,
 * %p); '#' puts 0x or 0X before a nonzero %x or %X, keeps the decimal
 * point of a float with no digits after it, and keeps %g's trailing
 * zeros; '0' pads numbers (not inf and nan) with zeros after the sign.
 * The floats are exact: ftoa.c gives every digit of the double's value,
 * rounded in the current rounding mode, at any precision.
 *
 * Anything else prints as written, taking no argument, but for %a %A and
 * long doubles (%Lf %llf and the like: L and ll before a float conversion
 * mean long double, as in glibc), which print as written but take their
 * argument, so that those after them still line up. A size other than
 * L or ll before a float conversion is ignored, as in glibc.
 */
#include "runtime.h"
#include "ftoa.h"

enum { FDBUF = 512 }; /* rt_vfdprintf's buffer: its largest single write */

typedef struct Out {
	char *buf;
	size_t cap;   /* size of buf */
	size_t pos;   /* bytes in buf */
	size_t total; /* bytes produced, written, stored or not */
	int fd;       /* -1: a string; otherwise flush buf to fd when full */
	bool syscall; /* write with weft_write, not sys_write */
} Out;

/* writeall writes n bytes of p to fd, retrying partial writes and EINTR.
 * It gives up silently on any other error: there is nowhere to report it. */
static void writeall(int fd, bool syscall, const char *p, size_t n)
{
	while (n > 0) {
		long r = syscall ? weft_write(fd, p, n) : sys_write(fd, p, n);
		if (r == -EINTR)
			continue;
		if (r <= 0)
			return;
		p += r;
		n -= (size_t)r;
	}
}

static void flush(Out *o)
{
	writeall(o->fd, o->syscall, o->buf, o->pos);
	o->pos = 0;
}

static void putch(Out *o, char c)
{
	if (o->fd >= 0) {
		if (o->pos == o->cap)
			flush(o);
		o->buf[o->pos++] = c;
	} else if (o->pos + 1 < o->cap) { /* keep a byte for the NUL */
		o->buf[o->pos++] = c;
	}
	o->total++;
}

static void putmem(Out *o, const char *s, size_t n)
{
	while (n-- > 0)
		putch(o, *s++);
}

static void pad(Out *o, char c, int n)
{
	for (; n > 0; n--)
		putch(o, c);
}

/* A conversion's flags, width and precision. */
typedef struct Spec {
	bool left;  /* '-': pad on the right */
	bool zero;  /* '0': pad numbers with zeros */
	bool plus;  /* '+': a sign even on non-negative numbers */
	bool space; /* ' ': a space there instead, unless '+' */
	bool alt;   /* '#': the alternative form */
	int width;
	int prec; /* -1: none */
} Spec;

/* putfield prints s (n bytes) padded to the spec's width. */
static void putfield(Out *o, const Spec *sp, const char *s, size_t n)
{
	int padn = sp->width - (int)n;

	if (!sp->left)
		pad(o, ' ', padn);
	putmem(o, s, n);
	if (sp->left)
		pad(o, ' ', padn);
}

/* putnum prints v in base 10 or 16 after prefix ("-", "0x" or ""). As in
 * C, a precision is the least number of digits (and a zero value with
 * precision 0 has none), and the '0' flag pads with zeros between the
 * prefix and the digits unless there is a precision or a '-'. */
static void putnum(Out *o, const Spec *sp, uint64_t v, int base, bool upper, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24], *end = tmp + sizeof tmp, *p = end; /* 2^64 has 20 digits */
	int n, plen = (int)rt_strlen(prefix), zeros = 0, spaces;

	/* The digits, least significant first, from the end of tmp down. */
	for (; v != 0; v /= base)
		*--p = digits[v % base];
	if (p == end && sp->prec != 0)
		*--p = '0';
	n = (int)(end - p);

	if (sp->prec > n)
		zeros = sp->prec - n;
	else if (sp->zero && !sp->left && sp->prec < 0 && sp->width > plen + n)
		zeros = sp->width - plen - n;
	spaces = sp->width - plen - zeros - n;

	if (!sp->left)
		pad(o, ' ', spaces);
	putmem(o, prefix, (size_t)plen);
	pad(o, '0', zeros);
	putmem(o, p, (size_t)n);
	if (sp->left)
		pad(o, ' ', spaces);
}

/* putdigits prints digits i to j-1 of d: zeros before its leading digit
 * (i < 0) and past its last one. */
static void putdigits(Out *o, const Decimal *d, int i, int j)
{
	for (; i < j; i++) {
		if (i >= d->nd) {
			pad(o, '0', j - i);
			return;
		}
		putch(o, (char)('0' + dec_digit(d, i)));
	}
}

/* putfloat prints v for the conversion c (f F e E g G) as glibc does. */
static void putfloat(Out *o, const Spec *sp, char c, double v)
{
	Decimal d;
	bool neg, upper = c == 'F' || c == 'E' || c == 'G', efmt = c == 'e' || c == 'E';
	int kind = ftoa_decode(v, &neg, &d);
	int prec = sp->prec < 0 ? 6 : sp->prec, mode, x, len;
	char sign = neg ? '-' : sp->plus ? '+' : sp->space ? ' ' : 0;

	if (kind != FT_FINITE) {
		/* glibc pads inf and nan with spaces, '0' or not. */
		const char *s = kind == FT_INF ? (upper ? "INF" : "inf") : (upper ? "NAN" : "nan");
		len = 3 + (sign != 0);
		if (!sp->left)
			pad(o, ' ', sp->width - len);
		if (sign)
			putch(o, sign);
		putmem(o, s, 3);
		if (sp->left)
			pad(o, ' ', sp->width - len);
		return;
	}

	/* Round, then settle the layout: efmt, and prec digits after the
	 * point. x is the power of ten of the leading digit (0 for zero). */
	mode = ftoa_roundmode();
	if (c == 'f' || c == 'F') {
		dec_round(&d, d.exp + prec + 1, neg, mode);
	} else if (efmt) {
		dec_round(&d, prec + 1, neg, mode);
	} else { /* %g: prec significant digits, %e's layout only for extreme exponents */
		int p = prec == 0 ? 1 : prec, x0 = d.nd > 0 ? d.exp : 0;
		dec_round(&d, p, neg, mode);
		x = d.nd > 0 ? d.exp : 0;
		efmt = x < -4 || x >= p;
		prec = efmt ? p - 1 : p - 1 - x;
		if (sp->alt && x0 == p - 1 && x == p) {
			/* glibc's quirk: when rounding carries p nines
			 * (%f's layout) to 10^p (%e's), "%#g" keeps no
			 * zeros: 999999.5 prints as 1.e+06, not as C's
			 * 1.00000e+06. Every glibc does it: so does weft. */
			prec = 0;
		} else if (!sp->alt) { /* no trailing zeros after the point */
			int sig = dec_sigdigits(&d), need = efmt ? sig - 1 : sig - 1 - x;
			if (need < 0)
				need = 0;
			if (prec > need)
				prec = need;
		}
	}
	x = d.nd > 0 ? d.exp : 0;

	/* The length, for the padding: sign, digits, point, exponent. */
	len = (sign != 0) + prec + (prec > 0 || sp->alt);
	if (efmt)
		len += 1 + 2 + (x >= 100 || x <= -100 ? 3 : 2);
	else
		len += x >= 0 ? x + 1 : 1;

	if (!sp->left && !sp->zero)
		pad(o, ' ', sp->width - len);
	if (sign)
		putch(o, sign);
	if (!sp->left && sp->zero)
		pad(o, '0', sp->width - len);
	if (efmt) {
		int ax = x < 0 ? -x : x;
		putdigits(o, &d, 0, 1);
		if (prec > 0 || sp->alt)
			putch(o, '.');
		putdigits(o, &d, 1, prec + 1);
		putch(o, upper ? 'E' : 'e');
		putch(o, x < 0 ? '-' : '+');
		if (ax >= 100)
			putch(o, (char)('0' + ax / 100));
		putch(o, (char)('0' + ax / 10 % 10));
		putch(o, (char)('0' + ax % 10));
	} else {
		/* Digit i stands for 10^(x - i): the integer part is
		 * digits 0 to x, the fraction x+1 to x+prec. */
		if (x < 0)
			putch(o, '0');
		else
			putdigits(o, &d, 0, x + 1);
		if (prec > 0 || sp->alt)
			putch(o, '.');
		putdigits(o, &d, x + 1, x + 1 + prec);
	}
	if (sp->left)
		pad(o, ' ', sp->width - len);
}

/* getint parses a width or a precision at *fmt: digits or '*'. */
static int getint(const char **fmt, va_list *ap)
{
	int n = 0;

	if (**fmt == '*') {
		(*fmt)++;
		return va_arg(*ap, int);
	}
	for (; **fmt >= '0' && **fmt <= '9'; (*fmt)++)
		if (n < 100000000) /* enough for any sane width; no overflow */
			n = n * 10 + (**fmt - '0');
	return n;
}

/* fmtout formats fmt with the arguments in *ap onto o. (ap travels by
 * pointer: a va_list passed by value may not be used after the callee
 * has read from it, and on some ABIs it is an array.) */
static void fmtout(Out *o, const char *fmt, va_list *ap)
{
	while (*fmt) {
		const char *start = fmt;
		Spec sp = {.prec = -1};
		int size = 0; /* -2 hh, -1 h, 0 int, 1 long and wider */
		int nl = 0;   /* l's seen: two mean long double before a float */
		bool ldbl = false; /* L */
		uint64_t u;
		int64_t d;
		const char *s;
		char c;

		if (*fmt != '%') {
			putch(o, *fmt++);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				sp.left = true;
			else if (*fmt == '0')
				sp.zero = true;
			else if (*fmt == '+')
				sp.plus = true;
			else if (*fmt == ' ')
				sp.space = true;
			else if (*fmt == '#')
				sp.alt = true;
			else
				break;
		}
		sp.width = getint(&fmt, ap);
		if (sp.width < 0) { /* a negative '*' width means '-' */
			sp.left = true;
			sp.width = -sp.width;
		}
		if (*fmt == '.') {
			fmt++;
			sp.prec = getint(&fmt, ap);
			if (sp.prec < 0) /* a negative '*' precision means none */
				sp.prec = -1;
		}
		for (;; fmt++) {
			if (*fmt == 'h')
				size = size == -1 ? -2 : -1;
			else if (*fmt == 'l' || *fmt == 'z' || *fmt == 'j' || *fmt == 't' || *fmt == 'L')
				size = 1; /* all 64 bits on the arches weft supports */
			else
				break;
			nl += *fmt == 'l';
			ldbl |= *fmt == 'L';
		}
		ldbl |= nl >= 2;

		switch (*fmt) {
		case 'd':
		case 'i':
			d = size > 0 ? va_arg(*ap, long) : va_arg(*ap, int);
			if (size == -1)
				d = (short)d;
			else if (size == -2)
				d = (signed char)d;
			/* Negate in unsigned arithmetic: -d overflows for INT64_MIN. */
			putnum(o, &sp, d < 0 ? 0 - (uint64_t)d : (uint64_t)d, 10, false,
			       d < 0 ? "-" : sp.plus ? "+" : sp.space ? " " : "");
			break;
		case 'u':
		case 'x':
		case 'X':
			u = size > 0 ? va_arg(*ap, unsigned long) : va_arg(*ap, unsigned);
			if (size == -1)
				u = (unsigned short)u;
			else if (size == -2)
				u = (unsigned char)u;
			putnum(o, &sp, u, *fmt == 'u' ? 10 : 16, *fmt == 'X',
			       !sp.alt || u == 0 || *fmt == 'u' ? "" : *fmt == 'X' ? "0X" : "0x");
			break;
		case 'p':
			putnum(o, &sp, (uintptr_t)va_arg(*ap, void *), 16, false,
			       sp.plus ? "+0x" : sp.space ? " 0x" : "0x");
			break;
		case 'f':
		case 'F':
		case 'e':
		case 'E':
		case 'g':
		case 'G':
		case 'a':
		case 'A':
			if (ldbl || *fmt == 'a' || *fmt == 'A') {
				/* Unsupported: as written, but past its argument. */
				if (ldbl)
					(void)va_arg(*ap, long double);
				else
					(void)va_arg(*ap, double);
				fmt++;
				putmem(o, start, (size_t)(fmt - start));
				continue;
			}
			putfloat(o, &sp, *fmt, va_arg(*ap, double));
			break;
		case 's':
			s = va_arg(*ap, const char *);
			if (s == NULL)
				s = "(null)";
			/* With a precision, s need not be NUL-terminated: look no
			 * further than prec bytes. */
			for (u = 0; (sp.prec < 0 || u < (uint64_t)sp.prec) && s[u]; u++)
				;
			putfield(o, &sp, s, u);
			break;
		case 'c':
			c = (char)va_arg(*ap, int);
			putfield(o, &sp, &c, 1);
			break;
		case '%':
			putch(o, '%');
			break;
		default:
			/* Unknown: print the whole directive as written. At the
			 * end of fmt that is everything after start. */
			if (*fmt)
				fmt++;
			putmem(o, start, (size_t)(fmt - start));
			continue;
		}
		fmt++;
	}
}

/* rt_vsnprintf formats into buf, storing at most n bytes including a
 * terminating NUL (always stored when n > 0). It returns the length of the
 * whole output, which is n or more when it was truncated, as C's vsnprintf. */
int rt_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	Out o = {.buf = buf, .cap = n, .fd = -1};
	va_list aq;

	va_copy(aq, ap);
	fmtout(&o, fmt, &aq);
	va_end(aq);
	if (n > 0)
		buf[o.pos] = '\0';
	return (int)o.total;
}

/* weft_snprintf is rt_vsnprintf with its arguments inline. */
int weft_snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = rt_vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

/* rt_vfdprintf formats to fd, writing through weft_write if syscall (so the
 * scheduler can run other goroutines meanwhile) or else sys_write (for
 * paths that must not enter the scheduler). Output of any length goes out
 * in FDBUF-byte writes; shorter output in one. Errors are ignored. */
void rt_vfdprintf(int fd, bool syscall, const char *fmt, va_list ap)
{
	char buf[FDBUF];
	Out o = {.buf = buf, .cap = sizeof buf, .fd = fd, .syscall = syscall};
	va_list aq;

	va_copy(aq, ap);
	fmtout(&o, fmt, &aq);
	va_end(aq);
	flush(&o);
}

/* weft_printf prints to standard output. */
void weft_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rt_vfdprintf(1, true, fmt, ap);
	va_end(ap);
}

/* weft_eprintf prints to standard error. */
void weft_eprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rt_vfdprintf(2, true, fmt, ap);
	va_end(ap);
}

/* rt_printf prints to standard error with sys_write, never entering the
 * scheduler. */
void rt_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rt_vfdprintf(2, false, fmt, ap);
	va_end(ap);
}
