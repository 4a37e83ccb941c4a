/*
 * stack.c: goroutine and g0 stacks.
 *
 * C frames cannot be moved, so stacks do not grow as Go's do: each has a
 * fixed size (STACK_SIZE), of which only the touched pages use memory. An
 * access just below a stack hits its guard (STACK_GUARD bytes) and is
 * reported as a stack overflow (signal.c).
 *
 * The kernel limits a process to 65530 mappings by default, and a stack
 * with an mprotect'ed guard costs two, so 100k goroutines could not each
 * have one. Stacks are therefore carved from arenas of STACK_ARENA_STACKS,
 * one mapping each, and the guards inside an arena are installed with
 * madvise(MADV_GUARD_INSTALL) (Linux 6.13), which marks pages as faulting
 * without splitting the mapping. Where that is missing (older kernels,
 * qemu-user, which accepts the advice and ignores it) guards fall back to
 * mprotect, and the mapping limit then bounds the number of stacks to
 * about 32k; running out is a fatal error that names the limit
 * (vm.max_map_count) and how to raise it, never a crash.
 * WEFTDEBUG=stackguard=mprotect uses the fallback from the start, to see
 * how a program fares on such a system.
 *
 * Stacks are never freed: a dead G keeps its stack for the next goroutine
 * (the free G lists, proc.c), and an M never exits. stack_counts tells
 * weft_read_memstats how many were handed out and how much is mapped.
 */
#include "runtime.h"

#define SLOT_SIZE (STACK_GUARD + STACK_SIZE)
#define ARENA_SIZE ((uintptr_t)SLOT_SIZE * STACK_ARENA_STACKS)

static struct {
	Mutex lock;
	uintptr_t arena; /* the current arena ... */
	int used;        /* ... and how many of its slots are taken */
	int guardmode;   /* 0 unknown, 1 madvise guards work, 2 mprotect */
	uint64_t narenas; /* arenas mapped; atomic reads */
	uint64_t nstacks; /* stacks handed out; atomic reads */
} stk;

/* guardworks reports whether the page at p faults: a futex wait with a
 * value that can't match reads the word, and fails with EFAULT if it is
 * guarded (and with EAGAIN if it is readable). */
static bool guardworks(void *p)
{
	return sys_futex(p, FUTEX_WAIT_PRIVATE, 0x5eed1e55u, NULL) == -EFAULT;
}

/* guardoption applies WEFTDEBUG=stackguard=mprotect, the one value the
 * option has; any other is a fatal error, as a bad WEFTDEBUG number is. */
static void guardoption(void)
{
	size_t n;
	const char *v = rt_debugvar("stackguard", &n);
	if (!v)
		return;
	if (n != 8 || memcmp(v, "mprotect", 8) != 0) {
		rt_printf("runtime: WEFTDEBUG: stackguard wants mprotect\n");
		fatal("bad WEFTDEBUG");
	}
	stk.guardmode = 2;
}

/* installguard makes the STACK_GUARD bytes at p fault. It returns 0 or
 * -errno. stk.lock must be held. */
static long installguard(uintptr_t p)
{
	if (stk.guardmode == 0)
		guardoption();
	if (stk.guardmode != 2) {
		long r = sys_madvise((void *)p, STACK_GUARD, MADV_GUARD_INSTALL);
		if (r == 0 && stk.guardmode == 1)
			return 0;
		if (r == 0 && guardworks((void *)p)) {
			stk.guardmode = 1;
			return 0;
		}
		stk.guardmode = 2;
	}
	return sys_mprotect((void *)p, STACK_GUARD, PROT_NONE);
}

/* readproc reads the file path (under /proc) in pieces of buf's size,
 * calling fn on each, and returns the total read, or -1 if it could not
 * be opened. */
static long readproc(const char *path, char *buf, size_t size, void (*fn)(void *arg, const char *p, long n),
		     void *arg)
{
	long fd = sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	long total = 0, n;
	while ((n = sys_read((int)fd, buf, size)) > 0) {
		fn(arg, buf, n);
		total += n;
	}
	sys_close((int)fd);
	return n < 0 ? -1 : total;
}

/* countlines, for readproc, adds the newlines in p to *(long *)arg. */
static void countlines(void *arg, const char *p, long n)
{
	for (long i = 0; i < n; i++)
		*(long *)arg += p[i] == '\n';
}

/* keepfirst, for readproc, appends the leading digits of a file to the
 * string arg, up to NUMLEN - 1 of them. */
enum { NUMLEN = 24 };
static void keepfirst(void *arg, const char *p, long n)
{
	char *num = arg;
	size_t have = rt_strlen(num);
	for (long i = 0; i < n && have < NUMLEN - 1 && p[i] >= '0' && p[i] <= '9'; i++)
		num[have++] = p[i];
	num[have] = 0;
}

/*
 * mapfailure is called when a stack could not be mapped or guarded, with
 * the error (-errno), whether mprotect (splitting the arena's mapping)
 * failed, and whether guards are mprotect's (two mappings a stack). If
 * the process has reached the kernel's limit on memory mappings,
 * vm.max_map_count, it stops the program with an error that says so and
 * how to raise the limit; else it returns, and the caller reports running
 * out of memory. An ENOMEM from mprotect means the limit:
 * splitting a mapping needs no memory the program is charged for. An
 * ENOMEM from mmap may be either, and the mappings are counted.
 */
static void mapfailure(long err, bool splitting, bool mprotected)
{
	char buf[4096], num[NUMLEN] = "";
	long max = -1, count = 0;
	if (err != -ENOMEM)
		return;
	if (readproc("/proc/sys/vm/max_map_count", buf, sizeof buf, keepfirst, num) > 0 && num[0]) {
		bool ok;
		max = rt_atoi(num, &ok);
		if (!ok)
			max = -1;
	}
	if (!splitting) {
		/* Within a few of the limit: mmap may need one more, and a
		 * stack's guard two. */
		if (max < 0 || readproc("/proc/self/maps", buf, sizeof buf, countlines, &count) < 0 ||
		    count + 4 < max)
			return;
	}
	char limit[32] = "", msg[256];
	if (max >= 0)
		weft_snprintf(limit, sizeof limit, " = %ld", max);
	if (mprotected)
		rt_printf("runtime: each goroutine stack takes two memory mappings where the kernel cannot "
			  "install guard pages by madvise (Linux before 6.13, qemu-user)\n");
	weft_snprintf(msg, sizeof msg,
		      "out of memory mappings for goroutine stacks: the kernel's limit, vm.max_map_count%s, "
		      "is reached; raise it, e.g. sysctl -w vm.max_map_count=%ld",
		      limit, max > 65530 ? 4 * max : 262144);
	fatal(msg);
}

/* stackalloc gives s a fresh stack. It returns false when out of memory;
 * at the kernel's limit on mappings it stops the program (mapfailure). */
bool stackalloc(Stack *s)
{
	lock(&stk.lock);
	if (!stk.arena || stk.used == STACK_ARENA_STACKS) {
		void *a;
		long err = sys_mmap_err(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE, MAP_NORESERVE, &a);
		if (err < 0) {
			bool mprotected = stk.guardmode == 2;
			unlock(&stk.lock);
			mapfailure(err, false, mprotected);
			return false;
		}
		/* Huge pages would turn each stack's first touched page into
		 * 2 MiB of memory to clear and keep. */
		sys_madvise(a, ARENA_SIZE, MADV_NOHUGEPAGE);
		stk.arena = (uintptr_t)a;
		stk.used = 0;
		atomic_store(&stk.narenas, stk.narenas + 1);
	}
	uintptr_t slot = stk.arena + (uintptr_t)stk.used * SLOT_SIZE;
	long err = installguard(slot);
	if (err < 0) {
		bool mprotected = stk.guardmode == 2;
		unlock(&stk.lock);
		mapfailure(err, mprotected, mprotected);
		return false;
	}
	stk.used++;
	atomic_store(&stk.nstacks, stk.nstacks + 1);
	unlock(&stk.lock);
	s->lo = slot + STACK_GUARD;
	s->hi = s->lo + STACK_SIZE;
	return true;
}

/* stack_guardfault reports whether addr lies in the guard below gp's stack. */
bool stack_guardfault(uintptr_t addr, G **gpp)
{
	G *gp = *gpp;
	if (!gp || gp->stack.lo == 0)
		return false;
	return addr < gp->stack.lo && addr >= gp->stack.lo - STACK_GUARD;
}

/* stack_counts stores how many stacks stackalloc has handed out (none is
 * ever freed: a dead G keeps its own) and the bytes mapped for stacks,
 * every arena whole, guards and slots not yet handed out included. Any
 * thread, no lock: each count is read atomically. */
void stack_counts(uint64_t *stacks, uint64_t *mapped)
{
	*stacks = atomic_load(&stk.nstacks);
	*mapped = atomic_load(&stk.narenas) * (uint64_t)ARENA_SIZE;
}
