#!/bin/sh
# test/fuzz/make_corpus.sh: rebuilds the seed corpus of symtab_fuzz.c in
# test/fuzz/corpus/: tiny freestanding executables (no libc, a few KB
# each) that exercise what the generator reads: inline chains, a cold
# partition, a FuncID mark, an assembly routine with and without CFI and
# DWARF, DWARF 4 and 5, gcc and clang, amd64 and arm64, static and PIE;
# plus tables written from some of them, for the table reader.
#
# Usage: test/fuzz/make_corpus.sh [WEFT-SYMTAB]   (from the repository root)
set -eu
tool=${1:-build/bin/weft-symtab}
out=test/fuzz/corpus
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/tiny.c" <<'C'
#include "funcid.h"
volatile int sink;
static inline __attribute__((always_inline)) int c3(int x) { sink += x; return x * 3; }
static inline __attribute__((always_inline)) int c2(int x) { return c3(x + 1) * 2; }
static inline __attribute__((always_inline)) int c1(int x) { return c2(x + 2) + c3(x); }
static inline int wrap(int x) { sink ^= x; return x + 1; }
WEFT_FUNCID(wrap, FUNCID_WRAPPER);
__attribute__((cold, noinline)) void oops(int x) { sink = x; for (;;) ; }
__attribute__((noinline)) int f(int x)
{
	if (__builtin_expect(x < 0, 0)) {
		oops(x);
		sink = c3(x);
	}
	return c1(x) + wrap(x);
}
__attribute__((noinline)) int rec(int n) { return n <= 0 ? c2(n) : rec(n - 1) + 1; }
void asm_cfi(void);
void asm_plain(void);
void _start(void)
{
	asm_cfi();
	asm_plain();
	sink = f(sink) + rec(sink);
	for (;;) ;
}
C
cat >"$tmp/asm_amd64.S" <<'S'
	.text
	.globl asm_cfi
	.type asm_cfi, @function
asm_cfi:
	.cfi_startproc
	push %rbp
	.cfi_def_cfa_offset 16
	.cfi_offset %rbp, -16
	mov %rsp, %rbp
	.cfi_def_cfa_register %rbp
	pop %rbp
	.cfi_def_cfa %rsp, 8
	ret
	.cfi_endproc
	.size asm_cfi, .-asm_cfi
	.globl asm_plain
	.type asm_plain, @function
asm_plain:
	ret
	.size asm_plain, .-asm_plain
	.section .note.GNU-stack,"",@progbits
S
cat >"$tmp/asm_arm64.S" <<'S'
	.text
	.globl asm_cfi
	.type asm_cfi, %function
asm_cfi:
	.cfi_startproc
	stp x29, x30, [sp, -16]!
	.cfi_def_cfa_offset 16
	.cfi_offset 29, -16
	.cfi_offset 30, -8
	mov x29, sp
	ldp x29, x30, [sp], 16
	.cfi_restore 30
	.cfi_restore 29
	.cfi_def_cfa_offset 0
	ret
	.cfi_endproc
	.size asm_cfi, .-asm_cfi
	.globl asm_plain
	.type asm_plain, %function
asm_plain:
	ret
	.size asm_plain, .-asm_plain
	.section .note.GNU-stack,"",%progbits
S

cflags="-ffreestanding -fno-stack-protector -Iabi"
build() { # name compiler asm-file target-flags compile-flags link-flags
	name=$1 cc=$2 asm=$3 target=$4 copts=$5 lopts=$6
	"$cc" $target $cflags $copts -c "$tmp/tiny.c" -o "$tmp/tiny.o"
	"$cc" $target -c "$asm" -o "$tmp/asm.o" # no -g: a routine without DWARF
	"$cc" $target -nostdlib -Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,-z,noseparate-code $lopts "$tmp/tiny.o" "$tmp/asm.o" -o "$tmp/$name"
	case "$cc $target" in
	*aarch64*) objcopy=aarch64-linux-gnu-objcopy ;;
	*) objcopy=objcopy ;;
	esac
	$objcopy --remove-section .comment "$tmp/$name" "$out/$name"
}
A=$tmp/asm_amd64.S
R=$tmp/asm_arm64.S
build gcc-O2-dwarf5 gcc "$A" "" "-O2 -g" "-static -no-pie"
build gcc-O1-dwarf4 gcc "$A" "" "-O1 -gdwarf-4" "-static -no-pie"
build gcc-O2-pie gcc "$A" "" "-O2 -g -fPIE" "-static-pie"
build clang-O2-dwarf5 clang "$A" "" "-O2 -g" "-static"
build clang-O1-dwarf4 clang "$A" "" "-O1 -gdwarf-4" "-static"
build arm64-gcc-O2 aarch64-linux-gnu-gcc "$R" "" "-O2 -g" "-static"
build arm64-gcc-O1-dwarf4 aarch64-linux-gnu-gcc "$R" "" "-O1 -gdwarf-4" "-static"
build arm64-clang-O2 clang "$R" "--target=aarch64-linux-gnu" "-O2 -g" "-static"
for t in gcc-O2-dwarf5 clang-O2-dwarf5 arm64-gcc-O2; do
	"$tool" -o "$out/table-$t" "$out/$t"
done
ls -l "$out"
