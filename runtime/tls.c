/*
 * tls.c: thread-local storage for freestanding programs.
 *
 * A hosted program's libc builds each thread's static TLS block. A
 * freestanding one has no libc, so the runtime does it: it finds the
 * program's PT_TLS segment through the auxiliary vector, and for every
 * thread allocates a block holding a copy of the initialization image and
 * the thread control block (TCB), laid out as the arch's ABI says:
 *
 *	variant I (arm64):   tp -> [TCB 16 bytes][TLS block ...]
 *	variant II (amd64):  [... TLS block][TCB] <- tp, TCB word 0 = tp
 *
 * The compiler addresses TLS variables at fixed offsets from tp (the
 * local-exec and initial-exec models), so that is all a static executable
 * needs.
 */
#include "runtime.h"

enum { AT_PHDR = 3, AT_PHNUM = 5, PT_TLS = 7 };

typedef struct {
	uint32_t p_type, p_flags;
	uint64_t p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align;
} Elf64_Phdr;

bool tls_freestanding;

static struct {
	const void *image;
	size_t filesz, memsz, align;
	size_t offset; /* TLS block start, relative to tp (variant II: below) */
	size_t size;   /* bytes to allocate per thread */
} tls;

static void *tls_build(void *mem)
{
	uintptr_t tp;
	char *block;
	if (ARCH_TLS_VARIANT == 2) {
		tp = ROUNDUP((uintptr_t)mem + tls.offset, tls.align);
		block = (char *)tp - tls.offset;
		*(uintptr_t *)tp = tp;
	} else {
		tp = ROUNDUP((uintptr_t)mem, tls.align);
		block = (char *)tp + tls.offset;
	}
	if (tls.filesz)
		memcpy(block, tls.image, tls.filesz);
	return (void *)tp;
}

/* tls_init finds PT_TLS and gives the calling (initial) thread its block. */
void tls_init(const uintptr_t *auxv)
{
	const Elf64_Phdr *ph = NULL;
	size_t phnum = 0;
	for (const uintptr_t *a = auxv; a && a[0]; a += 2) {
		if (a[0] == AT_PHDR)
			ph = (const Elf64_Phdr *)a[1];
		else if (a[0] == AT_PHNUM)
			phnum = a[1];
	}
	tls.align = 16;
	/* A static non-PIE executable: p_vaddr is the address. */
	for (size_t i = 0; ph && i < phnum; i++) {
		if (ph[i].p_type != PT_TLS)
			continue;
		tls.image = (const void *)ph[i].p_vaddr;
		tls.filesz = ph[i].p_filesz;
		tls.memsz = ph[i].p_memsz;
		if (ph[i].p_align > tls.align)
			tls.align = ph[i].p_align;
	}
	if (ARCH_TLS_VARIANT == 2) {
		tls.offset = ROUNDUP(tls.memsz, tls.align);
		tls.size = tls.offset + ARCH_TCB_SIZE + tls.align;
	} else {
		tls.offset = ROUNDUP(ARCH_TCB_SIZE, tls.align);
		tls.size = tls.offset + tls.memsz + tls.align;
	}
	tls.size = ROUNDUP(tls.size, 64);

	/* No allocator yet (it uses locks, which are fine, but keep the
	 * first thread's block independent of everything). */
	void *mem = sys_mmap(NULL, ROUNDUP(tls.size, ARCH_PAGESIZE), PROT_READ | PROT_WRITE, 0);
	if (!mem)
		fatal("out of memory: cannot allocate thread-local storage");
	if (arch_settls(tls_build(mem)) < 0)
		fatal("cannot set the thread pointer");
}

/* tls_newblock returns the thread pointer for a new thread's TLS block,
 * or NULL when out of memory. */
void *tls_newblock(void)
{
	void *mem = rtalloc(tls.size);
	return mem ? tls_build(mem) : NULL;
}
