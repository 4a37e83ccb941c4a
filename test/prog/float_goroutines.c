/*
 * float_goroutines.c: a freestanding program (no libc) whose goroutines,
 * many at once and on every P, format doubles with weft_snprintf and
 * weft_printf, huge precisions included, on their own small stacks.
 *
 * First it measures how much stack weft_snprintf and weft_printf take for
 * the largest float there is to print (all 767 digits of a subnormal's
 * exact value and 300 zeros more, in a wide field), painting the stack
 * below its frame and looking at what was overwritten, and prints
 *
 *	stack: snprintf N bytes, printf M bytes
 *
 * Then GOROUTINES goroutines each check every hand-picked case of
 * printf_float_cases.h ROUNDS times, yielding between rounds, and print
 * three long lines with weft_printf (under a mutex, so that lines longer
 * than one write do not interleave): the exact values of the smallest
 * subnormal (%.1074e), of 1e308 (%f) and of the smallest normal (%.1100f).
 * It ends with "float_goroutines: G goroutines x R rounds, E errors"; the
 * exit status is 0 only with no error. printf_float_test.c checks it all.
 */
#include <weft.h>

#include "printf_float_cases.h"

enum { GOROUTINES = 16, ROUNDS = 20, PAINT = 32 * 1024, LONGBUF = 2048 };

static weft_mutex mu; /* errors, and the long lines */
static int errors;

static int len(const char *s)
{
	int n = 0;
	while (s[n])
		n++;
	return n;
}

static bool same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static void fail(int g, const char *fmt, const char *got, const char *want)
{
	weft_mutex_lock(&mu);
	if (errors++ < 5)
		weft_printf("goroutine %d: weft_snprintf(\"%s\") = \"%.200s\", want \"%.200s\"\n", g, fmt, got, want);
	weft_mutex_unlock(&mu);
}

/* ---- stack use ---- */

static char sink[LONGBUF];

static void snprintf_worst(void)
{
	weft_snprintf(sink, sizeof sink, "%+#-1200.1074e|%0*.1100f", 4.9406564584124654e-324, 1200,
		      2.2250738585072014e-308);
}

static void printf_worst(void)
{
	/* To standard error, which the test ignores: just the stack matters. */
	weft_eprintf("%+#-1200.1074e|%0*.1100f\n", 4.9406564584124654e-324, 1200, 2.2250738585072014e-308);
}

/* stackuse returns how many bytes of stack fn used below our frame: it
 * paints PAINT bytes below the frame, calls fn, and finds the deepest
 * byte fn overwrote. (Goroutine stacks take no signals: they run on the
 * signal stack, so nothing else writes there.) */
static __attribute__((noinline)) int stackuse(void (*fn)(void))
{
	volatile unsigned char *fp = __builtin_frame_address(0);
	int i;

	/* Leave 512 bytes for this frame itself: the frame pointer may sit
	 * above its locals. */
	for (i = 512; i < PAINT; i++)
		fp[-i] = 0xa5;
	fn();
	for (i = PAINT - 1; i >= 512; i--)
		if (fp[-i] != 0xa5)
			break;
	return i;
}

/* ---- many goroutines ---- */

struct worker {
	int id;
	weft_waitgroup *wg;
};

static void work(void *arg)
{
	struct worker *w = arg;
	char buf[LONGBUF];

	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < NFIXED; i++) {
			const struct fixed *x = &fixed[i];
			int n = weft_snprintf(buf, sizeof buf, x->fmt, x->v);
			if (n != len(x->want) || !same(buf, x->want))
				fail(w->id, x->fmt, buf, x->want);
		}
		weft_yield();
	}
	weft_mutex_lock(&mu);
	weft_printf("%.1074e\n", 4.9406564584124654e-324);
	weft_printf("%f\n", 1e308);
	weft_printf("%.1100f\n", 2.2250738585072014e-308);
	weft_mutex_unlock(&mu);
	weft_waitgroup_done(w->wg);
}

int weft_main(int argc, char **argv)
{
	static struct worker w[GOROUTINES];
	weft_waitgroup wg = {0};

	(void)argc;
	(void)argv;
	weft_printf("stack: snprintf %d bytes, printf %d bytes\n", stackuse(snprintf_worst), stackuse(printf_worst));
	for (int i = 0; i < GOROUTINES; i++) {
		w[i] = (struct worker){.id = i, .wg = &wg};
		weft_waitgroup_add(&wg, 1);
		weft_go(work, &w[i]);
	}
	weft_waitgroup_wait(&wg);
	weft_printf("float_goroutines: %d goroutines x %d rounds, %d errors\n", GOROUTINES, ROUNDS, errors);
	return errors == 0 ? 0 : 1;
}
