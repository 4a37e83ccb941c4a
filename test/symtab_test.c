/*
 * symtab_test.c: symbol tables. The self-checking inline program under
 * every compiler, level and arch; symbolized panics; the generator on bad
 * input (one clear error, status 2, never a crash) and on its fuzzing
 * corpus; programs without a table; the moved-code check; which functions
 * are the program's own (SYMTAB_FLAG_USER, for async preemption).
 */
#define _GNU_SOURCE /* asprintf */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

#define SYMTAB "build/bin/weft-symtab"
#define WEFT_BIN "build/bin/weft"

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

/* ---- the program's own code (SYMTAB_FLAG_USER) ----
 *
 * weft build names the C files it compiled (weft-symtab --user), and the
 * table flags their functions "user": the only code async preemption may
 * interrupt. weft-symtab --dump reads the table a built program embeds
 * and prints each function as
 *
 *	func I ENTRY-END NAME funcid=ID flags=F FILE:LINE
 *
 * with F 0 or the flags by name (asm, user).
 */

/* Func is one function line of a dump. */
struct func {
	char name[128], flags[32], file[PATH_MAX];
};

/* parse_func reads a "func" line of a dump into f; false for other lines. */
static bool parse_func(const char *line, struct func *f)
{
	unsigned i;
	char range[64], funcid[64];
	if (sscanf(line, "func %u %63s %127s %63s flags=%31s %4095s", &i, range, f->name, funcid,
		   f->flags, f->file) != 6)
		return false;
	char *colon = strrchr(f->file, ':');
	if (colon)
		*colon = 0;
	return true;
}

static bool is_user(const struct func *f)
{
	return strstr(f->flags, "user") != NULL;
}

static bool endswith(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* dump_table runs weft-symtab --dump on prog (a table or a built program)
 * into r, which the caller frees; the dump must succeed. */
static void dump_table(struct run *r, const char *prog)
{
	RUN(r, NULL, SYMTAB, "--dump", prog);
	assert_exit(r, 0);
	cr_assert(strstr(r->out, "\nfunc ") != NULL, "no functions in the dump\n%s", r->report);
}

/* find_func returns the first function called name in a dump, or NULL
 * (in a static buffer). */
static const struct func *find_func(const char *dump, const char *name)
{
	static struct func f;
	for (const char *p = dump; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (parse_func(p, &f) && strcmp(f.name, name) == 0)
			return &f;
	return NULL;
}

/* want_user asserts that the dump has a function name, flagged user or
 * not, as user says. */
static void want_user(const struct run *r, const char *name, bool user)
{
	const struct func *f = find_func(r->out, name);
	cr_assert(f != NULL, "no function %s in the dump of %s", name, r->desc);
	cr_assert(is_user(f) == user, "%s (%s) is flagged %s, want %s\n(%s)", name, f->file,
		  f->flags, user ? "user" : "not user", r->desc);
}

/*
 * check_user dumps the table of prog, a build of test/prog/inline.c, and
 * checks that exactly the functions of inline.c and of inlinechain.h (its
 * header, whose static chain is compiled into inline.c's unit) are flagged
 * user: not the runtime's, the arch's assembly, the hosted shim's, nor
 * any the C library or the C start-up files brought (hosted builds: their
 * functions have no file of ours). want_foreign is the least number of
 * those libc and start-up functions the build must show.
 */
static void check_user(const char *prog, int want_foreign)
{
	struct run r;
	need_file(prog);
	dump_table(&r, prog);
	int own = 0, foreign = 0;
	for (const char *p = r.out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		struct func f;
		if (!parse_func(p, &f))
			continue;
		bool mine = endswith(f.file, "/test/prog/inline.c") || endswith(f.file, "/test/prog/inlinechain.h");
		cr_assert(is_user(&f) == mine, "%s (%s) is flagged %s, want %s\n(%s)", f.name, f.file,
			  f.flags, mine ? "user" : "not user", prog);
		own += mine;
		if (!strstr(f.file, "/runtime/") && !strstr(f.file, "/arch/") && !strstr(f.file, "/hosted/") && !mine)
			foreign++;
	}
	cr_assert(own >= 4, "only %d functions of inline.c in %s", own, prog);
	cr_assert(foreign >= want_foreign, "%d functions from neither weft nor the program in %s, want %d or more",
		  foreign, prog, want_foreign);
	/* The program's own, whatever the compiler inlined. */
	want_user(&r, "weft_main", true);
	want_user(&r, "record", true);
	want_user(&r, "goroutine", true);
	const struct func *chain = find_func(r.out, "chain");
	cr_assert(chain && endswith(chain->file, "/inlinechain.h") && is_user(chain),
		  "chain, from inlinechain.h, not flagged user in %s", prog);
	/* The runtime's C and the arch's assembly. */
	want_user(&r, "schedule", false);
	want_user(&r, "weft_go", false);
	want_user(&r, "gopark", false);
	want_user(&r, "weft_chan_send", false);
	want_user(&r, "arch_mcall", false);
	want_user(&r, "arch_gogo", false);
	cr_assert(strcmp(find_func(r.out, "arch_gogo")->flags, "asm") == 0, "arch_gogo is not asm");
	run_free(&r);
}

Test(symtab_user, gcc_O2) { check_user("build/test/prog/inline-gcc-O2", 0); }
Test(symtab_user, gcc_O1) { check_user("build/test/prog/inline-gcc-O1", 0); }
Test(symtab_user, clang_O2) { check_user("build/test/prog/inline-clang-O2", 0); }
Test(symtab_user, arm64_gcc_O2) { check_user("build/test/prog-arm64/inline-gcc-O2", 0); }
Test(symtab_user, arm64_clang_O1) { check_user("build/test/prog-arm64/inline-clang-O1", 0); }

/* A hosted program: libc's own start-up code (_start, _init...) is in it,
 * and its main is the hosted shim's, not the program's. */
Test(symtab_user, hosted)
{
	check_user("build/test/prog/inline-libc", 3);
	struct run r;
	dump_table(&r, "build/test/prog/inline-libc");
	want_user(&r, "main", false);
	want_user(&r, "_start", false);
	run_free(&r);
}

/* An arm64 hosted program is linked statically: the whole of the C
 * library it uses is in it, none of it the program's. */
Test(symtab_user, hosted_static_libc)
{
	struct run r;
	need_file("build/test/prog-arm64/libc");
	dump_table(&r, "build/test/prog-arm64/libc");
	int user = 0, libc = 0;
	for (const char *p = r.out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		struct func f;
		if (!parse_func(p, &f))
			continue;
		bool mine = endswith(f.file, "/test/prog/libc.c");
		cr_assert(is_user(&f) == mine, "%s (%s) is flagged %s\n", f.name, f.file, f.flags);
		user += mine;
		libc += strcmp(f.file, "?") == 0;
	}
	cr_assert(user >= 1 && libc >= 100, "%d user functions, %d from libc", user, libc);
	want_user(&r, "weft_main", true);
	want_user(&r, "__libc_start_main", false);
	want_user(&r, "memcpy", false);
	run_free(&r);
}

/* A program of two C files, one named through "sub/..", and an object
 * linked in prebuilt (WEFTLDFLAGS), itself compiled from C with DWARF:
 * the two files' functions are the program's, the object's are not. */
Test(symtab_user, driver_files_and_prebuilt)
{
	struct run r;
	char *dir = tmpdir("symtab-user");
	char weft[PATH_MAX], abs[PATH_MAX], *p = NULL;

	need_file(WEFT_BIN);
	cr_assert(realpath(WEFT_BIN, weft) && realpath(dir, abs));
	cr_assert(asprintf(&p, "%s/main.c", abs) > 0);
	write_file(p, "#include <weft.h>\n"
		      "int helper(int);\n"
		      "int prebuilt(int);\n"
		      "int weft_main(int argc, char **argv)\n"
		      "{\n"
		      "\t(void)argv;\n"
		      "\treturn helper(argc) + prebuilt(argc) == 2 * argc + 3 ? 0 : 1;\n"
		      "}\n");
	free(p);
	cr_assert(asprintf(&p, "%s/helper.c", abs) > 0);
	write_file(p, "int helper(int x);\nint helper(int x) { return x + 1; }\n");
	free(p);
	cr_assert(asprintf(&p, "%s/prebuilt.c", abs) > 0);
	write_file(p, "int prebuilt(int x);\nint prebuilt(int x) { return x + 2; }\n");
	free(p);
	cr_assert(asprintf(&p, "%s/sub", abs) > 0);
	cr_assert(mkdir(p, 0777) == 0 || errno == EEXIST);
	free(p);

	struct run_opts o = {.dir = abs};
	RUN(&r, &o, "gcc", "-g", "-O2", "-fno-stack-protector", "-c", "prebuilt.c", "-o", "prebuilt.o");
	assert_exit(&r, 0);
	run_free(&r);
	struct run_opts ob = {.dir = abs, .env = ENV("WEFTLDFLAGS=prebuilt.o")};
	RUN(&r, &ob, weft, "build", "-o", "prog", "main.c", "sub/../helper.c");
	assert_exit(&r, 0);
	run_free(&r);
	cr_assert(asprintf(&p, "%s/prog", abs) > 0);
	RUN(&r, NULL, p);
	assert_exit(&r, 0);
	run_free(&r);

	dump_table(&r, p);
	want_user(&r, "weft_main", true);
	want_user(&r, "helper", true);
	want_user(&r, "prebuilt", false);
	const struct func *f = find_func(r.out, "prebuilt");
	cr_assert(strcmp(f->flags, "0") == 0 && endswith(f->file, "/prebuilt.c"),
		  "prebuilt: flags=%s file %s, want a C function (flags=0) of prebuilt.c", f->flags, f->file);
	run_free(&r);
	free(p);
	free(dir);
}

/* The generator alone: without --user it flags nothing (the safe
 * default); --user matches a unit however the path is spelled; a --user
 * file that no unit came from flags nothing and is no error. */
Test(symtab_user, generator_option)
{
	struct run r;
	char *dir = tmpdir("symtab-useropt"), *out = NULL, abs[PATH_MAX];
	need_file("build/test/prog/panic");
	cr_assert(asprintf(&out, "%s/panic.symtab", dir) > 0);
	cr_assert(realpath("test/prog/panic.c", abs));

	RUN(&r, NULL, SYMTAB, "-o", out, "build/test/prog/panic");
	assert_exit(&r, 0);
	run_free(&r);
	dump_table(&r, out);
	cr_assert(strstr(r.out, "flags=user") == NULL, "flagged without --user\n%s", r.report);
	run_free(&r);

	const char *const all[] = {"test/prog/panic.c", "./test//prog/../prog/panic.c", abs};
	for (size_t i = 0; i < 3; i++) {
		RUN(&r, NULL, SYMTAB, "--user", all[i], "-o", out, "build/test/prog/panic");
		assert_exit(&r, 0);
		run_free(&r);
		dump_table(&r, out);
		want_user(&r, "weft_main", true);
		want_user(&r, "weft_panic", false);
		run_free(&r);
	}

	RUN(&r, NULL, SYMTAB, "--user", "test/prog/deadlock.c", "-o", out, "build/test/prog/panic");
	assert_exit(&r, 0);
	run_free(&r);
	dump_table(&r, out);
	cr_assert(strstr(r.out, "flags=user") == NULL, "flagged by another program's file\n%s", r.report);
	run_free(&r);
	free(out);
	free(dir);
}

/* A --user file that does not exist is an error naming it, status 2,
 * with no table written. */
Test(symtab_user, missing_source)
{
	struct run r;
	char *dir = tmpdir("symtab-usermissing"), *out = NULL;
	need_file("build/test/prog/panic");
	cr_assert(asprintf(&out, "%s/out.symtab", dir) > 0);
	RUN(&r, NULL, SYMTAB, "--user", "test/prog/no-such-file.c", "-o", out, "build/test/prog/panic");
	assert_exit(&r, 2);
	assert_stderr_has(&r, "test/prog/no-such-file.c");
	assert_stderr_has(&r, "No such file");
	cr_assert(strchr(r.err, '\n') == r.err + r.errlen - 1, "want exactly one line\n%s", r.report);
	cr_assert(fopen(out, "r") == NULL, "a failed run left %s behind", out);
	run_free(&r);
	RUN(&r, NULL, SYMTAB, "-o", out, "build/test/prog/panic", "--user");
	assert_exit(&r, 2);
	assert_stderr_has(&r, "--user needs a file name");
	run_free(&r);
	free(out);
	free(dir);
}

/* --dump of a program built with -g0, which has no table: an error. */
Test(symtab_user, dump_without_table)
{
	struct run r;
	need_file("build/test/prog/panic-nodwarf");
	RUN(&r, NULL, SYMTAB, "--dump", "build/test/prog/panic-nodwarf");
	assert_exit(&r, 2);
	assert_stderr_has(&r, "panic-nodwarf: no symbol table");
	run_free(&r);
}
