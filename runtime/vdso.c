/*
 * vdso.c: the clock, read through the vDSO.
 *
 * The kernel maps a small shared object, the vDSO, into every process and
 * passes its address in the auxiliary vector (AT_SYSINFO_EHDR). Its
 * clock_gettime reads the clock from memory the kernel keeps up to date,
 * without entering the kernel: about 20ns instead of a few hundred. The
 * scheduler reads the clock on every switch, so this matters.
 *
 * vdso_init finds the function the way a dynamic linker would: the
 * program headers give the load bias and the dynamic section; the dynamic
 * section gives the symbol table, its strings, a hash table to look names
 * up in, and symbol versions. The same lookup in Go is vdso_linux.go. When
 * anything is missing (no vDSO under qemu-user, say) nanotime falls back
 * to the system call.
 */
#include "runtime.h"

enum {
	AT_NULL = 0,
	AT_SYSINFO_EHDR = 33,

	PT_LOAD = 1,
	PT_DYNAMIC = 2,

	DT_NULL = 0,
	DT_HASH = 4,
	DT_STRTAB = 5,
	DT_SYMTAB = 6,
	DT_GNU_HASH = 0x6ffffef5,
	DT_VERSYM = 0x6ffffff0,
	DT_VERDEF = 0x6ffffffc,

	STT_NOTYPE = 0,
	STT_FUNC = 2,
	STB_GLOBAL = 1,
	STB_WEAK = 2,
	SHN_UNDEF = 0,
	VER_FLG_BASE = 1,
};

/* The ELF64 structures the lookup reads (see elf(5)). */
typedef struct {
	unsigned char e_ident[16]; /* "\177ELF", class, data, version, ... */
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff; /* program headers, from the start of the file */
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
} Elf64_Ehdr;

typedef struct {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
} Elf64_Phdr;

typedef struct {
	int64_t d_tag;
	uint64_t d_val; /* for the tags used here, an unrelocated address */
} Elf64_Dyn;

typedef struct {
	uint32_t st_name; /* offset in the string table */
	unsigned char st_info; /* binding << 4 | type */
	unsigned char st_other;
	uint16_t st_shndx;
	uint64_t st_value;
	uint64_t st_size;
} Elf64_Sym;

typedef struct {
	uint16_t vd_version;
	uint16_t vd_flags;
	uint16_t vd_ndx; /* the index versym entries refer to */
	uint16_t vd_cnt;
	uint32_t vd_hash;
	uint32_t vd_aux;  /* offset of the first Elf64_Verdaux, the name */
	uint32_t vd_next; /* offset of the next Elf64_Verdef, 0 at the end */
} Elf64_Verdef;

typedef struct {
	uint32_t vda_name;
	uint32_t vda_next;
} Elf64_Verdaux;

/* What vdso_parse learns about the vDSO. */
typedef struct {
	uintptr_t bias; /* add to an address in the file to get a pointer */
	const Elf64_Sym *symtab;
	const char *strtab;
	const uint32_t *hash;    /* DT_HASH, or NULL */
	const uint32_t *gnuhash; /* DT_GNU_HASH, or NULL */
	const uint16_t *versym;  /* a version index per symbol, or NULL */
	const Elf64_Verdef *verdef;
} VdsoInfo;

typedef int (*clock_gettime_fn)(int clk, struct sys_timespec *ts);

/* Set once by vdso_init, before any other thread exists. */
static clock_gettime_fn vdso_clock_gettime;

/* elf_hash is the System V hash function of DT_HASH tables. */
static uint32_t elf_hash(const char *s)
{
	uint32_t h = 0, g;

	for (; *s; s++) {
		h = (h << 4) + (unsigned char)*s;
		g = h & 0xf0000000;
		if (g)
			h ^= g >> 24;
		h &= ~g;
	}
	return h;
}

/* gnu_hash is the hash function of DT_GNU_HASH tables (Bernstein's). */
static uint32_t gnu_hash(const char *s)
{
	uint32_t h = 5381;

	for (; *s; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

/* vdso_parse fills vi from the vDSO's headers; false if it lacks a piece. */
static bool vdso_parse(const Elf64_Ehdr *eh, VdsoInfo *vi)
{
	static const unsigned char magic[4] = {0x7f, 'E', 'L', 'F'};
	uintptr_t base = (uintptr_t)eh;
	const Elf64_Phdr *ph;
	const Elf64_Dyn *dyn = NULL;
	bool haveload = false;

	if (memcmp(eh->e_ident, magic, 4) != 0 || eh->e_ident[4] != 2 /* ELFCLASS64 */ ||
	    eh->e_phentsize != sizeof(Elf64_Phdr))
		return false;

	/* The first PT_LOAD segment relates file offsets (the vDSO is mapped
	 * as one piece, starting at its ELF header) to virtual addresses. */
	ph = (const Elf64_Phdr *)(base + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && !haveload) {
			vi->bias = base + ph[i].p_offset - ph[i].p_vaddr;
			haveload = true;
		} else if (ph[i].p_type == PT_DYNAMIC) {
			dyn = (const Elf64_Dyn *)(base + ph[i].p_offset);
		}
	}
	if (!haveload || dyn == NULL)
		return false;

	for (; dyn->d_tag != DT_NULL; dyn++) {
		uintptr_t p = vi->bias + dyn->d_val;

		switch (dyn->d_tag) {
		case DT_SYMTAB: vi->symtab = (const Elf64_Sym *)p; break;
		case DT_STRTAB: vi->strtab = (const char *)p; break;
		case DT_HASH: vi->hash = (const uint32_t *)p; break;
		case DT_GNU_HASH: vi->gnuhash = (const uint32_t *)p; break;
		case DT_VERSYM: vi->versym = (const uint16_t *)p; break;
		case DT_VERDEF: vi->verdef = (const Elf64_Verdef *)p; break;
		}
	}
	if (vi->symtab == NULL || vi->strtab == NULL || (vi->hash == NULL && vi->gnuhash == NULL))
		return false;
	if (vi->verdef == NULL)
		vi->versym = NULL; /* version indexes mean nothing without their names */
	return true;
}

/* vdso_version returns the index of version name in vi's version
 * definitions, 0 if the vDSO has no versions, or -1 if it lacks this one. */
static int vdso_version(const VdsoInfo *vi, const char *name)
{
	const Elf64_Verdef *vd = vi->verdef;

	if (vd == NULL)
		return 0;
	for (;;) {
		/* The base entry names the file itself, not a version. */
		if (!(vd->vd_flags & VER_FLG_BASE)) {
			const Elf64_Verdaux *aux = (const Elf64_Verdaux *)((const char *)vd + vd->vd_aux);
			if (rt_strcmp(vi->strtab + aux->vda_name, name) == 0)
				return vd->vd_ndx & 0x7fff;
		}
		if (vd->vd_next == 0)
			return -1;
		vd = (const Elf64_Verdef *)((const char *)vd + vd->vd_next);
	}
}

/* vdso_match reports whether symbol i is the defined function name at
 * version ver. */
static bool vdso_match(const VdsoInfo *vi, uint32_t i, const char *name, int ver)
{
	const Elf64_Sym *s = &vi->symtab[i];
	int type = s->st_info & 0xf, bind = s->st_info >> 4;

	if ((type != STT_FUNC && type != STT_NOTYPE) || (bind != STB_GLOBAL && bind != STB_WEAK) ||
	    s->st_shndx == SHN_UNDEF)
		return false;
	if (rt_strcmp(vi->strtab + s->st_name, name) != 0)
		return false;
	/* The high bit of a versym entry marks a hidden version. */
	return vi->versym == NULL || ver == 0 || (vi->versym[i] & 0x7fff) == ver;
}

/* vdso_lookup returns the address of function name at version ver, or 0.
 *
 * DT_HASH: nbucket, nchain, bucket[nbucket], chain[nchain]. bucket[h %
 * nbucket] is the first symbol with that hash, chain[i] the next after i;
 * 0 ends a chain.
 *
 * DT_GNU_HASH: nbucket, symoffset, bloomsize, bloomshift,
 * bloom[bloomsize] (64-bit words), bucket[nbucket], chain[]. The symbols
 * from symoffset on are sorted by bucket; bucket[h % nbucket] is the first
 * one of its bucket, and chain[i - symoffset] is symbol i's hash with the
 * low bit set on the last of a bucket. (The bloom filter only speeds up
 * misses; we skip it.) */
static uintptr_t vdso_lookup(const VdsoInfo *vi, const char *name, int ver)
{
	if (vi->gnuhash != NULL) {
		const uint32_t *h = vi->gnuhash;
		uint32_t nbucket = h[0], symoffset = h[1], bloomsize = h[2];
		const uint32_t *bucket = h + 4 + 2 * bloomsize;
		const uint32_t *chain = bucket + nbucket;
		uint32_t want = gnu_hash(name), i;

		if (nbucket == 0)
			return 0;
		i = bucket[want % nbucket];
		if (i < symoffset)
			return 0; /* empty bucket */
		for (;; i++) {
			uint32_t hi = chain[i - symoffset];
			if ((hi | 1) == (want | 1) && vdso_match(vi, i, name, ver))
				return vi->bias + vi->symtab[i].st_value;
			if (hi & 1)
				return 0;
		}
	} else {
		const uint32_t *h = vi->hash;
		uint32_t nbucket = h[0];
		const uint32_t *bucket = h + 2, *chain = bucket + nbucket;

		if (nbucket == 0)
			return 0;
		for (uint32_t i = bucket[elf_hash(name) % nbucket]; i != 0; i = chain[i])
			if (vdso_match(vi, i, name, ver))
				return vi->bias + vi->symtab[i].st_value;
		return 0;
	}
}

/* vdso_init finds the vDSO's clock_gettime, given the auxiliary vector
 * (pairs of words, ending with AT_NULL) or NULL. It must run before any
 * thread but the first calls nanotime; without it, or without a usable
 * vDSO, nanotime makes the system call. */
void vdso_init(const uintptr_t *auxv)
{
	VdsoInfo vi = {0};
	uintptr_t ehdr = 0;
	int ver;

	if (auxv == NULL)
		return;
	for (; auxv[0] != AT_NULL; auxv += 2)
		if (auxv[0] == AT_SYSINFO_EHDR)
			ehdr = auxv[1];
	if (ehdr == 0 || !vdso_parse((const Elf64_Ehdr *)ehdr, &vi))
		return;
	ver = vdso_version(&vi, ARCH_VDSO_VERSION);
	if (ver < 0)
		return;
	vdso_clock_gettime = (clock_gettime_fn)vdso_lookup(&vi, ARCH_VDSO_CLOCK_GETTIME, ver);
}

/* nanotime returns CLOCK_MONOTONIC in nanoseconds. Safe anywhere: on g0,
 * in signal handlers, before the scheduler starts. */
int64_t nanotime(void)
{
	struct sys_timespec ts;

	/* The vDSO makes the system call itself when the clock cannot be
	 * read from user space, so it should never fail; if it does, ask
	 * the kernel directly rather than return garbage. */
	if (vdso_clock_gettime == NULL || vdso_clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		sys_clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* weft_nanotime returns the monotonic clock in nanoseconds. */
int64_t weft_nanotime(void)
{
	return nanotime();
}
