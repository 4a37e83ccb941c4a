/* tiny.c: the smallest program with DWARF, inlining and frame rules, for
 * gen.sh to build and damage. It is never run. */
static volatile int sink;

static inline __attribute__((always_inline)) int twice(int x)
{
	sink = x; /* code of its own, so that the inlined call has an address range */
	return sink + sink;
}

__attribute__((noinline)) int work(int x)
{
	return twice(x) + 1;
}

void _start(void)
{
	volatile int r = work(20);
	(void)r;
	for (;;)
		;
}
