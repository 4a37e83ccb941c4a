/*
 * abi/symtab.h: the symbol table that every weft binary carries, shared by
 * its writer (cmd/weft-symtab, a host tool that reads the compiler's DWARF
 * and .eh_frame) and its readers (runtime/symtab.c, runtime/symtabinl.c).
 *
 * It plays the part of Go's pclntab: for any PC of the program's text it
 * gives the function, the file and line, the inlined calls the PC stands
 * for, and the rule that finds the caller's frame without frame pointers.
 *
 * Layout. One blob, 8-byte aligned, little-endian, reached through the
 * symbol weft_symtab (the second link of `weft build` defines it; a binary
 * linked without one runs with no names). Every offset, in the header and
 * in the records (names, file names, pc-value tables), is from the start
 * of the blob; every PC is a 32-bit offset from hdr.textbase.
 *
 *	SymtabHeader
 *	SymtabFunc[nfunc]          sorted by entry, disjoint
 *	SymtabBucket[nbucket]      findfunc's index: one per BUCKET_SIZE bytes of text
 *	SymtabInlinedCall[ninl]    every function's inline tree, each contiguous
 *	SymtabFrameRule[nrule]     the distinct frame rules
 *	uint32_t file[nfile]       offsets of the file names
 *	pc-value tables            (see below)
 *	strings                    NUL-terminated, deduplicated
 *
 * PC-value tables. A table maps each PC of a function to an int32: the
 * file index (pcfile), the line (pcline), the index into the function's
 * inline tree or -1 (pcinl), the frame-rule index or -1 (pcrule). It is a
 * sequence of pairs, starting from value -1 at the function's entry:
 *
 *	svarint  vdelta    the value changes by vdelta (zig-zag varint) ...
 *	uvarint  pcdelta   ... and holds for the next pcdelta bytes
 *
 * and ends with a pair whose pcdelta is 0. (Go's encoding, but ending
 * explicitly.) Table offset 0 means "no table": every value is -1.
 *
 * Inlining. pcinl(pc) = i >= 0 means pc is code of the inlined call
 * inl[f.inl + i]. Its name and FuncID are that entry's; its file:line at pc
 * is pcfile/pcline(pc) (the line table speaks of the innermost source).
 * The call itself sits in entry parent (or, if parent is -1, in the
 * function f) at callfile:callline. Go's tree records a PC in the caller
 * and looks the call site up through the caller's tables; DWARF names the
 * call site outright (DW_AT_call_file, DW_AT_call_line), so weft keeps it,
 * which is exact and needs no representative PC.
 *
 * Flags. SYMTAB_FLAG_ASM marks a routine written in assembly (no DWARF
 * lines, no inlining). SYMTAB_FLAG_USER marks a function compiled by
 * `weft build` from one of the program's own C sources: the only code at
 * which asynchronous preemption may stop a goroutine (funcPreemptible),
 * never the runtime, whose locks and half-switched state a signal must
 * not cut into, nor assembly, libc or prebuilt objects, whose state weft
 * cannot know. The driver names each C file it compiled (weft-symtab
 * --user SRC) and a function takes the flag from its compile unit: a
 * static inline function from a header, compiled out of line into one of
 * the program's units, is the program's code; a routine of an assembly
 * unit never is. A table made without --user flags no function, which
 * is the safe default: nothing may be interrupted. (The flag took a free
 * bit and changed no layout, so SYMTAB_VERSION stayed.)
 *
 * Frame rules, from .eh_frame: at a PC the canonical frame address (CFA)
 * is reg + cfaoff, with reg the stack or the frame pointer; the return
 * address is saved at CFA + raoff, or is still in the link register
 * (SYMTAB_IN_LR, arm64); the caller's frame pointer is saved at
 * CFA + fpoff, or still in the frame pointer register (SYMTAB_SAME). The
 * caller's stack pointer is the CFA.
 */
#ifndef WEFT_ABI_SYMTAB_H
#define WEFT_ABI_SYMTAB_H

#include <stdint.h>

#define SYMTAB_MAGIC 0x53544657u /* "WFTS" */
#define SYMTAB_VERSION 1
#define SYMTAB_ARCH_AMD64 1
#define SYMTAB_ARCH_ARM64 2

#define SYMTAB_BUCKET_SIZE 4096 /* text bytes per findfunc bucket */
#define SYMTAB_SUBBUCKETS 16    /* ... and per bucket, sub-buckets of 256 bytes */

typedef struct SymtabHeader {
	uint32_t magic;   /* SYMTAB_MAGIC */
	uint16_t version; /* SYMTAB_VERSION */
	uint8_t ptrsize;  /* 8 */
	uint8_t arch;     /* SYMTAB_ARCH_* */
	uint64_t textbase; /* link-time address that PCs are offsets from */
	uint64_t anchor;   /* link-time address of rt0_go; load bias = &rt0_go - anchor */
	uint32_t textsize; /* bytes of text covered, from textbase */
	uint32_t size;     /* of the whole blob */
	uint32_t nfunc, functab;
	uint32_t nbucket, buckettab;
	uint32_t ninl, inltab;
	uint32_t nrule, ruletab;
	uint32_t nfile, filetab;
	uint32_t pctab, pcsize;   /* the pc-value tables' bytes */
	uint32_t strtab, strsize; /* the strings' bytes */
} SymtabHeader;

enum {
	SYMTAB_FLAG_ASM = 1 << 0,  /* written in assembly: no DWARF lines or inlining */
	SYMTAB_FLAG_USER = 1 << 1, /* compiled by `weft build` from one of the program's
				    * C sources: the code async preemption may interrupt */
};

typedef struct SymtabFunc {
	uint32_t entry, end; /* [entry, end), offsets from textbase */
	uint32_t name;       /* offset of its name (in the strings) */
	uint8_t funcid;      /* FUNCID_* (abi/funcid.h) */
	uint8_t flags;       /* SYMTAB_FLAG_* */
	uint16_t reserved;
	uint32_t file;      /* file index of its definition */
	uint32_t startline; /* line of its definition */
	uint32_t pcfile, pcline, pcinl, pcrule; /* offsets of its pc-value tables, 0 for none */
	uint32_t inl, ninl; /* its inline tree: inl[inl .. inl + ninl) */
} SymtabFunc;

typedef struct SymtabBucket {
	uint32_t idx;                        /* first function of this bucket */
	uint8_t subbucket[SYMTAB_SUBBUCKETS]; /* added to idx for each 256 bytes */
} SymtabBucket;

typedef struct SymtabInlinedCall {
	uint8_t funcid; /* the inlined function's FuncID */
	uint8_t reserved[3];
	uint32_t name;      /* offset of the inlined function's name */
	int32_t parent;     /* index in the tree of the enclosing call, -1: the function */
	uint32_t callfile;  /* file index of the call site, in the parent */
	uint32_t callline;  /* line of the call site */
	uint32_t startline; /* line of the inlined function's definition */
} SymtabInlinedCall;

enum {
	SYMTAB_REG_SP = 0, /* the CFA is relative to the stack pointer */
	SYMTAB_REG_FP = 1, /* ... to the frame pointer (rbp, x29) */
};
#define SYMTAB_IN_LR INT32_MIN         /* raoff: the return address is in the link register */
#define SYMTAB_SAME INT32_MIN          /* fpoff: the frame pointer is unchanged */

typedef struct SymtabFrameRule {
	int32_t cfareg; /* SYMTAB_REG_* */
	int32_t cfaoff;
	int32_t raoff;  /* or SYMTAB_IN_LR */
	int32_t fpoff;  /* or SYMTAB_SAME */
} SymtabFrameRule;

_Static_assert(sizeof(SymtabHeader) == 88, "SymtabHeader layout");
_Static_assert(sizeof(SymtabFunc) == 48, "SymtabFunc layout");
_Static_assert(sizeof(SymtabBucket) == 20, "SymtabBucket layout");
_Static_assert(sizeof(SymtabInlinedCall) == 24, "SymtabInlinedCall layout");
_Static_assert(sizeof(SymtabFrameRule) == 16, "SymtabFrameRule layout");

#endif
