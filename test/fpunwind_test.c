/*
 * fpunwind_test.c: fpunwindExpand and traceStackFrame (the tracer's
 * stack expansion, runtime/tracestack.c) on real stacks: the self-checking
 * program test/prog/fpunwind.c under each compiler, level and arch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* count_lines returns how many lines of text start with prefix. */
static int count_lines(const char *text, const char *prefix)
{
	int n = 0;
	size_t len = strlen(prefix);
	for (const char *p = text; *p;) {
		if (strncmp(p, prefix, len) == 0)
			n++;
		const char *nl = strchr(p, '\n');
		if (!nl)
			break;
		p = nl + 1;
	}
	return n;
}

/* check_fpunwind runs one build of test/prog/fpunwind.c: every case
 * passes, the summary agrees with the "ok" lines, and the cases the
 * tracer depends on are among them. */
static void check_fpunwind(const char *prog, bool arm64)
{
	static const char *const cases[] = {
		"sentinel",
		"sentinel truncation",
		"chain",
		"skip 0",
		"skip 1",
		"skip 2",
		"skip 3",
		"truncate",
		"wrapper elided",
		"wrapper calling panic kept",
		"wrapper calling sigpanic kept",
		"wrappers around panic",
		"wrapper calling wrapper elided",
		"innermost wrapper elided",
		"inlined wrapper elided",
		"inlined wrapper calling panic kept",
		"unknown pcs kept",
		"unknown pc between panic and wrapper",
		"deep inline",
		"chain distinct",
		"chain skip",
		"chain truncate",
		"trace pcs",
	};
	struct run r;
	const char *argv[4];
	char want[128];

	need_file(prog);
	prog_argv(argv, arm64, prog, NULL);
	run(&r, argv, NULL);
	assert_exit(&r, 0);
	cr_assert(strstr(r.out, "FAIL") == NULL, "a case failed\n%s", r.report);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(want, sizeof want, "ok %s\n", cases[i]);
		assert_stdout_has(&r, want);
	}
	int ok = count_lines(r.out, "ok ");
	snprintf(want, sizeof want, "fpunwind: %d passed, 0 failed\n", ok);
	assert_stdout_has(&r, want);
	run_free(&r);
}

Test(fpunwind, gcc_O1) { check_fpunwind("build/test/prog/fpunwind-gcc-O1", false); }
Test(fpunwind, gcc_O2) { check_fpunwind("build/test/prog/fpunwind-gcc-O2", false); }
Test(fpunwind, clang_O2) { check_fpunwind("build/test/prog/fpunwind-clang-O2", false); }
Test(fpunwind, arm64_gcc_O2) { skip_without_qemu(); check_fpunwind("build/test/prog-arm64/fpunwind-gcc-O2", true); }
