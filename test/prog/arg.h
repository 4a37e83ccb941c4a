/*
 * arg.h: the check programs' decimal arguments. Freestanding programs
 * have no strtol; this is the one they share.
 */
#ifndef WEFT_TEST_PROG_ARG_H
#define WEFT_TEST_PROG_ARG_H

/* parse returns s as a non-negative decimal number, or -1 when s is
 * empty or holds anything but digits. */
static inline long parse(const char *s)
{
	long n = 0;
	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++)
		n = n * 10 + (*s - '0');
	return *s ? -1 : n;
}

#endif
