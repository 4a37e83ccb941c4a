/*
 * cpuprof_test.c: the CPU profiler (runtime/cpuprof.c), from outside:
 * programs run with WEFTCPUPROFILE (and WEFTTRACE), their profiles read
 * by `go tool pprof`, their traces by Go's parser.
 *
 *   - split: test/prog/cpuprof.c's heavy and light do 3:1 of the work,
 *     heavy's in heavy_work, always inlined: -top gives heavy_work and
 *     light 75% and 25% (each +-5 points), by where the time went (cum)
 *     and by what was running (flat), -top -lines names heavy_work at
 *     its own file and line, and the samples' time is within 10% of the
 *     process's CPU time; at 1 and 2 Ps, hosted at 1 P, and arm64 under
 *     qemu (the proportions only: qemu's timing is loose).
 *   - leaf: samples in a tiny leaf_fn with no frame of its own always
 *     have its caller, caller_fn, as the next frame, and caller_fn's
 *     caller after it.
 *   - every M: test/prog/cpuprof_ms.c, traced and profiled at 2 Ps, has
 *     samples of goroutines on 2 Ms or more, samples on g0, samples in
 *     a system call (weft_read, sys_read), in the trace and the profile.
 *   - trace and profile: a traced and profiled run's trace passes the
 *     strict oracle, has StackSample events, and each one's stack is one
 *     of the profile's; stack by stack, the trace has no more samples
 *     than the profile and not many fewer (test/tracecheck/
 *     cpusample_test.go, which every_m's run goes through too).
 *   - the API and bad input (test/prog/cpuprof_api.c): start twice, stop
 *     with nothing running, profile files that take no write, a
 *     WEFTCPUPROFILE that can't be created; and a profile written
 *     however the program ends (return, weft_exit, panic, fatal error).
 *
 * Without Go 1.22 or later the tests that need it skip, saying why.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

/* The profiler's default rate, 100 Hz. */
enum { PERIOD_NS = 10 * 1000 * 1000 };

/* How long the runs are, in ms: the split runs use 2 s of CPU time, 200
 * samples at 100 Hz (4 s under qemu, where fewer of them are the
 * program's); the leaf run 1.5 s of it; every_m 1 s of wall time on 2
 * Ps. */
#define SPLIT_MS "2000"
#define SPLIT_MS_QEMU "4000"
#define LEAF_MS "1500"
#define LEAF_MS_QEMU "6000" /* few samples land in a small leaf under qemu: see leaf() */
#define EVERYM_MS "1000"

/* gopprof runs go tool pprof with args (NULL-ended) and asserts it read
 * the profile. */
static void gopprof(struct run *r, const char *const *args)
{
	const char *argv[16] = {go_path, "tool", "pprof"};
	int n = 3;
	for (; *args && n < 15; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	struct run_opts o = {.env = go_env, .timeout_s = 120};
	run(r, argv, &o);
	assert_exit(r, 0);
}
#define GOPPROF(r, ...) gopprof((r), (const char *const[]){__VA_ARGS__, NULL})

/* profiled runs prog (arm64: under qemu) with args (NULL-ended) and the
 * extra environment env (NULL-ended). */
static void profiled(struct run *r, bool arm64, const char *prog, const char *const *args, const char *const *env,
		     int timeout_s)
{
	const char *argv[16];
	int n = 0;
	if (arm64)
		argv[n++] = qemu();
	argv[n++] = prog;
	for (; *args && n < 15; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	struct run_opts o = {.env = env, .timeout_s = timeout_s};
	run(r, argv, &o);
}

/* ---- reading pprof's output (testutil has -top's rows) ---- */

/* rawtotal reads the Samples section of -raw's output, each row "count
 * ns: location ids", asserting that each sample's time is its count
 * times the profile's period; returns the total count, and the total
 * time in *ns. */
static long long rawtotal(const struct run *r, long long *ns)
{
	const char *pp = strstr(r->out, "\nPeriod: ");
	long long period;
	cr_assert(pp && sscanf(pp, "\nPeriod: %lld", &period) == 1, "-raw has no Period\n%s", r->report);
	cr_assert(period == PERIOD_NS, "the period is %lld ns, want %d (100 Hz)\n%s", period, PERIOD_NS, r->report);
	const char *p = strstr(r->out, "\nSamples:\n");
	cr_assert(p != NULL, "-raw has no Samples\n%s", r->report);
	p = strchr(p + 1, '\n') + 1;
	cr_assert(strncmp(p, "samples/count cpu/nanoseconds\n", 30) == 0, "-raw's sample types\n%s", r->report);
	p = strchr(p, '\n') + 1;
	long long count = 0, c, t;
	*ns = 0;
	while (sscanf(p, " %lld %lld:", &c, &t) == 2) {
		cr_assert(t == c * period, "a sample of %lld counts %lld ns, want %lld\n%s", c, t, c * period,
			  r->report);
		count += c;
		*ns += t;
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return count;
}

/* value_ns reads a -traces value ("10ms", "1.20s", "0") in ns. */
static double value_ns(const char *v)
{
	char *end;
	double x = strtod(v, &end);
	if (strncmp(end, "ns", 2) == 0)
		return x;
	if (strncmp(end, "us", 2) == 0 || strncmp(end, "\xc2\xb5s", 3) == 0)
		return x * 1e3;
	if (strncmp(end, "ms", 2) == 0)
		return x * 1e6;
	if (strncmp(end, "s", 1) == 0)
		return x * 1e9;
	if (strncmp(end, "min", 3) == 0)
		return x * 60e9;
	return x;
}

/* A stack of -traces' output: its value and its functions, leaf first
 * (" (inline)" dropped). */
enum { MAXFRAMES = 64 };
struct trace {
	double ns;
	int n;
	char fn[MAXFRAMES][128];
};

/* next_trace reads the stack after *p (the text after a separator line
 * of dashes) into t and moves *p past it: false when there is none. */
static bool next_trace(const char **p, struct trace *t)
{
	const char *s = strstr(*p, "-----------+");
	if (!s)
		return false;
	s = strchr(s, '\n');
	if (!s || !s[1] || strncmp(s + 1, "-----------+", 12) == 0)
		return false;
	s++;
	t->n = 0;
	t->ns = 0;
	for (bool first = true; *s && strncmp(s, "-----------+", 12) != 0; first = false) {
		size_t len = strcspn(s, "\n");
		char line[512];
		snprintf(line, sizeof line, "%.*s", (int)len, s);
		/* "%10s   %s": the value (first line only), then the name. */
		if (first && len > 10)
			t->ns = value_ns(line + strspn(line, " "));
		char *name = len > 13 ? line + 13 : line + len;
		char *inl = strstr(name, " (inline)");
		if (inl)
			*inl = 0;
		if (t->n < MAXFRAMES)
			snprintf(t->fn[t->n++], sizeof t->fn[0], "%.*s", (int)sizeof t->fn[0] - 1, name);
		s += len + (s[len] == '\n');
	}
	*p = s;
	return true;
}

/* count_lines_starting counts the lines of text starting with prefix,
 * and all its lines in *all. */
static int count_lines_starting(const char *text, const char *prefix, int *all)
{
	int n = 0;
	*all = 0;
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			n++;
		++*all;
		p += len + (p[len] == '\n');
	}
	return n;
}

/* line_value reads the rest of the line of out that starts with prefix
 * into buf; fails the test when there is none. */
static void line_value(const struct run *r, const char *prefix, char *buf, size_t n)
{
	const char *l = r->out;
	size_t pl = strlen(prefix);
	while (l && strncmp(l, prefix, pl) != 0) {
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	cr_assert(l != NULL, "no line \"%s...\" in the output\n%s", prefix, r->report);
	size_t len = strcspn(l + pl, "\n");
	snprintf(buf, n, "%.*s", (int)len, l + pl);
}

/* ---- split: 3:1 ---- */

/* split runs cpuprof split with g goroutines at procs Ps, and checks its
 * profile: the proportions, heavy_work's line and, unless arm64, the
 * samples' time against the CPU time. */
static void split(const char *prog, bool arm64, const char *procs, const char *g, const char *mode)
{
	need_go();
	char *dir = tmpdir(strrchr(prog, '/') + 1);
	char file[PATH_MAX], e_prof[PATH_MAX + 32], e_procs[64];
	snprintf(file, sizeof file, "%s/split-%s.pprof", dir, procs);
	snprintf(e_prof, sizeof e_prof, "WEFTCPUPROFILE=%s", file);
	snprintf(e_procs, sizeof e_procs, "WEFTMAXPROCS=%s", procs);

	struct run r;
	const char *ms = arm64 ? SPLIT_MS_QEMU : SPLIT_MS;
	profiled(&r, arm64, prog, (const char *const[]){"split", ms, g, mode, NULL},
		 (const char *const[]){e_prof, e_procs, "WEFTTRACE", "WEFTDEBUG", NULL}, arm64 ? 300 : 60);
	assert_exit(&r, 0);
	assert_stdout_has(&r, "ok\n");
	cr_assert(r.errlen == 0, "the profiled run wrote on standard error\n%s", r.report);
	char work[512], light[512], cpu[64];
	line_value(&r, "inline heavy_work ", work, sizeof work);
	line_value(&r, "light ", light, sizeof light);
	line_value(&r, "cpu ", cpu, sizeof cpu);
	double cpu_ns = strtod(cpu, NULL);
	run_free(&r);

	/* The time: every thread's CPU time is sampled, each period of it
	 * once, so the samples add up to the process's CPU time, less at
	 * most a period per thread (the time since its last sample), plus
	 * the little the run spends after the program measured it. */
	struct run raw;
	GOPPROF(&raw, "-raw", file);
	long long ns;
	long long count = rawtotal(&raw, &ns);
	/* 200 samples are due, 400 under qemu, where qemu's own threads
	 * take a part of the process's CPU time that no thread of weft's
	 * has. 100 are enough to judge the proportions by; natively, the
	 * time check below is the strict one. */
	cr_assert(count >= 100, "%lld samples, want at least 100 for %s ms of CPU time\n%s", count, ms, raw.report);
	if (!arm64)
		cr_expect(fabs((double)ns - cpu_ns) <= 0.1 * cpu_ns,
			  "the samples add up to %.3f s, the process's CPU time is %.3f s: more than 10%% apart\n%s",
			  ns / 1e9, cpu_ns / 1e9, raw.report);
	run_free(&raw);

	/* The functions: heavy_work, inlined into heavy, an entry of its own.
	 * First where the time went, by cum: samples in each function or
	 * in anything it runs (asyncPreempt, below). Then who was running,
	 * by flat: samples whose interrupted PC is in the function. The
	 * two differ by the samples of the functions below something else,
	 * which here can only be the preemption's asyncPreempt; a sample
	 * in asyncPreempt proper is rare, as it runs for a few hundred
	 * nanoseconds at most every 10 ms: 2% is generous. The checks
	 * expect rather than assert, to show every one that fails. */
	struct run top;
	GOPPROF(&top, "-top", "-nodecount=100", file);
	double hwflat, hwcum, lflat, lcum, hflat, hcum, aflat = 0, acum = 0;
	pprof_topline(&top, "heavy_work (inline)", &hwflat, &hwcum);
	pprof_topline(&top, "light", &lflat, &lcum);
	pprof_topline(&top, "heavy", &hflat, &hcum);
	pprof_findrow(&top, "asyncPreempt", &aflat, &acum);
	double hwcum_all = hwcum, lcum_all = lcum;
	if (arm64) {
		/* Under qemu the runtime's own threads cost what qemu makes
		 * them cost (sysmon's sleeps take it milliseconds): the
		 * proportions are of the two functions' samples. */
		double cum2 = hwcum + lcum, flat2 = hwflat + lflat;
		cr_assert(cum2 >= 50, "heavy_work and light have %.2f%% of the samples, want most\n%s", cum2,
			  top.report);
		hwcum = 100 * hwcum / cum2, lcum = 100 * lcum / cum2;
		hwflat = 100 * hwflat / flat2, lflat = 100 * lflat / flat2;
		aflat = 100 * aflat / cum2;
	}
	cr_expect(fabs(hwcum - 75) <= 5, "heavy_work has %.2f%% cum, want 75%% +- 5\n%s", hwcum, top.report);
	cr_expect(fabs(lcum - 25) <= 5, "light has %.2f%% cum, want 25%% +- 5\n%s", lcum, top.report);
	cr_expect(aflat < 2, "asyncPreempt has %.2f%% flat, want under 2%%: samples taken at its first instruction "
		  "(the preemption signal's handler had sent the thread there, and nothing of it ran yet) belong "
		  "to the function below it\n%s", aflat, top.report);
	cr_expect(fabs(hwflat - 75) <= 5, "heavy_work has %.2f%% flat, want 75%% +- 5\n%s", hwflat, top.report);
	cr_expect(fabs(lflat - 25) <= 5, "light has %.2f%% flat, want 25%% +- 5\n%s", lflat, top.report);
	/* heavy's own instructions are a call and a return: its time is
	 * heavy_work's. */
	cr_expect(hflat < 2 && fabs(hcum - hwcum_all) < 2,
		  "heavy has %.2f%% flat, %.2f%% cum; want under 2, heavy_work's cum (%.2f%%)\n%s", hflat, hcum,
		  hwcum_all, top.report);
	run_free(&top);

	/* The lines: heavy_work's is its loop's, in its file, not heavy's;
	 * nearly every sample of each function is at its loop's line (the
	 * rest of each runs once a round; under qemu, whose signals land
	 * between translated blocks, as the loop ends, a sample or two of
	 * hundreds may fall there). */
	struct run lines;
	GOPPROF(&lines, "-top", "-lines", "-nodecount=100", file);
	char want[600];
	double flat, cum;
	snprintf(want, sizeof want, "heavy_work %s (inline)", work);
	pprof_topline(&lines, want, &flat, &cum);
	cr_expect(cum <= hwcum_all + 0.01 && cum > hwcum_all - 1, "%s has %.2f%% cum, heavy_work %.2f%%: the loop's "
		  "line should have all of it but 1%% at most\n%s", want, cum, hwcum_all, lines.report);
	snprintf(want, sizeof want, "light %s", light);
	pprof_topline(&lines, want, &flat, &cum);
	cr_expect(cum <= lcum_all + 0.01 && cum > lcum_all - 1, "%s has %.2f%% cum, light %.2f%%: the loop's line "
		  "should have all of it but 1%% at most\n%s", want, cum, lcum_all, lines.report);
	run_free(&lines);

	unlink(file);
	rmdir(dir);
	free(dir);
}

Test(cpuprof, split_procs1) { split("build/test/prog/cpuprof", false, "1", "1", NULL); }
/* Two goroutines, each on its own M: both Ms' time is sampled. */
Test(cpuprof, split_procs2) { split("build/test/prog/cpuprof", false, "2", "2", NULL); }
/* The Ms are made while goroutine 1's thread blocks SIGPROF and SIGURG
 * (a thread starts with its maker's mask): each unblocks the runtime's
 * signals as it starts, so both Ms' time is sampled all the same. */
Test(cpuprof, split_masked_procs2) { split("build/test/prog/cpuprof", false, "2", "2", "masked"); }
Test(cpuprof, split_hosted_procs1) { split("build/test/prog/cpuprof-libc", false, "1", "1", NULL); }
Test(cpuprof_arm64, split_procs1)
{
	skip_without_qemu();
	split("build/test/prog-arm64/cpuprof", true, "1", "1", NULL);
}
Test(cpuprof_arm64, split_procs2)
{
	skip_without_qemu();
	split("build/test/prog-arm64/cpuprof", true, "2", "2", NULL);
}

/* ---- leaf: the interrupted function's caller ---- */

static void leaf(const char *prog, bool arm64)
{
	need_go();
	char *dir = tmpdir(arm64 ? "cpuprof-leaf-arm64" : "cpuprof-leaf");
	char file[PATH_MAX], e_prof[PATH_MAX + 32];
	snprintf(file, sizeof file, "%s/leaf.pprof", dir);
	snprintf(e_prof, sizeof e_prof, "WEFTCPUPROFILE=%s", file);
	struct run r;
	profiled(&r, arm64, prog, (const char *const[]){"leaf", arm64 ? LEAF_MS_QEMU : LEAF_MS, NULL},
		 (const char *const[]){e_prof, "WEFTMAXPROCS=1", "WEFTTRACE", "WEFTDEBUG", NULL}, arm64 ? 300 : 60);
	assert_exit(&r, 0);
	assert_stdout_has(&r, "ok\n");
	run_free(&r);

	struct run tr;
	GOPPROF(&tr, "-traces", file);
	struct trace t;
	double leaf_ns = 0;
	char bad[2048] = "";
	size_t badlen = 0;
	int nbad = 0;
	for (const char *p = tr.out; next_trace(&p, &t);) {
		if (t.n >= 1 && strcmp(t.fn[0], "leaf_fn") == 0)
			leaf_ns += t.ns;
		/* Wherever leaf_fn and caller_fn are, as the leaf or below
		 * asyncPreempt, their callers are known. */
		for (int i = 0; i < t.n; i++) {
			const char *want = strcmp(t.fn[i], "leaf_fn") == 0     ? "caller_fn"
					   : strcmp(t.fn[i], "caller_fn") == 0 ? "leaf_loop"
									       : NULL;
			if (!want || (i + 1 < t.n && strcmp(t.fn[i + 1], want) == 0))
				continue;
			nbad++;
			int k = snprintf(bad + badlen, sizeof bad - badlen, "\t%s:", i == 0 ? "leaf" : "below the leaf");
			badlen = badlen + (size_t)k < sizeof bad ? badlen + (size_t)k : sizeof bad - 1;
			for (int j = 0; j < t.n; j++) {
				k = snprintf(bad + badlen, sizeof bad - badlen, " %s%s", j ? "<- " : "", t.fn[j]);
				badlen = badlen + (size_t)k < sizeof bad ? badlen + (size_t)k : sizeof bad - 1;
			}
			k = snprintf(bad + badlen, sizeof bad - badlen, " (want %s after %s)\n", want, t.fn[i]);
			badlen = badlen + (size_t)k < sizeof bad ? badlen + (size_t)k : sizeof bad - 1;
			break;
		}
	}
	cr_assert(nbad == 0, "%d stacks with a wrong caller:\n%s\n%s", nbad, bad, tr.report);
	/* qemu-user hands a signal to the program only between the blocks
	 * of code it has translated, so a leaf of a few instructions called
	 * from a loop is seldom where one lands: natively it is a fifth of
	 * the time, under qemu one to four samples in 1.5 s (so it runs 6 s). */
	int want = arm64 ? 3 : 30;
	cr_assert(leaf_ns >= want * PERIOD_NS, "%.0f samples in leaf_fn, want at least %d\n%s", leaf_ns / PERIOD_NS,
		  want, tr.report);
	run_free(&tr);
	unlink(file);
	rmdir(dir);
	free(dir);
}

Test(cpuprof, leaf_caller) { leaf("build/test/prog/cpuprof", false); }
/* arm64: a leaf function may keep its return address in the link
 * register, never on the stack; qemu delivers a signal at the start of
 * a translated block, often a function's first instruction. */
Test(cpuprof_arm64, leaf_caller)
{
	skip_without_qemu();
	leaf("build/test/prog-arm64/cpuprof", true);
}

/* ---- traced and profiled at once ---- */

/* cpucheck runs test/tracecheck's TestWeftCPUSamples on trace and
 * profile, with the extra settings more (NULL-ended; may be NULL), and
 * asserts it passed. */
static void cpucheck(const char *trace, const char *profile, const char *const *more)
{
	need_file(TRACECHECK);
	char e_trace[PATH_MAX + 32], e_prof[PATH_MAX + 32];
	snprintf(e_trace, sizeof e_trace, "WEFTCPUCHECK_TRACE=%s", trace);
	snprintf(e_prof, sizeof e_prof, "WEFTCPUCHECK_PROFILE=%s", profile);
	const char *env[8] = {e_trace, e_prof};
	int n = 2;
	for (; more && *more && n < 7; more++)
		env[n++] = *more;
	env[n] = NULL;
	struct run_opts o = {.env = env, .timeout_s = GO_TIMEOUT_S};
	struct run r;
	RUN(&r, &o, TRACECHECK, "-test.run", "^TestWeftCPUSamples$");
	assert_exit(&r, 0);
	assert_stdout_has(&r, "cpusamples: ok: ");
	run_free(&r);
}

/* traced_profiled runs prog with args at 2 Ps, traced and profiled, and
 * checks the trace with the strict oracle and the samples of both with
 * cpucheck (and more). */
static void traced_profiled(const char *name, const char *prog, bool arm64, const char *const *args,
			    const char *const *more)
{
	need_go();
	char *dir = tmpdir(name);
	char trace[PATH_MAX], file[PATH_MAX], e_trace[PATH_MAX + 32], e_prof[PATH_MAX + 32];
	snprintf(trace, sizeof trace, "%s/out.trace", dir);
	snprintf(file, sizeof file, "%s/out.pprof", dir);
	snprintf(e_trace, sizeof e_trace, "WEFTTRACE=%s", trace);
	snprintf(e_prof, sizeof e_prof, "WEFTCPUPROFILE=%s", file);
	struct run r;
	profiled(&r, arm64, prog, args, (const char *const[]){e_trace, e_prof, "WEFTMAXPROCS=2", "WEFTDEBUG", NULL},
		 arm64 ? 300 : 60);
	assert_exit(&r, 0);
	assert_stdout_has(&r, "ok\n");
	cr_assert(r.errlen == 0, "the run wrote on standard error\n%s", r.report);
	run_free(&r);

	char why[8192];
	cr_assert(strict_check(trace, why, sizeof why), "the strict oracle rejects %s:\n%s", trace, why);
	cpucheck(trace, file, more);
	unlink(trace);
	unlink(file);
	rmdir(dir);
	free(dir);
}

/* Samples on every M: goroutines' on both Ps' Ms (and those the
 * scheduler hands a P to while reader is in the kernel), g0's, and
 * those taken inside a system call, which have the call's wrappers on
 * their stack. */
static const char *const everym_want[] = {"WEFTCPUCHECK_MINMS=2", "WEFTCPUCHECK_G0=1",
					  "WEFTCPUCHECK_FUNCS=weft_read,sys_read", NULL};

Test(cpuprof, every_m)
{
	traced_profiled("cpuprof-everym", "build/test/prog/cpuprof_ms", false,
			(const char *const[]){EVERYM_MS, NULL}, everym_want);
}
Test(cpuprof_arm64, every_m)
{
	skip_without_qemu();
	traced_profiled("cpuprof-everym-arm64", "build/test/prog-arm64/cpuprof_ms", true,
			(const char *const[]){EVERYM_MS, NULL}, everym_want);
}

/* The trace's samples are the profile's: the 3:1 program on 2 Ps. */
Test(cpuprof, trace_matches_profile)
{
	traced_profiled("cpuprof-traced", "build/test/prog/cpuprof", false,
			(const char *const[]){"split", "1500", "2", NULL}, NULL);
}
Test(cpuprof_arm64, trace_matches_profile)
{
	skip_without_qemu();
	traced_profiled("cpuprof-traced-arm64", "build/test/prog-arm64/cpuprof", true,
			(const char *const[]){"split", "1500", "2", NULL}, NULL);
}

/* ---- the API and bad input ---- */

/* spin_profile asserts that pprof reads file and that spin_work is on
 * the stack of at least min% of its samples (cum: its clock reads and
 * its preemptions are its time too). */
static void spin_profile(const char *file, double min)
{
	struct run top;
	GOPPROF(&top, "-top", "-nodecount=100", file);
	double flat, cum;
	pprof_topline(&top, "spin_work", &flat, &cum);
	cr_assert(cum >= min, "spin_work has %.2f%% cum, want at least %.0f%%\n%s", cum, min, top.report);
	run_free(&top);
}

/* api: start twice, stop twice, stop with nothing running, fd -1; the
 * profile of the part between start and stop reads. */
static void api(const char *prog)
{
	char *dir = tmpdir(strrchr(prog, '/') + 1);
	char file[PATH_MAX];
	snprintf(file, sizeof file, "%s/api.pprof", dir);
	struct run r;
	RUN(&r, NULL, prog, "api", file);
	assert_exit(&r, 0);
	assert_stdout(&r,
		      "weft_cpuprofile_stop(): -1\n"
		      "weft_cpuprofile_start(-1): -1\n"
		      "weft_cpuprofile_start(fd): 0\n"
		      "weft_cpuprofile_start(fd): -1\n"
		      "weft_cpuprofile_stop(): 0\n"
		      "weft_cpuprofile_stop(): -1\n"
		      "weft_cpuprofile_start(fd): 0\n"
		      "weft_cpuprofile_stop(): 0\n"
		      "ok\n");
	cr_assert(r.errlen == 0, "misuse is no error to print\n%s", r.report);
	run_free(&r);
	if (find_go() != NULL) {
		spin_profile(file, 90);
		struct run raw;
		GOPPROF(&raw, "-raw", file);
		long long ns;
		long long count = rawtotal(&raw, &ns);
		/* 300 ms of CPU time: 30 samples, within what the split tests
		 * allow and then some. */
		cr_assert(count >= 20 && count <= 40, "%lld samples for 300 ms of CPU time, want 20 to 40\n%s", count,
			  raw.report);
		run_free(&raw);
	} else
		fprintf(stderr, "[SKIP] %s::%s: reading the profile: %s\n", criterion_current_suite->name,
			criterion_current_test->name, go_why);
	unlink(file);
	rmdir(dir);
	free(dir);
}

Test(cpuprof, api) { api("build/test/prog/cpuprof_api"); }
Test(cpuprof, api_hosted) { api("build/test/prog/cpuprof_api-libc"); }

/* WEFTCPUPROFILE's profile is running: the API can't start another. */
Test(cpuprof, start_under_env)
{
	char *dir = tmpdir("cpuprof-envstart");
	char file[PATH_MAX], e_prof[PATH_MAX + 32];
	snprintf(file, sizeof file, "%s/env.pprof", dir);
	snprintf(e_prof, sizeof e_prof, "WEFTCPUPROFILE=%s", file);
	struct run r;
	struct run_opts o = {.env = (const char *const[]){e_prof, NULL}};
	RUN(&r, &o, "build/test/prog/cpuprof_api", "envstart");
	assert_exit(&r, 0);
	assert_stdout(&r, "weft_cpuprofile_start(fd): -1\nok\n");
	cr_assert(r.errlen == 0, "misuse is no error to print\n%s", r.report);
	struct stat st;
	cr_assert(stat(file, &st) == 0 && st.st_size > 0, "WEFTCPUPROFILE's %s was not written\n%s", file, r.report);
	run_free(&r);
	unlink(file);
	rmdir(dir);
	free(dir);
}

/* failing: the profile's fd takes no write (mode "full": /dev/full,
 * ENOSPC; "pipe": a pipe with no reader, EPIPE, and SIGPIPE must not end
 * the program). stop returns -1, one line on standard error names the fd
 * and the error, and the program runs on. */
static void failing(const char *prog, const char *mode)
{
	struct run r;
	RUN(&r, NULL, prog, mode);
	assert_exit(&r, 0);
	assert_stdout_has(&r, "weft_cpuprofile_start(fd): 0\nweft_cpuprofile_stop(): -1\nafter\nok\n");
	char fd[32], err[256];
	line_value(&r, "fd ", fd, sizeof fd);
	line_value(&r, "error ", err, sizeof err);
	int all;
	int n = count_lines_starting(r.err, "runtime: writing the CPU profile (", &all);
	cr_assert(n == 1 && all == 1, "want one line on standard error, \"runtime: writing the CPU profile (fd N) failed: ...\"; it has %d lines, "
		  "%d of them starting so\n%s", all, n, r.report);
	char needle[64];
	snprintf(needle, sizeof needle, "fd %s", fd);
	cr_assert(strstr(r.err, needle) != NULL, "the message does not name the fd, \"%s\"\n%s", needle, r.report);
	cr_assert(strstr(r.err, err) != NULL, "the message does not name the error, \"%s\"\n%s", err, r.report);
	run_free(&r);
}

Test(cpuprof, full_device) { failing("build/test/prog/cpuprof_api", "full"); }
Test(cpuprof, broken_pipe) { failing("build/test/prog/cpuprof_api", "pipe"); }
Test(cpuprof, full_device_hosted) { failing("build/test/prog/cpuprof_api-libc", "full"); }
Test(cpuprof, broken_pipe_hosted) { failing("build/test/prog/cpuprof_api-libc", "pipe"); }

/* A WEFTCPUPROFILE that can't be created: one message that names it, and
 * the program runs and ends as it would have. */
Test(cpuprof, env_unwritable)
{
	struct run r;
	struct run_opts o = {.env = (const char *const[]){"WEFTCPUPROFILE=/nonexistent-dir/x", NULL}};
	RUN(&r, &o, "build/test/prog/cpuprof_api", "return");
	assert_exit(&r, 0);
	assert_stdout(&r, "done\n");
	int all;
	count_lines_starting(r.err, "", &all);
	cr_assert(all == 1, "want one line on standard error, it has %d\n%s", all, r.report);
	assert_stderr_has(&r, "/nonexistent-dir/x");
	run_free(&r);
}

/* The profile is written however the program ends. */
static void ending(const char *how, int status, const char *stderr_has)
{
	need_go();
	char name[64];
	snprintf(name, sizeof name, "cpuprof-end-%s", how);
	char *dir = tmpdir(name);
	char file[PATH_MAX], e_prof[PATH_MAX + 32];
	snprintf(file, sizeof file, "%s/end.pprof", dir);
	snprintf(e_prof, sizeof e_prof, "WEFTCPUPROFILE=%s", file);
	struct run r;
	struct run_opts o = {.env = (const char *const[]){e_prof, "WEFTMAXPROCS=1", NULL}};
	RUN(&r, &o, "build/test/prog/cpuprof_api", how);
	assert_exit(&r, status);
	if (stderr_has)
		assert_stderr_has(&r, stderr_has);
	cr_assert(strstr(r.err, "cpu profile") == NULL, "the profile's writing failed\n%s", r.report);
	run_free(&r);
	spin_profile(file, 80);
	unlink(file);
	rmdir(dir);
	free(dir);
}

Test(cpuprof, end_return) { ending("return", 0, NULL); }
Test(cpuprof, end_exit) { ending("exit", 3, NULL); }
Test(cpuprof, end_panic) { ending("panic", 2, "panic: cpuprof_api: the end"); }
Test(cpuprof, end_fatal) { ending("deadlock", 2, "fatal error: all goroutines are asleep - deadlock!"); }
