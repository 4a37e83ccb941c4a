#!/bin/sh
# gen.sh: builds tiny.elf from tiny.c and the damaged copies that
# test/symtab_test.c feeds to weft-symtab, each wrong in one way:
#
#   badunit.elf   .debug_info: a unit longer than the section
#   badform.elf   .debug_abbrev: an attribute with a form DWARF doesn't have
#   badline.elf   .debug_line: a line table of version 9
#   badcfi.elf    .eh_frame: an entry longer than the section
#   badsec.elf    section headers: .debug_str placed past the end of the file
#
# Run it from anywhere; it needs gcc, readelf and dd. The outputs are
# committed, so the tests do not depend on this machine's compiler.
set -eu
cd "$(dirname "$0")"
gcc -g -gdwarf-5 -O1 -fno-omit-frame-pointer -nostdlib -static -no-pie -o tiny.elf tiny.c

# offset FILE SECTION prints the file offset of SECTION's contents.
offset() {
	readelf -SW "$1" | sed 's/^ *\[ *[0-9]*\] *//' | awk -v s="$2" '$1 == s { print $4 }' |
		{ read -r hex; echo $((0x$hex)); }
}

# patch FILE AT BYTES writes the octal-escaped BYTES at offset AT.
patch() {
	printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

cp tiny.elf badunit.elf
patch badunit.elf "$(offset tiny.elf .debug_info)" '\360\377\377\177'

# The first abbreviation: code, tag, children, then (attribute, form)
# pairs; all one byte each here. Its first form becomes 0x7f.
cp tiny.elf badform.elf
patch badform.elf $(($(offset tiny.elf .debug_abbrev) + 4)) '\177'

cp tiny.elf badline.elf
patch badline.elf $(($(offset tiny.elf .debug_line) + 4)) '\011\000'

cp tiny.elf badcfi.elf
patch badcfi.elf "$(offset tiny.elf .eh_frame)" '\360\377\377\177'

# Section header N is at e_shoff + N * 64; sh_offset is at +24 in it.
cp tiny.elf badsec.elf
shoff=$(readelf -hW tiny.elf | awk '/Start of section headers/ { print $5 }')
idx=$(readelf -SW tiny.elf | sed -n 's/^ *\[ *\([0-9]*\)\] *\.debug_str .*/\1/p')
patch badsec.elf $((shoff + idx * 64 + 24)) '\000\000\000\000\001\000\000\000'
