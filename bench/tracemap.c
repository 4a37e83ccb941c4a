/*
 * tracemap: put throughput of the tracer's hash trie (runtime/tracemap.c)
 * beside its obvious peer, an open-addressing hash table behind a runtime
 * Mutex, on the tracer's own workload: 16-frame stacks (128-byte keys).
 *
 *	tracemap [rounds]
 *
 * Two workloads, each with 1 and 2 goroutines putting at once (run it
 * with WEFTMAXPROCS=2 so that two run on threads of their own; bench/run
 * does):
 *
 *   hits    4096 stacks already present, looked up in a random order
 *   misses  new stacks only: each goroutine inserts 2048 of its own into
 *           an empty map, which is then reset (outside the timing). The
 *           4096 nodes fit in the blocks a region keeps across a reset
 *           (TRACEREGION_KEEP), as a typical generation's stack table
 *           does, so the kernel's page faults stay out of the figure.
 *
 * Time is wall time for all the goroutines' puts over their number: at 2
 * goroutines, perfect scaling halves it. A measurement is several reps,
 * each timed from the first goroutine's start to the last one's end, and
 * keeps the median rep. The peer does what a careful implementation
 * would: it hashes with the same function outside the lock, compares keys
 * the same way, keeps the keys in a TraceRegion as the trie does, and is
 * sized so that it never grows (its best case). Both run in the same
 * process, in interleaved rounds (default 7); each row is the median
 * round. It prints Markdown rows:
 *
 *	| tracemap put, hits | 1 | 23.4 | mutex table 41.0 | 0.57 |
 *
 * (workload, goroutines, trie ns per put, peer ns per put, trie/peer).
 * weft_printf has no floating point: numbers are formatted in integers.
 */
#include "bench.h"
#include "runtime.h"
#include "tracemap.h"

enum {
	FRAMES = 16,
	MAXT = 2,
	HITKEYS = 4096,
	HITORDER = 1 << 16, /* random key indices per goroutine, reused cyclically */
	HITPUTS = 1 << 18,  /* per goroutine per rep */
	HITREPS = 5,
	MISSKEYS = 2048, /* per goroutine per rep */
	MISSREPS = 32,
	MAXREPS = 32,
	MAXROUNDS = 51,
};

typedef struct Key {
	uint64_t pc[FRAMES];
} Key;

/* ---- the peer: a mutex-protected open-addressing table ---- */

typedef struct Slot {
	uint64_t hash;
	uint64_t id; /* 0: empty */
	const unsigned char *key;
	size_t size;
} Slot;

typedef struct MutexTable {
	Mutex lock;
	Slot *slots;
	uint64_t mask;
	uint64_t seq;
	TraceRegion mem; /* the keys */
} MutexTable;


static void mt_init(MutexTable *t, uint64_t nslots)
{
	t->slots = weft_alloc(nslots * sizeof(Slot));
	t->mask = nslots - 1;
}

/* mt_put: traceMapPut's contract, under t->lock. */
static uint64_t mt_put(MutexTable *t, const void *data, size_t size, bool *inserted)
{
	uint64_t h = traceMapHash(data, size), id;

	lock(&t->lock);
	for (uint64_t i = h & t->mask;; i = (i + 1) & t->mask) {
		Slot *s = &t->slots[i];
		if (s->id == 0) {
			unsigned char *k = traceRegionAlloc(&t->mem, size);
			memcpy(k, data, size);
			s->hash = h;
			s->key = k;
			s->size = size;
			s->id = id = ++t->seq;
			*inserted = true;
			break;
		}
		if (s->hash == h && s->size == size && traceMapKeyEq(s->key, data, size)) {
			id = s->id;
			*inserted = false;
			break;
		}
	}
	unlock(&t->lock);
	return id;
}

static void mt_reset(MutexTable *t)
{
	memset(t->slots, 0, (t->mask + 1) * sizeof(Slot));
	t->seq = 0;
	traceRegionDrop(&t->mem);
}

/* ---- the workloads ---- */

enum { HIT, MISS };
enum { TRIE, PEER };

static Key *hitkeys;                /* HITKEYS */
static uint16_t *hitorder[MAXT];    /* HITORDER indices into hitkeys */
static Key *misskeys[MAXT];         /* MISSKEYS per goroutine, its own */
static TraceMap trie_hit, trie_miss;
static MutexTable peer_hit, peer_miss;
static uint64_t sink; /* keeps the ids alive */

typedef struct Run {
	int op, impl, t, reps;
	uint32_t arrive;      /* barrier arrivals so far (atomic) */
	uint64_t beat[MAXT];  /* heartbeats for place (atomic) */
	int64_t start[MAXT][MAXREPS], end[MAXT][MAXREPS];
	uint64_t bad;         /* wrong hit/miss answers (atomic) */
	weft_waitgroup wg;
} Run;

typedef struct Worker {
	Run *r;
	int w;
} Worker;

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9;
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb;
	return x ^ (x >> 31);
}

/* stack makes a plausible 16-frame stack: the innermost frames vary, the
 * outer ones are shared, frame 0 makes it unique to (fam, k). */
static void stack(Key *key, uint64_t fam, uint64_t k)
{
	key->pc[0] = 0x400000 + (fam << 40) + k * 4;
	for (int j = 1; j < FRAMES; j++)
		key->pc[j] = j < 12 ? 0x401000 + (mix64((fam << 32) + k * FRAMES + (uint64_t)j) & 0xfffff) * 4
				    : 0x4ff000 + (uint64_t)j * 0x40;
}

/* place returns once worker w has seen every other worker's heartbeat
 * move while it kept running, so each runs on a P of its own; none yields
 * after this, so they stay there. */
static void place(Run *r, int w)
{
	uint64_t before[MAXT];

	for (;;) {
		bool all = false;
		for (int j = 0; j < r->t; j++)
			before[j] = atomic_load(&r->beat[j]);
		for (int spins = 0; spins < 100000 && !all; spins++) {
			atomic_xadd(&r->beat[w], 1);
			if (spins % 1000 == 999)
				sys_nanosleep(20000); /* as in barrier */
			all = true;
			for (int j = 0; j < r->t; j++)
				if (j != w && atomic_load(&r->beat[j]) == before[j])
					all = false;
		}
		if (all)
			return;
		weft_yield();
	}
}

/* barrier waits until all r->t workers have arrived at the phase'th
 * barrier (phases count from 1), beating for those still in place. After
 * a while it sleeps (keeping its P) rather than spins: on a machine short
 * of CPUs, the worker it waits for may need this one. */
static void barrier(Run *r, int w, uint32_t phase)
{
	atomic_xadd(&r->arrive, 1);
	for (int spins = 0; atomic_load(&r->arrive) < phase * (uint32_t)r->t; spins++) {
		atomic_xadd(&r->beat[w], 1);
		if (spins < 1000)
			arch_procyield();
		else
			sys_nanosleep(20000);
	}
}

static void worker(void *arg)
{
	Worker *wk = arg;
	Run *r = wk->r;
	int w = wk->w;
	uint32_t phase = 0;
	uint64_t sum = 0, bad = 0;
	bool ins;

	place(r, w);
	for (int rep = 0; rep < r->reps; rep++) {
		barrier(r, w, ++phase);
		if (w == 0 && r->op == MISS) {
			if (r->impl == TRIE)
				traceMapReset(&trie_miss);
			else
				mt_reset(&peer_miss);
		}
		barrier(r, w, ++phase);
		r->start[w][rep] = nanotime();
		if (r->op == HIT) {
			const uint16_t *order = hitorder[w];
			for (int i = 0; i < HITPUTS; i++) {
				const Key *k = &hitkeys[order[i & (HITORDER - 1)]];
				uint64_t id = r->impl == TRIE ? traceMapPut(&trie_hit, k, sizeof *k, &ins)
							      : mt_put(&peer_hit, k, sizeof *k, &ins);
				sum += id;
				bad += ins;
			}
		} else {
			const Key *keys = misskeys[w];
			for (int i = 0; i < MISSKEYS; i++) {
				uint64_t id = r->impl == TRIE ? traceMapPut(&trie_miss, &keys[i], sizeof keys[i], &ins)
							      : mt_put(&peer_miss, &keys[i], sizeof keys[i], &ins);
				sum += id;
				bad += !ins;
			}
		}
		r->end[w][rep] = nanotime();
	}
	atomic_xadd(&sink, sum);
	atomic_xadd(&r->bad, bad);
	weft_waitgroup_done(&r->wg);
}

/* measure runs one workload and returns its time per put in units of
 * 1/100 ns. */
static int64_t measure(int op, int impl, int t)
{
	static Run r;
	static Worker wk[MAXT];

	memset(&r, 0, sizeof r);
	r.op = op;
	r.impl = impl;
	r.t = t;
	r.reps = op == HIT ? HITREPS : MISSREPS;
	weft_waitgroup_add(&r.wg, t);
	for (int w = 0; w < t; w++) {
		wk[w] = (Worker){&r, w};
		weft_go(worker, &wk[w]);
	}
	weft_waitgroup_wait(&r.wg);
	if (r.bad != 0) {
		weft_eprintf("tracemap: %llu puts gave the wrong answer (op %d impl %d)\n", (unsigned long long)r.bad,
			     op, impl);
		weft_exit(1);
	}
	/* Each rep's time is from the first goroutine's start to the last
	 * one's end; the measurement is the median rep, so that a rep the
	 * kernel preempted does not count for more than one. */
	int64_t per[MAXREPS];
	int64_t puts = (int64_t)t * (op == HIT ? HITPUTS : MISSKEYS);
	for (int rep = 0; rep < r.reps; rep++) {
		int64_t s = r.start[0][rep], e = r.end[0][rep];
		for (int w = 1; w < t; w++) {
			if (r.start[w][rep] < s)
				s = r.start[w][rep];
			if (r.end[w][rep] > e)
				e = r.end[w][rep];
		}
		per[rep] = (e - s) * 100 / puts;
	}
	return bench_median(per, r.reps);
}

/* dec1 formats hundredths as a decimal with one digit after the point. */
static const char *dec1(char *buf, size_t n, int64_t c)
{
	c = (c + 5) / 10;
	weft_snprintf(buf, n, "%lld.%lld", (long long)(c / 10), (long long)(c % 10));
	return buf;
}

int weft_main(int argc, char **argv)
{
	int rounds = (int)bench_arg(argc, argv, 1, 7);
	static int64_t res[2][MAXT + 1][2][MAXROUNDS]; /* [op][t][impl][round] */
	bool ins;

	if (rounds > MAXROUNDS)
		rounds = MAXROUNDS;
	/* The goroutines of a measurement each need a P of their own. */
	int maxt = weft_gomaxprocs() < MAXT ? weft_gomaxprocs() : MAXT;
	if (maxt < MAXT)
		weft_eprintf("tracemap: WEFTMAXPROCS=%d: no rows for %d goroutines\n", weft_gomaxprocs(), MAXT);

	hitkeys = weft_alloc(HITKEYS * sizeof(Key));
	for (int k = 0; k < HITKEYS; k++)
		stack(&hitkeys[k], 1, (uint64_t)k);
	for (int w = 0; w < MAXT; w++) {
		hitorder[w] = weft_alloc(HITORDER * sizeof(uint16_t));
		for (int i = 0; i < HITORDER; i++)
			hitorder[w][i] = (uint16_t)(mix64((uint64_t)w << 32 | (uint64_t)i) % HITKEYS);
		misskeys[w] = weft_alloc(MISSKEYS * sizeof(Key));
		for (int k = 0; k < MISSKEYS; k++)
			stack(&misskeys[w][k], 2 + (uint64_t)w, (uint64_t)k);
	}
	mt_init(&peer_hit, 2 * HITKEYS);
	mt_init(&peer_miss, 2 * MAXT * MISSKEYS);
	for (int k = 0; k < HITKEYS; k++) {
		traceMapPut(&trie_hit, &hitkeys[k], sizeof(Key), &ins);
		mt_put(&peer_hit, &hitkeys[k], sizeof(Key), &ins);
	}

	/* A warm-up round, then the measured ones; within a round the two
	 * implementations alternate which goes first. */
	for (int round = -1; round < rounds; round++)
		for (int op = HIT; op <= MISS; op++)
			for (int t = 1; t <= maxt; t++)
				for (int i = 0; i < 2; i++) {
					int impl = (round + i) % 2 ? PEER : TRIE;
					int64_t v = measure(op, impl, t);
					if (round >= 0)
						res[op][t][impl][round] = v;
				}

	weft_printf("| hash-trie put, 128-byte keys | goroutines | tracemap ns/put | peer ns/put | tracemap/peer |\n");
	weft_printf("|---|---|---|---|---|\n");
	for (int op = HIT; op <= MISS; op++)
		for (int t = 1; t <= maxt; t++) {
			int64_t a = bench_median(res[op][t][TRIE], rounds), b = bench_median(res[op][t][PEER], rounds);
			char sa[32], sb[32];
			int64_t q = b > 0 ? (a * 100 + b / 2) / b : 0;
			weft_printf("| tracemap put, %s | %d | %s | mutex table %s | %lld.%02lld |\n",
				    op == HIT ? "hits" : "misses", t, dec1(sa, sizeof sa, a), dec1(sb, sizeof sb, b),
				    (long long)(q / 100), (long long)(q % 100));
		}
	return (int)(sink == 0); /* never 0: the ids were all used */
}
