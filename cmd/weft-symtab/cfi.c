/*
 * cmd/weft-symtab/cfi.c: call-frame information, from .eh_frame and
 * .debug_frame, turned into frame rules. A binary may have both: code
 * built with -fno-asynchronous-unwind-tables -g describes its frames in
 * .debug_frame, the C library's start files in .eh_frame. Where both
 * cover a pc, build.c prefers .eh_frame.
 *
 * Each FDE's instructions are run, after its CIE's initial instructions,
 * tracking just what an unwinder needs to step to the caller: the CFA
 * (a register and an offset), the rule of the return-address column and
 * the rule of the frame pointer. Every stretch of code between two
 * advances gets the SymtabFrameRule those three make (rule_of), or -1
 * where they cannot be expressed: a CFA that is not SP or FP plus an
 * offset (a DWARF expression, another register), a return address or
 * frame pointer recovered other than from a CFA slot (or left undefined:
 * the outermost frame).
 *
 * The return-address column comes from the CIE. With no rule for it,
 * the return address is still in the link register on AArch64
 * (SYMTAB_IN_LR); on x86-64 it is always on the stack, so there is no
 * rule. With no rule for the frame pointer, it is the caller's
 * (SYMTAB_SAME).
 *
 * Pointer encodings: absptr, (u|s)leb128, (u|s)data2/4/8, applied
 * absolutely, pc-relative or aligned, which is what gcc, clang and the
 * GNU assembler emit for executables. datarel, textrel and funcrel need
 * bases this file does not know and fail.
 */
#include <stdlib.h>

#include "symtabgen.h"

enum {
	DW_CFA_advance_loc = 0x40,
	DW_CFA_offset = 0x80,
	DW_CFA_restore = 0xc0,
	DW_CFA_nop = 0x00,
	DW_CFA_set_loc = 0x01,
	DW_CFA_advance_loc1 = 0x02,
	DW_CFA_advance_loc2 = 0x03,
	DW_CFA_advance_loc4 = 0x04,
	DW_CFA_offset_extended = 0x05,
	DW_CFA_restore_extended = 0x06,
	DW_CFA_undefined = 0x07,
	DW_CFA_same_value = 0x08,
	DW_CFA_register = 0x09,
	DW_CFA_remember_state = 0x0a,
	DW_CFA_restore_state = 0x0b,
	DW_CFA_def_cfa = 0x0c,
	DW_CFA_def_cfa_register = 0x0d,
	DW_CFA_def_cfa_offset = 0x0e,
	DW_CFA_def_cfa_expression = 0x0f,
	DW_CFA_expression = 0x10,
	DW_CFA_offset_extended_sf = 0x11,
	DW_CFA_def_cfa_sf = 0x12,
	DW_CFA_def_cfa_offset_sf = 0x13,
	DW_CFA_val_offset = 0x14,
	DW_CFA_val_offset_sf = 0x15,
	DW_CFA_val_expression = 0x16,
	DW_CFA_GNU_window_save = 0x2d, /* AArch64: negate_ra_state */
	DW_CFA_GNU_args_size = 0x2e,
	DW_CFA_GNU_negative_offset_extended = 0x2f,

	DW_EH_PE_absptr = 0x00,
	DW_EH_PE_uleb128 = 0x01,
	DW_EH_PE_udata2 = 0x02,
	DW_EH_PE_udata4 = 0x03,
	DW_EH_PE_udata8 = 0x04,
	DW_EH_PE_sleb128 = 0x09,
	DW_EH_PE_sdata2 = 0x0a,
	DW_EH_PE_sdata4 = 0x0b,
	DW_EH_PE_sdata8 = 0x0c,
	DW_EH_PE_pcrel = 0x10,
	DW_EH_PE_aligned = 0x50,
	DW_EH_PE_indirect = 0x80,
	DW_EH_PE_omit = 0xff,
};

/* How a register is recovered. */
enum {
	R_UNSPEC, /* no rule: same value, by convention */
	R_SAME,
	R_UNDEF,
	R_OFFSET, /* saved at CFA + off */
	R_OTHER,  /* val_offset, register, expression: not expressible */
};

typedef struct RegRule {
	uint8_t kind;
	int64_t off;
} RegRule;

typedef struct CfaState {
	bool cfa_expr;
	uint64_t cfa_reg;
	int64_t cfa_off;
	RegRule ra, fp;
} CfaState;

#define MAX_STATES 64 /* remember_state nesting */

/* Frame is what the parse of one section needs. */
typedef struct Frame {
	Ctx *c;
	const Elf *e;
	const Section *s;
	const char *name;
	bool eh;  /* .eh_frame rather than .debug_frame */
	int32_t src; /* RuleIv.src */
	uint64_t sp, fp; /* DWARF numbers of the stack and frame pointer */
} Frame;

typedef struct Cie {
	uint64_t code_align;
	int64_t data_align;
	uint64_t ra;
	uint8_t fde_enc;
	uint8_t addrsize;
	bool aug_z;
	Rd insns;
} Cie;

/* read_encoded reads a pointer in encoding enc at r. */
static uint64_t read_encoded(Frame *f, Rd *r, uint8_t enc, unsigned addrsize)
{
	uint64_t at = r->pos;
	uint64_t here = f->s->addr + r->pos;
	uint64_t v;
	if ((enc & 0x70) == DW_EH_PE_aligned) {
		uint64_t pad = (addrsize - here % addrsize) % addrsize;
		rd_skip(r, pad);
		return rd_un(r, addrsize);
	}
	switch (enc & 0x0f) {
	case DW_EH_PE_absptr: v = rd_un(r, addrsize); break;
	case DW_EH_PE_uleb128: v = rd_uleb(r); break;
	case DW_EH_PE_udata2: v = rd_u16(r); break;
	case DW_EH_PE_udata4: v = rd_u32(r); break;
	case DW_EH_PE_udata8: v = rd_u64(r); break;
	case DW_EH_PE_sleb128: v = (uint64_t)rd_sleb(r); break;
	case DW_EH_PE_sdata2: v = (uint64_t)(int64_t)(int16_t)rd_u16(r); break;
	case DW_EH_PE_sdata4: v = (uint64_t)(int64_t)(int32_t)rd_u32(r); break;
	case DW_EH_PE_sdata8: v = rd_u64(r); break;
	default: fail(f->c, f->name, at, "unknown pointer encoding 0x%02x", enc);
	}
	switch (enc & 0x70) {
	case 0: break;
	case DW_EH_PE_pcrel: v += here; break;
	default: fail(f->c, f->name, at, "unsupported pointer encoding 0x%02x", enc);
	}
	return v;
}

/* read_cie parses the CIE at offset off. */
static void read_cie(Frame *f, uint64_t off, Cie *cie)
{
	Ctx *c = f->c;
	Rd r;
	rd_init(&r, c, f->name, f->s->data, f->s->size);
	rd_seek(&r, off);
	uint64_t len = rd_u32(&r);
	unsigned idsize = 4;
	if (len == 0xffffffff) {
		len = rd_u64(&r);
		idsize = 8;
	}
	r = rd_sub(&r, len);
	uint64_t id = rd_un(&r, idsize);
	uint64_t want = f->eh ? 0 : (idsize == 4 ? 0xffffffffull : UINT64_MAX);
	if (id != want)
		fail(c, f->name, off, "CIE pointer does not point at a CIE");
	memset(cie, 0, sizeof *cie);
	cie->addrsize = 8;
	cie->fde_enc = DW_EH_PE_absptr;
	uint8_t version = rd_u8(&r);
	if (version != 1 && version != 3 && version != 4)
		fail(c, f->name, r.pos - 1, "unsupported CIE version %u", version);
	const char *aug = rd_str(&r);
	if (strstr(aug, "eh"))
		rd_skip(&r, 8);
	if (version == 4) {
		cie->addrsize = rd_u8(&r);
		if (cie->addrsize != 4 && cie->addrsize != 8)
			fail(c, f->name, r.pos - 1, "unsupported address size %u", cie->addrsize);
		rd_u8(&r); /* segment selector size */
	}
	cie->code_align = rd_uleb(&r);
	cie->data_align = rd_sleb(&r);
	cie->ra = version == 1 ? rd_u8(&r) : rd_uleb(&r);
	if (aug[0] == 'z') {
		cie->aug_z = true;
		uint64_t alen = rd_uleb(&r);
		Rd a = rd_sub(&r, alen);
		for (const char *p = aug + 1; *p; p++) {
			if (*p == 'L') {
				rd_u8(&a);
			} else if (*p == 'R') {
				cie->fde_enc = rd_u8(&a);
			} else if (*p == 'P') {
				uint8_t enc = rd_u8(&a);
				read_encoded(f, &a, (uint8_t)(enc & ~DW_EH_PE_indirect), 8);
			} else if (*p == 'S' || *p == 'B' || *p == 'G') {
				/* signal frame, BTI, MTE: nothing to read */
			} else {
				break; /* unknown: the length lets us skip the rest */
			}
		}
		rd_skip(&r, alen);
	} else if (aug[0] && strcmp(aug, "eh") != 0) {
		fail(c, f->name, off, "unknown CIE augmentation \"%s\"", aug);
	}
	cie->insns = r;
}

/* rule_of turns a CFA state into a frame rule (index), -1 if it cannot
 * be expressed. */
static int32_t rule_of(Frame *f, Rules *rules, const CfaState *st)
{
	SymtabFrameRule fr;
	if (st->cfa_expr)
		return -1;
	if (st->cfa_reg == f->sp)
		fr.cfareg = SYMTAB_REG_SP;
	else if (st->cfa_reg == f->fp)
		fr.cfareg = SYMTAB_REG_FP;
	else
		return -1;
	if (st->cfa_off < INT32_MIN + 1 || st->cfa_off > INT32_MAX)
		return -1;
	fr.cfaoff = (int32_t)st->cfa_off;
	switch (st->ra.kind) {
	case R_OFFSET:
		if (st->ra.off <= INT32_MIN || st->ra.off > INT32_MAX)
			return -1;
		fr.raoff = (int32_t)st->ra.off;
		break;
	case R_UNSPEC:
	case R_SAME:
		if (f->e->arch != SYMTAB_ARCH_ARM64)
			return -1;
		fr.raoff = SYMTAB_IN_LR;
		break;
	default:
		return -1;
	}
	switch (st->fp.kind) {
	case R_OFFSET:
		if (st->fp.off <= INT32_MIN || st->fp.off > INT32_MAX)
			return -1;
		fr.fpoff = (int32_t)st->fp.off;
		break;
	case R_UNSPEC:
	case R_SAME:
		fr.fpoff = SYMTAB_SAME;
		break;
	default:
		return -1;
	}
	return rules_add(f->c, rules, &fr);
}

/* scale returns a * b, saturated: an offset too large for any frame
 * then fails rule_of's range checks instead of overflowing. */
static int64_t scale(int64_t a, int64_t b)
{
	int64_t r;
	if (__builtin_mul_overflow(a, b, &r))
		return (a < 0) != (b < 0) ? INT64_MIN : INT64_MAX;
	return r;
}

/* regrule returns the tracked rule for register reg, or NULL. */
static RegRule *regrule(Frame *f, const Cie *cie, CfaState *st, uint64_t reg)
{
	if (reg == cie->ra)
		return &st->ra;
	if (reg == f->fp)
		return &st->fp;
	return NULL;
}

/* Exec runs CFA instructions. */
typedef struct Exec {
	Frame *f;
	const Cie *cie;
	CfaState st, init; /* init: after the CIE's instructions */
	CfaState stack[MAX_STATES];
	int depth;
	uint64_t loc, end;  /* current location, end of the FDE */
	bool emit;          /* in an FDE: record rows */
	Rules *rules;
	RuleIvs *out;
} Exec;

/* row records [x->loc, to) with the current state and moves to to. */
static void row(Exec *x, uint64_t to)
{
	if (to > x->end)
		to = x->end;
	if (x->emit && to > x->loc) {
		RuleIv *iv = VPUSH(x->f->c, x->out);
		iv->lo = x->loc;
		iv->hi = to;
		iv->rule = rule_of(x->f, x->rules, &x->st);
		iv->src = x->f->src;
	}
	if (to > x->loc)
		x->loc = to;
}

/* advance moves the location by delta code units, ending a row. */
static void advance(Exec *x, uint64_t delta)
{
	uint64_t d = delta * x->cie->code_align;
	if (x->cie->code_align && d / x->cie->code_align != delta)
		d = UINT64_MAX;
	row(x, x->loc + d < x->loc ? UINT64_MAX : x->loc + d);
}

/* set_reg sets the rule of reg, if it is one that is tracked. */
static void set_reg(Exec *x, uint64_t reg, uint8_t kind, int64_t off)
{
	RegRule *rr = regrule(x->f, x->cie, &x->st, reg);
	if (rr) {
		rr->kind = kind;
		rr->off = off;
	}
}

/* exec_cfa_insns executes the call-frame instructions at r (a CIE's initial
 * instructions or an FDE's), updating x's state and, when x->emit is set,
 * emitting a rule interval for each row it ends. */
static void exec_cfa_insns(Exec *x, Rd *r)
{
	Frame *f = x->f;
	const Cie *cie = x->cie;
	CfaState *st = &x->st;
	while (rd_left(r)) {
		cx_work(f->c, 1);
		uint64_t at = r->pos;
		uint8_t op = rd_u8(r);
		uint64_t reg, u;
		int64_t s;
		switch (op & 0xc0) {
		case DW_CFA_advance_loc:
			advance(x, op & 0x3f);
			continue;
		case DW_CFA_offset:
			u = rd_uleb(r);
			set_reg(x, op & 0x3f, R_OFFSET, scale((int64_t)u, cie->data_align));
			continue;
		case DW_CFA_restore: {
			RegRule *rr = regrule(f, cie, st, op & 0x3f);
			if (rr)
				*rr = *regrule(f, cie, &x->init, op & 0x3f);
			continue;
		}
		}
		switch (op) {
		case DW_CFA_nop:
			break;
		case DW_CFA_set_loc: {
			uint64_t to = read_encoded(f, r, cie->fde_enc, cie->addrsize);
			if (to < x->loc)
				fail(f->c, f->name, at, "set_loc moves backwards");
			row(x, to);
			break;
		}
		case DW_CFA_advance_loc1:
			advance(x, rd_u8(r));
			break;
		case DW_CFA_advance_loc2:
			advance(x, rd_u16(r));
			break;
		case DW_CFA_advance_loc4:
			advance(x, rd_u32(r));
			break;
		case DW_CFA_offset_extended:
			reg = rd_uleb(r);
			u = rd_uleb(r);
			set_reg(x, reg, R_OFFSET, scale((int64_t)u, cie->data_align));
			break;
		case DW_CFA_offset_extended_sf:
			reg = rd_uleb(r);
			s = rd_sleb(r);
			set_reg(x, reg, R_OFFSET, scale(s, cie->data_align));
			break;
		case DW_CFA_GNU_negative_offset_extended:
			reg = rd_uleb(r);
			u = rd_uleb(r);
			set_reg(x, reg, R_OFFSET, scale(scale((int64_t)u, cie->data_align), -1));
			break;
		case DW_CFA_restore_extended: {
			reg = rd_uleb(r);
			RegRule *rr = regrule(f, cie, st, reg);
			if (rr)
				*rr = *regrule(f, cie, &x->init, reg);
			break;
		}
		case DW_CFA_undefined:
			set_reg(x, rd_uleb(r), R_UNDEF, 0);
			break;
		case DW_CFA_same_value:
			set_reg(x, rd_uleb(r), R_SAME, 0);
			break;
		case DW_CFA_register:
			reg = rd_uleb(r);
			rd_uleb(r);
			set_reg(x, reg, R_OTHER, 0);
			break;
		case DW_CFA_remember_state:
			if (x->depth == MAX_STATES)
				fail(f->c, f->name, at, "remember_state nested too deeply");
			x->stack[x->depth++] = *st;
			break;
		case DW_CFA_restore_state:
			if (x->depth == 0)
				fail(f->c, f->name, at, "restore_state without remember_state");
			{
				/* The CFA is part of the state restored, as in
				 * libgcc's unwinder and LLVM's. */
				*st = x->stack[--x->depth];
			}
			break;
		case DW_CFA_def_cfa:
			st->cfa_reg = rd_uleb(r);
			st->cfa_off = (int64_t)rd_uleb(r);
			st->cfa_expr = false;
			break;
		case DW_CFA_def_cfa_sf:
			st->cfa_reg = rd_uleb(r);
			st->cfa_off = scale(rd_sleb(r), cie->data_align);
			st->cfa_expr = false;
			break;
		case DW_CFA_def_cfa_register:
			st->cfa_reg = rd_uleb(r);
			break;
		case DW_CFA_def_cfa_offset:
			st->cfa_off = (int64_t)rd_uleb(r);
			break;
		case DW_CFA_def_cfa_offset_sf:
			st->cfa_off = scale(rd_sleb(r), cie->data_align);
			break;
		case DW_CFA_def_cfa_expression:
			rd_skip(r, rd_uleb(r));
			st->cfa_expr = true;
			break;
		case DW_CFA_expression:
		case DW_CFA_val_expression:
			reg = rd_uleb(r);
			rd_skip(r, rd_uleb(r));
			set_reg(x, reg, R_OTHER, 0);
			break;
		case DW_CFA_val_offset:
			reg = rd_uleb(r);
			rd_uleb(r);
			set_reg(x, reg, R_OTHER, 0);
			break;
		case DW_CFA_val_offset_sf:
			reg = rd_uleb(r);
			rd_sleb(r);
			set_reg(x, reg, R_OTHER, 0);
			break;
		case DW_CFA_GNU_args_size:
			rd_uleb(r);
			break;
		case DW_CFA_GNU_window_save:
			/* AArch64 pointer authentication: the return
			 * address is signed; its location is unchanged. */
			break;
		default:
			fail(f->c, f->name, at, "unknown CFA instruction 0x%02x", op);
		}
	}
}

/* read_fde runs the FDE at offset off (after its length and CIE
 * pointer, at r) against its CIE at cieoff. */
static void read_fde(Frame *f, Rd *r, uint64_t cieoff, Rules *rules, RuleIvs *out)
{
	Cie cie;
	read_cie(f, cieoff, &cie);
	uint64_t at = r->pos;
	uint64_t lo = read_encoded(f, r, cie.fde_enc, cie.addrsize);
	uint64_t len = read_encoded(f, r, (uint8_t)(cie.fde_enc & 0x0f), cie.addrsize);
	if (cie.aug_z)
		rd_skip(r, rd_uleb(r));
	if (lo + len < lo)
		fail(f->c, f->name, at, "FDE range wraps around");
	Exec *x = cx_alloc(f->c, sizeof *x);
	x->f = f;
	x->cie = &cie;
	x->rules = rules;
	x->out = out;
	x->st.cfa_reg = UINT64_MAX;
	x->loc = lo;
	x->end = lo + len;
	Rd ci = cie.insns;
	exec_cfa_insns(x, &ci);
	x->init = x->st;
	x->depth = 0;
	x->emit = true;
	x->loc = lo;
	exec_cfa_insns(x, r);
	row(x, x->end);
	cx_free(f->c, x);
}

int32_t rules_add(Ctx *c, Rules *rules, const SymtabFrameRule *r)
{
	uint64_t h = hash_bytes(r, sizeof *r, 0);
	for (;; h++) {
		bool isnew;
		uint64_t *ix = map_put(c, &rules->idx, h, &isnew);
		if (isnew) {
			*VPUSH(c, &rules->v) = *r;
			*ix = rules->v.n;
			return (int32_t)(rules->v.n - 1);
		}
		if (memcmp(&rules->v.v[*ix - 1], r, sizeof *r) == 0)
			return (int32_t)(*ix - 1);
	}
}

/* cmp_rules orders rule intervals by address, .eh_frame first. */
static int cmp_rules(const void *pa, const void *pb)
{
	const RuleIv *a = pa, *b = pb;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->src != b->src)
		return a->src - b->src;
	return (a->rule > b->rule) - (a->rule < b->rule);
}

/* read_section runs every FDE of one section. */
static void read_section(Frame *f, Rules *rules, RuleIvs *out)
{
	Ctx *c = f->c;
	Rd r;
	rd_init(&r, c, f->name, f->s->data, f->s->size);
	while (rd_left(&r) >= 4) {
		uint64_t off = r.pos;
		uint64_t len = rd_u32(&r);
		unsigned idsize = 4;
		if (len == 0) {
			if (f->eh)
				break; /* the terminator */
			continue;
		}
		if (len == 0xffffffff) {
			len = rd_u64(&r);
			idsize = 8;
		}
		Rd ent = rd_sub(&r, len);
		rd_skip(&r, len);
		uint64_t idpos = ent.pos;
		uint64_t id = rd_un(&ent, idsize);
		bool is_cie = f->eh ? id == 0 : id == (idsize == 4 ? 0xffffffffull : UINT64_MAX);
		if (is_cie)
			continue;
		uint64_t cieoff;
		if (f->eh) {
			if (id > idpos)
				fail(c, f->name, off, "CIE pointer 0x%llx out of range", (unsigned long long)id);
			cieoff = idpos - id;
		} else {
			cieoff = id;
		}
		read_fde(f, &ent, cieoff, rules, out);
	}
}

void cfi_read(Ctx *c, const Elf *e, Rules *rules, RuleIvs *out)
{
	static const char *const names[2] = {".eh_frame", ".debug_frame"};
	for (int i = 0; i < 2; i++) {
		Frame f = {0};
		f.c = c;
		f.e = e;
		f.name = names[i];
		f.s = elf_section(e, f.name);
		f.eh = i == 0;
		f.src = i;
		if (e->arch == SYMTAB_ARCH_AMD64) {
			f.sp = 7;
			f.fp = 6;
		} else {
			f.sp = 31;
			f.fp = 29;
		}
		if (f.s)
			read_section(&f, rules, out);
	}
	xsort(out->v, out->n, sizeof *out->v, cmp_rules);
}
