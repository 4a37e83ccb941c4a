/*
 * cmd/weft-symtab/elf.c: the ELF container. Checks the header, reads the
 * section headers into Section records (every one's bytes inside the
 * file), lists the symbols of .symtab and finds the bytes of one (the
 * table a built program embeds, for --dump). Only what the generator needs:
 * ELF64, little-endian, x86-64 or AArch64, an executable or a PIE.
 *
 * Field offsets are those of <elf.h>'s Elf64_Ehdr, Elf64_Shdr and
 * Elf64_Sym; they are read through the bounds-checked reader rather than
 * by casting the file's bytes, which may be misaligned or short.
 */
#include "symtabgen.h"

enum {
	ET_EXEC = 2,
	ET_DYN = 3,
	EM_X86_64 = 62,
	EM_AARCH64 = 183,
	SHT_SYMTAB = 2,
	SHT_NOBITS = 8,
	SHF_ALLOC = 0x2,
	SHF_EXECINSTR = 0x4,
	SHF_COMPRESSED = 0x800,
	SHN_UNDEF = 0,
	SHN_LORESERVE = 0xff00,
	SHN_XINDEX = 0xffff,
	STT_OBJECT = 1,
	STT_FUNC = 2,
	STT_GNU_IFUNC = 10,
};

void elf_open(Elf *e, Ctx *c, const uint8_t *buf, size_t len)
{
	static const char H[] = "ELF header";
	Rd r;

	memset(e, 0, sizeof *e);
	e->c = c;
	e->buf = buf;
	e->len = len;
	rd_init(&r, c, H, buf, len);
	if (len < 4 || memcmp(buf, "\177ELF", 4) != 0)
		fail(c, H, 0, "not an ELF file");
	if (len < 64)
		fail(c, H, 0, "truncated: %zu bytes", len);
	if (buf[4] != 2)
		fail(c, H, 4, "not ELF64 (class %u)", buf[4]);
	if (buf[5] != 1)
		fail(c, H, 5, "not little-endian (data encoding %u)", buf[5]);
	rd_seek(&r, 16);
	e->type = rd_u16(&r);
	if (e->type != ET_EXEC && e->type != ET_DYN)
		fail(c, H, 16, "not an executable (type %u)", e->type);
	e->machine = rd_u16(&r);
	if (e->machine == EM_X86_64)
		e->arch = SYMTAB_ARCH_AMD64;
	else if (e->machine == EM_AARCH64)
		e->arch = SYMTAB_ARCH_ARM64;
	else
		fail(c, H, 18, "unsupported machine %u", e->machine);
	rd_seek(&r, 0x28);
	uint64_t shoff = rd_u64(&r);
	rd_seek(&r, 0x3a);
	uint16_t shentsize = rd_u16(&r);
	uint64_t shnum = rd_u16(&r);
	uint64_t shstrndx = rd_u16(&r);
	if (shoff == 0)
		fail(c, H, 0x28, "no section headers");
	if (shentsize != 64)
		fail(c, H, 0x3a, "section header size %u, want 64", shentsize);
	if (shoff > len || len - shoff < 64)
		fail(c, H, 0x28, "section headers at 0x%llx outside the file",
		     (unsigned long long)shoff);

	/* Section 0 holds the real counts when they do not fit. */
	Rd s;
	rd_init(&s, c, "section headers", buf, len);
	rd_seek(&s, shoff + 0x20);
	uint64_t size0 = rd_u64(&s);
	uint32_t link0 = rd_u32(&s);
	if (shnum == 0)
		shnum = size0;
	if (shstrndx == SHN_XINDEX)
		shstrndx = link0;
	if (shnum > (len - shoff) / 64)
		fail(c, "section headers", shoff, "%llu section headers do not fit in the file",
		     (unsigned long long)shnum);
	if (shstrndx >= shnum)
		fail(c, H, 0x3e, "section name table index %llu out of range",
		     (unsigned long long)shstrndx);

	e->nsect = shnum;
	e->sect = cx_alloc(c, shnum * sizeof *e->sect);
	uint32_t *names = cx_alloc(c, shnum * sizeof *names);
	for (size_t i = 0; i < shnum; i++) {
		Section *sc = &e->sect[i];
		uint64_t at = shoff + 64 * i;
		rd_seek(&s, at);
		names[i] = rd_u32(&s);
		sc->type = rd_u32(&s);
		sc->flags = rd_u64(&s);
		sc->addr = rd_u64(&s);
		sc->off = rd_u64(&s);
		sc->size = rd_u64(&s);
		sc->link = rd_u32(&s);
		if (sc->type != SHT_NOBITS && sc->type != 0) {
			if (sc->off > len || sc->size > len - sc->off)
				fail(c, "section headers", at,
				     "section %zu's bytes [0x%llx, +0x%llx) outside the file", i,
				     (unsigned long long)sc->off, (unsigned long long)sc->size);
			sc->data = buf + sc->off;
		}
	}
	const Section *shstr = &e->sect[shstrndx];
	e->exec = cx_alloc(c, shnum * sizeof *e->exec);
	for (size_t i = 0; i < shnum; i++) {
		Section *sc = &e->sect[i];
		sc->name = str_at(c, "section name table", shstr->data, shstr->size, names[i]);
		if ((sc->flags & (SHF_ALLOC | SHF_EXECINSTR)) == (SHF_ALLOC | SHF_EXECINSTR))
			e->exec[e->nexec++] = sc;
	}
	cx_free(c, names);
}

const Section *elf_section(const Elf *e, const char *name)
{
	for (size_t i = 0; i < e->nsect; i++) {
		const Section *s = &e->sect[i];
		if (strcmp(s->name, name) != 0)
			continue;
		if (s->flags & SHF_COMPRESSED)
			fail(e->c, name, 0, "compressed section not supported");
		if (!s->data)
			return NULL;
		return s;
	}
	return NULL;
}

const Section *elf_exec_section(const Elf *e, uint64_t lo, uint64_t hi)
{
	if (hi < lo)
		return NULL;
	cx_work(e->c, e->nexec);
	for (size_t i = 0; i < e->nexec; i++) {
		const Section *s = e->exec[i];
		if (lo >= s->addr && hi - s->addr <= s->size && lo - s->addr < s->size)
			return s;
	}
	return NULL;
}

/* read_sym reads the symbol at r (24 bytes of .symtab), all but its name,
 * whose offset in the string table goes to *name; returns false if it is
 * undefined or absolute. */
static bool read_sym(Rd *r, Sym *y, uint32_t *name)
{
	*name = rd_u32(r);
	uint8_t info = rd_u8(r);
	rd_u8(r);
	uint16_t shndx = rd_u16(r);
	y->addr = rd_u64(r);
	y->size = rd_u64(r);
	y->bind = info >> 4;
	y->type = info & 0xf;
	y->shndx = shndx;
	return shndx != SHN_UNDEF && (shndx < SHN_LORESERVE || shndx == SHN_XINDEX);
}

/* symtab_reader sets *r to read .symtab's whole entries and *strs to its
 * string table; returns false if the file has no .symtab. */
static bool symtab_reader(const Elf *e, Rd *r, const Section **strs)
{
	static const char S[] = ".symtab";
	const Section *st = NULL;

	for (size_t i = 0; i < e->nsect; i++)
		if (e->sect[i].type == SHT_SYMTAB && e->sect[i].data) {
			st = &e->sect[i];
			break;
		}
	if (!st)
		return false;
	if (st->link >= e->nsect || !e->sect[st->link].data)
		fail(e->c, S, 0, "string table index %u invalid", st->link);
	*strs = &e->sect[st->link];
	rd_init(r, e->c, S, st->data, st->size - st->size % 24);
	return true;
}

Sym *elf_symbols(const Elf *e, bool objects, size_t *n)
{
	Ctx *c = e->c;
	const Section *strs;
	Rd r;

	*n = 0;
	if (!symtab_reader(e, &r, &strs))
		return NULL;
	VEC(Sym) v = {0};
	while (rd_left(&r) >= 24) {
		Sym y;
		uint32_t name;
		if (!read_sym(&r, &y, &name))
			continue;
		if (y.type != STT_FUNC && y.type != STT_GNU_IFUNC && !(objects && y.type == STT_OBJECT))
			continue;
		y.name = str_at(c, ".strtab", strs->data, strs->size, name);
		*VPUSH(c, &v) = y;
	}
	*n = v.n;
	return v.v;
}

const uint8_t *elf_symbol_data(const Elf *e, const char *name, size_t *n)
{
	const Section *strs;
	Rd r;

	*n = 0;
	if (!symtab_reader(e, &r, &strs))
		return NULL;
	while (rd_left(&r) >= 24) {
		cx_work(e->c, 1);
		Sym y;
		uint32_t off;
		if (!read_sym(&r, &y, &off) ||
		    strcmp(str_at(e->c, ".strtab", strs->data, strs->size, off), name) != 0)
			continue;
		for (size_t i = 0; i < e->nsect; i++) {
			const Section *s = &e->sect[i];
			if ((s->flags & SHF_ALLOC) && s->data && y.addr >= s->addr &&
			    y.addr - s->addr < s->size) {
				*n = s->size - (y.addr - s->addr);
				return s->data + (y.addr - s->addr);
			}
		}
		return NULL;
	}
	return NULL;
}
