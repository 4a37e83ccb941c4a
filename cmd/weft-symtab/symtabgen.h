/*
 * cmd/weft-symtab/symtabgen.h: the generator's internal interfaces, shared
 * by its files and by the fuzz target (test/fuzz/symtab_fuzz.c).
 *
 * The pipeline, one file per stage:
 *
 *	util.c     errors, memory, the bounds-checked reader, hash maps
 *	elf.c      the ELF file: sections and function symbols
 *	dwarf.c    .debug_info/.debug_abbrev and the forms, strings,
 *	           addresses and range lists its attributes point into
 *	line.c     .debug_line (v2 to v5): file tables and line intervals
 *	cfi.c      .eh_frame (or .debug_frame): frame-rule intervals
 *	pcvalue.c  painting overlapping intervals into pc-value tables
 *	build.c    the table's contents: functions, inline trees, FuncIDs
 *	write.c    the blob's layout and bytes
 *	dump.c     reading a blob back: validation and a text dump
 *	main.c     the command line
 *
 * Errors. Every stage reports bad input through fail(), which formats
 * "FILE: SECTION: offset 0xNNN: what is wrong" into the context and
 * longjmps to the jmp_buf that the entry point (symtab_generate,
 * symtab_dump, symtab_same) set up. Every allocation is tracked by the
 * context (cx_alloc), so the entry point frees everything, on success or
 * failure, with cx_freeall: nothing leaks when a fuzzer feeds it garbage.
 *
 * Nothing here trusts a count or an offset read from the input: reads go
 * through Rd, whose every access is checked against the end of what it may
 * read, and arrays grow only as the input is actually consumed.
 */
#ifndef WEFT_SYMTABGEN_H
#define WEFT_SYMTABGEN_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../abi/funcid.h"
#include "../../abi/symtab.h"

#define PRINTF_LIKE(a, b) __attribute__((format(printf, a, b)))

/* ---- util.c: errors, memory, work budget ---- */

typedef struct Alloc {
	struct Alloc *prev, *next;
} Alloc;

typedef struct Ctx {
	jmp_buf jb;       /* where fail() returns to */
	const char *file; /* the input's name, for messages */
	char msg[512];    /* the error, without "weft-symtab: " */
	Alloc head;       /* every live allocation, a circular list */
	uint64_t work;    /* steps taken so far (see cx_work) */
	uint64_t worklimit;
} Ctx;

/* The work budget bounds the time spent on one input, so that no input,
 * however crafted, keeps the generator busy for long: WORK_PER_BYTE steps
 * per input byte, plus WORK_BASE. Real binaries take under one step per
 * byte (a 2,000-line test program: 0.17); what costs more than linear time is crafted. */
#define WORK_PER_BYTE 64
#define WORK_BASE (1ull << 22)

/* cx_init readies c for an entry point; file names the input, of len
 * bytes (which sets the work budget). The caller then does setjmp(c->jb)
 * and, after either outcome, cx_freeall(c). */
void cx_init(Ctx *c, const char *file, size_t len);
/* fail reports bad input in section sect at byte offset off and does not
 * return (it longjmps to c->jb). sect may be NULL for whole-file errors. */
_Noreturn void fail(Ctx *c, const char *sect, uint64_t off, const char *fmt, ...)
	PRINTF_LIKE(4, 5);
/* cx_alloc returns n zeroed bytes owned by c (never NULL: no memory is a
 * failure reported through fail). */
void *cx_alloc(Ctx *c, size_t n);
/* cx_realloc resizes p (NULL or from cx_alloc) to n bytes; new bytes are
 * not zeroed. */
void *cx_realloc(Ctx *c, void *p, size_t n);
/* cx_free frees one allocation early; p may be NULL. */
void cx_free(Ctx *c, void *p);
/* cx_freeall frees everything c still owns. */
void cx_freeall(Ctx *c);
/* cx_strdup copies s into memory owned by c. */
char *cx_strdup(Ctx *c, const char *s);
/* cx_work charges n steps to c's budget, failing when it is spent. */
void cx_work(Ctx *c, uint64_t n);
/* xsort is qsort that accepts an empty (possibly NULL) array. */
void xsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
/* cx_grow makes room for need elements of size esz in *pv (capacity *cap),
 * growing geometrically. */
void cx_grow(Ctx *c, void *pv, size_t *cap, size_t need, size_t esz);
/* path_canon returns path made absolute (against the current directory)
 * and canonical: realpath's answer when the file exists, else the path
 * with ".", ".." and repeated slashes taken out by their spelling alone.
 * The result is owned by c. */
const char *path_canon(Ctx *c, const char *path);

/* A growable array of T: VEC(T) v = {0}; T *e = VPUSH(c, &v); */
#define VEC(T)                 \
	struct {               \
		T *v;          \
		size_t n, cap; \
	}
#define VPUSH(c, vec)                                                          \
	(cx_grow((c), &(vec)->v, &(vec)->cap, (vec)->n + 1, sizeof *(vec)->v), \
	 memset(&(vec)->v[(vec)->n], 0, sizeof *(vec)->v), &(vec)->v[(vec)->n++])

/* ---- util.c: the bounds-checked reader ---- */

/* Rd reads little-endian data from a section: p[pos..end) is readable,
 * and every read past end fails with the section's name and the offset.
 * Offsets are from the start of the section (p), as dumpers show them. */
typedef struct Rd {
	Ctx *c;
	const char *sect;
	const uint8_t *p;
	uint64_t pos, end;
} Rd;

/* rd_init reads p[0..size) of section sect. */
void rd_init(Rd *r, Ctx *c, const char *sect, const uint8_t *p, uint64_t size);
/* rd_sub returns a reader of the next len bytes of r (r does not move). */
Rd rd_sub(Rd *r, uint64_t len);
/* rd_seek moves to offset off, which must be at most r->end. */
void rd_seek(Rd *r, uint64_t off);
void rd_skip(Rd *r, uint64_t n);
uint8_t rd_u8(Rd *r);
uint16_t rd_u16(Rd *r);
uint32_t rd_u32(Rd *r);
uint64_t rd_u64(Rd *r);
/* rd_un reads an n-byte (1 to 8) unsigned integer. */
uint64_t rd_un(Rd *r, unsigned n);
uint64_t rd_uleb(Rd *r);
int64_t rd_sleb(Rd *r);
/* rd_str returns the NUL-terminated string at pos and moves past it. */
const char *rd_str(Rd *r);
/* rd_left is how many bytes remain. */
static inline uint64_t rd_left(const Rd *r) { return r->end - r->pos; }
/* str_at returns the NUL-terminated string at offset off of p[0..size),
 * failing (naming sect and off) if off is out of bounds or the string
 * runs off the end. */
const char *str_at(Ctx *c, const char *sect, const uint8_t *p, uint64_t size, uint64_t off);

/* ---- util.c: hash maps and buffers ---- */

/* Map maps uint64 keys to uint64 values (open addressing). */
typedef struct Map {
	uint64_t *keys, *vals;
	uint8_t *used;
	size_t n, cap;
} Map;
/* map_get returns a pointer to key's value, or NULL. */
uint64_t *map_get(const Map *m, uint64_t key);
/* map_put returns a pointer to key's value, inserting 0 if it is new
 * (*isnew says which). */
uint64_t *map_put(Ctx *c, Map *m, uint64_t key, bool *isnew);

/* Buf is a growable byte buffer. */
typedef VEC(uint8_t) Buf;
void buf_put(Ctx *c, Buf *b, const void *p, size_t n);
void buf_uvarint(Ctx *c, Buf *b, uint32_t v);

/* hash_bytes is FNV-1a. */
uint64_t hash_bytes(const void *p, size_t n, uint64_t h);

/* Strtab interns NUL-terminated strings into one buffer; an offset in it
 * identifies a string (the same string, the same offset). */
typedef struct StrEnt {
	uint32_t off;  /* of the string in buf */
	uint32_t next; /* 1 + the next entry with the same hash, 0: none */
} StrEnt;
typedef struct Strtab {
	Buf buf;
	Map idx; /* hash -> 1 + the first entry of its chain in ents */
	VEC(StrEnt) ents;
} Strtab;
uint32_t str_intern(Ctx *c, Strtab *t, const char *s);

/* ---- elf.c ---- */

typedef struct Section {
	const char *name;
	uint32_t type;
	uint64_t flags, addr, off, size;
	uint32_t link;
	const uint8_t *data; /* NULL for SHT_NOBITS */
} Section;

typedef struct Sym {
	const char *name;
	uint64_t addr, size;
	uint8_t bind, type;
	uint16_t shndx;
} Sym;

typedef struct Elf {
	Ctx *c;
	const uint8_t *buf;
	size_t len;
	uint16_t machine, type;
	int arch; /* SYMTAB_ARCH_* */
	Section *sect;
	size_t nsect;
	const Section **exec; /* the allocated executable sections */
	size_t nexec;
} Elf;

/* elf_open checks the ELF header and section headers of buf[0..len),
 * which must outlive e: an ELF64 little-endian executable (ET_EXEC or
 * ET_DYN) for x86-64 or AArch64. */
void elf_open(Elf *e, Ctx *c, const uint8_t *buf, size_t len);
/* elf_section returns the section called name, or NULL. A compressed
 * section fails (there is no zlib here). */
const Section *elf_section(const Elf *e, const char *name);
/* elf_exec_section returns the allocated executable section that holds
 * all of [lo, hi), or NULL. */
const Section *elf_exec_section(const Elf *e, uint64_t lo, uint64_t hi);
/* elf_symbol_data returns the bytes of the file from the defined symbol
 * name (of any type) to the end of its section, their count in *n, or
 * NULL if there is no such symbol or its section has no bytes in the
 * file. */
const uint8_t *elf_symbol_data(const Elf *e, const char *name, size_t *n);
/* elf_symbols returns the defined symbols of .symtab whose type is FUNC
 * (or GNU_IFUNC), and OBJECT too if objects; *n is their count. A file
 * without .symtab has none. */
Sym *elf_symbols(const Elf *e, bool objects, size_t *n);

/* ---- dwarf.c ---- */

typedef struct Abbrev Abbrev;
typedef struct Line Line;

/* A line interval: [lo, hi) is file:line (file: the unit's file number). */
typedef struct LineIv {
	uint64_t lo, hi;
	int32_t file;
	int32_t line;
} LineIv;

typedef struct Unit {
	uint64_t off, end; /* the unit in .debug_info, header included */
	uint64_t dies;     /* offset of its first DIE */
	int version, addrsize, offsize, type;
	struct Abbrevs *abbrevs;
	uint64_t str_offsets_base, addr_base, rnglists_base;
	uint64_t base; /* base address for range lists: low_pc */
	const char *name, *comp_dir;
	uint64_t lang;
	bool user; /* C, and one of the program's sources (build.c, --user) */
	/* The line table's files, and the global file index each maps to
	 * once used (-2: not yet). v5 numbers from 0, older versions from 1
	 * (files[0] is then the primary source file, by convention). */
	const char **files;
	int32_t *fileidx;
	size_t nfiles;
	VEC(LineIv) lines; /* sorted by lo */
	uint64_t *linemax; /* linemax[i]: max hi of lines[0..i] */
} Unit;

/* Val is a decoded attribute value. */
enum {
	CLS_NONE,   /* absent, or a form whose value weft does not use */
	CLS_ADDR,   /* u: an address */
	CLS_ADDRX,  /* u: an index into .debug_addr */
	CLS_CONST,  /* u: an unsigned constant, s: the same, signed */
	CLS_SCONST, /* s: a signed constant (sdata) */
	CLS_FLAG,   /* u */
	CLS_STR,    /* str: the string itself */
	CLS_STRP,   /* u: offset in .debug_str */
	CLS_LSTRP,  /* u: offset in .debug_line_str */
	CLS_STRX,   /* u: index into .debug_str_offsets */
	CLS_REF,    /* u: absolute .debug_info offset */
	CLS_SECOFF, /* u: an offset in some other section */
	CLS_RNGX,   /* u: index into the unit's range list offsets */
	CLS_BLOCK,  /* u: length, str: bytes */
};
typedef struct Val {
	uint8_t cls;
	uint16_t form;
	uint64_t u;
	int64_t s;
	const char *str;
} Val;

/* Die holds the attributes of one DIE that the generator uses. */
typedef struct Die {
	uint64_t off;
	uint32_t tag;
	bool children;
	Val name, low, high, ranges, entry, origin, spec;
	Val decl_file, decl_line, call_file, call_line;
	Val stmt_list, comp_dir, lang, str_offsets_base, addr_base, rnglists_base;
} Die;

typedef struct Range {
	uint64_t lo, hi;
} Range;
typedef VEC(Range) RangeVec;

typedef struct Dwarf {
	Ctx *c;
	const Elf *e;
	const Section *info, *abbrev, *str, *line_str, *addr, *str_offsets;
	const Section *ranges, *rnglists, *line;
	VEC(Unit) units;
	Map abbrevs;  /* .debug_abbrev offset -> struct Abbrevs * */
	Strtab *strs; /* the table's strings: file paths go here ... */
	struct Files *files; /* ... and into the global file table */
} Dwarf;

/* dw_open finds the DWARF sections and reads every unit's header, its
 * first DIE and its line table (line.c). Missing DWARF fails. Paths are
 * given global file indices (in files, strings in str) as they are used. */
void dw_open(Dwarf *d, Ctx *c, const Elf *e, Strtab *str, struct Files *files);
/* dw_reader returns a reader of section s (named name), at offset off;
 * a missing section fails, naming name and off. */
Rd dw_reader(Ctx *c, const Section *s, const char *name, uint64_t off);
/* dw_form decodes one attribute value of the given form at r (used by
 * line.c for DWARF 5 file tables, with u's sizes). */
void dw_form(Dwarf *d, Unit *u, Rd *r, uint64_t form, Val *v);
/* dw_unit_at returns the unit containing .debug_info offset off, or NULL. */
Unit *dw_unit_at(Dwarf *d, uint64_t off);
/* dw_die decodes the DIE at r->pos of unit u into *die and leaves r after
 * it. It returns false for a null entry (the end of a sibling list). */
bool dw_die(Dwarf *d, Unit *u, Rd *r, Die *die);
/* dw_die_at decodes the DIE at absolute .debug_info offset off. */
bool dw_die_at(Dwarf *d, uint64_t off, Die *die, Unit **up);
/* dw_info_reader returns a reader positioned at u's first DIE. */
Rd dw_info_reader(Dwarf *d, Unit *u);
/* dw_string returns the string v names (NULL if v is not a string). */
const char *dw_string(Dwarf *d, Unit *u, const Val *v);
/* dw_addr returns the address v names (CLS_ADDR or CLS_ADDRX). */
uint64_t dw_addr(Dwarf *d, Unit *u, const Val *v);
/* dw_pc_ranges appends the code ranges of die (low/high_pc or ranges) to
 * out, empty ones left out; returns false if the DIE has none. */
bool dw_pc_ranges(Dwarf *d, Unit *u, const Die *die, RangeVec *out);
/* dw_const returns a constant attribute's value (0 if absent). */
uint64_t dw_const(const Val *v);

enum {
	DW_TAG_lexical_block = 0x0b,
	DW_TAG_compile_unit = 0x11,
	DW_TAG_inlined_subroutine = 0x1d,
	DW_TAG_subprogram = 0x2e,
	DW_TAG_partial_unit = 0x3c,
	DW_TAG_skeleton_unit = 0x4a,
	DW_LANG_C89 = 0x01,
	DW_LANG_C = 0x02,
	DW_LANG_C99 = 0x0c,
	DW_LANG_C11 = 0x1d,
	DW_LANG_C17 = 0x2c,
	DW_LANG_Mips_Assembler = 0x8001,
};

/* ---- line.c ---- */

/* line_read decodes the line table at offset off of .debug_line for unit
 * u: its file names (u->files) and its line intervals (u->lines), keeping
 * only sequences that start in executable text. */
void line_read(Dwarf *d, Unit *u, uint64_t off);
/* line_file returns the global file index of u's file number n, giving
 * the path an index on first use; fails if n is out of range. */
int32_t line_file(Dwarf *d, Unit *u, uint64_t n, const char *sect, uint64_t off);

/* The global file table: every path used, in order of first use. */
typedef struct Files {
	VEC(uint32_t) path; /* string offsets (Strtab) */
	Map byoff;          /* string offset -> index */
} Files;
/* files_add returns the index of the path at string offset stroff,
 * adding it if new. */
int32_t files_add(Ctx *c, Files *f, uint32_t stroff);

/* ---- cfi.c ---- */

/* RuleIv: over [lo, hi) the frame rule is rule (index, or -1), from
 * .eh_frame (src 0) or .debug_frame (src 1). */
typedef struct RuleIv {
	uint64_t lo, hi;
	int32_t rule;
	int32_t src;
} RuleIv;

typedef VEC(RuleIv) RuleIvs;

typedef struct Rules {
	VEC(SymtabFrameRule) v;
	Map idx; /* hash of a rule -> index + 1, chains by probing in v */
} Rules;

/* cfi_read decodes .eh_frame and .debug_frame into rule intervals,
 * sorted by lo, appended to out; the distinct rules go to rules. A binary
 * without either has no intervals. */
void cfi_read(Ctx *c, const Elf *e, Rules *rules, RuleIvs *out);
/* rules_add returns the index of r in rules, adding it if new. */
int32_t rules_add(Ctx *c, Rules *rules, const SymtabFrameRule *r);

/* ---- pcvalue.c ---- */

/* Paint: an interval [lo, hi) with value val; where intervals overlap,
 * the highest prio wins (ties: the later in the array). */
typedef struct Paint {
	uint64_t lo, hi;
	int64_t prio;
	int32_t val;
} Paint;

/* PcRun: value val for len bytes. */
typedef struct PcRun {
	int32_t val;
	uint32_t len;
} PcRun;
typedef VEC(PcRun) PcRuns;

/* paint turns the intervals p[0..n) into runs covering [lo, hi) exactly,
 * -1 where none covers, adjacent equal runs merged. p is reordered. */
void paint(Ctx *c, Paint *p, size_t n, uint64_t lo, uint64_t hi, PcRuns *out);

/* PcTabs holds the encoded pc-value tables, deduplicated. */
typedef struct PcTabs {
	Buf buf;
	Map idx; /* hash -> offset + 1 (probing on collisions) */
	VEC(uint32_t) offs;
} PcTabs;
/* pctab_add encodes runs and returns 1 + its offset in t->buf, or 0 when
 * every value is -1 (no table needed). */
uint32_t pctab_add(Ctx *c, PcTabs *t, const PcRuns *runs);

/* pcvalue_next decodes one pair of a table at r: returns false at the
 * end; else *val is updated by the delta and *len is the pc delta. */
bool pcvalue_next(Rd *r, int32_t *val, uint32_t *len);

/* ---- build.c, write.c ---- */

/* Table is the generated table before layout; names and paths are
 * offsets in str, pc-value table offsets are 1 + offset in pc (0: none). */
typedef struct Table {
	SymtabHeader hdr;
	VEC(SymtabFunc) funcs;
	VEC(SymtabBucket) buckets;
	VEC(SymtabInlinedCall) inl;
	Rules rules;
	Files files;
	PcTabs pc;
	Strtab str;
} Table;

/* Blob is a finished table. */
typedef struct Blob {
	uint8_t *data;
	size_t size;
} Blob;

/* table_write lays t out as a blob (memory owned by c). */
Blob table_write(Ctx *c, Table *t);

/* GenOpts is what the command line adds to what the executable says. */
typedef struct GenOpts {
	/* The program's own C sources (--user), each as path_canon gives
	 * it: the functions of their C units get SYMTAB_FLAG_USER. */
	const char *const *user;
	size_t nuser;
} GenOpts;

/* symtab_generate builds the table of the ELF executable buf[0..len),
 * named file in messages, with the options opts (NULL: none). It returns
 * 0 and a malloc'd blob (the caller frees out->data), or -1 with the
 * message in c->msg; c is left freed. It never exits and never reads
 * outside buf (it looks at the file system only for opts->user). */
int symtab_generate_opts(Ctx *c, const char *file, const uint8_t *buf, size_t len,
			 const GenOpts *opts, Blob *out);
/* symtab_generate is symtab_generate_opts without options (the fuzz
 * target's entry). */
int symtab_generate(Ctx *c, const char *file, const uint8_t *buf, size_t len, Blob *out);

/* symtab_dump validates the blob buf[0..len) and prints it to out (NULL:
 * validate only); buf may also be an ELF executable, whose embedded table
 * (the symbol weft_symtab) is the blob. Returns 0, or -1 with the message
 * in c->msg. */
int symtab_dump(Ctx *c, const char *file, const uint8_t *buf, size_t len, FILE *out);

/* symtab_same compares the FUNC symbols of two ELF files (see main.c);
 * returns 0 if none moved, 1 if some did (printed to out), -1 on error. */
int symtab_same(Ctx *c, const char *fa, const uint8_t *a, size_t alen, const char *fb,
		const uint8_t *b, size_t blen, FILE *out);

#endif
