/*
 * preempt_regs.c: a goroutine preempted asynchronously resumes with every
 * register as it was (test/preempt_test.c).
 *
 *	preempt_regs [ITERS [GOROUTINES]]
 *
 * Jobs of three kinds (four on amd64), each a long loop with no weft
 * call, in a function of its own (noinline, so that the work is in that
 * function's registers, not spread by the compiler over its caller):
 *
 *  - fp_work: doubles in eight chaotic chains (the logistic map x = r x
 *    (1 - x), where a change in the last bit grows to a different value
 *    within some fifty steps) and a sum that divides by them: every FP
 *    register the compiler gives them must survive, bit for bit;
 *  - vec_work: the same map on GCC vector types, 16-byte (double x2,
 *    float x4) and 32-byte (double x4, float x8: without -mavx the
 *    compiler lowers those to pairs of SSE registers; on arm64, NEON);
 *  - int_work: 64-bit mixing (splitmix64, rotations, multiplies) over a
 *    dozen accumulators, and additions whose carry (the flags) decides
 *    the next step;
 *  - x87_work (amd64 only): the map in long doubles, which live in the
 *    x87 register stack, a state apart from the SSE registers.
 *
 * Goroutine 1 first computes every job's result itself, one after the
 * other, then starts GOROUTINES goroutines (default 12, more than the Ps
 * the tests use, the kinds in turn, each with its own seed) that
 * compute them again, all at once, and compares each result with its own,
 * byte for byte. It prints
 *
 *	regs: G goroutines, ITERS iterations
 *	regs: OK
 *	regs: digest HEX
 *
 * or, for each goroutine whose result differs, a line
 *
 *	regs: MISMATCH goroutine I (KIND, seed S): byte B: got .. want ..
 *
 * and exits 1. The digest (FNV-1a over all the results, in job order)
 * lets the test compare this run with one that was never preempted
 * (WEFTDEBUG=asyncpreemptoff=1) of the same binary.
 */
#include <weft.h>

#include "arg.h"

enum { RESULT = 64, MAX_JOBS = 256, DEFAULT_ITERS = 10000000, DEFAULT_GOROUTINES = 12 };

/* x87: long doubles live in the x87 register stack on amd64, a state of
 * its own beside the SSE registers. (On arm64 a long double is a 128-bit
 * float done in software, in the integer registers: nothing new.) */
#if defined(__x86_64__)
#define HAVE_X87 1
enum kind { FP, VEC, INT, X87, KINDS };
static const char *const kind_name[KINDS] = {"fp", "vec", "int", "x87"};
#else
#define HAVE_X87 0
enum kind { FP, VEC, INT, KINDS };
static const char *const kind_name[KINDS] = {"fp", "vec", "int"};
#endif

struct job {
	enum kind kind;
	uint64_t seed;
	long iters;
	unsigned char want[RESULT]; /* computed by goroutine 1 */
	unsigned char got[RESULT];  /* computed by the job's goroutine */
};

static struct job jobs[MAX_JOBS];
static weft_waitgroup wg;

/* unit maps a seed to a double in [0.1, 0.9): a start for the map. */
static double unit(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return 0.1 + 0.8 * (double)(*s >> 11) / 9007199254740992.0;
}

static void store(unsigned char *out, const void *p, int n)
{
	const unsigned char *b = p;
	for (int i = 0; i < n; i++)
		out[i] = b[i];
}

/* ---- doubles ---- */

__attribute__((noinline)) static void fp_work(uint64_t seed, long iters, unsigned char *out)
{
	double x0 = unit(&seed), x1 = unit(&seed), x2 = unit(&seed), x3 = unit(&seed);
	double x4 = unit(&seed), x5 = unit(&seed), x6 = unit(&seed), x7 = unit(&seed);
	double s = 0, t = 1;
	for (long i = 0; i < iters; i++) {
		x0 = 3.99 * x0 * (1.0 - x0);
		x1 = 3.97 * x1 * (1.0 - x1);
		x2 = 3.95 * x2 * (1.0 - x2);
		x3 = 3.93 * x3 * (1.0 - x3);
		x4 = 3.91 * x4 * (1.0 - x4);
		x5 = 3.89 * x5 * (1.0 - x5);
		x6 = 3.87 * x6 * (1.0 - x6);
		x7 = 3.85 * x7 * (1.0 - x7);
		s += x0 / (1.0 + x7) - x3 * x5 + x1 / (2.0 - x6);
		t = t * (0.75 + x2 * 0.5) / (0.75 + x4 * 0.5);
	}
	double r[8] = {x0 + x1, x2 + x3, x4 + x5, x6 + x7, s, t, x0 * x7, x3 / x4};
	store(out, r, sizeof r);
}

/* ---- vectors ---- */

typedef double v2d __attribute__((vector_size(16)));
typedef float v4f __attribute__((vector_size(16)));
typedef double v4d __attribute__((vector_size(32)));
typedef float v8f __attribute__((vector_size(32)));

__attribute__((noinline)) static void vec_work(uint64_t seed, long iters, unsigned char *out)
{
	v2d a = {unit(&seed), unit(&seed)};
	v4f b = {(float)unit(&seed), (float)unit(&seed), (float)unit(&seed), (float)unit(&seed)};
	v4d c = {unit(&seed), unit(&seed), unit(&seed), unit(&seed)};
	v8f d = {(float)unit(&seed), (float)unit(&seed), (float)unit(&seed), (float)unit(&seed),
		 (float)unit(&seed), (float)unit(&seed), (float)unit(&seed), (float)unit(&seed)};
	const v2d ra = {3.99, 3.97}, one2 = {1.0, 1.0};
	const v4f rb = {3.95f, 3.93f, 3.91f, 3.89f}, one4 = {1.0f, 1.0f, 1.0f, 1.0f};
	const v4d rc = {3.98, 3.96, 3.94, 3.92}, one4d = {1.0, 1.0, 1.0, 1.0};
	const v8f rd = {3.99f, 3.98f, 3.97f, 3.96f, 3.95f, 3.94f, 3.93f, 3.92f};
	const v8f one8 = {1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f};
	v2d sa = {0, 0};
	v4d sc = {0, 0, 0, 0};
	v8f sd = {0, 0, 0, 0, 0, 0, 0, 0};
	for (long i = 0; i < iters; i++) {
		a = ra * a * (one2 - a);
		b = rb * b * (one4 - b);
		c = rc * c * (one4d - c);
		d = rd * d * (one8 - d);
		sa += a / (one2 + a);
		sc += c / (one4d + c);
		sd += d * d - d / (one8 + d);
	}
	unsigned char *p = out;
	store(p, &a, 16), p += 16;
	store(p, &b, 16), p += 16;
	c += sc;
	d += sd;
	/* 64 bytes in all: fold the wide ones and the sums in. */
	v2d cf = {c[0] + c[1] + sa[0], c[2] + c[3] + sa[1]};
	v4f df = {d[0] + d[4], d[1] + d[5], d[2] + d[6], d[3] + d[7]};
	store(p, &cf, 16), p += 16;
	store(p, &df, 16);
}

/* ---- integers ---- */

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

__attribute__((noinline)) static void int_work(uint64_t seed, long iters, unsigned char *out)
{
	uint64_t a = seed, b = seed ^ 0x9E3779B97F4A7C15ull, c = rotl(seed, 17), d = ~seed;
	uint64_t e = seed * 3, f = seed + 12345, g = rotl(seed, 41) ^ 0xBF58476D1CE4E5B9ull, h = 1;
	uint64_t k = 0, m = 0x94D049BB133111EBull, n = seed | 1, carries = 0;
	for (long i = 0; i < iters; i++) {
		/* splitmix64 */
		a += 0x9E3779B97F4A7C15ull;
		uint64_t z = a;
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
		z ^= z >> 31;
		b = rotl(b ^ z, 17) * 5;
		c += b ^ (c >> 11);
		d = rotl(d + c, 29) ^ e;
		e = e * 6364136223846793005ull + f;
		f ^= rotl(z, 7) + g;
		g = (g >> 3) ^ (h << 5) ^ d;
		h = h * m + (z >> 32);
		n = rotl(n * 0x2545F4914F6CDD1Dull, 23) ^ k;
		/* The carry of an addition picks what comes next. */
		uint64_t sum;
		if (__builtin_add_overflow(k, z, &sum)) {
			carries++;
			k = sum ^ b;
		} else {
			k = sum + d;
		}
		m ^= (uint64_t)(c < d) << (i & 63);
	}
	uint64_t r[8] = {a ^ b, c ^ d, e ^ f, g ^ h, k, m, n, carries};
	store(out, r, sizeof r);
}

/* ---- x87 (amd64) ---- */

#if HAVE_X87
__attribute__((noinline)) static void x87_work(uint64_t seed, long iters, unsigned char *out)
{
	long double x0 = unit(&seed), x1 = unit(&seed), x2 = unit(&seed), x3 = unit(&seed);
	long double s = 0;
	for (long i = 0; i < iters; i++) {
		x0 = 3.99L * x0 * (1.0L - x0);
		x1 = 3.97L * x1 * (1.0L - x1);
		x2 = 3.95L * x2 * (1.0L - x2);
		x3 = 3.93L * x3 * (1.0L - x3);
		s += x0 / (1.0L + x3) - x1 * x2;
	}
	/* The 10 bytes of each 80-bit value; the rest of its 16 is padding,
	 * whatever the compiler left there. */
	long double r[5] = {x0, x1, x2, x3, s};
	for (int i = 0; i < 5; i++)
		store(out + 10 * i, &r[i], 10);
	for (int i = 50; i < RESULT; i++)
		out[i] = 0;
}
#endif

static void work(struct job *j, unsigned char *out)
{
	switch (j->kind) {
	case FP:
		fp_work(j->seed, j->iters, out);
		break;
	case VEC:
		vec_work(j->seed, j->iters, out);
		break;
#if HAVE_X87
	case X87:
		x87_work(j->seed, j->iters, out);
		break;
#endif
	default:
		int_work(j->seed, j->iters, out);
		break;
	}
}

static void worker(void *arg)
{
	struct job *j = arg;
	work(j, j->got);
	weft_waitgroup_done(&wg);
}

int weft_main(int argc, char **argv)
{
	long iters = argc > 1 ? parse(argv[1]) : DEFAULT_ITERS;
	long ngo = argc > 2 ? parse(argv[2]) : DEFAULT_GOROUTINES;
	if (argc > 3 || iters < 1 || ngo < 1 || ngo > MAX_JOBS) {
		weft_eprintf("usage: preempt_regs [ITERS [GOROUTINES (1..%d)]]\n", MAX_JOBS);
		return 2;
	}
	weft_printf("regs: %ld goroutines, %ld iterations\n", ngo, iters);
	for (long i = 0; i < ngo; i++) {
		jobs[i].kind = (enum kind)(i % KINDS);
		jobs[i].seed = 0x243F6A8885A308D3ull * (uint64_t)(i + 1);
		jobs[i].iters = iters;
		work(&jobs[i], jobs[i].want);
	}
	weft_waitgroup_add(&wg, (int)ngo);
	for (long i = 0; i < ngo; i++)
		weft_go(worker, &jobs[i]);
	weft_waitgroup_wait(&wg);

	int bad = 0;
	uint64_t digest = 0xcbf29ce484222325ull;
	for (long i = 0; i < ngo; i++) {
		struct job *j = &jobs[i];
		if (__builtin_memcmp(j->got, j->want, RESULT) != 0) {
			int b = 0;
			while (j->got[b] == j->want[b])
				b++;
			int w = b & ~7; /* the 8-byte word it is in */
			uint64_t got = 0, want = 0;
			for (int k = 7; k >= 0; k--) {
				got = got << 8 | j->got[w + k];
				want = want << 8 | j->want[w + k];
			}
			weft_printf("regs: MISMATCH goroutine %ld (%s, seed %llx): byte %d: got word %016llx, want "
				    "%016llx\n",
				    i, kind_name[j->kind], (unsigned long long)j->seed, b, (unsigned long long)got,
				    (unsigned long long)want);
			bad++;
		}
		for (int k = 0; k < RESULT; k++)
			digest = (digest ^ j->want[k]) * 0x100000001b3ull;
	}
	if (bad)
		return 1;
	weft_printf("regs: OK\n");
	weft_printf("regs: digest %016llx\n", (unsigned long long)digest);
	return 0;
}
