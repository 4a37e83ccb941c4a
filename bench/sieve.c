/*
 * sieve: the concurrent prime sieve of the Go documentation. A generator
 * goroutine sends 2, 3, 4, ... and each prime found adds a filter goroutine
 * to the chain, all linked by unbuffered channels, so the run is mostly
 * channel handoffs along a chain that grows to 2000 goroutines. One op is a
 * whole sieve finding the first 2000 primes; each sieve's goroutines are
 * left blocked, as in the original. Twin: bench/go/sieve/main.go.
 *
 *	sieve [sieves]
 */
#include "bench.h"

enum {
	NPRIMES = 2000,
	LAST = 17389, /* the 2000th prime */
};

struct filter {
	weft_chan *in, *out;
	int64_t prime;
};

static void generate(void *arg)
{
	weft_chan *ch = arg;
	int64_t i;

	for (i = 2;; i++)
		weft_chan_send(ch, &i);
}

static void filter(void *arg)
{
	struct filter *f = arg;
	int64_t i;

	for (;;) {
		weft_chan_recv(f->in, &i);
		if (i % f->prime != 0)
			weft_chan_send(f->out, &i);
	}
}

static void sieve(void)
{
	weft_chan *ch = weft_chan_make(sizeof(int64_t), 0);
	struct filter *f;
	int64_t prime = 0;
	int i;

	weft_go(generate, ch);
	for (i = 0; i < NPRIMES; i++) {
		weft_chan_recv(ch, &prime);
		f = weft_alloc(sizeof *f);
		f->in = ch;
		f->out = weft_chan_make(sizeof(int64_t), 0);
		f->prime = prime;
		weft_go(filter, f);
		ch = f->out;
	}
	if (prime != LAST)
		weft_panic("sieve: prime %d is %lld, want %d", NPRIMES, (long long)prime, LAST);
}

int weft_main(int argc, char **argv)
{
	int64_t n = bench_arg(argc, argv, 1, 1);
	int64_t i, start;

	start = weft_nanotime();
	for (i = 0; i < n; i++)
		sieve();
	bench_report(weft_nanotime() - start, n);
	return 0;
}
