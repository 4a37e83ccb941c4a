/*
 * tracemap.c: checks of the tracer's hash trie (runtime/tracemap.c) and
 * its region allocator (runtime/traceregion.c), run inside a weft program.
 *
 *   tracemap          runs every check
 *   tracemap NAME     runs only the check called NAME
 *
 * Each check prints "ok   NAME" or, after lines saying what went wrong,
 * "FAIL NAME". The last line is exactly
 *
 *	tracemap: N passed, M failed
 *
 * and the exit status is 0 only when every check that ran passed (2 for an
 * unknown check name). test/tracemap_test.c runs it at WEFTMAXPROCS 1, 2
 * and 8, and on arm64 under qemu.
 *
 * Like the other check programs (proc.c, chan.c ...) it includes the
 * runtime's internal headers (built with WEFTFLAGS="-Iruntime -Iabi
 * -Iarch/<arch>"). The concurrent checks run many goroutines that never
 * block, so with WEFTMAXPROCS >= 2 they run on several threads at once;
 * some of them also yield every few puts, so that even on one P the puts
 * of different goroutines interleave.
 */
#include "runtime.h"
#include "tracemap.h"

#include "check.h"

typedef unsigned long long ull;

/* ---- keys ---- */

/* mix64: splitmix64's finalizer, to derive key bytes from an index. */
static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9;
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb;
	return x ^ (x >> 31);
}

enum { FRAMES = 16, STACKBYTES = FRAMES * 8 };

/* stackkey writes key number k of family fam: a 16-frame stack as the
 * tracer stores it (128 bytes of return addresses). The innermost frames
 * vary with k; the outer ones are shared by all keys, as weft_main and
 * goexit are in real stacks. Distinct (fam, k) give distinct keys: frame 0
 * holds both. */
static void stackkey(uint64_t pcs[FRAMES], uint32_t fam, uint64_t k)
{
	pcs[0] = 0x400000 + ((uint64_t)fam << 40) + k * 4;
	for (int j = 1; j < FRAMES; j++)
		pcs[j] = j < 12 ? 0x401000 + (mix64(k * FRAMES + j + ((uint64_t)fam << 32)) & 0xfffff) * 4
				: 0x4ff000 + (uint64_t)j * 0x40;
}

/* ---- checks ---- */

/* A small open-addressing set of 64-bit values for the hash check, which
 * must not rely on the map under test. An empty slot holds 0; the value 0
 * itself is a flag of its own. */
typedef struct U64Set {
	uint64_t *slot;
	uint64_t mask;
	bool zero;
} U64Set;

/* u64set_add adds v; returns false if it was there already. */
static bool u64set_add(U64Set *s, uint64_t v)
{
	if (v == 0) {
		bool had = s->zero;
		s->zero = true;
		return !had;
	}
	for (uint64_t i = mix64(v) & s->mask;; i = (i + 1) & s->mask) {
		if (s->slot[i] == 0) {
			s->slot[i] = v;
			return true;
		}
		if (s->slot[i] == v)
			return false;
	}
}

/* hash: traceMapHash is deterministic, tells apart keys that differ in
 * length only, has no collisions among all 1- and 2-byte keys and 200 000
 * stack keys, spreads every 2-bit slice the trie uses evenly, and flips
 * about half its output bits when one input bit flips. */
static void check_hash(void)
{
	enum { N = 200000, SLOTS = 1 << 20 };
	static unsigned char zeros[300];
	uint64_t pcs[FRAMES];
	U64Set set = {weft_alloc(SLOTS * sizeof(uint64_t)), SLOTS - 1, false};
	int64_t slices[16][4] = {{0}};

	stackkey(pcs, 0, 7);
	EXPECT(traceMapHash(pcs, sizeof pcs) == traceMapHash(pcs, sizeof pcs));
	/* All-zero keys of every length from 0 to 299. */
	for (size_t n = 0; n < sizeof zeros; n++)
		EXPECT(u64set_add(&set, traceMapHash(zeros, n)), "zero keys of length %zu collide", n);
	/* Every 1- and 2-byte key but the zero ones, done above. */
	for (unsigned v = 1; v < 65536 && failures() < 5; v++) {
		unsigned char b[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
		EXPECT(u64set_add(&set, traceMapHash(b, 2)), "2-byte key %x %x collides", b[0], b[1]);
		if (v < 256)
			EXPECT(u64set_add(&set, traceMapHash(b, 1)), "1-byte key %x collides", b[0]);
	}
	for (uint64_t k = 0; k < N && failures() < 5; k++) {
		stackkey(pcs, 1, k);
		uint64_t h = traceMapHash(pcs, sizeof pcs);
		EXPECT(u64set_add(&set, h), "stack key %llu: hash %llx seen before", (ull)k, (ull)h);
		for (int l = 0; l < 16; l++)
			slices[l][(h >> (62 - 2 * l)) & 3]++;
	}
	/* Each of the 4 children of the first 16 levels gets a quarter of the
	 * keys, within 2% (five standard deviations). */
	for (int l = 0; l < 16; l++)
		for (int c = 0; c < 4; c++)
			EXPECT(slices[l][c] > N / 4 * 98 / 100 && slices[l][c] < N / 4 * 102 / 100,
			       "level %d child %d: %lld of %d keys", l, c, (long long)slices[l][c], N);
	weft_free(set.slot);

	/* Avalanche: flip each input bit of keys of several lengths. */
	static const size_t lens[] = {1, 3, 4, 7, 8, 13, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 200};
	int64_t flips = 0, trials = 0, top[2] = {0, 0};
	unsigned char key[200];
	for (size_t li = 0; li < nelem(lens); li++) {
		size_t n = lens[li];
		for (int rep = 0; rep < 8; rep++) {
			for (size_t i = 0; i < n; i++)
				key[i] = (unsigned char)mix64(li * 1000 + rep * 256 + i);
			uint64_t h = traceMapHash(key, n);
			for (size_t bit = 0; bit < n * 8; bit++) {
				key[bit / 8] ^= (unsigned char)(1 << bit % 8);
				uint64_t d = h ^ traceMapHash(key, n);
				key[bit / 8] ^= (unsigned char)(1 << bit % 8);
				flips += __builtin_popcountll(d);
				top[0] += d >> 63;
				top[1] += d >> 62 & 1;
				trials++;
			}
		}
	}
	/* 60 000 trials: the mean is 32 within about 0.02. */
	EXPECT(flips * 10 > trials * 315 && flips * 10 < trials * 325, "%lld bits flipped in %lld trials",
	       (long long)flips, (long long)trials);
	for (int b = 0; b < 2; b++)
		EXPECT(top[b] * 100 > trials * 48 && top[b] * 100 < trials * 52,
		       "hash bit %d flipped in %lld of %lld trials", 63 - b, (long long)top[b], (long long)trials);
}

/* The keys of check basic, in three families told apart by their first
 * byte: all-zero keys of lengths 0 to 64, patterned keys of lengths 1 to
 * 1000 (first byte 0xb0), and the prefixes of one random buffer, lengths
 * 1 to 512 (first byte 0xc0), so that many keys are prefixes of others. */
enum { NZERO = 65, NPAT = 1000, NPREFIX = 512, NBASIC = NZERO + NPAT + NPREFIX, MAXBASIC = 1000 };

static size_t basickey(unsigned char *buf, int i)
{
	if (i < NZERO) {
		memset(buf, 0, (size_t)i);
		return (size_t)i;
	}
	i -= NZERO;
	if (i < NPAT) {
		size_t n = (size_t)i + 1;
		buf[0] = 0xb0;
		for (size_t j = 1; j < n; j++)
			buf[j] = (unsigned char)(n + j * 131 + 1);
		return n;
	}
	i -= NPAT;
	size_t n = (size_t)i + 1;
	buf[0] = 0xc0;
	for (size_t j = 1; j < n; j++)
		buf[j] = (unsigned char)mix64(j);
	return n;
}

/* basic: one thread. The first put of each key gets the next id (1, 2,
 * ...) and says it inserted; later puts of equal bytes, from another
 * buffer at any alignment, get the same id and say they did not; the
 * bytes were copied; a key as long as TRACEMAP_MAXDATA fits. */
static void check_basic(void)
{
	static TraceMap m;
	static unsigned char buf[MAXBASIC + 8], copy[MAXBASIC + 8];
	bool ins;

	for (int i = 0; i < NBASIC && failures() < 5; i++) {
		size_t n = basickey(buf, i);
		uint64_t id = traceMapPut(&m, buf, n, &ins);
		EXPECT(id == (uint64_t)i + 1 && ins, "key %d (%zu bytes): id %llu inserted %d", i, n, (ull)id, ins);
	}
	EXPECT(atomic_load(&m.seq) == NBASIC, "seq %llu", (ull)m.seq);
	for (int i = NBASIC - 1; i >= 0 && failures() < 5; i--) {
		size_t n = basickey(buf, i);
		unsigned char *p = copy + i % 8; /* every alignment */
		memcpy(p, buf, n);
		memset(buf, 0xee, n); /* the map holds its own copy */
		uint64_t id = traceMapPut(&m, p, n, &ins);
		EXPECT(id == (uint64_t)i + 1 && !ins, "key %d again: id %llu inserted %d", i, (ull)id, ins);
		EXPECT(traceMapPut(&m, p, n, NULL) == (uint64_t)i + 1);
	}
	EXPECT(traceMapPut(&m, NULL, 0, &ins) == 1 && !ins, "the empty key, data NULL");
	EXPECT(atomic_load(&m.seq) == NBASIC, "seq %llu after puts of present keys", (ull)m.seq);

	/* The longest key. */
	unsigned char *big = weft_alloc(TRACEMAP_MAXDATA);
	for (size_t j = 0; j < TRACEMAP_MAXDATA; j++)
		big[j] = (unsigned char)(j * 7);
	EXPECT(traceMapPut(&m, big, TRACEMAP_MAXDATA, &ins) == NBASIC + 1 && ins);
	big[TRACEMAP_MAXDATA - 1] ^= 1;
	EXPECT(traceMapPut(&m, big, TRACEMAP_MAXDATA, &ins) == NBASIC + 2 && ins,
	       "a key differing in its last byte only");
	big[TRACEMAP_MAXDATA - 1] ^= 1;
	EXPECT(traceMapPut(&m, big, TRACEMAP_MAXDATA, &ins) == NBASIC + 1 && !ins);
	weft_free(big);
	traceMapRelease(&m);
}

/* weakhash: a deliberately bad hash for the collision checks. */
static uint64_t weakhash(int kind, uint64_t k)
{
	switch (kind) {
	case 0:
		return 0; /* every key collides: one long list */
	case 1:
		return 0x5555555555555554 | (k & 3); /* only the last level differs */
	case 2:
		return (k & 0xf) << 60; /* 16 lists below the first two levels */
	default:
		return ~(uint64_t)0; /* every key collides, all bits set */
	}
}

typedef struct Seen {
	uint8_t *seen; /* times each id was visited, by id */
	uint64_t max;  /* ids above it are errors */
	int64_t visits, bad;
	/* When check_data is set, the key with id i must be stackkey(fam, k)
	 * with k = owner[i] - 1, or k = i - 1 when owner is NULL. */
	bool check_data;
	int32_t fam;
	const uint64_t *owner;
} Seen;

/* samestack reports whether the 128 bytes at data are the stack pcs. (Not
 * memcmp: clang would call bcmp, which a weft program does not have.) */
static bool samestack(const void *data, const uint64_t pcs[FRAMES])
{
	for (int j = 0; j < FRAMES; j++) {
		uint64_t v;
		__builtin_memcpy(&v, (const unsigned char *)data + 8 * j, sizeof v);
		if (v != pcs[j])
			return false;
	}
	return true;
}

/* visit: traceMapForEach's callback for the checks. */
static void visit(void *arg, uint64_t id, const void *data, size_t size)
{
	Seen *s = arg;
	uint64_t pcs[FRAMES];

	s->visits++;
	if (id == 0 || id > s->max) {
		if (s->bad++ < 3)
			failf(__LINE__, "visit", "id %llu outside 1..%llu", (ull)id, (ull)s->max);
		return;
	}
	s->seen[id]++;
	if (s->check_data) {
		stackkey(pcs, (uint32_t)s->fam, s->owner ? s->owner[id] - 1 : id - 1);
		if (size != sizeof pcs || !samestack(data, pcs))
			if (s->bad++ < 3)
				failf(__LINE__, "visit", "id %llu: the key's bytes differ", (ull)id);
	}
}

/* expect_ids walks m with foreach and checks that it visits ids 1..n, each
 * once (and, when fam >= 0, that id i holds stackkey(fam, i - 1)). */
static void expect_ids(TraceMap *m, uint64_t n, int32_t fam, int line)
{
	Seen s = {.seen = weft_alloc(n + 2), .max = n, .fam = fam, .check_data = fam >= 0};

	traceMapForEach(m, visit, &s);
	if (s.visits != (int64_t)n)
		failf(line, "expect_ids", "foreach visited %lld nodes, want %llu", (long long)s.visits, (ull)n);
	int64_t missing = 0, twice = 0;
	for (uint64_t id = 1; id <= n; id++) {
		missing += s.seen[id] == 0;
		twice += s.seen[id] > 1;
	}
	if (missing || twice)
		failf(line, "expect_ids", "of ids 1..%llu, %lld never visited, %lld visited more than once", (ull)n,
		      (long long)missing, (long long)twice);
	weft_free(s.seen);
}

/* collide: keys whose hashes collide, wholly or in their first levels'
 * bits (through traceMapPutHash): still one id per key, dense, stable,
 * and foreach walks the resulting lists, however long. */
static void check_collide(void)
{
	enum { N = 1500 };
	static TraceMap m;
	uint64_t pcs[FRAMES];
	bool ins;

	for (int kind = 0; kind < 4; kind++) {
		for (uint64_t k = 0; k < N && failures() < 5; k++) {
			stackkey(pcs, 2, k);
			uint64_t id = traceMapPutHash(&m, pcs, sizeof pcs, weakhash(kind, k), &ins);
			EXPECT(id == k + 1 && ins, "hash kind %d key %llu: id %llu", kind, (ull)k, (ull)id);
		}
		for (uint64_t k = N; k-- > 0 && failures() < 5;) {
			stackkey(pcs, 2, k);
			uint64_t id = traceMapPutHash(&m, pcs, sizeof pcs, weakhash(kind, k), &ins);
			EXPECT(id == k + 1 && !ins, "hash kind %d key %llu again: id %llu", kind, (ull)k, (ull)id);
		}
		/* Same hash, keys that are prefixes of each other (of a key
		 * of another family), the empty key among them. */
		stackkey(pcs, 9, 0);
		for (size_t n = 0; n <= sizeof pcs && failures() < 5; n++) {
			uint64_t id = traceMapPutHash(&m, pcs, n, weakhash(kind, 0), &ins);
			EXPECT(ins && id == N + n + 1, "hash kind %d, %zu-byte prefix: id %llu", kind, n, (ull)id);
		}
		expect_ids(&m, N + sizeof pcs + 1, -1, __LINE__);
		traceMapReset(&m);
	}
	traceMapRelease(&m);
}

/* foreach: after 20 000 puts, foreach visits ids 1..20 000 once each, with
 * the right bytes. */
static void check_foreach(void)
{
	enum { N = 20000 };
	static TraceMap m;
	uint64_t pcs[FRAMES];

	expect_ids(&m, 0, -1, __LINE__); /* empty: no visits */
	for (uint64_t k = 0; k < N; k++) {
		stackkey(pcs, 3, k);
		EXPECT(traceMapPut(&m, pcs, sizeof pcs, NULL) == k + 1);
	}
	expect_ids(&m, N, 3, __LINE__);
	traceMapRelease(&m);
}

/* reset: a reset map is empty and counts ids from 1 again; many
 * fill-and-reset cycles, of more and fewer blocks than the region keeps,
 * give back correct keys; a released map works again. */
static void check_reset(void)
{
	static TraceMap m;
	uint64_t pcs[FRAMES];
	bool ins;

	for (int cycle = 0; cycle < 30 && failures() < 5; cycle++) {
		uint64_t n = 1000 * (uint64_t)(cycle % 7 + 1) + (uint64_t)cycle; /* up to ~20 blocks */
		int32_t fam = 100 + cycle % 3;
		for (uint64_t k = 0; k < n; k++) {
			stackkey(pcs, (uint32_t)fam, k);
			uint64_t id = traceMapPut(&m, pcs, sizeof pcs, &ins);
			if (id != k + 1 || !ins) {
				failf(__LINE__, "put", "cycle %d key %llu: id %llu inserted %d", cycle, (ull)k, (ull)id,
				      ins);
				break;
			}
		}
		expect_ids(&m, n, fam, __LINE__);
		traceMapReset(&m);
		EXPECT(atomic_load(&m.seq) == 0 && atomic_load(&m.root) == NULL);
		expect_ids(&m, 0, -1, __LINE__);
		stackkey(pcs, (uint32_t)fam, n - 1); /* the last key put: now new again */
		EXPECT(traceMapPut(&m, pcs, sizeof pcs, &ins) == 1 && ins, "cycle %d: first put after reset", cycle);
		traceMapReset(&m);
		EXPECT(m.mem.nspare <= TRACEREGION_KEEP, "%d spare blocks", (int)m.mem.nspare);
	}
	traceMapRelease(&m);
	EXPECT(m.mem.nspare == 0 && m.mem.spare == NULL && m.mem.full == NULL && m.mem.current == NULL);
	EXPECT(traceMapPut(&m, "x", 1, &ins) == 1 && ins, "a released map is ready to use");
	traceMapRelease(&m);
}

/* stealid: a stolen id is never given to a key. */
static void check_stealid(void)
{
	static TraceMap m;

	EXPECT(traceMapPut(&m, "a", 1, NULL) == 1);
	EXPECT(traceMapStealID(&m) == 2);
	EXPECT(traceMapPut(&m, "b", 1, NULL) == 3);
	EXPECT(traceMapPut(&m, "a", 1, NULL) == 1);
	EXPECT(traceMapStealID(&m) == 4);
	EXPECT(traceMapPut(&m, "", 0, NULL) == 5);
	Seen s = {.seen = weft_alloc(8), .max = 5};
	traceMapForEach(&m, visit, &s);
	EXPECT(s.visits == 3 && s.seen[1] == 1 && s.seen[3] == 1 && s.seen[5] == 1 && s.seen[2] == 0 &&
	       s.seen[4] == 0);
	weft_free(s.seen);
	traceMapRelease(&m);
}

/* ---- the region allocator ---- */

enum { RG_WORKERS = 8, RG_OBJS = 4000 };

typedef struct RegionWork {
	TraceRegion *r;
	uint32_t tag;
	unsigned char **objs;
	uint32_t *sizes;
	int bad; /* objects not zeroed or not aligned when handed out */
	weft_waitgroup *wg;
} RegionWork;

static uint32_t rgsize(uint32_t tag, int i)
{
	uint32_t s = (uint32_t)(mix64((uint64_t)tag << 32 | (uint32_t)i) % 700);
	return i % 97 == 0 ? 5000 + s * 20 : s; /* now and then a big one */
}

/* rgfill allocates w's objects, checks they come zeroed and aligned, and
 * fills each with bytes that say whose it is. */
static void rgfill(RegionWork *w)
{
	for (int i = 0; i < RG_OBJS; i++) {
		uint32_t n = rgsize(w->tag, i);
		unsigned char *p = traceRegionAlloc(w->r, n);
		if ((uintptr_t)p % 8 != 0)
			w->bad++;
		for (uint32_t j = 0; j < n; j++)
			if (p[j] != 0) {
				w->bad++;
				break;
			}
		for (uint32_t j = 0; j < n; j++)
			p[j] = (unsigned char)(w->tag * 31 + (uint32_t)i + j);
		w->objs[i] = p;
		w->sizes[i] = n;
		if (i % 64 == 63 && w->tag % 2)
			weft_yield();
	}
}

/* rgcheck counts w's objects whose bytes are not the ones rgfill wrote. */
static int rgcheck(RegionWork *w)
{
	int bad = 0;

	for (int i = 0; i < RG_OBJS; i++)
		for (uint32_t j = 0; j < w->sizes[i]; j++)
			if (w->objs[i][j] != (unsigned char)(w->tag * 31 + (uint32_t)i + j)) {
				bad++;
				break;
			}
	return bad;
}

static void rgworker(void *arg)
{
	RegionWork *w = arg;

	rgfill(w);
	weft_waitgroup_done(w->wg);
}

/* region: traceRegionAlloc hands out zeroed, 8-aligned, disjoint memory,
 * from one thread and from many at once, before and after drops (which
 * zero the blocks they keep); the largest allocation fits. */
static void check_region(void)
{
	static TraceRegion r;
	static RegionWork w[RG_WORKERS];
	weft_waitgroup wg = {0};

	for (int t = 0; t < RG_WORKERS; t++) {
		w[t].r = &r;
		w[t].tag = (uint32_t)t + 1;
		w[t].objs = weft_alloc(RG_OBJS * sizeof(unsigned char *));
		w[t].sizes = weft_alloc(RG_OBJS * sizeof(uint32_t));
		w[t].wg = &wg;
	}
	for (int round = 0; round < 4 && failures() < 5; round++) {
		if (round == 0) {
			rgfill(&w[0]); /* one thread */
			EXPECT(w[0].bad == 0, "%d objects not zeroed or aligned", w[0].bad);
			EXPECT(rgcheck(&w[0]) == 0, "objects overlap");
		} else {
			weft_waitgroup_add(&wg, RG_WORKERS);
			for (int t = 0; t < RG_WORKERS; t++)
				weft_go(rgworker, &w[t]);
			weft_waitgroup_wait(&wg);
			for (int t = 0; t < RG_WORKERS; t++) {
				EXPECT(w[t].bad == 0, "round %d worker %d: %d objects not zeroed or aligned", round, t,
				       w[t].bad);
				EXPECT(rgcheck(&w[t]) == 0, "round %d worker %d: objects overlap", round, t);
				w[t].bad = 0;
			}
		}
		unsigned char *p = traceRegionAlloc(&r, TRACEREGION_MAXALLOC);
		EXPECT(p[0] == 0 && p[TRACEREGION_MAXALLOC - 1] == 0);
		memset(p, 0xff, TRACEREGION_MAXALLOC);
		traceRegionDrop(&r);
		EXPECT(r.nspare <= TRACEREGION_KEEP && r.current == NULL && r.full == NULL);
	}
	traceRegionRelease(&r);
	EXPECT(r.nspare == 0 && r.spare == NULL);
	for (int t = 0; t < RG_WORKERS; t++) {
		weft_free(w[t].objs);
		weft_free(w[t].sizes);
	}
}

/* ---- many goroutines at once ---- */

enum { CG = 16, CKEYS = 6000, CWEAKKEYS = 1200, CROUNDS = 5 };

typedef struct Conc {
	TraceMap m;
	int nkeys;
	int hashkind; /* -1: traceMapPut; else weakhash(hashkind, k) */
	int32_t fam;
	uint64_t *ids[CG];  /* ids[g][k]: what goroutine g got for key k; 0: not put */
	uint32_t *inserted; /* by key: puts that said they inserted it (atomic) */
	uint32_t ready;     /* goroutines at the start line (atomic) */
	uint32_t go;        /* set when they may start (atomic) */
	int bad;            /* a goroutine's put returned different ids (atomic) */
	weft_waitgroup wg;
} Conc;

typedef struct ConcArg {
	Conc *c;
	int g;
} ConcArg;

static uint64_t concput(Conc *c, int k, bool *ins)
{
	uint64_t pcs[FRAMES];

	stackkey(pcs, (uint32_t)c->fam, (uint64_t)k);
	if (c->hashkind < 0)
		return traceMapPut(&c->m, pcs, sizeof pcs, ins);
	return traceMapPutHash(&c->m, pcs, sizeof pcs, weakhash(c->hashkind, (uint64_t)k), ins);
}

/* concworker: goroutine g puts its share of the keys, two thirds of them,
 * from its starting point, forwards or backwards, each twice; a quarter of
 * the goroutines yield every few puts. */
static void concworker(void *arg)
{
	ConcArg *a = arg;
	Conc *c = a->c;
	int g = a->g, n = c->nkeys, share = n * 2 / 3;
	/* Spread out, so that together they cover every key, except that a
	 * few all start at key 0 going forwards: they race for every key. */
	bool racer = g % 8 < 3;
	int start = racer ? 0 : g * n / CG;
	bool yielder = g % 4 == 3;
	bool ins;

	atomic_xadd(&c->ready, 1);
	while (!atomic_load(&c->go))
		weft_yield();
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < share; i++) {
			int k = racer || g % 2 ? (start + i) % n : (start + n - i) % n;
			uint64_t id = concput(c, k, &ins);
			if (ins)
				atomic_xadd(&c->inserted[k], 1);
			if (c->ids[g][k] != 0 && c->ids[g][k] != id)
				atomic_xadd(&c->bad, 1);
			c->ids[g][k] = id;
			if (yielder && i % 5 == 0)
				weft_yield();
		}
	}
	weft_waitgroup_done(&c->wg);
}

/* concurrent: 16 goroutines put overlapping sets of stack keys at once;
 * each distinct key gets exactly one id, inserted by exactly one put, the
 * same id in every goroutine; the ids are exactly 1..n; foreach sees each
 * once with its key. Rounds use the real hash and weak ones (long lists,
 * so racing inserts meet on the same slots), with resets in between. */
static void check_concurrent(void)
{
	static Conc c;
	static ConcArg args[CG];

	for (int g = 0; g < CG; g++)
		c.ids[g] = weft_alloc(CKEYS * sizeof(uint64_t));
	c.inserted = weft_alloc(CKEYS * sizeof(uint32_t));
	uint64_t *owner = weft_alloc((CKEYS + 1) * sizeof(uint64_t));

	for (int round = 0; round < CROUNDS && failures() < 5; round++) {
		static const int kinds[CROUNDS] = {-1, 2, -1, 0, 1};
		c.hashkind = kinds[round];
		c.nkeys = c.hashkind < 0 ? CKEYS : CWEAKKEYS;
		c.fam = 200 + round;
		c.ready = c.go = 0;
		c.bad = 0;
		for (int g = 0; g < CG; g++)
			memset(c.ids[g], 0, CKEYS * sizeof(uint64_t));
		memset(c.inserted, 0, CKEYS * sizeof(uint32_t));

		weft_waitgroup_add(&c.wg, CG);
		for (int g = 0; g < CG; g++) {
			args[g] = (ConcArg){&c, g};
			weft_go(concworker, &args[g]);
		}
		while (atomic_load(&c.ready) < CG)
			weft_yield();
		atomic_store(&c.go, 1);
		weft_waitgroup_wait(&c.wg);

		int n = c.nkeys;
		EXPECT(c.bad == 0, "round %d: %d puts of a key a goroutine had put gave another id", round, c.bad);
		EXPECT(atomic_load(&c.m.seq) == (uint64_t)n, "round %d: %llu ids handed out for %d keys", round,
		       (ull)c.m.seq, n);
		memset(owner, 0, (CKEYS + 1) * sizeof(uint64_t));
		int disagree = 0, noput = 0, badins = 0, badid = 0, shared = 0;
		for (int k = 0; k < n; k++) {
			uint64_t id = 0;
			for (int g = 0; g < CG; g++) {
				uint64_t x = c.ids[g][k];
				if (x == 0)
					continue;
				if (id == 0)
					id = x;
				else if (x != id)
					disagree++;
			}
			if (id == 0) {
				noput++;
				continue;
			}
			badins += c.inserted[k] != 1;
			if (id > (uint64_t)n) {
				badid++;
				continue;
			}
			if (owner[id] != 0)
				shared++;
			owner[id] = (uint64_t)k + 1;
		}
		EXPECT(noput == 0, "round %d: %d keys were put by no goroutine", round, noput);
		EXPECT(disagree == 0, "round %d: %d times goroutines got different ids for a key", round, disagree);
		EXPECT(badins == 0, "round %d: %d keys not inserted by exactly one put", round, badins);
		EXPECT(badid == 0 && shared == 0, "round %d: %d ids above %d, %d ids given to two keys", round, badid,
		       n, shared);
		/* The ids are then exactly 1..n; foreach must agree, and its
		 * keys must be the ones the goroutines put under each id. */
		Seen s = {.seen = weft_alloc((size_t)n + 2), .max = (uint64_t)n, .check_data = true, .fam = c.fam,
			  .owner = owner};
		traceMapForEach(&c.m, visit, &s);
		EXPECT(s.visits == n, "round %d: foreach visited %lld nodes for %d keys", round, (long long)s.visits,
		       n);
		int badvisit = 0;
		for (int id = 1; id <= n; id++)
			badvisit += s.seen[id] != 1;
		EXPECT(badvisit == 0, "round %d: %d ids not visited exactly once", round, badvisit);
		weft_free(s.seen);
		traceMapReset(&c.m);
	}
	for (int g = 0; g < CG; g++)
		weft_free(c.ids[g]);
	weft_free(c.inserted);
	weft_free(owner);
	traceMapRelease(&c.m);
}

/* ---- goroutines in lockstep ---- */

enum { LS_MAXR = 4, LS_KEYS = 2000, LS_WEAKKEYS = 300 };

typedef struct Lockstep {
	TraceMap m;
	int r;           /* racers */
	int nkeys;
	int hashkind;    /* as Conc's */
	uint32_t arrived; /* racers that reached the current key, all keys so far (atomic) */
	uint64_t beat[LS_MAXR]; /* each racer's heartbeat, counted while it spins (atomic) */
	uint64_t ids[LS_MAXR][LS_KEYS];
	bool ins[LS_MAXR][LS_KEYS];
	weft_waitgroup wg;
} Lockstep;

typedef struct LockstepArg {
	Lockstep *l;
	int i;
} LockstepArg;

/* lsplace returns once racer i has seen every other racer's heartbeat
 * move while i itself kept running: then each of them was running on a P
 * of its own, and since a racer does not yield after lsplace, it stays on
 * that P. Until then i yields now and then, so that a racer queued behind
 * it on its P gets to run, or to be stolen by another P. */
static void lsplace(Lockstep *l, int i)
{
	uint64_t before[LS_MAXR];

	for (;;) {
		bool all = false;
		for (int j = 0; j < l->r; j++)
			before[j] = atomic_load(&l->beat[j]);
		for (int spins = 0; spins < 100000 && !all; spins++) {
			atomic_xadd(&l->beat[i], 1);
			if (spins % 1000 == 999)
				sys_nanosleep(20000); /* as in lsracer */
			all = true;
			for (int j = 0; j < l->r; j++)
				if (j != i && atomic_load(&l->beat[j]) == before[j])
					all = false;
		}
		if (all)
			return;
		weft_yield();
	}
}

/* lsracer puts the same new keys as the other racers, in the same order,
 * each on its own P, waiting at each key until all have arrived, so that
 * they put it at the same moment. */
static void lsracer(void *arg)
{
	LockstepArg *a = arg;
	Lockstep *l = a->l;
	uint64_t pcs[FRAMES];

	lsplace(l, a->i);
	for (int k = 0; k < l->nkeys; k++) {
		uint32_t target = (uint32_t)((k + 1) * l->r);
		atomic_xadd(&l->arrived, 1);
		/* Wait for the others, beating for those still in lsplace.
		 * After a while sleep (holding the P) rather than spin: on a
		 * busy machine the racer we wait for may need this CPU. */
		for (int spins = 0; atomic_load(&l->arrived) < target; spins++) {
			atomic_xadd(&l->beat[a->i], 1);
			if (spins >= 1000)
				sys_nanosleep(20000);
		}
		stackkey(pcs, 300 + (uint32_t)l->hashkind, (uint64_t)k);
		if (l->hashkind < 0)
			l->ids[a->i][k] = traceMapPut(&l->m, pcs, sizeof pcs, &l->ins[a->i][k]);
		else
			l->ids[a->i][k] = traceMapPutHash(&l->m, pcs, sizeof pcs, weakhash(l->hashkind, (uint64_t)k),
							   &l->ins[a->i][k]);
	}
	weft_waitgroup_done(&l->wg);
}

/* lockstep: up to 4 goroutines, as many as there are Ps and CPUs, put the
 * same new keys at the same moment, key after key, so that their CASes on
 * the same empty slot race, with the real hash and with every key in one
 * list. Every key gets one id, inserted by one of them, seen by all; the
 * ids are exactly 1..n. Needs 2 Ps and 2 CPUs to race at all. */
static void check_lockstep(void)
{
	static Lockstep l;
	static LockstepArg args[LS_MAXR];
	int r = weft_gomaxprocs();

	if (r > ncpu)
		r = (int)ncpu;
	if (r > LS_MAXR)
		r = LS_MAXR;
	if (r < 2) {
		weft_printf("    lockstep: needs 2 Ps and 2 CPUs, not run\n");
		return;
	}
	for (int round = 0; round < 2 && failures() < 5; round++) {
		l.r = r;
		l.hashkind = round == 0 ? -1 : 0;
		l.nkeys = round == 0 ? LS_KEYS : LS_WEAKKEYS;
		l.arrived = 0;
		weft_waitgroup_add(&l.wg, r);
		for (int i = 0; i < r; i++) {
			args[i] = (LockstepArg){&l, i};
			weft_go(lsracer, &args[i]);
		}
		weft_waitgroup_wait(&l.wg);

		int disagree = 0, badins = 0;
		for (int k = 0; k < l.nkeys; k++) {
			int nins = 0;
			for (int i = 0; i < r; i++) {
				disagree += l.ids[i][k] != l.ids[0][k];
				nins += l.ins[i][k];
			}
			badins += nins != 1;
		}
		EXPECT(disagree == 0, "round %d: %d puts got another id than racer 0's", round, disagree);
		EXPECT(badins == 0, "round %d: %d keys not inserted by exactly one put", round, badins);
		EXPECT(atomic_load(&l.m.seq) == (uint64_t)l.nkeys, "round %d: %llu ids for %d keys", round,
		       (ull)l.m.seq, l.nkeys);
		expect_ids(&l.m, (uint64_t)l.nkeys, -1, __LINE__);
		traceMapReset(&l.m);
	}
	traceMapRelease(&l.m);
}

/* The map of check idwait, and the key planted in it. */
static TraceMap idwait_map;
static const char idwait_key[] = "planted";
static uint64_t idwait_got; /* atomic */

static void idwait_put(void *arg)
{
	weft_waitgroup *wg = arg;

	atomic_store(&idwait_got, traceMapPut(&idwait_map, idwait_key, sizeof idwait_key, NULL));
	weft_waitgroup_done(wg);
}

/* idwait: a put that finds its key in a node whose inserter has linked it
 * but not yet stored its id waits for the id. The node is planted by hand
 * with id 0, and its id stored 20 ms later, long enough for the waiter to
 * pass from spinning to sleeping. It needs a second P: the waiter holds
 * its own until it has the id. */
static void check_idwait(void)
{
	weft_waitgroup wg = {0};

	if (weft_gomaxprocs() < 2) {
		weft_printf("    idwait: needs 2 Ps, not run\n");
		return;
	}
	TraceMapNode *n = traceRegionAlloc(&idwait_map.mem, sizeof(TraceMapNode) + sizeof idwait_key);
	n->hash = traceMapHash(idwait_key, sizeof idwait_key);
	n->size = sizeof idwait_key;
	memcpy(n->data, idwait_key, sizeof idwait_key);
	atomic_store(&idwait_map.seq, 41);
	atomic_store(&idwait_map.root, n);

	weft_waitgroup_add(&wg, 1);
	weft_go(idwait_put, &wg);
	weft_sleep(20 * 1000000);
	EXPECT(atomic_load(&idwait_got) == 0, "the put returned %llu before the id was stored",
	       (ull)idwait_got);
	atomic_store_rel(&n->id, 42);
	weft_waitgroup_wait(&wg);
	EXPECT(atomic_load(&idwait_got) == 42, "the put returned %llu", (ull)idwait_got);
	traceMapRelease(&idwait_map);
}

static const struct check checks[] = {
	{"hash", check_hash},
	{"basic", check_basic},
	{"collide", check_collide},
	{"foreach", check_foreach},
	{"reset", check_reset},
	{"stealid", check_stealid},
	{"region", check_region},
	{"concurrent", check_concurrent},
	{"lockstep", check_lockstep},
	{"idwait", check_idwait},
};

int weft_main(int argc, char **argv)
{
	return checks_main("tracemap", checks, nelem(checks), argc, argv);
}
