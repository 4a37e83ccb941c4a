/*
 * cmd/weft-symtab/line.c: .debug_line, versions 2 to 5. For one unit it
 * reads the header's directory and file tables, turning each file into a
 * full path, and runs the line-number program, keeping the result as
 * intervals: [address of a row, address of the next row) is the row's
 * file:line. When several rows share an address the last one holds for
 * the bytes that follow, as in every consumer.
 *
 * Paths. DWARF 5 lists directory 0 as the compilation directory and file
 * 0 as the primary source file; DWARF 4 and older leave both implicit
 * (DW_AT_comp_dir, DW_AT_name) and count from 1. Both are kept here in
 * one array indexed by the file register, the older versions with their
 * implicit file 0 filled in. A relative directory is joined to the
 * compilation directory, a relative file name to its directory, as
 * addr2line shows them; nothing else is normalized.
 *
 * Sequences that do not start inside executable text are dropped: the
 * linker points the line tables of discarded functions (--gc-sections,
 * duplicate COMDAT groups) at address 0 or a tombstone, where they would
 * otherwise cover real code of a PIE.
 */
#include <stdlib.h>

#include "symtabgen.h"

static const char LINE[] = ".debug_line";

enum {
	DW_LNS_copy = 1,
	DW_LNS_advance_pc,
	DW_LNS_advance_line,
	DW_LNS_set_file,
	DW_LNS_set_column,
	DW_LNS_negate_stmt,
	DW_LNS_set_basic_block,
	DW_LNS_const_add_pc,
	DW_LNS_fixed_advance_pc,
	DW_LNS_set_prologue_end,
	DW_LNS_set_epilogue_begin,
	DW_LNS_set_isa,
	DW_LNE_end_sequence = 1,
	DW_LNE_set_address = 2,
	DW_LNE_define_file = 3,
	DW_LNE_set_discriminator = 4,
	DW_LNCT_path = 1,
	DW_LNCT_directory_index = 2,
};

/* join returns dir/name, or name alone if it is absolute or dir is empty. */
static const char *join(Ctx *c, const char *dir, const char *name)
{
	if (name[0] == '/' || !dir || !dir[0])
		return name;
	size_t a = strlen(dir), b = strlen(name);
	cx_work(c, (a + b) / 64);
	bool slash = dir[a - 1] != '/';
	char *s = cx_alloc(c, a + slash + b + 1);
	memcpy(s, dir, a);
	if (slash)
		s[a] = '/';
	memcpy(s + a + slash, name, b + 1);
	return s;
}

typedef VEC(const char *) Strs;
typedef VEC(uint64_t) U64s;

/* read_entries reads a DWARF 5 directory or file name table: a format
 * (content type, form pairs) and the entries; returns each entry's path
 * and, in dirs, its directory index. */
static void read_entries(Dwarf *d, Unit *lu, Rd *r, Strs *paths, U64s *dirs)
{
	Ctx *c = d->c;
	uint8_t nfmt = rd_u8(r);
	uint64_t fmt[2 * 255];
	for (unsigned i = 0; i < nfmt; i++) {
		fmt[2 * i] = rd_uleb(r);
		fmt[2 * i + 1] = rd_uleb(r);
	}
	uint64_t n = rd_uleb(r);
	for (uint64_t k = 0; k < n; k++) {
		uint64_t at = r->pos;
		const char *path = NULL;
		uint64_t dir = 0;
		for (unsigned i = 0; i < nfmt; i++) {
			Val v;
			dw_form(d, lu, r, fmt[2 * i + 1], &v);
			if (fmt[2 * i] == DW_LNCT_path) {
				path = dw_string(d, lu, &v);
				if (!path)
					fail(c, LINE, at, "path of form 0x%x is not a string", v.form);
			} else if (fmt[2 * i] == DW_LNCT_directory_index) {
				if (v.cls != CLS_CONST)
					fail(c, LINE, at, "directory index of form 0x%x is not a constant",
					     v.form);
				dir = v.u;
			}
		}
		if (!path)
			fail(c, LINE, at, "entry without a path");
		*VPUSH(c, paths) = path;
		if (dirs)
			*VPUSH(c, dirs) = dir;
		if (nfmt == 0 && k > rd_left(r))
			fail(c, LINE, at, "%llu entries of no bytes", (unsigned long long)n);
	}
}

/* cmp_lines orders intervals by address; the other fields only make the
 * order of equal starts deterministic. */
static int cmp_lines(const void *pa, const void *pb)
{
	const LineIv *a = pa, *b = pb;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->file != b->file)
		return a->file < b->file ? -1 : 1;
	return (a->line > b->line) - (a->line < b->line);
}

void line_read(Dwarf *d, Unit *u, uint64_t off)
{
	Ctx *c = d->c;
	Rd r = dw_reader(c, d->line, LINE, off);

	/* The header. */
	uint64_t len = rd_u32(&r);
	Unit lu = *u; /* u's sizes, with this table's offset size */
	lu.offsize = 4;
	if (len == 0xffffffff) {
		len = rd_u64(&r);
		lu.offsize = 8;
	} else if (len >= 0xfffffff0) {
		fail(c, LINE, off, "reserved unit length 0x%llx", (unsigned long long)len);
	}
	r = rd_sub(&r, len);
	int version = rd_u16(&r);
	if (version < 2 || version > 5)
		fail(c, LINE, off, "unsupported line table version %d", version);
	if (version >= 5) {
		uint8_t asz = rd_u8(&r);
		if (asz != 4 && asz != 8)
			fail(c, LINE, r.pos - 1, "unsupported address size %u", asz);
		lu.addrsize = asz;
		rd_u8(&r); /* segment selector size */
	}
	uint64_t hlen = rd_un(&r, lu.offsize);
	if (hlen > rd_left(&r))
		fail(c, LINE, r.pos, "header length 0x%llx runs past the table",
		     (unsigned long long)hlen);
	uint64_t prog = r.pos + hlen;
	uint8_t min_inst = rd_u8(&r);
	if (version >= 4) {
		uint8_t maxops = rd_u8(&r);
		if (maxops != 1)
			fail(c, LINE, r.pos - 1, "%u operations per instruction not supported", maxops);
	}
	rd_u8(&r); /* default_is_stmt: every row counts, as in addr2line */
	int8_t line_base = (int8_t)rd_u8(&r);
	uint8_t line_range = rd_u8(&r);
	if (line_range == 0)
		fail(c, LINE, r.pos - 1, "line range 0");
	uint8_t opcode_base = rd_u8(&r);
	if (opcode_base == 0)
		fail(c, LINE, r.pos - 1, "opcode base 0");
	uint8_t oplen[256] = {0};
	for (unsigned i = 1; i < opcode_base; i++)
		oplen[i] = rd_u8(&r);

	/* Directories and files. */
	Strs dirs = {0}, names = {0};
	U64s dirix = {0};
	const char *comp_dir = u->comp_dir ? u->comp_dir : "";
	if (version >= 5) {
		read_entries(d, &lu, &r, &dirs, NULL);
		read_entries(d, &lu, &r, &names, &dirix);
		const char *d0 = dirs.n ? join(c, comp_dir, dirs.v[0]) : comp_dir;
		for (size_t i = 0; i < dirs.n; i++)
			dirs.v[i] = join(c, i ? d0 : comp_dir, dirs.v[i]);
	} else {
		*VPUSH(c, &dirs) = comp_dir;
		for (;;) {
			const char *s = rd_str(&r);
			if (!s[0])
				break;
			*VPUSH(c, &dirs) = join(c, comp_dir, s);
		}
		/* The implicit file 0: the primary source file. */
		*VPUSH(c, &names) = u->name ? u->name : "?";
		*VPUSH(c, &dirix) = 0;
		for (;;) {
			const char *s = rd_str(&r);
			if (!s[0])
				break;
			*VPUSH(c, &names) = s;
			*VPUSH(c, &dirix) = rd_uleb(&r);
			rd_uleb(&r); /* modification time */
			rd_uleb(&r); /* length */
		}
	}
	if (r.pos > prog)
		fail(c, LINE, r.pos, "header runs past its length");

	/* Full paths, resolved once. */
	VEC(const char *) files = {0};
	for (size_t i = 0; i < names.n; i++) {
		if (dirix.v[i] >= dirs.n)
			fail(c, LINE, off, "file %zu's directory index %llu out of range", i,
			     (unsigned long long)dirix.v[i]);
		*VPUSH(c, &files) = join(c, dirs.v[dirix.v[i]], names.v[i]);
	}

	/* The program. */
	rd_seek(&r, prog);
	uint64_t addr = 0, file = 1, line = 1;
	bool have_prev = false;
	uint64_t prev_addr = 0, prev_file = 0, prev_line = 0;
	uint64_t seq_lo = 0;
	size_t seq_start = u->lines.n;
	while (rd_left(&r)) {
		cx_work(c, 1);
		uint64_t at = r.pos;
		uint8_t op = rd_u8(&r);
		bool row = false, end = false;
		if (op >= opcode_base) {
			unsigned adj = op - opcode_base;
			addr += (uint64_t)min_inst * (adj / line_range);
			line += (int64_t)line_base + adj % line_range;
			row = true;
		} else if (op == 0) {
			uint64_t elen = rd_uleb(&r);
			if (elen == 0)
				fail(c, LINE, at, "empty extended opcode");
			Rd e = rd_sub(&r, elen);
			uint8_t eop = rd_u8(&e);
			switch (eop) {
			case DW_LNE_end_sequence:
				row = end = true;
				break;
			case DW_LNE_set_address:
				if (elen - 1 < 1 || elen - 1 > 8)
					fail(c, LINE, at, "address of %llu bytes", (unsigned long long)(elen - 1));
				addr = rd_un(&e, (unsigned)(elen - 1));
				break;
			case DW_LNE_define_file:
				if (version < 5) {
					const char *s = rd_str(&e);
					uint64_t di = rd_uleb(&e);
					if (di >= dirs.n)
						fail(c, LINE, at, "directory index %llu out of range",
						     (unsigned long long)di);
					*VPUSH(c, &files) = join(c, dirs.v[di], s);
				}
				break;
			default: /* set_discriminator, vendor extensions */
				break;
			}
			rd_skip(&r, elen);
		} else {
			switch (op) {
			case DW_LNS_copy:
				row = true;
				break;
			case DW_LNS_advance_pc:
				addr += (uint64_t)min_inst * rd_uleb(&r);
				break;
			case DW_LNS_advance_line:
				line += (uint64_t)rd_sleb(&r);
				break;
			case DW_LNS_set_file:
				file = rd_uleb(&r);
				break;
			case DW_LNS_const_add_pc:
				addr += (uint64_t)min_inst * ((255u - opcode_base) / line_range);
				break;
			case DW_LNS_fixed_advance_pc:
				addr += rd_u16(&r);
				break;
			default:
				/* column, stmt, basic block, prologue, epilogue,
				 * isa, and unknown standard opcodes: skip the
				 * operands the header says they have. */
				for (unsigned i = 0; i < oplen[op]; i++)
					rd_uleb(&r);
				break;
			}
		}
		if (!row)
			continue;
		if (file >= files.n)
			fail(c, LINE, at, "file number %llu out of range (%zu files)",
			     (unsigned long long)file, files.n);
		if (!have_prev) {
			seq_lo = addr;
		} else if (addr > prev_addr) {
			LineIv *iv = VPUSH(c, &u->lines);
			iv->lo = prev_addr;
			iv->hi = addr;
			iv->file = (int32_t)prev_file;
			iv->line = prev_line > INT32_MAX ? INT32_MAX : (int32_t)prev_line;
		}
		have_prev = true;
		prev_addr = addr;
		prev_file = file;
		prev_line = line;
		if (end) {
			if (!elf_exec_section(d->e, seq_lo, seq_lo + 1))
				u->lines.n = seq_start;
			seq_start = u->lines.n;
			have_prev = false;
			addr = 0;
			file = 1;
			line = 1;
		}
	}
	/* A sequence without its end is dropped. */
	u->lines.n = seq_start;

	u->files = files.v;
	u->nfiles = files.n;
	u->fileidx = cx_alloc(c, (files.n + 1) * sizeof *u->fileidx);
	for (size_t i = 0; i < files.n; i++)
		u->fileidx[i] = -2;
	xsort(u->lines.v, u->lines.n, sizeof *u->lines.v, cmp_lines);
	u->linemax = cx_alloc(c, (u->lines.n + 1) * sizeof *u->linemax);
	uint64_t m = 0;
	for (size_t i = 0; i < u->lines.n; i++) {
		if (u->lines.v[i].hi > m)
			m = u->lines.v[i].hi;
		u->linemax[i] = m;
	}
}

int32_t files_add(Ctx *c, Files *f, uint32_t stroff)
{
	bool isnew;
	uint64_t *ix = map_put(c, &f->byoff, stroff, &isnew);
	if (isnew) {
		*VPUSH(c, &f->path) = stroff;
		*ix = f->path.n - 1;
	}
	return (int32_t)*ix;
}

int32_t line_file(Dwarf *d, Unit *u, uint64_t n, const char *sect, uint64_t off)
{
	if (n >= u->nfiles)
		fail(d->c, sect, off, "file number %llu out of range (%zu files)", (unsigned long long)n,
		     u->nfiles);
	if (u->fileidx[n] == -2)
		u->fileidx[n] = files_add(d->c, d->files, str_intern(d->c, d->strs, u->files[n]));
	return u->fileidx[n];
}
