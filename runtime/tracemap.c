/*
 * tracemap.c: the tracer's table from byte strings to ids (Go's traceMap
 * in tracemap.go). The stack table maps a stack's PCs to a stack id, the
 * string table a string to a string id; each generation has its own pair,
 * dumped into the trace when the generation ends and then reset.
 *
 * What the table must do. put(key) returns the key's id, inserting the key
 * with a fresh id the first time. It is called on the event path: every
 * event with a stack puts the stack, from every M at once, while a
 * goroutine is in the middle of a scheduling transition or a system call.
 * Almost every put is a hit (programs have few distinct stacks), so a hit
 * must be cheap and must not contend; a miss must be correct under races
 * but may cost more. Nothing is ever removed one key at a time: the whole
 * table is emptied at once, when no one uses it.
 *
 * The model: a 4-ary trie over the bits of the key's 64-bit hash. Every
 * node holds one key. The root is the first key put; below a node at depth
 * d, a key goes to child number (hash >> (62 - 2d)) & 3, the next two bits
 * of its hash, and a new key settles in the first empty slot on its path.
 * A put walks down from the root comparing the key with each node on the
 * path, since a node holds a key at every depth, not just at leaves. With
 * a good hash the trie is as balanced as a random 4-ary tree: a hit visits
 * about log4(n) + 1 nodes, 7.4 on average for 10 000 stacks (10 at most),
 * 9 for 100 000. If the hash bits run out (keys whose full 64-bit hashes
 * collide, or a test's deliberately bad hash) the remaining hash is 0 and
 * every further level uses child 0: the trie degrades into a list, slower
 * but still correct.
 *
 * Why a trie and not a hash table. A table must grow, and growing a table
 * that other threads are reading without a lock needs the machinery of a
 * concurrent hash map (incremental migration, or hazard pointers to free
 * the old array). A trie never moves anything: a node, once linked, stays
 * where it is with the same contents until the whole map is reset, so a
 * reader needs no lock, no retry loop and no memory reclamation scheme.
 * The price is a few dependent loads per lookup instead of one or two.
 *
 * Why CAS. Inserting is one compare-and-swap of an empty slot from NULL to
 * a fully built node. If two threads insert at the same slot, one CAS
 * fails; the loser reads the winner's node and carries on from there,
 * comparing keys as usual: if the winner holds the same key, the loser
 * returns its id; otherwise it walks on and links its node further down
 * (a node that lost with the same key is simply abandoned in the region:
 * it is garbage until reset). Since slots only ever go from NULL to a
 * node, no slot is ever changed twice: there is no ABA problem, and a path
 * that a reader followed stays valid.
 *
 * Why no deletion. The tracer never needs to forget one stack; it forgets
 * a whole generation's table at once, when that generation has been dumped
 * and no M can put into it any more. Deletion would bring back everything
 * the trie avoids (reclaiming nodes others may be reading). So nodes come
 * from a region allocator (traceregion.c) and reset drops the region.
 *
 * Ids. Ids come from an atomic counter, 1, 2, 3, ..., taken by the thread
 * whose CAS linked the node, after the CAS, and then stored in the node.
 * So ids are dense: after any interleaving of puts the ids are exactly
 * 1..n for n distinct keys, in the order their nodes were linked. Go takes
 * the id before the CAS instead, so a thread that loses a race to insert
 * the same key throws its id away, leaving a hole. The cost of density is
 * a short wait: a put that finds its key in a node whose id is still 0 has
 * caught the inserter between its CAS and its store, a few instructions
 * apart, and spins until the id appears. (Only that one key waits, only
 * during that window; the trie itself stays lock-free. A put is not
 * async-signal-safe anyway: the region takes a lock when it needs a new
 * block.) A node that lost its race keeps id 0 forever, but it is never
 * linked, so no one waits for it.
 *
 * Memory ordering. A node's hash, size, key bytes, zero children and zero
 * id are written before the CAS that links it, which has release order;
 * every load of a slot has acquire order, so a reader that sees a node
 * sees all of it. The id is stored with release and loaded with acquire,
 * though atomicity would do (a reader reached the node through its link,
 * so it already sees the key): the pair costs nothing on amd64 and keeps
 * the reasoning short, whoever sees an id sees the node it names. The
 * counter needs only atomicity: ids are unique because the add is atomic.
 *
 * Reset and foreach run alone (the tracer retires a generation's tables
 * only after every M has moved to the next generation); they are not safe
 * against concurrent puts and do not try to be.
 */
#include "runtime.h"
#include "tracemap.h"

/* ---- the hash ----
 *
 * traceMapHash is weft's own multiply-fold hash in the style of wyhash:
 * the basic step, fold, multiplies two 64-bit words into a 128-bit product
 * and folds it (high half xor low half), which spreads every input bit over
 * the output in one multiply. Keys of 64 bytes or more go through four
 * independent lanes, 16 bytes each per round, whose multiplies overlap in
 * the CPU (a 128-byte stack is two rounds); what is left is taken 16 bytes
 * at a time, and the last 1 to 16 bytes as two possibly overlapping words,
 * so there is no byte loop. The length is mixed in at the start and at the
 * end, which is what makes the overlapping reads safe (keys of different
 * lengths that read the same words still differ). Each lane has its own
 * constant, so lanes holding equal bytes do not cancel when merged. The
 * trie uses the hash's top bits first; the final fold spreads well into
 * them.
 *
 * Like wyhash it has a known blind spot: a word equal to its lane's
 * constant zeroes that step's product. For return addresses and strings
 * this is as likely as any other 64-bit collision, and a collision only
 * costs a comparison, never a wrong answer.
 */

/* Arbitrary constants with well-mixed bits: 2^64 over the golden ratio,
 * and the first four round constants of SHA-512. */
static const uint64_t K0 = 0x9e3779b97f4a7c15;
static const uint64_t K1 = 0x428a2f98d728ae22;
static const uint64_t K2 = 0x7137449123ef65cd;
static const uint64_t K3 = 0xb5c0fbcfec4d3b2f;
static const uint64_t K4 = 0xe9b5dba58189dbbc;

/* fold multiplies a by b and folds the 128-bit product to 64 bits. */
static inline uint64_t fold(uint64_t a, uint64_t b)
{
	__uint128_t p = (__uint128_t)a * b;
	return (uint64_t)p ^ (uint64_t)(p >> 64);
}

/* load64 and load32 read a native-endian word at any address
 * (__builtin_memcpy is one plain load, even under -ffreestanding). */
static inline uint64_t load64(const unsigned char *p)
{
	uint64_t v;
	__builtin_memcpy(&v, p, sizeof v);
	return v;
}

static inline uint64_t load32(const unsigned char *p)
{
	uint32_t v;
	__builtin_memcpy(&v, p, sizeof v);
	return v;
}

/* traceMapHash returns the 64-bit hash of the size bytes at data. */
uint64_t traceMapHash(const void *data, size_t size)
{
	const unsigned char *p = data;
	size_t n = size;
	uint64_t h = K0 ^ size, a = 0, b = 0;

	if (n >= 64) {
		uint64_t h1 = h, h2 = h, h3 = h;
		do {
			h = fold(load64(p) ^ K1, load64(p + 8) ^ h);
			h1 = fold(load64(p + 16) ^ K2, load64(p + 24) ^ h1);
			h2 = fold(load64(p + 32) ^ K3, load64(p + 40) ^ h2);
			h3 = fold(load64(p + 48) ^ K4, load64(p + 56) ^ h3);
			p += 64;
			n -= 64;
		} while (n >= 64);
		h ^= h1 ^ h2 ^ h3;
	}
	for (; n > 16; n -= 16, p += 16)
		h = fold(load64(p) ^ K1, load64(p + 8) ^ h);
	/* 0 to 16 bytes left (0 only when size is 0 or a multiple of 64). */
	if (n >= 8) {
		a = load64(p);
		b = load64(p + n - 8);
	} else if (n >= 4) {
		a = load32(p);
		b = load32(p + n - 4);
	} else if (n > 0) {
		a = (uint64_t)p[0] << 16 | (uint64_t)p[n >> 1] << 8 | p[n - 1];
	}
	return fold(fold(a ^ K2, b ^ h) ^ K0, size ^ K3);
}

/* ---- the trie ---- */

/* newnode builds an unlinked node for the key, with id 0. */
static TraceMapNode *newnode(TraceMap *m, const void *data, size_t size, uint64_t hash)
{
	TraceMapNode *n = traceRegionAlloc(&m->mem, sizeof(TraceMapNode) + size);

	n->hash = hash;
	n->size = size;
	if (size > 0)
		memcpy(n->data, data, size);
	return n; /* children and id: zero from the region */
}

enum {
	SPIN = 64, /* nodeid: spins before it starts sleeping */
};

/* nodeid returns the id of the linked node n, waiting for its inserter to
 * store it if it has not yet. The wait is the few instructions between the
 * inserter's CAS and its store, unless the kernel preempted the inserter
 * just there: then spinning would only burn the CPU it needs, so after a
 * while the waiter sleeps a little between looks. */
static uint64_t nodeid(TraceMapNode *n)
{
	uint64_t id = atomic_load_acq(&n->id);

	for (int i = 0; unlikely(id == 0); i++) {
		if (i < SPIN)
			arch_procyield();
		else
			sys_nanosleep(1000);
		id = atomic_load_acq(&n->id);
	}
	return id;
}

/* traceMapPutHash returns the id of the key (data, size), whose hash is
 * hash, inserting it if absent; *inserted (if inserted is not NULL) says
 * whether this call inserted it. Lock-free: may run on any number of
 * threads at once, but not during traceMapReset or traceMapForEach. */
uint64_t traceMapPutHash(TraceMap *m, const void *data, size_t size, uint64_t hash, bool *inserted)
{
	TraceMapNode **slot = &m->root;
	TraceMapNode *n, *fresh = NULL;
	uint64_t bits = hash; /* the hash bits not yet used, at the top */

	if (unlikely(size > TRACEMAP_MAXDATA))
		throw("tracemap: key too large");
	for (;;) {
		n = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
		if (n == NULL) {
			/* An empty slot on the key's path: the key is not in
			 * the map, unless another thread links it here now. */
			if (fresh == NULL)
				fresh = newnode(m, data, size, hash);
			if (__atomic_compare_exchange_n(slot, &n, fresh, false, __ATOMIC_RELEASE,
							__ATOMIC_ACQUIRE)) {
				uint64_t id = __atomic_add_fetch(&m->seq, 1, __ATOMIC_RELAXED);
				atomic_store_rel(&fresh->id, id);
				if (inserted)
					*inserted = true;
				return id;
			}
			/* Lost: n is the node that won the slot. Compare with
			 * it like any other; fresh may still fit further down. */
		}
		if (n->hash == hash && n->size == size && traceMapKeyEq(n->data, data, size)) {
			if (inserted)
				*inserted = false;
			return nodeid(n);
		}
		slot = &n->children[bits >> 62];
		bits <<= 2;
	}
}

/* traceMapPut returns the id of the key (data, size), inserting it if
 * absent (see tracemap.h). */
uint64_t traceMapPut(TraceMap *m, const void *data, size_t size, bool *inserted)
{
	return traceMapPutHash(m, data, size, traceMapHash(data, size), inserted);
}

/* traceMapStealID takes an id from m's counter that no key will get. */
uint64_t traceMapStealID(TraceMap *m)
{
	return __atomic_add_fetch(&m->seq, 1, __ATOMIC_RELAXED);
}

/*
 * traceMapForEach calls fn for every key in m, once each. It walks the
 * trie depth first with an explicit stack of nodes still to visit rather
 * than recursion, since a trie whose hashes collide is a list of any
 * length. The stack stays short: while the hash has bits left (32 levels)
 * a path leaves at most 3 unvisited siblings per level; past them every
 * node has only child 0, which is popped as soon as it is pushed.
 */
void traceMapForEach(TraceMap *m, void (*fn)(void *arg, uint64_t id, const void *data, size_t size), void *arg)
{
	enum { DEPTH = 3 * 33 + 4 + 1 };
	TraceMapNode *stack[DEPTH];
	int sp = 0;
	TraceMapNode *n = atomic_load_acq(&m->root);

	if (n == NULL)
		return;
	stack[sp++] = n;
	while (sp > 0) {
		n = stack[--sp];
		uint64_t id = atomic_load_acq(&n->id);
		if (id == 0)
			throw("traceMapForEach: a put is running");
		fn(arg, id, n->data, n->size);
		for (int i = 3; i >= 0; i--) {
			TraceMapNode *c = atomic_load_acq(&n->children[i]);
			if (c == NULL)
				continue;
			if (sp == DEPTH)
				throw("traceMapForEach: trie deeper than its hash");
			stack[sp++] = c;
		}
	}
}

/* traceMapReset empties m and frees its nodes. No put or foreach may run
 * meanwhile. */
void traceMapReset(TraceMap *m)
{
	atomic_store(&m->root, NULL);
	atomic_store(&m->seq, 0);
	traceRegionDrop(&m->mem);
}

/* traceMapRelease empties m and unmaps all of its memory. */
void traceMapRelease(TraceMap *m)
{
	atomic_store(&m->root, NULL);
	atomic_store(&m->seq, 0);
	traceRegionRelease(&m->mem);
}
