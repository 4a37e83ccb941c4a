/*
 * pprof.c: writes pprof profiles with the runtime's writer
 * (runtime/pprof.c) for test/pprof_test.c, which reads them with
 * `go tool pprof`.
 *
 *   pprof FILE          a profile of samples of this program's own stacks
 *   pprof -empty FILE   a profile of no samples
 *
 * The samples are stacks taken with weft_callers in two functions, heavy
 * and light, counted 3:1 (heavy's in two samples of 20 and 10, to share a
 * location; light's one of 10), each worth PERIOD ns; heavy takes its
 * stack in heavy_inner, always inlined into it, so the profile's heavy
 * location has two lines. A last sample of count 0 is a PC with no
 * function. The program first checks with weft_frames that the symbol
 * table has heavy_inner inlined, and prints what the test compares
 * pprof's output with:
 *
 *	inline heavy_inner FILE:LINE    where heavy_inner takes the stack
 *	light FILE:LINE                 where light does
 *
 * It also checks pprofWrite's errors (bad samples, a bad fd, a full
 * device). It prints "FAIL ..." for anything wrong and exits 1 then,
 * else prints "ok" and exits 0.
 */
#include "runtime.h"

#include "fail.h"

enum { MAXPCS = 64, PERIOD = 10 * 1000 * 1000 };

static int line_inner, line_light;

/* heavy_inner takes the stack of its caller, heavy, into which it is
 * inlined: the first return address is in heavy, at heavy_inner's call. */
static inline __attribute__((always_inline)) int heavy_inner(uintptr_t *pcs, int n)
{
	line_inner = __LINE__ + 1;
	return weft_callers(1, pcs, n);
}

/* heavy and light are reached only through pointers, so that no
 * compiler makes a specialized copy of them under another name. */
__attribute__((noinline)) int heavy(uintptr_t *pcs, int n)
{
	return heavy_inner(pcs, n);
}

__attribute__((noinline)) int light(uintptr_t *pcs, int n)
{
	line_light = __LINE__ + 1;
	return weft_callers(1, pcs, n);
}

static int (*volatile heavy_fn)(uintptr_t *, int) = heavy;
static int (*volatile light_fn)(uintptr_t *, int) = light;

static bool streq(const char *a, const char *b)
{
	return rt_strcmp(a, b) == 0;
}

/* checkinlined: the symbol table must give heavy's first frame as
 * heavy_inner, inlined, at its line, then heavy itself. Prints the
 * position for the test; returns heavy_inner's file. */
static const char *checkinlined(const uintptr_t *pcs, int n)
{
	weft_frames it;
	weft_frame f0, f1;
	weft_frames_init(&it, pcs, n);
	if (!weft_frames_next(&it, &f0) || !weft_frames_next(&it, &f1)) {
		FAIL("heavy's stack has fewer than two frames");
		return "?";
	}
	if (!streq(f0.function, "heavy_inner") || !f0.inlined || f0.line != line_inner)
		FAIL("frame 0 is %s %s:%d inlined=%d, want heavy_inner at line %d, inlined", f0.function, f0.file,
		     f0.line, f0.inlined, line_inner);
	if (!streq(f1.function, "heavy") || f1.inlined)
		FAIL("frame 1 is %s inlined=%d, want heavy, not inlined", f1.function, f1.inlined);
	weft_printf("inline heavy_inner %s:%d\n", f0.file, line_inner);
	return f0.file;
}

static int openfile(const char *path)
{
	int fd = (int)sys_openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		FAIL("open %s: %s", path, sys_strerror(fd));
	return fd;
}

static int64_t walltime(void)
{
	struct sys_timespec ts;
	if (sys_clock_gettime(0 /* CLOCK_REALTIME */, &ts) < 0)
		return 0;
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* checkerrors: what pprofWrite returns for bad samples and bad files. */
static void checkerrors(const PprofSample *s, int ns)
{
	PprofSample bad = {.pcs = NULL, .n = 3, .count = 1};
	PprofSample neg = {.pcs = s[0].pcs, .n = s[0].n, .count = -1};
	int r;
	if ((r = pprofWrite(1, s, -1, PERIOD, 0, 0)) != -EINVAL)
		FAIL("ns -1: %d, want -EINVAL", r);
	if ((r = pprofWrite(1, NULL, 2, PERIOD, 0, 0)) != -EINVAL)
		FAIL("no samples, ns 2: %d, want -EINVAL", r);
	if ((r = pprofWrite(1, &bad, 1, PERIOD, 0, 0)) != -EINVAL)
		FAIL("pcs NULL: %d, want -EINVAL", r);
	if ((r = pprofWrite(1, &neg, 1, PERIOD, 0, 0)) != -EINVAL)
		FAIL("count -1: %d, want -EINVAL", r);
	if ((r = pprofWrite(-1, s, ns, PERIOD, 0, 0)) != -9)
		FAIL("fd -1: %d, want -EBADF", r);
	int fd = (int)sys_openat(AT_FDCWD, "/dev/full", O_WRONLY | O_CLOEXEC, 0);
	if (fd >= 0) {
		if ((r = pprofWrite(fd, s, ns, PERIOD, 0, 0)) != -28)
			FAIL("/dev/full: %d, want -ENOSPC", r);
		sys_close(fd);
	}
	fd = (int)sys_openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC, 0);
	if (fd >= 0) {
		if ((r = pprofWrite(fd, s, ns, PERIOD, 0, 0)) != -9)
			FAIL("read-only fd: %d, want -EBADF", r);
		sys_close(fd);
	}
}

int weft_main(int argc, char **argv)
{
	bool empty = argc == 3 && streq(argv[1], "-empty");
	if (argc != 2 && !empty) {
		weft_eprintf("usage: pprof [-empty] FILE\n");
		return 2;
	}
	const char *path = argv[argc - 1];

	static uintptr_t hpcs[MAXPCS], lpcs[MAXPCS];
	static const uintptr_t nowhere[1] = {0x10};
	int hn = heavy_fn(hpcs, MAXPCS);
	int ln = light_fn(lpcs, MAXPCS);
	checkinlined(hpcs, hn);
	weft_frames it;
	weft_frame f;
	weft_frames_init(&it, lpcs, ln);
	if (!weft_frames_next(&it, &f) || !streq(f.function, "light") || f.line != line_light)
		FAIL("light's frame 0 is %s:%d, want light at line %d", f.function, f.line, line_light);
	weft_printf("light %s:%d\n", f.file, line_light);

	PprofSample s[] = {
		{.pcs = hpcs, .n = hn, .count = 20},
		{.pcs = lpcs, .n = ln, .count = 10},
		{.pcs = hpcs, .n = hn, .count = 10},
		{.pcs = nowhere, .n = 1, .exact0 = true, .count = 0},
	};
	checkerrors(s, (int)nelem(s));

	int fd = openfile(path);
	if (fd >= 0) {
		int r = pprofWrite(fd, s, empty ? 0 : (int)nelem(s), PERIOD, walltime(), 1000 * 1000 * 1000);
		if (r != 0)
			FAIL("pprofWrite: %s", sys_strerror(r));
		sys_close(fd);
	}
	if (failures)
		return 1;
	weft_printf("ok\n");
	return 0;
}
