/*
 * workers.c: a pool of worker goroutines sharing a job queue.
 *
 * The jobs travel on a buffered channel; closing it tells the workers that
 * no more are coming. Each worker adds its results to a total protected by
 * a mutex, and a WaitGroup lets main wait until every worker has finished.
 * Which worker does which job changes from run to run; the total does not.
 */
#include <weft.h>

enum { NWORKERS = 4, NJOBS = 100 };

struct pool {
	weft_chan *jobs;   /* of int */
	weft_waitgroup wg; /* workers still running */
	weft_mutex mu;     /* protects the two fields below */
	long total;
	int done;
};

/* worker squares each job it receives and adds the result to the total. */
static void worker(void *arg)
{
	struct pool *p = arg;
	int job;

	while (weft_chan_recv(p->jobs, &job)) { /* false: closed and drained */
		long square = (long)job * job;

		weft_mutex_lock(&p->mu);
		p->total += square;
		p->done++;
		weft_mutex_unlock(&p->mu);
	}
	weft_waitgroup_done(&p->wg);
}

int weft_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;

	/* Zero-initialized mutex and WaitGroup are ready to use. */
	struct pool p = {0};
	p.jobs = weft_chan_make(sizeof(int), 10);

	weft_waitgroup_add(&p.wg, NWORKERS);
	for (int i = 0; i < NWORKERS; i++)
		weft_go(worker, &p);

	/* The channel holds 10 jobs; sends block while it is full. */
	for (int job = 1; job <= NJOBS; job++)
		weft_chan_send(p.jobs, &job);
	weft_chan_close(p.jobs);

	weft_waitgroup_wait(&p.wg);
	/* Every worker has finished: no lock needed to read the total. */
	weft_printf("%d workers did %d jobs\n", NWORKERS, p.done);
	weft_printf("sum of squares 1..%d = %ld\n", NJOBS, p.total);
	weft_chan_free(p.jobs);
	return 0;
}
