/*
 * malloc.c: the runtime's memory allocator.
 *
 * Small requests (up to 32 KiB) are rounded up to a power of two, a size
 * class, and served from that class's free list. A list that is empty
 * gets a new block carved from the current chunk, a 1 MiB mapping shared
 * by all classes; a chunk too full for the block is abandoned (at most
 * 32 KiB of it is lost) for a fresh one. Freed blocks go back on their
 * class's list and are never returned to the kernel. Larger requests get
 * a mapping of their own, unmapped when freed.
 *
 * Every block starts with a 16-byte Header saying how to free it; the
 * caller's memory follows, 16-byte aligned. One Mutex protects the lists
 * and the chunk, and the small blocks' statistics (weft_read_memstats),
 * which cost a few adds under the lock rtalloc takes anyway; the large
 * blocks', kept without the lock, atomic adds beside a system call. Go's allocator (malloc.go, mcache.go, mcentral.go) is
 * far more elaborate: per-P caches, spans of one class, a GC; weft's needs
 * are a few objects per goroutine, channel or timer.
 *
 * persistentalloc, at the end, is Go's allocator of the same name: memory
 * that is never freed, bump-allocated.
 */
#include "runtime.h"

enum {
	MINSHIFT = 4,                  /* smallest class: 16 bytes */
	MAXSHIFT = 15,                 /* largest class: 32 KiB */
	NCLASS = MAXSHIFT - MINSHIFT + 1,
	CHUNK = 1 << 20,
	LARGE = 0xff,                  /* Header.cls of a block with its own mapping */
	MAGIC = 0x77656674,            /* "weft": a block in use */
	FREEMAGIC = 0x66726565,        /* "free": a block on a free list */
};

typedef struct Header {
	uint32_t magic; /* MAGIC or FREEMAGIC: catches bad and double frees */
	uint32_t cls;   /* class index, or LARGE */
	size_t size;    /* LARGE: the length of the mapping */
} Header;
_Static_assert(sizeof(Header) == 16, "Header keeps blocks 16-byte aligned");

/* A free block's first word, after its Header, links the free list. */
typedef struct Free {
	struct Free *next;
} Free;

static struct {
	Mutex lock;
	Free *free[NCLASS]; /* free blocks of each class (their memory, after the Header) */
	char *chunk;        /* carve new blocks from [chunk, chunkend) */
	char *chunkend;
	/* Statistics of the small blocks (weft_read_memstats): bytes in
	 * use, bytes and blocks ever allocated, blocks freed, bytes mapped
	 * for chunks. */
	uint64_t alloc, total, mallocs, frees, sys;
} heap;

/* The large blocks' statistics, as heap's, kept with atomic adds: a large
 * block is mapped and unmapped without heap.lock. */
static struct {
	uint64_t alloc, total, mallocs, frees, sys;
} large;

static size_t classsize(uint32_t cls)
{
	return (size_t)1 << (cls + MINSHIFT);
}

/* sizeclass returns the smallest class that holds n bytes (n <= 32 KiB). */
static uint32_t sizeclass(size_t n)
{
	uint32_t cls = 0;

	while (classsize(cls) < n)
		cls++;
	return cls;
}

/* largealloc maps a block of its own for n bytes. */
static void *largealloc(size_t n)
{
	size_t len;
	Header *h;

	if (n > SIZE_MAX - sizeof(Header) - ARCH_PAGESIZE)
		fatal("out of memory");
	len = ROUNDUP(sizeof(Header) + n, ARCH_PAGESIZE);
	h = sys_mmap(NULL, len, PROT_READ | PROT_WRITE, 0);
	if (h == NULL)
		fatal("out of memory");
	h->magic = MAGIC;
	h->cls = LARGE;
	h->size = len;
	atomic_xadd(&large.alloc, len - sizeof(Header));
	atomic_xadd(&large.total, len - sizeof(Header));
	atomic_xadd(&large.mallocs, 1);
	atomic_xadd(&large.sys, len);
	return h + 1; /* fresh mappings are zeroed */
}

/* rtalloc returns n bytes of zeroed memory, 16-byte aligned (n == 0 gives
 * a unique pointer). It never fails: running out of memory is fatal. It
 * takes heap.lock, so it must not be called with that lock held (from a
 * signal handler that interrupted rtalloc, say). */
void *rtalloc(size_t n)
{
	uint32_t cls;
	size_t size;
	Free *f;
	Header *h;

	if (n > classsize(NCLASS - 1))
		return largealloc(n);
	cls = sizeclass(n);
	size = classsize(cls);

	lock(&heap.lock);
	heap.alloc += size;
	heap.total += size;
	heap.mallocs++;
	f = heap.free[cls];
	if (f != NULL) {
		heap.free[cls] = f->next;
		h = (Header *)f - 1;
		h->magic = MAGIC;
		unlock(&heap.lock);
		memset(f, 0, size); /* a used block: zero it outside the lock */
		return f;
	}
	if (heap.chunk == NULL || (size_t)(heap.chunkend - heap.chunk) < sizeof(Header) + size) {
		heap.chunk = sys_mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, 0);
		if (heap.chunk == NULL) {
			unlock(&heap.lock);
			fatal("out of memory");
		}
		heap.chunkend = heap.chunk + CHUNK;
		heap.sys += CHUNK;
	}
	h = (Header *)heap.chunk;
	heap.chunk += sizeof(Header) + size; /* sizes are multiples of 16 */
	unlock(&heap.lock);

	h->magic = MAGIC;
	h->cls = cls;
	return h + 1; /* never used: still zero from the kernel */
}

/*
 * headermapped reports whether the Header before p can be read. Only a
 * large block's can be gone: its mapping is unmapped when it is freed, so
 * a second free would fault reading it. A large block's Header starts a
 * page, so only a pointer just past a page's start needs asking the
 * kernel: madvise with MADV_NORMAL (no advice) fails with ENOMEM on an
 * unmapped page and changes nothing on a mapped one. A small block sits
 * there now and then (one in 128 of the 16-byte class), costing the free
 * one system call. (qemu-user ignores madvise, so under it the answer is
 * always yes, and a second free of a large block faults as before.)
 */
static bool headermapped(void *p)
{
	uintptr_t h = (uintptr_t)p - sizeof(Header);
	if (h % ARCH_PAGESIZE != 0)
		return true; /* not a large block: chunks are never unmapped */
	return sys_madvise((void *)h, ARCH_PAGESIZE, MADV_NORMAL) != -ENOMEM;
}

/* blockstate says whether p is a block rtalloc handed out and nobody has
 * freed (BlockLive), one freed already (BlockFreed: a small block on its
 * free list, or a large one whose mapping is gone), or something else
 * (BlockBad), as far as it can tell: once freed memory is handed out
 * again, a second free of the old pointer frees the new block. p must
 * not be NULL. */
int blockstate(void *p)
{
	if (!headermapped(p))
		return BlockFreed;
	Header *h = (Header *)p - 1;
	if (h->magic == MAGIC && (h->cls < NCLASS || h->cls == LARGE))
		return BlockLive;
	return h->magic == FREEMAGIC ? BlockFreed : BlockBad;
}

/* rtfree releases p, which rtalloc returned; rtfree(NULL) does nothing.
 * Freeing a small block twice, or anything else, throws (when it can
 * tell); the runtime's own frees do not pay for headermapped's question,
 * which the public frees ask first (blockstate). */
void rtfree(void *p)
{
	Header *h;
	Free *f = p;

	if (p == NULL)
		return;
	h = (Header *)p - 1;
	if (h->magic != MAGIC || (h->cls >= NCLASS && h->cls != LARGE))
		throw(h->magic == FREEMAGIC ? "double free" : "free of a pointer not from rtalloc");
	if (h->cls == LARGE) {
		size_t len = h->size;
		sys_munmap(h, len);
		atomic_xadd(&large.alloc, -(uint64_t)(len - sizeof(Header)));
		atomic_xadd(&large.frees, 1);
		atomic_xadd(&large.sys, -(uint64_t)len);
		return;
	}
	lock(&heap.lock);
	heap.alloc -= classsize(h->cls);
	heap.frees++;
	h->magic = FREEMAGIC;
	f->next = heap.free[h->cls];
	heap.free[h->cls] = f;
	unlock(&heap.lock);
}

/* weft_alloc returns n bytes of zeroed memory (see rtalloc). */
void *weft_alloc(size_t n)
{
	return rtalloc(n);
}

/* weft_free releases memory from weft_alloc; weft_free(NULL) does nothing.
 * A pointer it can tell is wrong (freed already, small or large, or not
 * from weft_alloc) is the caller's mistake, so it panics rather than
 * throws. */
void weft_free(void *p)
{
	if (p == NULL)
		return;
	switch (blockstate(p)) {
	case BlockFreed:
		gopanic("weft_free: double free");
	case BlockBad:
		gopanic("weft_free: pointer not from weft_alloc");
	}
	rtfree(p);
}

/*
 * rss returns the process's resident memory in bytes, the VmRSS line of
 * /proc/self/status (in kB there, whatever the page size), read with raw
 * system calls; 0 when it can't be read. statm would need the kernel's
 * page size, which may not be ARCH_PAGESIZE.
 */
static uint64_t rss(void)
{
	char buf[8192];
	size_t len = 0;
	long fd = sys_openat(AT_FDCWD, "/proc/self/status", O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	for (;;) {
		long n = sys_read((int)fd, buf + len, sizeof buf - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	sys_close((int)fd);
	buf[len] = '\0';
	static const char key[] = "\nVmRSS:";
	for (size_t i = 0; i + sizeof key - 1 <= len; i++) {
		if (memcmp(buf + i, key, sizeof key - 1) != 0)
			continue;
		const char *p = buf + i + sizeof key - 1;
		while (*p == ' ' || *p == '\t')
			p++;
		uint64_t kb = 0;
		bool digits = false;
		for (; *p >= '0' && *p <= '9'; p++, digits = true)
			kb = kb * 10 + (uint64_t)(*p - '0');
		return digits ? kb * 1024 : 0;
	}
	return 0;
}

/*
 * weft_read_memstats (weft.h) fills *ms: the heap's counters from this
 * file, the goroutines and stacks from proc.c (gcount) and stack.c
 * (stack_counts), the resident memory from the kernel (rss). Any thread;
 * it never waits but for heap.lock, held briefly, and a read of /proc.
 */
void weft_read_memstats(weft_memstats *ms)
{
	memset(ms, 0, sizeof *ms);
	lock(&heap.lock);
	ms->alloc = heap.alloc;
	ms->total_alloc = heap.total;
	ms->mallocs = heap.mallocs;
	ms->frees = heap.frees;
	ms->heap_sys = heap.sys;
	unlock(&heap.lock);
	ms->alloc += atomic_load(&large.alloc);
	ms->total_alloc += atomic_load(&large.total);
	ms->mallocs += atomic_load(&large.mallocs);
	ms->frees += atomic_load(&large.frees);
	ms->heap_sys += atomic_load(&large.sys);

	uint64_t inuse, mapped;
	ms->goroutines = (uint64_t)gcount();
	stack_counts(&inuse, &mapped);
	ms->stack_inuse = inuse;
	ms->stack_sys = mapped;
	ms->rss = rss();
}

enum {
	PERSISTENT_CHUNK = 256 << 10,
	PERSISTENT_MAXBLOCK = 64 << 10, /* larger requests: a mapping of their own */
};

static struct {
	Mutex lock;
	char *next; /* bump pointer into the current chunk */
	char *end;
} persistent;

/* persistentalloc returns n bytes of zeroed memory, aligned to align (a
 * power of two, at most a page), that can never be freed: for structures
 * kept for reuse, with no header and no rounding to a size class. Out of
 * memory is fatal. */
void *persistentalloc(size_t n, size_t align)
{
	void *p;

	if (n > SIZE_MAX - ARCH_PAGESIZE)
		fatal("out of memory");
	if (n >= PERSISTENT_MAXBLOCK) {
		p = sys_mmap(NULL, ROUNDUP(n, ARCH_PAGESIZE), PROT_READ | PROT_WRITE, 0);
		if (p == NULL)
			fatal("out of memory");
		return p;
	}
	if (n == 0)
		n = 1; /* still its own address */

	lock(&persistent.lock);
	if (persistent.next)
		persistent.next = (char *)ROUNDUP((uintptr_t)persistent.next, align);
	if (persistent.next == NULL || persistent.next > persistent.end ||
	    (size_t)(persistent.end - persistent.next) < n) {
		persistent.next = sys_mmap(NULL, PERSISTENT_CHUNK, PROT_READ | PROT_WRITE, 0);
		if (persistent.next == NULL) {
			unlock(&persistent.lock);
			fatal("out of memory");
		}
		persistent.end = persistent.next + PERSISTENT_CHUNK;
	}
	p = persistent.next;
	persistent.next += n;
	unlock(&persistent.lock);
	return p; /* never used before: zero from the kernel */
}
