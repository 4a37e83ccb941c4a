/*
 * inline.c: a program that checks the logical stacks weft_callers and
 * weft_frames give it, inlined calls included.
 *
 * Every call site stores its own line number (__LINE__) just before the
 * call, so the program knows the exact stack to expect whatever the
 * compiler and optimization level: the test builds it with gcc and clang,
 * at -O1 and -O2, for amd64 and arm64. It prints "ok <check>" for each
 * check that holds, "FAIL <check>: ..." with the whole stack otherwise,
 * and exits 1 if anything failed.
 *
 * The stacks exercised:
 *  - chain: a noinline function calling an always_inline chain three deep
 *    (c1 -> c2 -> c3) whose innermost calls record(): the chain of
 *    inlinechain.h, shared with fpunwind.c;
 *  - once: a static function called once, which compilers inline on their
 *    own (either way, names and lines must be right);
 *  - wrapper: a function marked FUNCID_WRAPPER, which must carry its FuncID;
 *  - recursion: a noinline function three calls deep;
 *  - goroutine: the same chain on a new goroutine, ending in goexit.
 */
#include <weft.h>

#define CHAIN_LEAF record
#include "inlinechain.h"

enum { MAXF = 64 };

struct want {
	const char *function;
	int line; /* 0: any */
	int inlined; /* 1, 0, or -1 for either */
	const char *file; /* NULL: this one */
};

static int failures;
static int line_record, line_once, line_wrap, line_rec[4], line_main_chain, line_main_once, line_main_wrap,
	line_main_rec, line_go;

static bool streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static bool endswith(const char *s, const char *suffix)
{
	size_t n = 0, m = 0;
	while (s[n])
		n++;
	while (suffix[m])
		m++;
	return n >= m && streq(s + n - m, suffix);
}

static void dump(const weft_frame *f, int n)
{
	for (int i = 0; i < n; i++)
		weft_printf("\t%d: %s %s:%d%s funcid=%d\n", i, f[i].function, f[i].file, f[i].line,
			    f[i].inlined ? " (inlined)" : "", f[i].funcid);
}

/* expect compares the logical stack from record() with want[0..n): names,
 * lines, inlining and the file. Frames past want are not checked. */
static void expect(const char *check, const weft_frame *f, int nf, const struct want *w, int n)
{
	for (int i = 0; i < n; i++) {
		const char *why = NULL;
		if (i >= nf)
			why = "stack too short";
		else if (!streq(f[i].function, w[i].function))
			why = "wrong function";
		else if (w[i].line && f[i].line != w[i].line)
			why = "wrong line";
		else if (w[i].inlined >= 0 && f[i].inlined != (w[i].inlined == 1))
			why = "wrong inlining";
		else if (!endswith(f[i].file, w[i].file ? w[i].file : "inline.c"))
			why = "wrong file";
		if (why) {
			weft_printf("FAIL %s: frame %d: %s (want %s %s:%d)\n", check, i, why, w[i].function,
				    w[i].file ? w[i].file : "inline.c", w[i].line);
			dump(f, nf);
			failures++;
			return;
		}
	}
	weft_printf("ok %s\n", check);
}

static weft_frame frames[MAXF];
static int nframes;

/* record stores the logical stack it is called from, its own frame first. */
static NOINLINE void record(void)
{
	uintptr_t pcs[MAXF];
	line_record = __LINE__ + 1;
	int n = weft_callers(1, pcs, MAXF);
	weft_frames it;
	weft_frames_init(&it, pcs, n);
	nframes = 0;
	while (nframes < MAXF && weft_frames_next(&it, &frames[nframes]))
		nframes++;
}

static void once(void) /* called once: compilers inline it on their own */
{
	line_once = __LINE__ + 1;
	record();
	NOTAIL();
}

static NOINLINE void wrapped(void)
{
	record();
	NOTAIL();
}

static NOINLINE void wrap(void)
{
	line_wrap = __LINE__ + 1;
	wrapped();
	NOTAIL();
}
WEFT_FUNCID(wrap, FUNCID_WRAPPER);

static NOINLINE void rec(int n)
{
	if (n == 0) {
		line_rec[0] = __LINE__ + 1;
		record();
	} else {
		line_rec[n] = __LINE__ + 1;
		rec(n - 1);
	}
	NOTAIL();
}

static void check_chain(const char *check, int outerline, const char *outer)
{
	struct want w[] = {
		{"record", line_record, 0, NULL},
		{"c3", line_c3, 1, INLINECHAIN_FILE},
		{"c2", line_c2, 1, INLINECHAIN_FILE},
		{"c1", line_c1, 1, INLINECHAIN_FILE},
		{"chain", line_chain, 0, INLINECHAIN_FILE},
		{outer, outerline, -1, NULL},
	};
	expect(check, frames, nframes, w, (int)(sizeof w / sizeof w[0]));
}

static weft_chan *done;

static void goroutine(void *arg)
{
	(void)arg;
	line_go = __LINE__ + 1;
	chain();
	NOTAIL();
	check_chain("goroutine", line_go, "goroutine");
	bool goexit = nframes > 0 && frames[nframes - 1].funcid == FUNCID_GOEXIT;
	if (goexit)
		weft_printf("ok goexit\n");
	else {
		weft_printf("FAIL goexit: the goroutine's stack does not end in goexit\n");
		dump(frames, nframes);
		failures++;
	}
	int v = 0;
	weft_chan_send(done, &v);
}

int weft_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;

	line_main_chain = __LINE__ + 1;
	chain();
	check_chain("chain", line_main_chain, "weft_main");

	line_main_once = __LINE__ + 1;
	once();
	{
		struct want w[] = {{"record", line_record, 0, NULL}, {"once", line_once, -1, NULL},
				   {"weft_main", line_main_once, -1, NULL}};
		expect("once", frames, nframes, w, 3);
	}

	line_main_wrap = __LINE__ + 1;
	wrap();
	{
		struct want w[] = {{"record", line_record, 0, NULL}, {"wrapped", 0, 0, NULL},
				   {"wrap", line_wrap, 0, NULL}, {"weft_main", line_main_wrap, 0, NULL}};
		expect("wrapper", frames, nframes, w, 4);
		if (nframes > 2 && frames[2].funcid != FUNCID_WRAPPER) {
			weft_printf("FAIL wrapper funcid: %d\n", frames[2].funcid);
			failures++;
		}
	}

	line_main_rec = __LINE__ + 1;
	rec(3);
	{
		struct want w[] = {
			{"record", line_record, 0, NULL}, {"rec", line_rec[0], 0, NULL},
			{"rec", line_rec[1], 0, NULL},    {"rec", line_rec[2], 0, NULL},
			{"rec", line_rec[3], 0, NULL},    {"weft_main", line_main_rec, 0, NULL},
		};
		expect("recursion", frames, nframes, w, 6);
	}

	done = weft_chan_make(sizeof(int), 0);
	weft_go(goroutine, NULL);
	int v;
	weft_chan_recv(done, &v);

	weft_printf("%s\n", failures ? "FAIL" : "PASS");
	return failures ? 1 : 0;
}
