/*
 * test/fuzz/symtab_fuzz.c: libFuzzer target for weft-symtab's readers.
 *
 * An input that starts with the table magic ("WFTS") goes to the table
 * reader (weft-symtab --dump), anything else to the generator as the
 * bytes of an ELF file. A table the generator writes must pass the
 * reader's checks: a table it cannot read back is a generator bug, and
 * aborts. Either way an error must come back as one line of text, never
 * a crash, a leak, a hang or an exit.
 *
 * Build and run (from the repository root):
 *
 *	clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
 *	    -Icmd/weft-symtab test/fuzz/symtab_fuzz.c \
 *	    $(ls cmd/weft-symtab/[!m]*.c) -o build/symtab_fuzz
 *	mkdir -p build/fuzz-corpus
 *	build/symtab_fuzz build/fuzz-corpus test/fuzz/corpus -max_len=65536 -timeout=10
 *
 * New findings go to build/fuzz-corpus (libFuzzer writes to the first
 * directory); crashes are written as crash-* in the current directory:
 * fix them, then keep the input in test/fuzz/regressions/ (symtab_test.c
 * runs the generator over both directories). To replay a directory:
 * build/symtab_fuzz test/fuzz/regressions/ -runs=0
 *
 * The seeds in test/fuzz/corpus/ are small real executables (amd64 and
 * arm64, gcc and clang, DWARF 4 and 5, static and PIE, with inlining, a
 * cold partition and a FuncID mark) and a few tables; make_corpus.sh
 * rebuilds them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symtabgen.h"

/* check_msg insists that an error is one non-empty line naming the input. */
static void check_msg(const Ctx *c, const char *name)
{
	size_t n = strlen(c->msg);
	if (n == 0 || strchr(c->msg, '\n') || strncmp(c->msg, name, strlen(name)) != 0) {
		fprintf(stderr, "bad error message: \"%s\"\n", c->msg);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	Ctx c;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (size >= 4 && memcmp(data, "WFTS", 4) == 0) {
		/* The reader, printing too, to run the formatting paths. */
		if (symtab_dump(&c, "table", data, size, devnull) < 0)
			check_msg(&c, "table");
		return 0;
	}
	Blob b;
	if (symtab_generate(&c, "elf", data, size, &b) < 0) {
		check_msg(&c, "elf");
		return 0;
	}
	if (symtab_dump(&c, "out", b.data, b.size, devnull) < 0) {
		fprintf(stderr, "the generator wrote a table its reader rejects: %s\n", c.msg);
		abort();
	}
	free(b.data);
	return 0;
}
