/*
 * printf_call.h: one printf directive with its arguments, formatted by
 * weft_snprintf or by glibc's snprintf: the comparison that both
 * test/prog/printf_float.c (random cases, every run) and
 * test/fuzz/printf_fuzz.c (the fuzzer) make. The includer declares
 * weft_snprintf (weft.h, or its own prototype) and sets the rounding mode
 * around the call, each its own way.
 */
#ifndef WEFT_TEST_PRINTF_CALL_H
#define WEFT_TEST_PRINTF_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum { T_DOUBLE, T_INT, T_LONG, T_STR, T_PTR };

typedef struct PrintfCall {
	char fmt[96];
	int nstar;   /* '*' arguments before the value */
	int star[2];
	int type;    /* T_*: which of the values below is the argument */
	double f;
	int i;
	long l;
	const char *s;
	void *p;
	int mode;    /* the rounding mode to format in: the includer's to set */
} PrintfCall;

#define PRINTF_CALL(fn, buf, n, c, arg)                                           \
	((c)->nstar == 0   ? fn(buf, n, (c)->fmt, arg)                             \
	 : (c)->nstar == 1 ? fn(buf, n, (c)->fmt, (c)->star[0], arg)               \
			   : fn(buf, n, (c)->fmt, (c)->star[0], (c)->star[1], arg))

/* printf_call formats c into buf (n bytes) with weft_snprintf or with
 * glibc's snprintf, and returns what it returns. */
static inline int printf_call(bool weft, char *buf, size_t n, const PrintfCall *c)
{
	switch (c->type) {
	case T_DOUBLE:
		return weft ? PRINTF_CALL(weft_snprintf, buf, n, c, c->f) : PRINTF_CALL(snprintf, buf, n, c, c->f);
	case T_INT:
		return weft ? PRINTF_CALL(weft_snprintf, buf, n, c, c->i) : PRINTF_CALL(snprintf, buf, n, c, c->i);
	case T_LONG:
		return weft ? PRINTF_CALL(weft_snprintf, buf, n, c, c->l) : PRINTF_CALL(snprintf, buf, n, c, c->l);
	case T_STR:
		return weft ? PRINTF_CALL(weft_snprintf, buf, n, c, c->s) : PRINTF_CALL(snprintf, buf, n, c, c->s);
	case T_PTR:
		return weft ? PRINTF_CALL(weft_snprintf, buf, n, c, c->p) : PRINTF_CALL(snprintf, buf, n, c, c->p);
	}
	return 0;
}

#endif
