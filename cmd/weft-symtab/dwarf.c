/*
 * cmd/weft-symtab/dwarf.c: .debug_info and everything its attributes
 * point into: abbreviation tables (.debug_abbrev), attribute forms,
 * strings (.debug_str, .debug_line_str, .debug_str_offsets), addresses
 * (.debug_addr) and range lists (.debug_ranges for DWARF 2-4,
 * .debug_rnglists for 5), as gcc 12 and clang 14 write them.
 *
 * The generator walks the DIEs once, in order (build.c), and decodes only
 * the attributes it uses into a Die; everything else is skipped by form.
 * References (abstract_origin, specification) are followed later by
 * decoding the DIE at the referenced offset on demand (dw_die_at), which
 * needs nothing but the unit list, sorted by offset.
 *
 * Split DWARF (skeleton units, .dwo files) and dwz's alternate files are
 * not supported: a skeleton unit fails, references into an alternate file
 * read as absent.
 */
#include "symtabgen.h"

/* Attribute and form codes (DWARF 5, section 7.5). */
enum {
	DW_AT_name = 0x03,
	DW_AT_stmt_list = 0x10,
	DW_AT_low_pc = 0x11,
	DW_AT_high_pc = 0x12,
	DW_AT_language = 0x13,
	DW_AT_comp_dir = 0x1b,
	DW_AT_abstract_origin = 0x31,
	DW_AT_decl_file = 0x3a,
	DW_AT_decl_line = 0x3b,
	DW_AT_specification = 0x47,
	DW_AT_entry_pc = 0x52,
	DW_AT_ranges = 0x55,
	DW_AT_call_file = 0x58,
	DW_AT_call_line = 0x59,
	DW_AT_str_offsets_base = 0x72,
	DW_AT_addr_base = 0x73,
	DW_AT_rnglists_base = 0x74,

	DW_FORM_addr = 0x01,
	DW_FORM_block2 = 0x03,
	DW_FORM_block4 = 0x04,
	DW_FORM_data2 = 0x05,
	DW_FORM_data4 = 0x06,
	DW_FORM_data8 = 0x07,
	DW_FORM_string = 0x08,
	DW_FORM_block = 0x09,
	DW_FORM_block1 = 0x0a,
	DW_FORM_data1 = 0x0b,
	DW_FORM_flag = 0x0c,
	DW_FORM_sdata = 0x0d,
	DW_FORM_strp = 0x0e,
	DW_FORM_udata = 0x0f,
	DW_FORM_ref_addr = 0x10,
	DW_FORM_ref1 = 0x11,
	DW_FORM_ref2 = 0x12,
	DW_FORM_ref4 = 0x13,
	DW_FORM_ref8 = 0x14,
	DW_FORM_ref_udata = 0x15,
	DW_FORM_indirect = 0x16,
	DW_FORM_sec_offset = 0x17,
	DW_FORM_exprloc = 0x18,
	DW_FORM_flag_present = 0x19,
	DW_FORM_strx = 0x1a,
	DW_FORM_addrx = 0x1b,
	DW_FORM_ref_sup4 = 0x1c,
	DW_FORM_strp_sup = 0x1d,
	DW_FORM_data16 = 0x1e,
	DW_FORM_line_strp = 0x1f,
	DW_FORM_ref_sig8 = 0x20,
	DW_FORM_implicit_const = 0x21,
	DW_FORM_loclistx = 0x22,
	DW_FORM_rnglistx = 0x23,
	DW_FORM_ref_sup8 = 0x24,
	DW_FORM_strx1 = 0x25,
	DW_FORM_strx2 = 0x26,
	DW_FORM_strx3 = 0x27,
	DW_FORM_strx4 = 0x28,
	DW_FORM_addrx1 = 0x29,
	DW_FORM_addrx2 = 0x2a,
	DW_FORM_addrx3 = 0x2b,
	DW_FORM_addrx4 = 0x2c,
	DW_FORM_GNU_addr_index = 0x1f01,
	DW_FORM_GNU_str_index = 0x1f02,
	DW_FORM_GNU_ref_alt = 0x1f20,
	DW_FORM_GNU_strp_alt = 0x1f21,

	DW_UT_compile = 1,
	DW_UT_type = 2,
	DW_UT_partial = 3,
	DW_UT_skeleton = 4,
	DW_UT_split_compile = 5,
	DW_UT_split_type = 6,

	DW_RLE_end_of_list = 0,
	DW_RLE_base_addressx = 1,
	DW_RLE_startx_endx = 2,
	DW_RLE_startx_length = 3,
	DW_RLE_offset_pair = 4,
	DW_RLE_base_address = 5,
	DW_RLE_start_end = 6,
	DW_RLE_start_length = 7,
};

static const char INFO[] = ".debug_info";
static const char ABBREV[] = ".debug_abbrev";

Rd dw_reader(Ctx *c, const Section *s, const char *name, uint64_t off)
{
	if (!s)
		fail(c, name, off, "missing section");
	Rd r;
	rd_init(&r, c, name, s->data, s->size);
	rd_seek(&r, off);
	return r;
}

/* ---- abbreviations ---- */

typedef struct AttrSpec {
	uint64_t name, form;
	int64_t implicit;
} AttrSpec;

struct Abbrev {
	uint64_t tag;
	bool children;
	size_t nattr;
	AttrSpec *attr;
};

typedef struct Abbrevs {
	VEC(Abbrev) v;
	Map code; /* code -> index */
} Abbrevs;

/* read_abbrevs parses the abbreviation table at offset off, once per
 * offset (units compiled together may share one). */
static Abbrevs *read_abbrevs(Dwarf *d, uint64_t off)
{
	Ctx *c = d->c;
	bool isnew;
	uint64_t *slot = map_put(c, &d->abbrevs, off, &isnew);
	if (!isnew)
		return (Abbrevs *)(uintptr_t)*slot;
	Abbrevs *t = cx_alloc(c, sizeof *t);
	*slot = (uint64_t)(uintptr_t)t;
	Rd r = dw_reader(c, d->abbrev, ABBREV, off);
	for (;;) {
		uint64_t at = r.pos;
		uint64_t code = rd_uleb(&r);
		if (code == 0)
			break;
		Abbrev *a = VPUSH(c, &t->v);
		a->tag = rd_uleb(&r);
		a->children = rd_u8(&r) != 0;
		VEC(AttrSpec) as = {0};
		for (;;) {
			uint64_t name = rd_uleb(&r), form = rd_uleb(&r);
			if (name == 0 && form == 0)
				break;
			AttrSpec *s = VPUSH(c, &as);
			s->name = name;
			s->form = form;
			if (form == DW_FORM_implicit_const)
				s->implicit = rd_sleb(&r);
		}
		a->attr = as.v;
		a->nattr = as.n;
		bool fresh;
		uint64_t *ix = map_put(c, &t->code, code, &fresh);
		if (!fresh)
			fail(c, ABBREV, at, "duplicate abbreviation code %llu", (unsigned long long)code);
		*ix = t->v.n - 1;
	}
	return t;
}

/* ---- forms ---- */

/* read_form decodes one attribute value of the given form at r. */
static void read_form(Dwarf *d, Unit *u, Rd *r, uint64_t form, int64_t implicit, Val *v)
{
	uint64_t at = r->pos;
	v->cls = CLS_NONE;
	v->form = (uint16_t)form;
	v->u = 0;
	v->s = 0;
	v->str = NULL;
	for (int hops = 0; form == DW_FORM_indirect; hops++) {
		if (hops > 4)
			fail(d->c, r->sect, at, "indirect form loop");
		form = rd_uleb(r);
		v->form = (uint16_t)form;
		if (form == DW_FORM_implicit_const)
			fail(d->c, r->sect, at, "indirect implicit_const");
	}
	switch (form) {
	case DW_FORM_addr:
		v->cls = CLS_ADDR;
		v->u = rd_un(r, u->addrsize);
		break;
	case DW_FORM_addrx:
	case DW_FORM_GNU_addr_index:
		v->cls = CLS_ADDRX;
		v->u = rd_uleb(r);
		break;
	case DW_FORM_addrx1:
	case DW_FORM_addrx2:
	case DW_FORM_addrx3:
	case DW_FORM_addrx4:
		v->cls = CLS_ADDRX;
		v->u = rd_un(r, (unsigned)(form - DW_FORM_addrx1 + 1));
		break;
	case DW_FORM_data1:
	case DW_FORM_ref1:
	case DW_FORM_flag:
		v->u = rd_u8(r);
		break;
	case DW_FORM_data2:
	case DW_FORM_ref2:
		v->u = rd_u16(r);
		break;
	case DW_FORM_data4:
	case DW_FORM_ref4:
	case DW_FORM_ref_sup4:
		v->u = rd_u32(r);
		break;
	case DW_FORM_data8:
	case DW_FORM_ref8:
	case DW_FORM_ref_sig8:
	case DW_FORM_ref_sup8:
		v->u = rd_u64(r);
		break;
	case DW_FORM_data16:
		rd_skip(r, 16);
		break;
	case DW_FORM_udata:
	case DW_FORM_ref_udata:
		v->u = rd_uleb(r);
		break;
	case DW_FORM_sdata:
		v->cls = CLS_SCONST;
		v->s = rd_sleb(r);
		v->u = (uint64_t)v->s;
		return;
	case DW_FORM_implicit_const:
		v->cls = CLS_CONST;
		v->s = implicit;
		v->u = (uint64_t)implicit;
		return;
	case DW_FORM_string:
		v->cls = CLS_STR;
		v->str = rd_str(r);
		break;
	case DW_FORM_strp:
		v->cls = CLS_STRP;
		v->u = rd_un(r, u->offsize);
		break;
	case DW_FORM_line_strp:
		v->cls = CLS_LSTRP;
		v->u = rd_un(r, u->offsize);
		break;
	case DW_FORM_strp_sup:
	case DW_FORM_GNU_strp_alt:
	case DW_FORM_GNU_ref_alt:
		rd_un(r, u->offsize);
		break;
	case DW_FORM_strx:
	case DW_FORM_GNU_str_index:
		v->cls = CLS_STRX;
		v->u = rd_uleb(r);
		break;
	case DW_FORM_strx1:
	case DW_FORM_strx2:
	case DW_FORM_strx3:
	case DW_FORM_strx4:
		v->cls = CLS_STRX;
		v->u = rd_un(r, (unsigned)(form - DW_FORM_strx1 + 1));
		break;
	case DW_FORM_ref_addr:
		v->cls = CLS_REF;
		v->u = rd_un(r, u->version == 2 ? (unsigned)u->addrsize : (unsigned)u->offsize);
		return;
	case DW_FORM_sec_offset:
		v->cls = CLS_SECOFF;
		v->u = rd_un(r, u->offsize);
		return;
	case DW_FORM_exprloc:
	case DW_FORM_block:
		v->u = rd_uleb(r);
		goto block;
	case DW_FORM_block1:
		v->u = rd_u8(r);
		goto block;
	case DW_FORM_block2:
		v->u = rd_u16(r);
		goto block;
	case DW_FORM_block4:
		v->u = rd_u32(r);
	block:
		v->cls = CLS_BLOCK;
		v->str = (const char *)r->p + r->pos;
		rd_skip(r, v->u);
		return;
	case DW_FORM_flag_present:
		v->cls = CLS_FLAG;
		v->u = 1;
		return;
	case DW_FORM_loclistx:
		rd_uleb(r);
		break;
	case DW_FORM_rnglistx:
		v->cls = CLS_RNGX;
		v->u = rd_uleb(r);
		return;
	default:
		fail(d->c, r->sect, at, "unknown attribute form 0x%llx", (unsigned long long)form);
	}
	switch (form) {
	case DW_FORM_data1:
	case DW_FORM_data2:
	case DW_FORM_data4:
	case DW_FORM_data8:
	case DW_FORM_udata:
		v->cls = CLS_CONST;
		v->s = (int64_t)v->u;
		break;
	case DW_FORM_flag:
		v->cls = CLS_FLAG;
		break;
	case DW_FORM_ref1:
	case DW_FORM_ref2:
	case DW_FORM_ref4:
	case DW_FORM_ref8:
	case DW_FORM_ref_udata:
		v->cls = CLS_REF;
		v->u += u->off;
		break;
	}
}

void dw_form(Dwarf *d, Unit *u, Rd *r, uint64_t form, Val *v)
{
	if (form == DW_FORM_implicit_const)
		fail(d->c, r->sect, r->pos, "implicit_const outside an abbreviation");
	read_form(d, u, r, form, 0, v);
}

/* ---- DIEs ---- */

bool dw_die(Dwarf *d, Unit *u, Rd *r, Die *die)
{
	uint64_t at = r->pos;
	uint64_t code = rd_uleb(r);
	memset(die, 0, sizeof *die);
	die->off = at;
	if (code == 0)
		return false;
	uint64_t *ix = map_get(&u->abbrevs->code, code);
	if (!ix)
		fail(d->c, INFO, at, "unknown abbreviation code %llu", (unsigned long long)code);
	const Abbrev *a = &u->abbrevs->v.v[*ix];
	die->tag = (uint32_t)a->tag;
	die->children = a->children;
	for (size_t i = 0; i < a->nattr; i++) {
		Val *dst, tmp;
		switch (a->attr[i].name) {
		case DW_AT_name: dst = &die->name; break;
		case DW_AT_low_pc: dst = &die->low; break;
		case DW_AT_high_pc: dst = &die->high; break;
		case DW_AT_ranges: dst = &die->ranges; break;
		case DW_AT_entry_pc: dst = &die->entry; break;
		case DW_AT_abstract_origin: dst = &die->origin; break;
		case DW_AT_specification: dst = &die->spec; break;
		case DW_AT_decl_file: dst = &die->decl_file; break;
		case DW_AT_decl_line: dst = &die->decl_line; break;
		case DW_AT_call_file: dst = &die->call_file; break;
		case DW_AT_call_line: dst = &die->call_line; break;
		case DW_AT_stmt_list: dst = &die->stmt_list; break;
		case DW_AT_comp_dir: dst = &die->comp_dir; break;
		case DW_AT_language: dst = &die->lang; break;
		case DW_AT_str_offsets_base: dst = &die->str_offsets_base; break;
		case DW_AT_addr_base: dst = &die->addr_base; break;
		case DW_AT_rnglists_base: dst = &die->rnglists_base; break;
		default: dst = &tmp; break;
		}
		read_form(d, u, r, a->attr[i].form, a->attr[i].implicit, dst);
	}
	return true;
}

Unit *dw_unit_at(Dwarf *d, uint64_t off)
{
	size_t lo = 0, hi = d->units.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		Unit *u = &d->units.v[mid];
		if (off < u->off)
			hi = mid;
		else if (off >= u->end)
			lo = mid + 1;
		else
			return u;
	}
	return NULL;
}

Rd dw_info_reader(Dwarf *d, Unit *u)
{
	Rd r;
	rd_init(&r, d->c, INFO, d->info->data, u->end);
	rd_seek(&r, u->dies);
	return r;
}

bool dw_die_at(Dwarf *d, uint64_t off, Die *die, Unit **up)
{
	Unit *u = dw_unit_at(d, off);
	if (!u || off < u->dies)
		fail(d->c, INFO, off, "reference to no DIE");
	Rd r = dw_info_reader(d, u);
	rd_seek(&r, off);
	*up = u;
	return dw_die(d, u, &r, die);
}

/* ---- strings, addresses, constants ---- */

const char *dw_string(Dwarf *d, Unit *u, const Val *v)
{
	Ctx *c = d->c;
	const Section *s;
	uint64_t off = v->u;
	switch (v->cls) {
	case CLS_STR:
		return v->str;
	case CLS_STRP:
		s = d->str;
		return str_at(c, ".debug_str", s ? s->data : NULL, s ? s->size : 0, off);
	case CLS_LSTRP:
		s = d->line_str;
		return str_at(c, ".debug_line_str", s ? s->data : NULL, s ? s->size : 0, off);
	case CLS_STRX: {
		Rd r = dw_reader(c, d->str_offsets, ".debug_str_offsets", 0);
		if (off > (UINT64_MAX - u->str_offsets_base) / u->offsize)
			fail(c, ".debug_str_offsets", u->str_offsets_base, "string index %llu too large",
			     (unsigned long long)off);
		rd_seek(&r, u->str_offsets_base + off * u->offsize);
		off = rd_un(&r, u->offsize);
		s = d->str;
		return str_at(c, ".debug_str", s ? s->data : NULL, s ? s->size : 0, off);
	}
	default:
		return NULL;
	}
}

/* addr_index reads entry idx of u's part of .debug_addr. */
static uint64_t addr_index(Dwarf *d, Unit *u, uint64_t idx)
{
	Ctx *c = d->c;
	Rd r = dw_reader(c, d->addr, ".debug_addr", 0);
	if (idx > (UINT64_MAX - u->addr_base) / (uint64_t)u->addrsize)
		fail(c, ".debug_addr", u->addr_base, "address index %llu too large",
		     (unsigned long long)idx);
	rd_seek(&r, u->addr_base + idx * u->addrsize);
	return rd_un(&r, u->addrsize);
}

uint64_t dw_addr(Dwarf *d, Unit *u, const Val *v)
{
	if (v->cls == CLS_ADDRX)
		return addr_index(d, u, v->u);
	return v->u;
}

uint64_t dw_const(const Val *v)
{
	switch (v->cls) {
	case CLS_CONST:
	case CLS_SCONST:
	case CLS_FLAG:
		return v->u;
	default:
		return 0;
	}
}

/* ---- range lists ---- */

static void push_range(Dwarf *d, RangeVec *out, uint64_t lo, uint64_t hi)
{
	if (hi > lo) {
		Range *rg = VPUSH(d->c, out);
		rg->lo = lo;
		rg->hi = hi;
	}
}

/* read_rnglist reads the DWARF 5 range list at offset off. */
static void read_rnglist(Dwarf *d, Unit *u, uint64_t off, RangeVec *out)
{
	static const char S[] = ".debug_rnglists";
	Ctx *c = d->c;
	Rd r = dw_reader(c, d->rnglists, S, off);
	uint64_t base = u->base;
	for (;;) {
		cx_work(c, 1);
		uint64_t at = r.pos;
		uint8_t kind = rd_u8(&r);
		uint64_t a, b;
		switch (kind) {
		case DW_RLE_end_of_list:
			return;
		case DW_RLE_base_addressx:
			base = addr_index(d, u, rd_uleb(&r));
			break;
		case DW_RLE_startx_endx:
			a = addr_index(d, u, rd_uleb(&r));
			b = addr_index(d, u, rd_uleb(&r));
			push_range(d, out, a, b);
			break;
		case DW_RLE_startx_length:
			a = addr_index(d, u, rd_uleb(&r));
			b = rd_uleb(&r);
			if (a + b >= a)
				push_range(d, out, a, a + b);
			break;
		case DW_RLE_offset_pair:
			a = rd_uleb(&r);
			b = rd_uleb(&r);
			push_range(d, out, base + a, base + b);
			break;
		case DW_RLE_base_address:
			base = rd_un(&r, u->addrsize);
			break;
		case DW_RLE_start_end:
			a = rd_un(&r, u->addrsize);
			b = rd_un(&r, u->addrsize);
			push_range(d, out, a, b);
			break;
		case DW_RLE_start_length:
			a = rd_un(&r, u->addrsize);
			b = rd_uleb(&r);
			if (a + b >= a)
				push_range(d, out, a, a + b);
			break;
		default:
			fail(c, S, at, "unknown range list entry kind %u", kind);
		}
	}
}

/* read_ranges reads the DWARF 2-4 range list at offset off. */
static void read_ranges(Dwarf *d, Unit *u, uint64_t off, RangeVec *out)
{
	Ctx *c = d->c;
	Rd r = dw_reader(c, d->ranges, ".debug_ranges", off);
	uint64_t base = u->base;
	uint64_t maxaddr = u->addrsize == 8 ? UINT64_MAX : UINT32_MAX;
	for (;;) {
		cx_work(c, 1);
		uint64_t a = rd_un(&r, u->addrsize);
		uint64_t b = rd_un(&r, u->addrsize);
		if (a == 0 && b == 0)
			return;
		if (a == maxaddr)
			base = b;
		else
			push_range(d, out, base + a, base + b);
	}
}

bool dw_pc_ranges(Dwarf *d, Unit *u, const Die *die, RangeVec *out)
{
	/* low_pc without high_pc is a base address (of a unit with
	 * DW_AT_ranges) or a single address: no range by itself. */
	bool low = die->low.cls == CLS_ADDR || die->low.cls == CLS_ADDRX;
	bool highc = die->high.cls == CLS_CONST || die->high.cls == CLS_SCONST;
	bool higha = die->high.cls == CLS_ADDR || die->high.cls == CLS_ADDRX;
	if (low && (highc || higha)) {
		uint64_t lo = dw_addr(d, u, &die->low), hi;
		if (highc)
			hi = lo + die->high.u < lo ? lo : lo + die->high.u;
		else
			hi = dw_addr(d, u, &die->high);
		push_range(d, out, lo, hi);
		return true;
	}
	uint64_t off;
	switch (die->ranges.cls) {
	case CLS_RNGX: {
		static const char S[] = ".debug_rnglists";
		Rd r = dw_reader(d->c, d->rnglists, S, 0);
		uint64_t idx = die->ranges.u;
		if (idx > (UINT64_MAX - u->rnglists_base) / u->offsize)
			fail(d->c, S, u->rnglists_base, "range list index too large");
		rd_seek(&r, u->rnglists_base + idx * u->offsize);
		off = rd_un(&r, u->offsize);
		if (off + u->rnglists_base < off)
			fail(d->c, S, u->rnglists_base, "range list offset too large");
		read_rnglist(d, u, u->rnglists_base + off, out);
		return true;
	}
	case CLS_SECOFF:
	case CLS_CONST:
		off = die->ranges.u;
		if (u->version >= 5)
			read_rnglist(d, u, off, out);
		else
			read_ranges(d, u, off, out);
		return true;
	default:
		return false;
	}
}

/* ---- units ---- */

static const Section *sect(const Elf *e, const char *name)
{
	return elf_section(e, name);
}

/* read_unit reads the unit header at off and its first DIE; returns the
 * offset of the next unit. */
static uint64_t read_unit(Dwarf *d, uint64_t off)
{
	Ctx *c = d->c;
	Rd r;
	rd_init(&r, c, INFO, d->info->data, d->info->size);
	rd_seek(&r, off);
	Unit u = {0};
	u.off = off;
	uint64_t len = rd_u32(&r);
	u.offsize = 4;
	if (len == 0xffffffff) {
		len = rd_u64(&r);
		u.offsize = 8;
	} else if (len >= 0xfffffff0) {
		fail(c, INFO, off, "reserved unit length 0x%llx", (unsigned long long)len);
	}
	if (len > rd_left(&r))
		fail(c, INFO, off, "unit length 0x%llx runs past the end of the section",
		     (unsigned long long)len);
	u.end = r.pos + len;
	r.end = u.end;
	u.version = rd_u16(&r);
	if (u.version < 2 || u.version > 5)
		fail(c, INFO, off + (u.offsize == 8 ? 12 : 4), "unsupported DWARF version %d",
		     u.version);
	uint64_t abbrev;
	u.type = DW_UT_compile;
	if (u.version >= 5) {
		u.type = rd_u8(&r);
		u.addrsize = rd_u8(&r);
		abbrev = rd_un(&r, u.offsize);
		switch (u.type) {
		case DW_UT_compile:
		case DW_UT_partial:
			break;
		case DW_UT_skeleton:
		case DW_UT_split_compile:
			fail(c, INFO, off, "split DWARF (unit type %d) not supported", u.type);
		case DW_UT_type:
		case DW_UT_split_type:
			return u.end; /* types only */
		default:
			fail(c, INFO, off, "unknown unit type %d", u.type);
		}
	} else {
		abbrev = rd_un(&r, u.offsize);
		u.addrsize = rd_u8(&r);
	}
	if (u.addrsize != 8 && u.addrsize != 4)
		fail(c, INFO, off, "unsupported address size %d", u.addrsize);
	u.dies = r.pos;
	if (u.dies >= u.end)
		return u.end; /* an empty unit */
	u.abbrevs = read_abbrevs(d, abbrev);
	/* Defaults, for producers that use the indexed forms without the
	 * base attributes: just past the tables' headers. */
	u.str_offsets_base = u.addr_base = 2 * (uint64_t)u.offsize;
	u.rnglists_base = 0;

	Die die;
	if (!dw_die(d, &u, &r, &die))
		return u.end;
	if (die.tag != DW_TAG_compile_unit && die.tag != DW_TAG_partial_unit) {
		if (die.tag == DW_TAG_skeleton_unit)
			fail(c, INFO, die.off, "split DWARF (skeleton unit) not supported");
		return u.end;
	}
	if (die.str_offsets_base.cls == CLS_SECOFF)
		u.str_offsets_base = die.str_offsets_base.u;
	if (die.addr_base.cls == CLS_SECOFF)
		u.addr_base = die.addr_base.u;
	if (die.rnglists_base.cls == CLS_SECOFF)
		u.rnglists_base = die.rnglists_base.u;
	if (die.low.cls == CLS_ADDR || die.low.cls == CLS_ADDRX)
		u.base = dw_addr(d, &u, &die.low);
	else if (die.entry.cls == CLS_ADDR || die.entry.cls == CLS_ADDRX)
		u.base = dw_addr(d, &u, &die.entry);
	u.name = dw_string(d, &u, &die.name);
	u.comp_dir = dw_string(d, &u, &die.comp_dir);
	u.lang = dw_const(&die.lang);

	Unit *up = VPUSH(c, &d->units);
	*up = u;
	if (die.stmt_list.cls == CLS_SECOFF || die.stmt_list.cls == CLS_CONST)
		line_read(d, up, die.stmt_list.u);
	return u.end;
}

void dw_open(Dwarf *d, Ctx *c, const Elf *e, Strtab *str, struct Files *files)
{
	memset(d, 0, sizeof *d);
	d->c = c;
	d->e = e;
	d->strs = str;
	d->files = files;
	d->info = sect(e, ".debug_info");
	d->abbrev = sect(e, ".debug_abbrev");
	d->str = sect(e, ".debug_str");
	d->line_str = sect(e, ".debug_line_str");
	d->addr = sect(e, ".debug_addr");
	d->str_offsets = sect(e, ".debug_str_offsets");
	d->ranges = sect(e, ".debug_ranges");
	d->rnglists = sect(e, ".debug_rnglists");
	d->line = sect(e, ".debug_line");
	if (!d->info) {
		if (d->line || d->abbrev)
			fail(c, ".debug_info", 0, "missing section");
		fail(c, NULL, 0, "no DWARF debugging information (build with -g)");
	}
	uint64_t off = 0;
	while (off < d->info->size) {
		cx_work(c, 1);
		off = read_unit(d, off);
	}
}
