/*
 * driver_test.c: the weft command (cmd/weft/) as a user meets it: help,
 * build, run, its errors, and what a failed build leaves behind.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#define WEFT "build/bin/weft"

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* count_entries counts the names in dir other than . and .. */
static int count_entries(const char *dir, char *names, size_t n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int count = 0;
	size_t len = 0;

	cr_assert(d != NULL, "opendir %s", dir);
	names[0] = '\0';
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		count++;
		if (len < n)
			len += (size_t)snprintf(names + len, n - len, " %s", e->d_name);
	}
	closedir(d);
	return count;
}

Test(driver, help)
{
	struct run r;

	need_file(WEFT);
	RUN(&r, NULL, WEFT, "help");
	assert_exit(&r, 0);
	const char *all = r.out[0] ? r.out : r.err;
	cr_assert(strstr(all, "build") && strstr(all, "run") && strstr(all, "help"),
		  "help does not list the commands\n%s", r.report);
	run_free(&r);

	RUN(&r, NULL, WEFT, "help", "build");
	assert_exit(&r, 0);
	cr_assert(strstr(r.out, "usage: weft build") || strstr(r.err, "usage: weft build"), "%s", r.report);
	run_free(&r);
}

Test(driver, unknown_command)
{
	struct run r;

	need_file(WEFT);
	RUN(&r, NULL, WEFT, "frobnicate");
	cr_assert(r.status != 0, "an unknown command succeeded\n%s", r.report);
	assert_stderr_has(&r, "frobnicate");
	run_free(&r);
}

Test(driver, unknown_flag)
{
	struct run r;
	char *dir = tmpdir("unknown_flag");
	char out[512];

	need_file(WEFT);
	snprintf(out, sizeof out, "%s/pingpong", dir);
	RUN(&r, NULL, WEFT, "build", "--no-such-flag", "-o", out, "examples/pingpong.c");
	cr_assert(r.status != 0 && r.sig == 0, "an unknown flag was accepted\n%s", r.report);
	assert_exit(&r, 2); /* a usage error (weft help build) */
	assert_stderr_has(&r, "--no-such-flag");
	cr_assert(!exists(out), "%s was built anyway", out);
	run_free(&r);
}

Test(driver, missing_file)
{
	struct run r;
	char *dir = tmpdir("missing_file");
	char out[512], src[512];

	need_file(WEFT);
	snprintf(out, sizeof out, "%s/prog", dir);
	snprintf(src, sizeof src, "%s/no_such_file.c", dir);
	RUN(&r, NULL, WEFT, "build", "-o", out, src);
	cr_assert(r.status != 0 && r.sig == 0, "building a missing file succeeded\n%s", r.report);
	assert_stderr_has(&r, "no_such_file.c");
	cr_assert(!exists(out), "%s exists after a failed build", out);
	run_free(&r);
}

/* A compile error: status 1, the compiler's message naming the file, no
 * output file, and nothing left in the output's directory. */
Test(driver, compile_error)
{
	struct run r;
	char *dir = tmpdir("compile_error");
	char src[512], out[512], names[1024];

	need_file(WEFT);
	snprintf(src, sizeof src, "%s/broken.c", dir);
	snprintf(out, sizeof out, "%s/broken", dir);
	write_file(src, "#include <weft.h>\nint weft_main(int argc, char **argv)\n{\n\treturn argc +;\n}\n");
	RUN(&r, NULL, WEFT, "build", "-o", out, src);
	assert_exit(&r, 1);
	assert_stderr_has(&r, "broken.c");
	assert_stderr_has(&r, "error");
	cr_assert(!exists(out), "%s exists after a failed build", out);
	int n = count_entries(dir, names, sizeof names);
	cr_assert(n == 1, "the failed build left files behind:%s", names);
	run_free(&r);
}

/* A link error (an undefined function) fails too, and a program built
 * before under the same name is left exactly as it was. */
Test(driver, link_error_keeps_old_output)
{
	struct run r;
	char *dir = tmpdir("link_error");
	char src[512], out[512], names[1024];

	need_file(WEFT);
	snprintf(src, sizeof src, "%s/undefined.c", dir);
	snprintf(out, sizeof out, "%s/undefined", dir);
	write_file(out, "old contents\n");
	write_file(src, "#include <weft.h>\nvoid no_such_function(void);\n"
			"int weft_main(int argc, char **argv)\n{\n\t(void)argc;\n\t(void)argv;\n"
			"\tno_such_function();\n\treturn 0;\n}\n");
	RUN(&r, NULL, WEFT, "build", "-o", out, src);
	assert_exit(&r, 1);
	assert_stderr_has(&r, "no_such_function");
	char *old = read_file(out, NULL);
	cr_assert(old && strcmp(old, "old contents\n") == 0, "the failed build changed %s", out);
	int n = count_entries(dir, names, sizeof names);
	cr_assert(n == 2, "the failed build left files behind:%s", names);
	free(old);
	run_free(&r);
}

/* weft build with no -o writes the program, named after the file, into
 * the current directory; it runs. */
Test(driver, build_default_output)
{
	struct run r;
	char *dir = tmpdir("default_output");
	char weft[4096], src[4096], prog[4096];

	need_file(WEFT);
	cr_assert(realpath(WEFT, weft) && realpath("examples/sieve.c", src));
	struct run_opts o = {.dir = dir};
	RUN(&r, &o, weft, "build", src);
	assert_exit(&r, 0);
	run_free(&r);
	snprintf(prog, sizeof prog, "%s/sieve", dir);
	cr_assert(exists(prog), "weft build examples/sieve.c did not write ./sieve");
	RUN(&r, NULL, prog, "3");
	assert_exit(&r, 0);
	assert_stdout(&r, "2\n3\n5\n");
	run_free(&r);
}

Test(driver, run_example)
{
	struct run r;
	char *want = read_file("test/testdata/examples/pingpong.out", NULL);

	need_file(WEFT);
	cr_assert(want != NULL);
	RUN(&r, NULL, WEFT, "run", "examples/pingpong.c");
	assert_exit(&r, 0);
	assert_stdout(&r, want);
	run_free(&r);
	free(want);
}

/* Arguments after -- reach the program; its exit status is weft run's. */
Test(driver, run_arguments_and_status)
{
	struct run r;
	char *want = read_file("test/testdata/examples/sieve5.out", NULL);

	need_file(WEFT);
	RUN(&r, NULL, WEFT, "run", "examples/sieve.c", "--", "5");
	assert_exit(&r, 0);
	assert_stdout(&r, want);
	run_free(&r);

	RUN(&r, NULL, WEFT, "run", "test/prog/exit.c", "--", "return", "3");
	assert_exit(&r, 3);
	assert_stdout(&r, "argc 3\nargv[1] return\nargv[2] 3\n");
	run_free(&r);
	free(want);
}

/* A program that panics: weft run passes its status (2) and message on. */
Test(driver, run_panic)
{
	struct run r;

	need_file(WEFT);
	RUN(&r, NULL, WEFT, "run", "test/prog/panic.c");
	assert_exit(&r, 2);
	assert_stderr_has(&r, "panic: boom 42");
	run_free(&r);
}

Test(driver, run_arm64)
{
	struct run r;
	char *want = read_file("test/testdata/examples/pingpong.out", NULL);
	const char *envs[] = {"WEFTARCH=arm64", NULL};
	struct run_opts o = {.env = envs, .timeout_s = 120};

	skip_without_qemu();
	need_file(WEFT);
	RUN(&r, &o, WEFT, "run", "examples/pingpong.c");
	assert_exit(&r, 0);
	assert_stdout(&r, want);
	run_free(&r);
	free(want);
}

/* WEFTFLAGS reaches the compiler. */
Test(driver, weftflags)
{
	struct run r;
	char *dir = tmpdir("weftflags");
	char src[512];
	const char *envs[] = {"WEFTFLAGS=-DWEFT_TEST_VALUE=4242 -DWEFT_TEST_OTHER=1", NULL};
	struct run_opts o = {.env = envs};

	need_file(WEFT);
	snprintf(src, sizeof src, "%s/flags.c", dir);
	write_file(src, "#include <weft.h>\nint weft_main(int argc, char **argv)\n{\n\t(void)argc;\n\t(void)argv;\n"
			"\tweft_printf(\"%d %d\\n\", WEFT_TEST_VALUE, WEFT_TEST_OTHER);\n\treturn 0;\n}\n");
	RUN(&r, &o, WEFT, "run", src);
	assert_exit(&r, 0);
	assert_stdout(&r, "4242 1\n");
	run_free(&r);
}

/* The hosted program (built by ninja with --libc) mixes libc and weft.
 * Its stdout is libc's buffered stream, flushed by returning from
 * weft_main as by returning from main. */
static const char libc_want[] = "1 squared is 1\n2 squared is 4\n3 squared is 9\n4 squared is 16\n"
				"strlen(\"weft\") = 4\n";

Test(driver, libc_program)
{
	struct run r;
	const char *envs[] = {"WEFTMAXPROCS=2", NULL};
	struct run_opts o = {.env = envs};

	need_file("build/test/prog/libc");
	RUN(&r, &o, "build/test/prog/libc");
	assert_exit(&r, 0);
	assert_stdout(&r, libc_want);
	run_free(&r);
}

Test(driver, run_libc)
{
	struct run r;

	need_file(WEFT);
	RUN(&r, NULL, WEFT, "run", "--libc", "test/prog/libc.c");
	assert_exit(&r, 0);
	assert_stdout(&r, libc_want);
	run_free(&r);
}

/*
 * A hosted program is a PIE, and the runtime refers to its symbol table
 * through a weak symbol. Had the first link left that symbol undefined,
 * it would carry a dynamic symbol and relocation that the second link
 * (which defines it) does not: about 0x38 bytes more in the read-only
 * segment in front of the code. Where that segment ends just past a page
 * boundary in one link and just before it in the other, all the code
 * moves by a page and the build fails ("code moved between the links").
 * The test pads that segment with a note so that its end, measured in a
 * build without a table (-g0, linked as the first link used to be), lands
 * a little past a page boundary, and builds with the table at several
 * such paddings.
 */

/* ro_end returns where the first loadable segment of the ELF file path
 * ends in the file: the read-only part in front of the code. */
static unsigned long ro_end(const char *path)
{
	FILE *f = fopen(path, "rb");
	Elf64_Ehdr eh;
	Elf64_Phdr ph;

	cr_assert(f != NULL, "open %s", path);
	cr_assert(fread(&eh, sizeof eh, 1, f) == 1, "read %s", path);
	for (int i = 0; i < eh.e_phnum; i++) {
		cr_assert(fseek(f, (long)(eh.e_phoff + (Elf64_Off)i * eh.e_phentsize), SEEK_SET) == 0);
		cr_assert(fread(&ph, sizeof ph, 1, f) == 1, "read %s", path);
		if (ph.p_type == PT_LOAD) {
			fclose(f);
			return ph.p_offset + ph.p_filesz;
		}
	}
	fclose(f);
	cr_assert_fail("%s has no loadable segment", path);
	return 0;
}

static const char notepad_src[] =
	"#include <weft.h>\n"
	"#define S(x) #x\n"
	"#define STR(x) S(x)\n"
	"/* A note of PAD bytes, in the segment in front of the code. */\n"
	"__asm__(\".section .note.weftpad, \\\"a\\\", %note\\n .balign 4\\n .long 4, \" STR(PAD)\n"
	"\t\", 0x77656674\\n .ascii \\\"weft\\\"\\n .skip \" STR(PAD) \"\\n .previous\");\n"
	"int weft_main(int argc, char **argv)\n{\n\t(void)argc;\n\t(void)argv;\n"
	"\tweft_printf(\"built\\n\");\n\treturn 0;\n}\n";

Test(driver, libc_layout_same_in_both_links)
{
	char *dir = tmpdir("layout");
	char src[512], out[512], env0[64];
	const char *envs[] = {env0, NULL};
	struct run_opts o = {.env = envs};
	struct run r;

	need_file(WEFT);
	snprintf(src, sizeof src, "%s/pad.c", dir);
	snprintf(out, sizeof out, "%s/pad", dir);
	write_file(src, notepad_src);
	snprintf(env0, sizeof env0, "WEFTFLAGS=-DPAD=0");
	RUN(&r, &o, WEFT, "build", "--libc", "-g0", "-o", out, src);
	assert_exit(&r, 0);
	run_free(&r);
	unsigned long end0 = ro_end(out), page = 4096;
	/* Padding to past+end0 = a page boundary plus past, for each past. */
	for (unsigned long past = 8; past <= 56; past += 16) {
		unsigned long pad = (page - end0 % page + past) % page;
		snprintf(env0, sizeof env0, "WEFTFLAGS=-DPAD=%lu", pad);
		RUN(&r, &o, WEFT, "build", "--libc", "-o", out, src);
		assert_exit(&r, 0);
		run_free(&r);
		RUN(&r, NULL, out);
		assert_exit(&r, 0);
		assert_stdout(&r, "built\n");
		run_free(&r);
	}
}

/* ---- help, version, install ---- */

/* add_name appends the name at p (letters, digits, '_') to names (a
 * space-separated list, room for n) unless it is there already. */
static void add_name(char *names, size_t n, const char *p)
{
	char name[64], padded[68];
	size_t len = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
	snprintf(name, sizeof name, "%.*s", (int)len, p);
	snprintf(padded, sizeof padded, " %s ", name);
	if (len == 0 || strstr(names, padded))
		return;
	size_t have = strlen(names);
	snprintf(names + have, n - have, "%s ", name);
}

/* runtime_settings lists in names what the runtime reads: each "WEFT..."
 * string in runtime/ (environment variables) and each option name passed
 * to weftdebug or rt_debugvar (WEFTDEBUG's options). */
static void runtime_settings(char *names, size_t n)
{
	DIR *d = opendir("runtime");
	struct dirent *e;

	cr_assert(d != NULL, "opendir runtime");
	snprintf(names, n, " ");
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (len < 3 || strcmp(e->d_name + len - 2, ".c") != 0)
			continue;
		char path[512];
		snprintf(path, sizeof path, "runtime/%s", e->d_name);
		char *text = read_file(path, NULL);
		cr_assert(text != NULL, "cannot read %s", path);
		for (const char *p = text; (p = strstr(p, "\"WEFT")) != NULL; p++)
			add_name(names, n, p + 1);
		static const char *const calls[] = {"weftdebug(\"", "rt_debugvar(\"", NULL};
		for (const char *const *c = calls; *c; c++)
			for (const char *p = text; (p = strstr(p, *c)) != NULL; p++)
				add_name(names, n, p + strlen(*c));
		free(text);
	}
	closedir(d);
}

/* weft help run names every environment variable and WEFTDEBUG option
 * the runtime reads, as found in its sources. */
Test(driver, help_run_names_runtime_settings)
{
	struct run r;
	char names[2048];

	need_file(WEFT);
	runtime_settings(names, sizeof names);
	/* What the sources are known to read, so that a broken scan fails. */
	static const char *const known[] = {"WEFTMAXPROCS", "WEFTTRACE", "WEFTTRACEBACK", "WEFTDEBUG",
					    "tracefpunwindoff", "tracegenms", "stackguard", "WEFTFLIGHT",
					    "flightbytes", "flightms", NULL};
	for (const char *const *k = known; *k; k++) {
		char padded[64];
		snprintf(padded, sizeof padded, " %s ", *k);
		cr_assert(strstr(names, padded), "the scan of runtime/ missed %s; it found:%s", *k, names);
	}
	RUN(&r, NULL, WEFT, "help", "run");
	assert_exit(&r, 0);
	for (char *name = strtok(names, " "); name; name = strtok(NULL, " ")) {
		char word[80];
		snprintf(word, sizeof word, "%s", name);
		if (strncmp(word, "WEFT", 4) != 0) /* an option: as name=value */
			snprintf(word, sizeof word, "%s=", name);
		assert_stdout_has(&r, word);
	}
	run_free(&r);
}

/* git_head returns the commit checked out in the current directory, or
 * NULL when it is not a git checkout or git cannot say. */
static char *git_head(void)
{
	struct run r;
	char *head = NULL;

	if (!exists(".git"))
		return NULL;
	RUN(&r, NULL, "git", "rev-parse", "HEAD");
	if (r.sig == 0 && r.status == 0 && r.outlen > 1)
		head = strndup(r.out, strcspn(r.out, "\n"));
	run_free(&r);
	return head;
}

/* weft version prints the version and the commit weft was built from. */
Test(driver, version)
{
	struct run r;
	char want[256];
	char *head = git_head();

	need_file(WEFT);
	RUN(&r, NULL, WEFT, "version");
	assert_exit(&r, 0);
	assert_stdout_has(&r, "weft version ");
	snprintf(want, sizeof want, "(commit %s)\n", head ? head : "unknown");
	assert_stdout_has(&r, want);
	run_free(&r);
	free(head);

	RUN(&r, NULL, WEFT, "version", "extra");
	assert_exit(&r, 2);
	run_free(&r);
}

/*
 * ninja install puts weft in $DESTDIR$PREFIX, and the installed weft
 * builds and runs programs from anywhere, with its own header and
 * libraries (never the build tree's), freestanding and hosted.
 */
Test(driver, install)
{
	struct run r;
	char *dir = tmpdir("install");
	char abs[4096], destdir[4200], weft[4300], work[4300], src[4400], prog[4400], inc[4300];
	const char *prefix = "/opt/weft";

	need_file(WEFT);
	cr_assert(realpath(dir, abs), "realpath %s", dir);
	snprintf(destdir, sizeof destdir, "DESTDIR=%s/stage", abs);
	const char *envs[] = {destdir, "PREFIX=/opt/weft", NULL};
	struct run_opts o = {.env = envs, .timeout_s = 300};
	RUN(&r, &o, "ninja", "install");
	assert_exit(&r, 0);
	run_free(&r);

	static const char *const files[] = {"bin/weft", "bin/weft-symtab", "include/weft/weft.h",
					    "include/weft/funcid.h", "lib/weft/libweft.a",
					    "lib/weft/libweft_hosted.a", "lib/weft/arm64/libweft.a",
					    "lib/weft/arm64/libweft_hosted.a", NULL};
	for (const char *const *f = files; *f; f++) {
		char path[4400];
		snprintf(path, sizeof path, "%s/stage%s/%s", abs, prefix, *f);
		cr_assert(exists(path), "ninja install did not install %s", path);
	}

	/* A program of the user's own, in a directory of its own. */
	snprintf(weft, sizeof weft, "%s/stage%s/bin/weft", abs, prefix);
	snprintf(inc, sizeof inc, "-I%s/stage%s/include/weft", abs, prefix);
	snprintf(work, sizeof work, "%s/work", abs);
	cr_assert(mkdir(work, 0777) == 0, "mkdir %s", work);
	struct run_opts w = {.dir = work};
	snprintf(src, sizeof src, "%s/hello.c", work);
	write_file(src, "#include <weft.h>\nint weft_main(int argc, char **argv)\n{\n\t(void)argc;\n"
			"\t(void)argv;\n\tweft_printf(\"hello from goroutine %lld\\n\", (long long)weft_goid());\n"
			"\treturn 0;\n}\n");
	RUN(&r, &w, weft, "build", "-v", "hello.c");
	assert_exit(&r, 0);
	assert_stderr_has(&r, inc);
	cr_assert(strstr(r.err, "/build/include") == NULL && strstr(r.err, "/build/lib") == NULL,
		  "the installed weft used the build tree\n%s", r.report);
	run_free(&r);
	snprintf(prog, sizeof prog, "%s/hello", work);
	RUN(&r, NULL, prog);
	assert_exit(&r, 0);
	assert_stdout(&r, "hello from goroutine 1\n");
	run_free(&r);

	RUN(&r, &w, weft, "run", "--libc", "hello.c");
	assert_exit(&r, 0);
	assert_stdout(&r, "hello from goroutine 1\n");
	run_free(&r);
	free(dir);
}
