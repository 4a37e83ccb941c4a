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
 * mprotect, and the mapping limit then bounds the number of stacks; running
 * out is a clear fatal error, never a crash.
 *
 * Freed stacks go on a free list; a dead G keeps its stack, so most reuse
 * happens through the Ps' free G lists (proc.c).
 */
#include "runtime.h"

#define SLOT_SIZE (STACK_GUARD + STACK_SIZE)
#define ARENA_SIZE ((uintptr_t)SLOT_SIZE * STACK_ARENA_STACKS)

typedef struct FreeStack {
	struct FreeStack *next;
} FreeStack;

static struct {
	Mutex lock;
	FreeStack *free; /* stored at each free stack's top */
	uintptr_t arena; /* the current arena ... */
	int used;        /* ... and how many of its slots are taken */
	int guardmode;   /* 0 unknown, 1 madvise guards work, 2 mprotect */
} stk;

/* guardworks reports whether the page at p faults: a futex wait with a
 * value that can't match reads the word, and fails with EFAULT if it is
 * guarded (and with EAGAIN if it is readable). */
static bool guardworks(void *p)
{
	return sys_futex(p, FUTEX_WAIT_PRIVATE, 0x5eed1e55u, NULL) == -EFAULT;
}

static bool installguard(uintptr_t p)
{
	if (stk.guardmode != 2) {
		long r = sys_madvise((void *)p, STACK_GUARD, MADV_GUARD_INSTALL);
		if (r == 0 && stk.guardmode == 1)
			return true;
		if (r == 0 && guardworks((void *)p)) {
			stk.guardmode = 1;
			return true;
		}
		stk.guardmode = 2;
	}
	return sys_mprotect((void *)p, STACK_GUARD, PROT_NONE) == 0;
}

/* stackalloc gives s a fresh or reused stack. It returns false when out
 * of memory or mappings. */
bool stackalloc(Stack *s)
{
	lock(&stk.lock);
	FreeStack *f = stk.free;
	if (f) {
		stk.free = f->next;
		unlock(&stk.lock);
		s->hi = (uintptr_t)f + sizeof(FreeStack);
		s->lo = s->hi - STACK_SIZE;
		return true;
	}
	if (!stk.arena || stk.used == STACK_ARENA_STACKS) {
		void *a;
		if (sys_mmap_err(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE, MAP_NORESERVE, &a) < 0) {
			unlock(&stk.lock);
			return false;
		}
		/* Huge pages would turn each stack's first touched page into
		 * 2 MiB of memory to clear and keep. */
		sys_madvise(a, ARENA_SIZE, MADV_NOHUGEPAGE);
		stk.arena = (uintptr_t)a;
		stk.used = 0;
	}
	uintptr_t slot = stk.arena + (uintptr_t)stk.used * SLOT_SIZE;
	if (!installguard(slot)) {
		unlock(&stk.lock);
		return false;
	}
	stk.used++;
	unlock(&stk.lock);
	s->lo = slot + STACK_GUARD;
	s->hi = s->lo + STACK_SIZE;
	return true;
}

/* stackfree returns s to the free list. */
void stackfree(Stack s)
{
	FreeStack *f = (FreeStack *)(s.hi - sizeof(FreeStack));
	lock(&stk.lock);
	f->next = stk.free;
	stk.free = f;
	unlock(&stk.lock);
}

/* stack_guardfault reports whether addr lies in the guard below gp's stack. */
bool stack_guardfault(uintptr_t addr, G **gpp)
{
	G *gp = *gpp;
	if (!gp || gp->stack.lo == 0)
		return false;
	return addr < gp->stack.lo && addr >= gp->stack.lo - STACK_GUARD;
}
