/*
 * pprof_test.c: the CPU profiler's profile writer (runtime/pprof.c), read
 * back by Go's own reader. test/prog/pprof.c writes a profile of its own
 * stacks, heavy (with heavy_inner inlined into it) and light counted 3:1
 * at 10 ms a sample, and `go tool pprof` must read it and show what was
 * written: 75% and 25%, heavy_inner as an entry of its own at its file
 * and line, every sample's time its count times the period, 400 ms in
 * all. A profile of no samples must parse too. Without Go 1.22 or later
 * the tests skip, saying why.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

enum { PERIOD_NS = 10 * 1000 * 1000 };

/* Go: testutil's find_go and need_go. */

/* gopprof runs go tool pprof with the arguments and the profile, and
 * asserts it read it. */
static void gopprof(struct run *r, const char *a1, const char *a2, const char *profile)
{
	struct run_opts o = {.env = go_env, .timeout_s = 120};
	if (a2)
		RUN(r, &o, go_path, "tool", "pprof", a1, a2, profile);
	else
		RUN(r, &o, go_path, "tool", "pprof", a1, profile);
	assert_exit(r, 0);
}

/* ---- reading pprof's output (testutil has -top's rows) ---- */

/* rawsamples reads the Samples section of -raw's output: each row is
 * "count ns: location ids"; asserts ns == count * period for each and
 * returns how many rows there were, with the totals. */
static int rawsamples(const struct run *r, long long *count, long long *ns)
{
	const char *p = strstr(r->out, "\nSamples:\n");
	cr_assert(p != NULL, "-raw has no Samples\n%s", r->report);
	p = strchr(p + 1, '\n') + 1;
	cr_assert(strncmp(p, "samples/count cpu/nanoseconds\n", 30) == 0, "-raw's sample types\n%s", r->report);
	p = strchr(p, '\n') + 1;
	int rows = 0;
	*count = *ns = 0;
	long long c, t;
	while (sscanf(p, " %lld %lld:", &c, &t) == 2) {
		cr_assert(t == c * PERIOD_NS, "a sample of %lld counts %lld ns, want %lld\n%s", c, t,
			  c * PERIOD_NS, r->report);
		*count += c;
		*ns += t;
		rows++;
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return rows;
}

/* ---- the tests ---- */

/* profile runs the program prog (arm64: under qemu) and reads its
 * profile. */
static void profile(const char *prog, bool arm64)
{
	need_go();
	char *dir = tmpdir(strrchr(prog, '/') + 1);
	char file[PATH_MAX];
	snprintf(file, sizeof file, "%s/cpu.pprof", dir);

	struct run r;
	const char *argv[4];
	prog_argv(argv, arm64, prog, file);
	run(&r, argv, NULL);
	assert_exit(&r, 0);
	assert_stdout_has(&r, "ok\n");
	/* Where heavy_inner and light took their stacks, by the symbol table. */
	char inl[512], light[512];
	const char *l = strstr(r.out, "inline heavy_inner ");
	cr_assert(l && sscanf(l, "inline heavy_inner %511s", inl) == 1, "no inline line\n%s", r.report);
	l = strstr(r.out, "\nlight ");
	cr_assert(l && sscanf(l, "\nlight %511s", light) == 1, "no light line\n%s", r.report);
	run_free(&r);

	struct run top;
	gopprof(&top, "-top", "-nodecount=50", file);
	cr_assert(strstr(top.out, "Total samples = 400ms") != NULL, "want 400ms of samples\n%s", top.report);
	double flat, cum;
	pprof_topline(&top, "heavy_inner (inline)", &flat, &cum);
	cr_assert(flat == 75.0, "heavy_inner has %.2f%% flat, want 75%%\n%s", flat, top.report);
	pprof_topline(&top, "heavy", &flat, &cum);
	cr_assert(flat == 0 && cum == 75.0, "heavy has %.2f%% flat, %.2f%% cum; want 0, 75\n%s", flat, cum,
		  top.report);
	pprof_topline(&top, "light", &flat, &cum);
	cr_assert(flat == 25.0, "light has %.2f%% flat, want 25%%\n%s", flat, top.report);
	pprof_topline(&top, "weft_main", &flat, &cum);
	cr_assert(cum == 100.0, "weft_main has %.2f%% cum, want 100%%\n%s", cum, top.report);
	run_free(&top);

	/* -lines names each location's file and line: heavy_inner's is the
	 * inlined function's own, not heavy's. */
	struct run lines;
	gopprof(&lines, "-top", "-lines", file);
	char want[600];
	snprintf(want, sizeof want, "heavy_inner %s (inline)", inl);
	pprof_topline(&lines, want, &flat, &cum);
	cr_assert(flat == 75.0, "%s has %.2f%% flat, want 75%%\n%s", want, flat, lines.report);
	snprintf(want, sizeof want, "light %s", light);
	pprof_topline(&lines, want, &flat, &cum);
	cr_assert(flat == 25.0, "%s has %.2f%% flat, want 25%%\n%s", want, flat, lines.report);
	run_free(&lines);

	struct run raw;
	gopprof(&raw, "-raw", NULL, file);
	long long count, ns;
	int rows = rawsamples(&raw, &count, &ns);
	cr_assert(rows == 4 && count == 40 && ns == 40LL * PERIOD_NS,
		  "-raw: %d samples of %lld counts, %lld ns; want 4, 40, 400ms\n%s", rows, count, ns, raw.report);
	assert_stdout_has(&raw, "PeriodType: cpu nanoseconds\nPeriod: 10000000\n");
	assert_stdout_has(&raw, "Duration: 1s\n");
	/* heavy's location: heavy_inner inlined, then heavy, in one location;
	 * the PC with no function: a location with only an address. */
	snprintf(want, sizeof want, "heavy_inner %s:0 s=", inl);
	assert_stdout_has(&raw, want);
	const char *h = strstr(raw.out, want);
	cr_assert(h && strstr(h, "\n             heavy ") == strchr(h, '\n'),
		  "heavy is not the second line of heavy_inner's location\n%s", raw.report);
	assert_stdout_has(&raw, " 0x10 \n");
	assert_stdout_has(&raw, "[FN][FL][LN][IN]");
	run_free(&raw);
	/* Kept only when a check fails. */
	unlink(file);
	rmdir(dir);
	free(dir);
}

Test(pprof, profile) { profile("build/test/prog/pprof", false); }
/* Hosted: a PIE binary, its mapping and PCs moved by the load bias. */
Test(pprof, hosted) { profile("build/test/prog/pprof-libc", false); }

Test(pprof_arm64, profile)
{
	skip_without_qemu();
	profile("build/test/prog-arm64/pprof", true);
}

/* A profile of no samples is a profile: pprof reads it. */
Test(pprof, empty)
{
	need_go();
	char *dir = tmpdir("pprof-empty");
	char file[PATH_MAX];
	snprintf(file, sizeof file, "%s/empty.pprof", dir);
	struct run r;
	RUN(&r, NULL, "build/test/prog/pprof", "-empty", file);
	assert_exit(&r, 0);
	run_free(&r);

	struct run raw;
	gopprof(&raw, "-raw", NULL, file);
	long long count, ns;
	cr_assert(rawsamples(&raw, &count, &ns) == 0, "an empty profile has samples\n%s", raw.report);
	assert_stdout_has(&raw, "PeriodType: cpu nanoseconds\n");
	run_free(&raw);
	struct run top;
	gopprof(&top, "-top", NULL, file);
	run_free(&top);
	unlink(file);
	rmdir(dir);
	free(dir);
}
