/*
 * preempt_sigurg.c (hosted): a program's own use of SIGURG, which weft's
 * preemption also sends, keeps working. A goroutine spins beside, so that
 * preemption signals fly meanwhile (at 2 Ps main keeps its own P).
 *
 *	preempt_sigurg handle   the program installs its own SIGURG handler
 *	                        (replacing weft's: preemption by signal stops,
 *	                        which is the program's choice) and raises the
 *	                        signal 10 times: its handler sees each
 *	preempt_sigurg block    the program blocks SIGURG on its thread and
 *	                        raises it: it is pending, and sigtimedwait
 *	                        takes it
 *
 * Both then pass 1000 messages between two goroutines and print "ok".
 */
#include <weft.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t handled;
static volatile int stop;
static weft_waitgroup wg;

static void onurg(int sig)
{
	(void)sig;
	handled++;
}

__attribute__((noinline)) static void spinner(void *arg)
{
	(void)arg;
	volatile unsigned long n = 0;
	while (!stop)
		n++;
	weft_waitgroup_done(&wg);
}

static void echo(void *arg)
{
	weft_chan **c = arg;
	int v;
	while (weft_chan_recv(c[0], &v))
		weft_chan_send(c[1], &v);
	weft_waitgroup_done(&wg);
}

/* pingpong passes 1000 messages through a goroutine; true if all came back. */
static bool pingpong(void)
{
	weft_chan *c[2] = {weft_chan_make(sizeof(int), 0), weft_chan_make(sizeof(int), 0)};
	weft_waitgroup_add(&wg, 1);
	weft_go(echo, c);
	int sum = 0;
	for (int i = 1; i <= 1000; i++) {
		int v;
		weft_chan_send(c[0], &i);
		weft_chan_recv(c[1], &v);
		sum += v;
	}
	weft_chan_close(c[0]);
	return sum == 1000 * 1001 / 2;
}

int weft_main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: preempt_sigurg handle|block\n");
		return 2;
	}
	weft_waitgroup_add(&wg, 1);
	weft_go(spinner, NULL);
	weft_sleep(50 * 1000 * 1000); /* preemption requests for the spinner meanwhile */
	bool ok;
	if (strcmp(argv[1], "handle") == 0) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = onurg;
		sigemptyset(&sa.sa_mask);
		ok = sigaction(SIGURG, &sa, NULL) == 0;
		int before = handled; /* the spinner's thread may have had some already */
		for (int i = 0; i < 10; i++)
			raise(SIGURG); /* to this thread: handled before raise returns */
		printf("handled %d of 10\n", handled - before >= 10 ? 10 : (int)(handled - before));
		ok = ok && handled - before >= 10;
	} else {
		sigset_t set, pending;
		sigemptyset(&set);
		sigaddset(&set, SIGURG);
		ok = pthread_sigmask(SIG_BLOCK, &set, NULL) == 0;
		raise(SIGURG);
		sigpending(&pending);
		bool ispending = sigismember(&pending, SIGURG) == 1;
		struct timespec ts = {1, 0};
		int sig = sigtimedwait(&set, NULL, &ts);
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
		printf("pending %d, waited %d\n", ispending, sig == SIGURG);
		ok = ok && ispending && sig == SIGURG;
	}
	stop = 1;
	ok = pingpong() && ok;
	weft_waitgroup_wait(&wg);
	printf("%s\n", ok ? "ok" : "FAILED");
	return ok ? 0 : 1;
}
