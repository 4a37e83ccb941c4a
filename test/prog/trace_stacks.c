/*
 * trace_stacks.c: known stacks for the tracer's stack tests
 * (test/trace_test.c), run traced at WEFTMAXPROCS=1.
 *
 * Each blocking call ends a chain: a goroutine's function calls a
 * noinline outer function, which calls an always_inline inner one, which
 * calls the weft function that blocks. Every call of a chain is on a line
 * marked with a comment LINE:name, which the test looks up in this file,
 * so it knows each frame's exact line whatever the compiler does. After
 * each call comes a store to a volatile: the call is then never the last
 * thing its function does, and a compiler cannot turn it into a jump (a
 * tail call leaves no frame of the caller's).
 *
 *  - receiver (goroutine 2): receiver -> outer_recv -> inner_recv ->
 *    weft_chan_recv, blocks until main sends;
 *  - goroutine 1: weft_main -> outer_sleep -> inner_sleep -> weft_sleep.
 *
 * At one P the run is the same every time (no preemption; a goroutine
 * runs when the one before it parks; see weft_main for the order), so
 * the fp/default-unwinder test can compare two runs stack for stack. For
 * that it also does more: a recursion that blocks three calls deep, a
 * send through two inlined functions, a goroutine created by a
 * goroutine, select, mutex, waitgroup, a system call from inside an
 * inlined function.
 */
#include <weft.h>

#define NOINLINE __attribute__((noinline))
#define ALWAYS static inline __attribute__((always_inline))

static volatile int sink;
static weft_waitgroup wg;
static weft_mutex mu;

/* ---- the chains of the stack test ---- */

ALWAYS void inner_recv(weft_chan *c)
{
	int v = 0;
	weft_chan_recv(c, &v); /* LINE:inner_recv */
	sink = v;
}

NOINLINE static void outer_recv(weft_chan *c)
{
	inner_recv(c); /* LINE:outer_recv */
	sink++;
}

static void receiver(void *arg)
{
	outer_recv(arg); /* LINE:receiver */
	sink++;
	weft_waitgroup_done(&wg);
}

ALWAYS void inner_sleep(int64_t ns)
{
	weft_sleep(ns); /* LINE:inner_sleep */
	sink++;
}

NOINLINE static void outer_sleep(int64_t ns)
{
	inner_sleep(ns); /* LINE:outer_sleep */
	sink++;
}

/* ---- more stacks for the unwinder comparison ---- */

NOINLINE static void recurse(weft_chan *c, int depth)
{
	if (depth > 0) {
		recurse(c, depth - 1);
		sink++;
		return;
	}
	int v;
	weft_chan_recv(c, &v);
	sink = v;
}

ALWAYS void deep2(weft_chan *c)
{
	int v = 1;
	weft_chan_send(c, &v);
	sink++;
}

ALWAYS void deep1(weft_chan *c)
{
	deep2(c);
	sink++;
}

NOINLINE static void deep(weft_chan *c)
{
	deep1(c);
	sink++;
}

static void recurser(void *arg)
{
	recurse(arg, 3);
	sink++;
	weft_waitgroup_done(&wg);
}

/* grandchild blocks in select until parent sends, then on the mutex
 * until parent unlocks it. */
static void grandchild(void *arg)
{
	weft_chan *c = arg;
	weft_case cases[2] = {
		{.chan = c, .dir = WEFT_RECV, .elem = NULL},
		{.chan = NULL, .dir = WEFT_RECV, .elem = NULL},
	};
	weft_select(cases, 2, true);
	sink++;
	weft_mutex_lock(&mu);
	sink++;
	weft_mutex_unlock(&mu);
	sink++;
	weft_waitgroup_done(&wg);
}

static void parent(void *arg)
{
	weft_chan *c = arg;
	weft_mutex_lock(&mu);
	weft_waitgroup_add(&wg, 1);
	weft_go(grandchild, c);
	weft_yield(); /* grandchild (runnext) runs and blocks in its select */
	sink++;
	deep(c); /* to grandchild's select */
	weft_yield(); /* grandchild runs and blocks on the mutex */
	sink++;
	weft_mutex_unlock(&mu);
	sink++;
	weft_waitgroup_done(&wg);
}

ALWAYS void say(const char *s, long n)
{
	weft_write(1, s, (size_t)n);
	sink++;
}

/*
 * The order, at one P: main sleeps with no other goroutine about (its
 * wake-up time matters to nobody), starts the others and yields to the
 * back of the queue, so that each runs until it blocks before main goes
 * on: the receivers are then waiting when main sends. No system call
 * happens until all but main are gone (while one blocked, sysmon could
 * hand the P to another thread and change the order).
 */
int weft_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	weft_chan *c = weft_chan_make(sizeof(int), 0);
	weft_chan *r = weft_chan_make(sizeof(int), 0);
	weft_chan *g = weft_chan_make(sizeof(int), 0);

	outer_sleep(1000 * 1000); /* LINE:main_sleep */
	sink++;
	weft_waitgroup_add(&wg, 3);
	weft_go(receiver, c); /* LINE:go_receiver */
	weft_go(recurser, r);
	weft_go(parent, g);
	weft_yield();
	sink++;
	int v = 42;
	weft_chan_send(c, &v);
	weft_chan_send(r, &v);
	weft_waitgroup_wait(&wg);
	sink++;
	say("parent and children done\n", 25);
	weft_printf("done\n");
	return 0;
}
