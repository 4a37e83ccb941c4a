/*
 * freestanding_test.c: the runtime needs nothing outside itself. Every
 * symbol that libweft.a (amd64 and arm64) leaves undefined is defined by
 * one of its own members; and a freestanding program is a static
 * executable with no interpreter, no shared libraries, and no libc in it.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* Symbols the linker itself defines: an archive may use them and still be
 * free of any library. Compiler helper libraries (libgcc) count as outside:
 * the runtime must not need them either. */
static const char *const linker_defined[] = {
	"_GLOBAL_OFFSET_TABLE_", "__ehdr_start", "_DYNAMIC", "__executable_start",
	"__init_array_start", "__init_array_end", "__fini_array_start", "__fini_array_end",
	"__preinit_array_start", "__preinit_array_end", "__bss_start", "_end", "_edata",
	"_etext", "__etext", "__data_start", "__tdata_start", "__tls_start",
	/* and the one symbol the program itself defines (weft.h) */
	"weft_main", NULL,
};

struct symset {
	char **v;
	size_t n, cap;
};

static void add(struct symset *s, const char *name)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		s->v = realloc(s->v, s->cap * sizeof *s->v);
	}
	s->v[s->n++] = strdup(name);
}

static bool has(const struct symset *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], name) == 0)
			return true;
	return false;
}

/* check_archive runs nm on lib and asserts that every U symbol is defined
 * (T D B R W V ...) by some member. */
static void check_archive(const char *lib)
{
	struct run r;
	struct symset undef = {0}, def = {0};

	need_file(lib);
	RUN(&r, NULL, "nm", "-A", lib);
	assert_exit(&r, 0);
	int members = 0;
	char *save, *text = strdup(r.out);
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* "lib:member.o:0000000000000000 T name" or "lib:member.o:                 U name" */
		char *name = strrchr(line, ' ');
		if (!name || name - line < 2 || name[-2] != ' ')
			continue;
		char type = name[-1];
		name++;
		if (type == 'U')
			add(&undef, name);
		else if (strchr("ABCDGIRSTVWiu", type))
			add(&def, name);
		members++;
	}
	cr_assert(members > 10 && def.n > 10, "nm found almost nothing in %s\n%s", lib, r.report);
	char missing[4096] = "";
	size_t nmissing = 0, len = 0;
	for (size_t i = 0; i < undef.n; i++) {
		bool linker = false;
		for (const char *const *l = linker_defined; *l; l++)
			if (strcmp(*l, undef.v[i]) == 0)
				linker = true;
		if (linker || has(&def, undef.v[i]))
			continue;
		bool dup = false;
		for (size_t j = 0; j < i; j++)
			if (strcmp(undef.v[j], undef.v[i]) == 0)
				dup = true;
		if (dup)
			continue;
		nmissing++;
		if (len < sizeof missing - 100)
			len += (size_t)snprintf(missing + len, sizeof missing - len, " %s", undef.v[i]);
	}
	cr_assert(nmissing == 0, "%s needs %zu symbols it does not define:%s", lib, nmissing, missing);
	free(text);
	run_free(&r);
}

Test(freestanding, libweft_amd64_self_contained) { check_archive("build/lib/weft/libweft.a"); }
Test(freestanding, libweft_arm64_self_contained) { check_archive("build/lib/weft/arm64/libweft.a"); }

/* check_static reads prog's ELF headers: a 64-bit little-endian executable
 * for machine, with no PT_INTERP and no DT_NEEDED. */
static void check_static(const char *prog, int machine)
{
	size_t len;

	need_file(prog);
	unsigned char *f = (unsigned char *)read_file(prog, &len);
	cr_assert(f != NULL && len >= sizeof(Elf64_Ehdr), "cannot read %s", prog);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)f;
	cr_assert(memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0, "%s is not ELF", prog);
	cr_assert(eh->e_ident[EI_CLASS] == ELFCLASS64 && eh->e_ident[EI_DATA] == ELFDATA2LSB,
		  "%s: not ELF64 little-endian", prog);
	cr_assert(eh->e_machine == machine, "%s: e_machine %d, want %d", prog, eh->e_machine, machine);
	cr_assert(eh->e_type == ET_EXEC || eh->e_type == ET_DYN, "%s: e_type %d", prog, eh->e_type);
	cr_assert(eh->e_phoff + (size_t)eh->e_phnum * sizeof(Elf64_Phdr) <= len, "%s: truncated", prog);
	Elf64_Phdr *ph = (Elf64_Phdr *)(f + eh->e_phoff);
	int loads = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		cr_assert(ph[i].p_type != PT_INTERP, "%s has an interpreter (PT_INTERP): not static", prog);
		if (ph[i].p_type == PT_LOAD)
			loads++;
		if (ph[i].p_type == PT_DYNAMIC) {
			cr_assert(ph[i].p_offset + ph[i].p_filesz <= len, "%s: bad PT_DYNAMIC", prog);
			Elf64_Dyn *d = (Elf64_Dyn *)(f + ph[i].p_offset);
			for (size_t k = 0; k < ph[i].p_filesz / sizeof *d && d[k].d_tag != DT_NULL; k++)
				cr_assert(d[k].d_tag != DT_NEEDED, "%s needs a shared library (DT_NEEDED)", prog);
		}
	}
	cr_assert(loads > 0, "%s has no PT_LOAD segment", prog);
	free(f);
}

/* check_no_libc: nothing from a C library was linked in. */
static void check_no_libc(const char *prog)
{
	struct run r;
	static const char *const libc_syms[] = {
		"__libc_start_main", "__libc_start_call_main", "_IO_printf", "printf", "malloc",
		"pthread_create", "__libc_csu_init", "_dl_relocate_static_pie", NULL,
	};

	need_file(prog);
	RUN(&r, NULL, "nm", prog);
	assert_exit(&r, 0);
	for (const char *const *s = libc_syms; *s; s++) {
		char pat[128];
		snprintf(pat, sizeof pat, " %s\n", *s);
		cr_assert(strstr(r.out, pat) == NULL, "%s contains libc's %s\n%s", prog, *s, r.report);
	}
	cr_assert(strstr(r.out, " U ") == NULL, "%s has undefined symbols\n%s", prog, r.report);
	cr_assert(strstr(r.out, " T weft_main\n") != NULL && strstr(r.out, " T _start\n") != NULL,
		  "%s lacks weft_main or the runtime's _start\n%s", prog, r.report);
	run_free(&r);
}

Test(freestanding, example_amd64_static)
{
	check_static("build/examples/pingpong", EM_X86_64);
	check_no_libc("build/examples/pingpong");
}
Test(freestanding, example_arm64_static)
{
	check_static("build/examples/arm64/pingpong", EM_AARCH64);
	check_no_libc("build/examples/arm64/pingpong");
}

/* The check can fail: a hosted (--libc) program on amd64 is dynamic. */
Test(freestanding, hosted_program_is_not_static)
{
	size_t len;

	need_file("build/test/prog/libc");
	unsigned char *f = (unsigned char *)read_file("build/test/prog/libc", &len);
	cr_assert(f != NULL && len >= sizeof(Elf64_Ehdr));
	Elf64_Ehdr *eh = (Elf64_Ehdr *)f;
	Elf64_Phdr *ph = (Elf64_Phdr *)(f + eh->e_phoff);
	bool interp = false;
	for (int i = 0; i < eh->e_phnum; i++)
		interp |= ph[i].p_type == PT_INTERP;
	cr_assert(interp, "the hosted build has no interpreter: is --libc linking libc at all?");
	free(f);
}
