/*
 * symtab_test.c: symbol tables. The self-checking inline program under
 * every compiler, level and arch; symbolized panics; the generator on bad
 * input (one clear error, status 2, never a crash) and on its fuzzing
 * corpus; programs without a table; the moved-code check.
 */
#define _GNU_SOURCE /* asprintf */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define SYMTAB "build/bin/weft-symtab"

/* check_inline runs one build of test/prog/inline.c: every check passes. */
static void check_inline(const char *prog, bool arm64)
{
	struct run r;
	const char *argv[4];

	need_file(prog);
	prog_argv(argv, arm64, prog, NULL);
	run(&r, argv, NULL);
	assert_exit(&r, 0);
	cr_assert(strstr(r.out, "FAIL") == NULL, "a check failed\n%s", r.report);
	assert_stdout_has(&r, "ok chain\n");
	assert_stdout_has(&r, "ok goroutine\n");
	assert_stdout_has(&r, "ok goexit\n");
	assert_stdout_has(&r, "PASS\n");
	run_free(&r);
}

Test(symtab_inline, gcc_O1) { check_inline("build/test/prog/inline-gcc-O1", false); }
Test(symtab_inline, gcc_O2) { check_inline("build/test/prog/inline-gcc-O2", false); }
Test(symtab_inline, clang_O1) { check_inline("build/test/prog/inline-clang-O1", false); }
Test(symtab_inline, clang_O2) { check_inline("build/test/prog/inline-clang-O2", false); }
Test(symtab_inline, hosted) { check_inline("build/test/prog/inline-libc", false); }
Test(symtab_inline, arm64_gcc_O1) { skip_without_qemu(); check_inline("build/test/prog-arm64/inline-gcc-O1", true); }
Test(symtab_inline, arm64_gcc_O2) { skip_without_qemu(); check_inline("build/test/prog-arm64/inline-gcc-O2", true); }
Test(symtab_inline, arm64_clang_O1) { skip_without_qemu(); check_inline("build/test/prog-arm64/inline-clang-O1", true); }
Test(symtab_inline, arm64_clang_O2) { skip_without_qemu(); check_inline("build/test/prog-arm64/inline-clang-O2", true); }

/* A panic's stack names weft_main in panic.c, below weft_panic's caller,
 * and stops there. */
static void check_panic_symbols(const char *prog, bool arm64)
{
	struct run r;
	const char *argv[4];

	need_file(prog);
	prog_argv(argv, arm64, prog, NULL);
	run(&r, argv, NULL);
	assert_exit(&r, 2);
	assert_stderr_has(&r, "panic: boom 42");
	assert_stderr_has(&r, "\nweft_main(...)\n\t");
	assert_stderr_has(&r, "panic.c:");
	/* As in Go, the runtime's frames below weft_main are not shown. */
	cr_assert(strstr(r.err, "goexit(") == NULL && strstr(r.err, "runtime_main(") == NULL,
		  "runtime frames shown\n%s", r.report);
	run_free(&r);
}

Test(symtab_panic, amd64) { check_panic_symbols("build/test/prog/panic", false); }
Test(symtab_panic, arm64) { skip_without_qemu(); check_panic_symbols("build/test/prog-arm64/panic", true); }

/* The stack-overflow report names the recursing function. */
Test(symtab_panic, overflow)
{
	struct run r;

	need_file("build/test/prog/overflow");
	RUN(&r, NULL, "build/test/prog/overflow");
	assert_exit(&r, 2);
	assert_stderr_has(&r, "stack overflow");
	assert_stderr_has(&r, "overflow.c:");
	run_free(&r);
}

/* ---- the generator on bad input ---- */

/* bad_input runs the generator on path and wants exit status 2 and one
 * line naming the file and an offset (or the problem, for non-ELF). */
static void bad_input(const char *path, const char *needle)
{
	struct run r;
	char *dir = tmpdir("symtab-bad");
	char *out = NULL;

	cr_assert(asprintf(&out, "%s/out.symtab", dir) > 0);
	RUN(&r, NULL, SYMTAB, "-o", out, path);
	cr_assert(r.sig == 0 && r.status == 2, "want exit status 2\n%s", r.report);
	assert_stderr_has(&r, path);
	if (needle)
		assert_stderr_has(&r, needle);
	cr_assert(strchr(r.err, '\n') == r.err + r.errlen - 1, "want exactly one line\n%s", r.report);
	FILE *f = fopen(out, "r");
	cr_assert(f == NULL, "a failed run left %s behind", out);
	run_free(&r);
	free(out);
	free(dir);
}

/* copy_prefix writes the first n bytes of src (n < 0: all but -n) to dst. */
static void copy_prefix(const char *src, const char *dst, long n)
{
	size_t len;
	char *data = read_file(src, &len);
	cr_assert(data != NULL, "cannot read %s", src);
	size_t keep = n >= 0 ? (size_t)n : len - (size_t)-n;
	FILE *f = fopen(dst, "w");
	cr_assert(f != NULL && fwrite(data, 1, keep, f) == keep && fclose(f) == 0, "cannot write %s", dst);
	free(data);
}

Test(symtab_generator, not_elf)
{
	char *dir = tmpdir("symtab-notelf"), *p = NULL;
	cr_assert(asprintf(&p, "%s/notelf", dir) > 0);
	write_file(p, "this is not an ELF file\n");
	bad_input(p, NULL);
	free(p);
	free(dir);
}

Test(symtab_generator, truncated)
{
	char *dir = tmpdir("symtab-trunc"), *p = NULL;
	cr_assert(asprintf(&p, "%s/truncated", dir) > 0);
	need_file("build/test/prog/panic");
	copy_prefix("build/test/prog/panic", p, 200);
	bad_input(p, "offset");
	free(p);
	free(dir);
}

Test(symtab_generator, no_dwarf)
{
	char *dir = tmpdir("symtab-nodwarf"), *p = NULL;
	struct run r;
	cr_assert(asprintf(&p, "%s/stripped", dir) > 0);
	need_file("build/test/prog/panic");
	RUN(&r, NULL, "strip", "--strip-debug", "-o", p, "build/test/prog/panic");
	assert_exit(&r, 0);
	run_free(&r);
	bad_input(p, "DWARF");
	free(p);
	free(dir);
}

/* Cut off the end of the file, where the section headers and the DWARF
 * sections lie: the reader must notice, whichever part is cut. */
Test(symtab_generator, cut_end)
{
	char *dir = tmpdir("symtab-cut"), *p = NULL;
	cr_assert(asprintf(&p, "%s/cut", dir) > 0);
	need_file("build/test/prog/panic");
	copy_prefix("build/test/prog/panic", p, -64);
	bad_input(p, "offset");
	free(p);
	free(dir);
}

/* test/testdata/symtab: tiny.elf and copies damaged one way each (gen.sh
 * beside them makes them). The error names the file, the section and the
 * offset, and says what is wrong. */
Test(symtab_generator, damaged)
{
	static const struct {
		const char *file, *section, *what;
	} cases[] = {
		{"badunit.elf", ".debug_info: offset 0x", "past the end"},
		{"badform.elf", ".debug_info: offset 0x", "unknown attribute form 0x7f"},
		{"badline.elf", ".debug_line: offset 0x", "version 9"},
		{"badcfi.elf", ".eh_frame: offset 0x", "truncated"},
		{"badsec.elf", "section headers: offset 0x", "outside the file"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *path = NULL;
		cr_assert(asprintf(&path, "test/testdata/symtab/%s", cases[i].file) > 0);
		bad_input(path, cases[i].section);
		bad_input(path, cases[i].what);
		free(path);
	}
	/* The undamaged original reads. */
	struct run r;
	char *dir = tmpdir("symtab-tiny"), *out = NULL;
	cr_assert(asprintf(&out, "%s/tiny.symtab", dir) > 0);
	RUN(&r, NULL, SYMTAB, "-o", out, "test/testdata/symtab/tiny.elf");
	assert_exit(&r, 0);
	run_free(&r);
	RUN(&r, NULL, SYMTAB, "--dump", out);
	assert_exit(&r, 0);
	assert_stdout_has(&r, " work ");
	assert_stdout_has(&r, "twice");
	run_free(&r);
	free(out);
	free(dir);
}

/* corpus runs the generator on every file in dir: exit 0 or 2, never a
 * signal, never a hang. */
static void corpus(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		cr_skip_test("no corpus at %s", dir);
	struct dirent *e;
	int n = 0;
	char *out = tmpdir("symtab-corpus"), *o = NULL;
	cr_assert(asprintf(&o, "%s/out", out) > 0);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *path = NULL;
		cr_assert(asprintf(&path, "%s/%s", dir, e->d_name) > 0);
		struct run r;
		RUN(&r, NULL, SYMTAB, "-o", o, path);
		cr_assert(r.sig == 0 && (r.status == 0 || r.status == 2), "want status 0 or 2\n%s", r.report);
		run_free(&r);
		free(path);
		n++;
	}
	closedir(d);
	cr_log_info("%d inputs from %s", n, dir);
	free(o);
	free(out);
}

Test(symtab_generator, fuzz_corpus) { corpus("test/fuzz/corpus"); }
Test(symtab_generator, fuzz_regressions) { corpus("test/fuzz/regressions"); }

/* --same fails for two different programs' layouts. */
Test(symtab_generator, moved_code)
{
	struct run r;
	need_file("build/test/prog/panic");
	need_file("build/test/prog/sendclosed");
	RUN(&r, NULL, SYMTAB, "--same", "build/test/prog/panic", "build/test/prog/sendclosed");
	cr_assert(r.sig == 0 && r.status == 1, "want exit status 1\n%s", r.report);
	run_free(&r);
	RUN(&r, NULL, SYMTAB, "--same", "build/test/prog/panic", "build/test/prog/panic");
	assert_exit(&r, 0);
	run_free(&r);
}

/* A program built without debugging information has no table, and still
 * runs and panics properly, with unnamed frames. */
Test(symtab_generator, no_table)
{
	struct run r;
	need_file("build/test/prog/panic-nodwarf");
	RUN(&r, NULL, "build/test/prog/panic-nodwarf");
	assert_exit(&r, 2);
	assert_stderr_has(&r, "panic: boom 42");
	assert_stderr_has(&r, "goroutine 1 [running]:\n?(0x");
	run_free(&r);
}
