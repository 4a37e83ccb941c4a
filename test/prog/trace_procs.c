/*
 * trace_procs.c: weft_setmaxprocs and weft_goexit under the tracer, for
 * the tracer's test (test/trace_test.c).
 *
 * While goroutines yield, pass values over channels, sleep and block in
 * system calls (a pipe's read, which loses its P), a changer goroutine
 * sets the count of Ps to 1, 4, 2 and 8, ROUNDS times over; before each
 * shrink to 1 it tries to run on a P other than 0, so that its own P goes
 * away. One goroutine ends itself with weft_goexit, three calls down.
 * The program prints
 *
 *	goexit goroutine N
 *	changes 1 4 2 8 x ROUNDS, caller moved M times
 *
 * and exits 0.
 */
#include "runtime.h" /* the caller's P: getm()->p */

enum { ROUNDS = 5, YIELDERS = 8, PAIRS = 4, MSGS = 500, SLEEPERS = 4 };

static weft_waitgroup wg;
static int stop; /* the changer is done: the busy goroutines end */
static int moved;

static void yielder(void *arg)
{
	(void)arg;
	for (int i = 1; !__atomic_load_n(&stop, __ATOMIC_SEQ_CST); i++) {
		weft_yield();
		if (i % 16 == 0)
			weft_sleep(100 * 1000); /* fewer events: a smaller trace */
	}
	weft_waitgroup_done(&wg);
}

static void sender(void *arg)
{
	for (int i = 0; i < MSGS; i++)
		weft_chan_send(arg, &i);
	weft_waitgroup_done(&wg);
}

static void receiver(void *arg)
{
	int v;
	for (int i = 0; i < MSGS; i++)
		weft_chan_recv(arg, &v);
	weft_waitgroup_done(&wg);
}

static void sleeper(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_SEQ_CST))
		weft_sleep(300 * 1000);
	weft_waitgroup_done(&wg);
}

/* reader blocks in read(2) until the writer's byte comes, each round. */
static void reader(void *arg)
{
	int *fds = arg;
	char c;
	while (weft_read(fds[0], &c, 1) == 1 && c != 'q')
		;
	weft_waitgroup_done(&wg);
}

/* Called through a pointer, so that the compiler, not knowing it never
 * returns, sees no endless recursion in end3. */
static void (*volatile goexit_call)(void) = weft_goexit;

static __attribute__((noinline)) void end3(int depth)
{
	if (depth > 0)
		end3(depth - 1);
	else
		goexit_call();
	weft_printf("unreachable: after weft_goexit\n");
}

static void ender(void *arg)
{
	(void)arg;
	weft_printf("goexit goroutine %lld\n", (long long)weft_goid());
	weft_waitgroup_done(&wg);
	end3(3);
}

/* curp returns the id of the P the caller runs on. */
static int curp(void)
{
	M *mp = acquirem(); /* not preempted while it reads its M's P */
	int id = mp->p->id;
	releasem(mp);
	return id;
}

static void changer(void *arg)
{
	int *fds = arg;
	static const int counts[] = {1, 4, 2, 8};
	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < 4; i++) {
			if (counts[i] == 1) {
				for (int k = 0; k < 1000 && curp() == 0; k++)
					weft_yield();
				if (curp() != 0)
					moved++;
			}
			weft_setmaxprocs(counts[i]);
			weft_write(fds[1], "x", 1);
			weft_sleep(2 * 1000 * 1000);
		}
	}
	weft_write(fds[1], "q", 1);
	__atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
	weft_waitgroup_done(&wg);
}

int weft_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	static int fds[2];
	if (weft_pipe(fds) != 0)
		return 1;
	weft_waitgroup_add(&wg, YIELDERS + 2 * PAIRS + SLEEPERS + 3);
	for (int i = 0; i < YIELDERS; i++)
		weft_go(yielder, NULL);
	for (int i = 0; i < PAIRS; i++) {
		weft_chan *c = weft_chan_make(sizeof(int), (size_t)i);
		weft_go(sender, c);
		weft_go(receiver, c);
	}
	for (int i = 0; i < SLEEPERS; i++)
		weft_go(sleeper, NULL);
	weft_go(reader, fds);
	weft_go(ender, NULL);
	weft_go(changer, fds);
	weft_waitgroup_wait(&wg);
	weft_printf("changes 1 4 2 8 x %d, caller moved %d times\n", ROUNDS, moved);
	return 0;
}
