/*
 * traceregion.c: the tracer's region allocator (Go's traceRegionAlloc in
 * traceregion.go). The trace tables allocate many small objects that all
 * die together at the end of a generation, so there is no free: objects
 * are bumped out of 64 KiB blocks, and traceRegionDrop throws the whole
 * region away at once.
 *
 * The fast path takes no lock: a thread loads the current block and adds
 * its rounded size to the block's offset with one atomic add; if the new
 * offset is still inside the block, the bytes just below it are its own.
 * Threads racing on the same block get disjoint ranges because the add is
 * atomic. One that overshoots the end leaves the offset past the end (every
 * later add then fails too, which is what we want) and takes the slow path:
 * under the region's lock it checks whether someone else has already
 * installed a fresh block, else retires the full one and installs a new
 * block (a kept spare, or a fresh mapping) with its own request already
 * carved out, so every trip through the lock makes progress.
 *
 * The memory handed out is zero. A fresh mapping is zero from the kernel;
 * a block kept by traceRegionDrop was zeroed there, over the part that had
 * been handed out. Zeroing at drop rather than at alloc keeps the fast path
 * to one atomic add, and drop runs off the event path, when a generation's
 * tables are retired.
 *
 * Memory ordering: a block's contents (zero, and off) are written before
 * the block is published with a release store to current; allocators load
 * current with acquire, so they see a zeroed block with a sane offset. The
 * offset's add itself only has to be atomic: the range it returns belongs
 * to one thread, which publishes what it writes there its own way (the
 * trace map's CAS).
 *
 * traceRegionDrop and traceRegionRelease run alone: the caller makes
 * sure no one allocates or reads (Go's drop has the same contract). The
 * dropping flag catches an allocation that breaks that rule, when it can.
 */
#include "runtime.h"
#include "tracemap.h"

struct TraceRegionBlock {
	TraceRegionBlock *next; /* the region's full or spare list */
	uintptr_t off;          /* atomic: bytes handed out; may pass the end */
	char pad[TRACEREGION_HEADER - sizeof(TraceRegionBlock *) - sizeof(uintptr_t)];
	unsigned char data[TRACEREGION_MAXALLOC];
};
_Static_assert(sizeof(TraceRegionBlock) == TRACEREGION_BLOCK, "a block is one mapping");
_Static_assert(TRACEREGION_BLOCK % ARCH_PAGESIZE == 0, "blocks are whole pages");

enum { ALIGN = 8 };

/* bump tries to carve n bytes out of b. */
static inline void *bump(TraceRegionBlock *b, size_t n)
{
	uintptr_t end = __atomic_add_fetch(&b->off, n, __ATOMIC_RELAXED);

	if (likely(end <= TRACEREGION_MAXALLOC))
		return &b->data[end - n];
	return NULL;
}

/* allocslow installs a new current block and allocates n bytes from it,
 * unless another thread has done so since the caller's bump failed. */
static void *allocslow(TraceRegion *r, size_t n)
{
	TraceRegionBlock *b;
	void *p;

	lock(&r->lock);
	b = atomic_load_acq(&r->current);
	if (b != NULL) {
		p = bump(b, n);
		if (p != NULL) {
			unlock(&r->lock);
			return p;
		}
		b->next = r->full;
		r->full = b;
	}
	b = r->spare;
	if (b != NULL) {
		r->spare = b->next;
		r->nspare--;
	} else {
		b = sys_mmap(NULL, TRACEREGION_BLOCK, PROT_READ | PROT_WRITE, 0);
		if (b == NULL) {
			unlock(&r->lock);
			fatal("out of memory (trace region)");
		}
	}
	b->next = NULL;
	b->off = n;
	atomic_store_rel(&r->current, b);
	unlock(&r->lock);
	return b->data;
}

/* traceRegionAlloc returns n zeroed bytes, 8-byte aligned, from r (see
 * tracemap.h). Lock-free unless the current block is full. */
void *traceRegionAlloc(TraceRegion *r, size_t n)
{
	TraceRegionBlock *b;
	void *p;

	if (unlikely(n > TRACEREGION_MAXALLOC))
		throw("traceregion: allocation larger than a block");
	if (unlikely(atomic_load_acq(&r->dropping)))
		throw("traceregion: allocation during traceRegionDrop");
	n = ROUNDUP(n, ALIGN);
	b = atomic_load_acq(&r->current);
	if (likely(b != NULL) && (p = bump(b, n)) != NULL)
		return p;
	return allocslow(r, n);
}

/* retire frees block b of r: onto the spare list, zeroed, while there are
 * fewer than keep spares, else back to the kernel. */
static void retire(TraceRegion *r, TraceRegionBlock *b, int32_t keep)
{
	if (r->nspare < keep) {
		uintptr_t used = b->off;

		if (used > TRACEREGION_MAXALLOC)
			used = TRACEREGION_MAXALLOC;
		memset(b->data, 0, used);
		b->off = 0;
		b->next = r->spare;
		r->spare = b;
		r->nspare++;
		return;
	}
	if (sys_munmap(b, TRACEREGION_BLOCK) != 0)
		throw("traceregion: munmap failed");
}

/* drop frees every block of r, keeping up to keep of them as spares. */
static void drop(TraceRegion *r, int32_t keep)
{
	TraceRegionBlock *b, *next;

	atomic_store(&r->dropping, 1);
	lock(&r->lock);
	b = atomic_load(&r->current);
	atomic_store(&r->current, NULL);
	if (b != NULL)
		retire(r, b, keep);
	for (b = r->full, r->full = NULL; b != NULL; b = next) {
		next = b->next;
		retire(r, b, keep);
	}
	/* Spares beyond keep (release after drop). */
	while (r->nspare > keep) {
		b = r->spare;
		r->spare = b->next;
		r->nspare--;
		if (sys_munmap(b, TRACEREGION_BLOCK) != 0)
			throw("traceregion: munmap failed");
	}
	unlock(&r->lock);
	atomic_store(&r->dropping, 0);
}

/* traceRegionDrop frees everything allocated from r, keeping up to
 * TRACEREGION_KEEP blocks for reuse. Nothing may allocate from r or use
 * its memory meanwhile. */
void traceRegionDrop(TraceRegion *r)
{
	drop(r, TRACEREGION_KEEP);
}

/* traceRegionRelease frees everything allocated from r and unmaps all of
 * its blocks. Nothing may allocate from r or use its memory meanwhile. */
void traceRegionRelease(TraceRegion *r)
{
	drop(r, 0);
}
