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
 * Supported: %d %i %u %x %X %p %s %c %%; the flags '-' and '0'; a width
 * and a precision, either of which may be '*'; the sizes hh h l ll z j t.
 * Anything else prints as written.
 */
#include "runtime.h"

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
	bool left; /* '-': pad on the right */
	bool zero; /* '0': pad numbers with zeros */
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
			else if (*fmt == 'l' || *fmt == 'z' || *fmt == 'j' || *fmt == 't')
				size = 1; /* all 64 bits on the arches weft supports */
			else
				break;
		}

		switch (*fmt) {
		case 'd':
		case 'i':
			d = size > 0 ? va_arg(*ap, long) : va_arg(*ap, int);
			if (size == -1)
				d = (short)d;
			else if (size == -2)
				d = (signed char)d;
			/* Negate in unsigned arithmetic: -d overflows for INT64_MIN. */
			putnum(o, &sp, d < 0 ? 0 - (uint64_t)d : (uint64_t)d, 10, false, d < 0 ? "-" : "");
			break;
		case 'u':
		case 'x':
		case 'X':
			u = size > 0 ? va_arg(*ap, unsigned long) : va_arg(*ap, unsigned);
			if (size == -1)
				u = (unsigned short)u;
			else if (size == -2)
				u = (unsigned char)u;
			putnum(o, &sp, u, *fmt == 'u' ? 10 : 16, *fmt == 'X', "");
			break;
		case 'p':
			putnum(o, &sp, (uintptr_t)va_arg(*ap, void *), 16, false, "0x");
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
