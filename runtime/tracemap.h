/*
 * tracemap.h: the tracer's append-only hash map from byte strings to ids
 * (tracemap.c, Go's traceMap) and the region allocator it takes its nodes
 * from (traceregion.c, Go's traceRegionAlloc). The stack table and the
 * string table are each one TraceMap per generation; see tracemap.c for the
 * design. A zero TraceMap or TraceRegion is ready to use.
 */
#ifndef WEFT_TRACEMAP_H
#define WEFT_TRACEMAP_H

#include "runtime.h"

/* ---- traceregion.c ---- */

/* Blocks are TRACEREGION_BLOCK bytes, one mapping each (config.h has
 * the sizes); the first TRACEREGION_HEADER bytes hold the block's own
 * bookkeeping, on a cache line of their own. */
#define TRACEREGION_HEADER 64
#define TRACEREGION_MAXALLOC (TRACEREGION_BLOCK - TRACEREGION_HEADER)

typedef struct TraceRegionBlock TraceRegionBlock;

typedef struct TraceRegion {
	/* Read and bumped without the lock. */
	TraceRegionBlock *current; /* atomic: the block being allocated from, or NULL */
	uint32_t dropping;         /* atomic: set while traceRegionDrop runs, to catch misuse */

	/* lock must be held to replace current or to use these. */
	Mutex lock;
	TraceRegionBlock *full;  /* blocks current has moved past */
	TraceRegionBlock *spare; /* zeroed blocks kept by traceRegionDrop */
	int32_t nspare;
} TraceRegion;

/* traceRegionAlloc returns n bytes of zeroed memory, 8-byte aligned, that
 * live until the next traceRegionDrop. Any number of threads may allocate
 * at once. n may be at most TRACEREGION_MAXALLOC. */
void *traceRegionAlloc(TraceRegion *r, size_t n);
/* traceRegionDrop frees everything allocated from r: it keeps up to
 * TRACEREGION_KEEP blocks for reuse and unmaps the others. The caller must
 * make sure nobody allocates from r or uses its memory meanwhile. */
void traceRegionDrop(TraceRegion *r);
/* traceRegionRelease is traceRegionDrop that keeps nothing: for when the
 * region will not be used again soon (tracing stops). */
void traceRegionRelease(TraceRegion *r);

/* ---- tracemap.c ---- */

/* A node of the trie: one key, its id, and the four subtrees below it. It
 * lives in the map's region, with the key's bytes inline after it. */
typedef struct TraceMapNode TraceMapNode;
struct TraceMapNode {
	TraceMapNode *children[4]; /* atomic: NULL until set by CAS, then fixed */
	uint64_t hash;
	uint64_t id; /* atomic: 0 until the inserter publishes it */
	size_t size;
	unsigned char data[]; /* size bytes: a copy of the key */
};

/* The longest key a map can hold. */
#define TRACEMAP_MAXDATA (TRACEREGION_MAXALLOC - sizeof(TraceMapNode))

typedef struct TraceMap {
	/* root and seq are written by every inserting thread: each has a
	 * cache line to itself. */
	TraceMapNode *root; /* atomic: the first key put, at the top of the trie */
	char pad0[64 - sizeof(TraceMapNode *)];
	uint64_t seq; /* atomic: the last id handed out (ids start at 1) */
	char pad1[64 - sizeof(uint64_t)];
	TraceRegion mem; /* the nodes */
} TraceMap;

/* traceMapPut returns the id of the size bytes at data (data may be NULL
 * when size is 0), adding them to m when absent. The first put of a key
 * gets the next id from m's counter (1, 2, 3, ...) and sets *inserted;
 * every later put of equal bytes returns that id and clears *inserted
 * (inserted may be NULL). The bytes are copied. Any number of threads may
 * put at once, but not during traceMapReset or traceMapForEach. A key
 * longer than TRACEMAP_MAXDATA throws. */
uint64_t traceMapPut(TraceMap *m, const void *data, size_t size, bool *inserted);
/* traceMapPutHash is traceMapPut with the key's hash given. Every put
 * of a key must give it the same hash: traceMapPut gives traceMapHash.
 * (The tests give deliberately colliding hashes.) */
uint64_t traceMapPutHash(TraceMap *m, const void *data, size_t size, uint64_t hash, bool *inserted);
/* traceMapHash: the 64-bit hash traceMapPut uses. */
uint64_t traceMapHash(const void *data, size_t size);

/* traceMapKeyEq reports whether the n bytes at a and b are equal: a word
 * at a time (__builtin_memcpy is one plain load, even freestanding), the
 * last word overlapping the one before it. */
static inline bool traceMapKeyEq(const void *a_, const void *b_, size_t n)
{
	const unsigned char *a = a_, *b = b_;
	uint64_t x, y;
	if (n >= 8) {
		for (size_t i = 0; i + 8 <= n; i += 8) {
			__builtin_memcpy(&x, a + i, 8);
			__builtin_memcpy(&y, b + i, 8);
			if (x != y)
				return false;
		}
		__builtin_memcpy(&x, a + n - 8, 8);
		__builtin_memcpy(&y, b + n - 8, 8);
		return x == y;
	}
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}
/* traceMapStealID returns an id that no key in m will get (Go's stealID):
 * for an entry written to the trace without being stored in the map. */
uint64_t traceMapStealID(TraceMap *m);
/* traceMapForEach calls fn(arg, id, data, size) once for each key in m,
 * in no particular order; data points into m and is valid until the next
 * reset. No put may run meanwhile. fn must not call traceMapReset. */
void traceMapForEach(TraceMap *m, void (*fn)(void *arg, uint64_t id, const void *data, size_t size),
		      void *arg);
/* traceMapReset empties m (ids start again from 1) and frees its nodes,
 * keeping some of their memory for reuse (traceRegionDrop). No put or
 * foreach may run meanwhile. */
void traceMapReset(TraceMap *m);
/* traceMapRelease is traceMapReset that gives all the memory back. */
void traceMapRelease(TraceMap *m);

#endif
