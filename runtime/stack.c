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
 * without splitting the mapping: all of an arena's at once, in one
 * process_madvise call where the kernel takes it (6.13 too).
 *
 * Where guard installs are missing (older kernels, qemu-user, which
 * accepts the advice and ignores it) guards fall back to mprotect, two
 * mappings a stack, within a budget: a quarter of vm.max_map_count
 * (guardbudget), leaving the rest to the program. A stack carved past the
 * budget has a guard only while it runs: execute protects the guard of
 * such a stack before it switches to it (stack_guardon) and mcall gives
 * the guard back before it leaves it (stack_guardoff), two system calls
 * a switch, and at most one such guard per M at any time. Only a running
 * goroutine can overflow its stack, so an overflow still faults in the
 * guard, and 100k goroutines run. WEFTDEBUG=stackguard=mprotect uses the
 * fallback from the start, to see how a program fares on such a system;
 * stackguard=runguard also sets the budget to 0, every goroutine stack
 * then being guarded only while it runs; stackguard=madvise installs
 * guards one madvise call a stack, as where process_madvise refuses. Running out of mappings anyway
 * is a fatal error that names the limit (vm.max_map_count) and how to
 * raise it, never a crash.
 *
 * A goroutine holds a stack only while it runs or waits: newproc gives
 * a new G none, execute gives it one when it first runs (Go cannot wait:
 * it copies the arguments onto the new stack at creation), and goexit0
 * takes it back. Stacks given back are kept for reuse, never unmapped:
 * in the P's cache (stackfree, stackalloc: no lock), which spills half to
 * a global list when full and refills half from it when empty (Go's
 * stackcache). A burst of goroutines that each run to completion in turn
 * thus goes round a handful of stacks. The free stacks are linked through
 * their top word: the page of it is resident, since the stack has run.
 * An M's scheduler stack (g0) comes from the same arenas and is never
 * given back. stack_counts tells weft_read_memstats what is in use and
 * what is mapped.
 */
#include "runtime.h"

#define SLOT_SIZE (STACK_GUARD + STACK_SIZE)
#define ARENA_SIZE ((uintptr_t)SLOT_SIZE * STACK_ARENA_STACKS)

enum { GUARD_UNKNOWN, GUARD_MADVISE, GUARD_MPROTECT };

/* A free stack, in a cache or the global list, is its lo, with this bit
 * set if it is guarded only while it runs. */
#define STACK_RUNGUARD ((uintptr_t)1)

static struct {
	Mutex lock;
	uintptr_t arena; /* the current arena ... */
	int used;        /* ... and how many of its slots are taken */
	int guardmode;   /* GUARD_* */
	bool nobatch;    /* process_madvise failed: one madvise a guard */
	int64_t guardbudget; /* mprotect: stacks that may still get a guard of their own */
	uint64_t narenas; /* arenas mapped; atomic reads */
	uint64_t nstacks; /* slots carved from arenas; atomic reads */
	uintptr_t free;   /* free stacks, by lo, linked through their top word */
	uint64_t nfree;   /* how many; atomic reads */
} stk;

/* guardworks reports whether the page at p faults: a futex wait with a
 * value that can't match reads the word, and fails with EFAULT if it is
 * guarded (and with EAGAIN if it is readable). */
static bool guardworks(void *p)
{
	return sys_futex(p, FUTEX_WAIT_PRIVATE, 0x5eed1e55u, NULL) == -EFAULT;
}

/* guardoption applies WEFTDEBUG=stackguard=mprotect or =runguard, and
 * =madvise (guard installs, one madvise call a stack, as where the
 * kernel refuses process_madvise's: a check of that path); any other
 * value is a fatal error, as a bad WEFTDEBUG number is. It returns
 * whether mprotect guards are asked for. */
static bool guardoption(void)
{
	size_t n;
	const char *v = rt_debugvar("stackguard", &n);
	if (!v)
		return false;
	if (n == 8 && memcmp(v, "mprotect", 8) == 0)
		return true;
	if (n == 8 && memcmp(v, "runguard", 8) == 0) {
		stk.guardbudget = 0;
		return true;
	}
	if (n == 7 && memcmp(v, "madvise", 7) == 0) {
		stk.nobatch = true;
		return false;
	}
	rt_printf("runtime: WEFTDEBUG: stackguard wants mprotect, runguard or madvise\n");
	fatal("bad WEFTDEBUG");
}

static long readproc(const char *path, char *buf, size_t size, void (*fn)(void *arg, const char *p, long n),
		     void *arg);
static long maxmapcount(void);

/* setguardmode chooses how guards are made, first thing, a being the
 * first arena: guard installs if the kernel has them (a guard installed
 * on a's first slot faults), else mprotect with its budget. */
static void setguardmode(uintptr_t a)
{
	stk.guardbudget = -1;
	if (!guardoption() && sys_madvise((void *)a, STACK_GUARD, MADV_GUARD_INSTALL) == 0 && guardworks((void *)a)) {
		stk.guardmode = GUARD_MADVISE;
		return;
	}
	stk.guardmode = GUARD_MPROTECT;
	if (stk.guardbudget < 0) {
		long max = maxmapcount();
		stk.guardbudget = (max > 0 ? max : 65530) / 4;
	}
}

/* arenaguards installs the guards of every slot of the new arena a, in
 * one process_madvise call, or one madvise a slot where the kernel does
 * not take that (before 6.13). It returns 0 or -errno. */
static long arenaguards(uintptr_t a)
{
	if (!stk.nobatch) {
		struct sys_iovec iov[STACK_ARENA_STACKS];
		for (int i = 0; i < STACK_ARENA_STACKS; i++)
			iov[i] = (struct sys_iovec){(void *)(a + (uintptr_t)i * SLOT_SIZE), STACK_GUARD};
		long fd = sys_pidfd_open(sys_getpid());
		long r = fd < 0 ? fd : sys_process_madvise((int)fd, iov, STACK_ARENA_STACKS, MADV_GUARD_INSTALL);
		if (fd >= 0)
			sys_close((int)fd);
		if (r == (long)STACK_ARENA_STACKS * STACK_GUARD)
			return 0;
		stk.nobatch = true; /* installing a guard twice is harmless */
	}
	for (int i = 0; i < STACK_ARENA_STACKS; i++) {
		long r = sys_madvise((void *)(a + (uintptr_t)i * SLOT_SIZE), STACK_GUARD, MADV_GUARD_INSTALL);
		if (r < 0)
			return r;
	}
	return 0;
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

/* maxmapcount returns vm.max_map_count, or -1 if it cannot be read. */
static long maxmapcount(void)
{
	char buf[256], num[NUMLEN] = "";
	if (readproc("/proc/sys/vm/max_map_count", buf, sizeof buf, keepfirst, num) <= 0 || !num[0])
		return -1;
	bool ok;
	long max = rt_atoi(num, &ok);
	return ok ? max : -1;
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
	char buf[4096];
	long count = 0;
	if (err != -ENOMEM)
		return;
	long max = maxmapcount();
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

/*
 * stackfresh carves a new stack out of an arena (mapping one when the
 * last is full) and guards it: with its own guard, or, if it is a
 * goroutine's (own false) and the mprotect budget is spent, with a guard
 * only while it runs (*runguard set). It returns false when out of
 * memory; at the kernel's limit on mappings it stops the program
 * (mapfailure).
 */
static bool stackfresh(Stack *s, bool own, bool *runguard)
{
	long err = 0;
	*runguard = false;
	lock(&stk.lock);
	if (!stk.arena || stk.used == STACK_ARENA_STACKS) {
		void *a;
		err = sys_mmap_err(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE, MAP_NORESERVE, &a);
		if (err < 0) {
			bool mprotected = stk.guardmode == GUARD_MPROTECT;
			unlock(&stk.lock);
			mapfailure(err, false, mprotected);
			return false;
		}
		/* Huge pages would turn each stack's first touched page into
		 * 2 MiB of memory to clear and keep. */
		sys_madvise(a, ARENA_SIZE, MADV_NOHUGEPAGE);
		if (stk.guardmode == GUARD_UNKNOWN)
			setguardmode((uintptr_t)a);
		if (stk.guardmode == GUARD_MADVISE && (err = arenaguards((uintptr_t)a)) < 0) {
			sys_munmap(a, ARENA_SIZE);
			unlock(&stk.lock);
			return false;
		}
		stk.arena = (uintptr_t)a;
		stk.used = 0;
		atomic_store(&stk.narenas, stk.narenas + 1);
	}
	uintptr_t slot = stk.arena + (uintptr_t)stk.used * SLOT_SIZE;
	if (stk.guardmode == GUARD_MPROTECT) {
		if (own || stk.guardbudget > 0) {
			err = sys_mprotect((void *)slot, STACK_GUARD, PROT_NONE);
			if (err < 0) {
				unlock(&stk.lock);
				mapfailure(err, true, true);
				return false;
			}
			if (!own)
				stk.guardbudget--;
		} else {
			*runguard = true;
		}
	}
	stk.used++;
	atomic_store(&stk.nstacks, stk.nstacks + 1);
	unlock(&stk.lock);
	s->lo = slot + STACK_GUARD;
	s->hi = s->lo + STACK_SIZE;
	return true;
}

/* The top word of a free stack links it to the next (a cache entry). */
static uintptr_t *stacklink(uintptr_t entry)
{
	return (uintptr_t *)((entry & ~STACK_RUNGUARD) + STACK_SIZE) - 1;
}

/* stackcacherefill moves up to half a cache's worth of stacks from the
 * global list to pp's empty cache. */
static void stackcacherefill(P *pp)
{
	lock(&stk.lock);
	while (pp->nstackcache < STACK_CACHE_PER_P / 2 && stk.free) {
		uintptr_t e = stk.free;
		stk.free = *stacklink(e);
		pp->stackcache[pp->nstackcache++] = e;
		atomic_store(&stk.nfree, stk.nfree - 1);
	}
	unlock(&stk.lock);
}

/* stackcacherelease moves pp's cached stacks to the global list until
 * it keeps at most keep. */
static void stackcacherelease(P *pp, int32_t keep)
{
	lock(&stk.lock);
	while (pp->nstackcache > keep) {
		uintptr_t e = pp->stackcache[--pp->nstackcache];
		*stacklink(e) = stk.free;
		stk.free = e;
		atomic_store(&stk.nfree, stk.nfree + 1);
	}
	unlock(&stk.lock);
}

/*
 * stackalloc gives s a stack: for a goroutine, pp being its M's P, one
 * from pp's cache (refilled from the global list) when there is one,
 * else a new one, and sets *runguard if the stack must be guarded only
 * while it runs (stack_guardon); for an M's scheduler stack (pp NULL)
 * always a new one, with a guard of its own. It returns false when out
 * of memory; at the kernel's limit on mappings it stops the program
 * (mapfailure).
 */
bool stackalloc(P *pp, Stack *s, bool *runguard)
{
	bool rg;
	if (!pp)
		return stackfresh(s, true, &rg);
	if (pp->nstackcache == 0 && atomic_load(&stk.nfree) > 0)
		stackcacherefill(pp);
	if (pp->nstackcache > 0) {
		uintptr_t e = pp->stackcache[--pp->nstackcache];
		s->lo = e & ~STACK_RUNGUARD;
		s->hi = s->lo + STACK_SIZE;
		*runguard = (e & STACK_RUNGUARD) != 0;
		return true;
	}
	return stackfresh(s, false, runguard);
}

/* stackfree gives a goroutine's stack back to pp's cache, its M's P,
 * spilling half of the cache to the global list when it is full. The
 * caller runs on another stack (g0). */
void stackfree(P *pp, Stack *s, bool runguard)
{
	if (pp->nstackcache == STACK_CACHE_PER_P)
		stackcacherelease(pp, STACK_CACHE_PER_P / 2);
	pp->stackcache[pp->nstackcache++] = s->lo | (runguard ? STACK_RUNGUARD : 0);
	s->lo = s->hi = 0;
}

/* stackcache_clear moves all of pp's cached stacks to the global list (a
 * P that goes away). The world is stopped. */
void stackcache_clear(P *pp)
{
	stackcacherelease(pp, 0);
}

/* stack_guardon makes the guard of gp's stack, one guarded only while it
 * runs, fault, before mp switches to gp (execute). */
void stack_guardon(M *mp, G *gp)
{
	if (mp->runguard)
		throw("stack_guardon: the M has a guard on already");
	long err = sys_mprotect((void *)(gp->stack.lo - STACK_GUARD), STACK_GUARD, PROT_NONE);
	if (err < 0) {
		mapfailure(err, true, true);
		fatal("out of memory: cannot guard a goroutine stack");
	}
	mp->runguard = gp->stack.lo;
}

/* stack_guardoff gives back the guard stack_guardon made, once the
 * goroutine has left its M (mcall, on g0), before anyone can run it
 * elsewhere. */
void stack_guardoff(M *mp)
{
	if (sys_mprotect((void *)(mp->runguard - STACK_GUARD), STACK_GUARD, PROT_READ | PROT_WRITE) < 0)
		throw("stack_guardoff: mprotect failed");
	mp->runguard = 0;
}

/* stack_guardfault reports whether addr lies in the guard below gp's stack. */
bool stack_guardfault(uintptr_t addr, G **gpp)
{
	G *gp = *gpp;
	if (!gp || gp->stack.lo == 0)
		return false;
	return addr < gp->stack.lo && addr >= gp->stack.lo - STACK_GUARD;
}

/* stack_counts stores the bytes of stack in use (STACK_SIZE for each
 * stack a goroutine or an M holds, guards excluded) and the bytes mapped
 * for stacks (every arena whole: guards, free stacks and slots not yet
 * carved out included). Any thread, no lock: the counts are read
 * atomically, a P's cache count racily, so a reading taken while stacks
 * move between lists may be off by those few. */
void stack_counts(uint64_t *inuse, uint64_t *mapped)
{
	uint64_t n = atomic_load(&stk.nstacks) - atomic_load(&stk.nfree);
	int32_t procs = atomic_load(&gomaxprocs);
	for (int32_t i = 0; i < procs; i++)
		n -= (uint64_t)atomic_load(&allp[i]->nstackcache);
	*inuse = (int64_t)n > 0 ? n * STACK_SIZE : 0;
	*mapped = atomic_load(&stk.narenas) * (uint64_t)ARENA_SIZE;
}
