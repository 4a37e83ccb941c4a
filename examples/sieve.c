/*
 * sieve.c: the concurrent prime sieve from Go's documentation.
 *
 * A generator goroutine sends 2, 3, 4, ... down a channel. Each prime found
 * adds a filter goroutine to the end of a daisy chain: it passes on only
 * the numbers its prime does not divide. Whatever comes out of the end of
 * the chain is the next prime.
 *
 * Usage: sieve [N]   prints the first N primes (default 20).
 */
#include <weft.h>

/* generate sends 2, 3, 4, ... on ch, forever. */
static void generate(void *arg)
{
	weft_chan *ch = arg;
	for (int i = 2;; i++)
		weft_chan_send(ch, &i);
}

struct filter {
	weft_chan *in, *out;
	int prime;
};

/* filter copies the numbers from in to out, dropping multiples of prime. */
static void filter(void *arg)
{
	struct filter *f = arg;
	int i;

	for (;;) {
		weft_chan_recv(f->in, &i);
		if (i % f->prime != 0)
			weft_chan_send(f->out, &i);
	}
}

/* parse reads a positive decimal number; there is no libc atoi here. */
static int parse(const char *s)
{
	int n = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || n > 100000)
			return -1;
		n = n * 10 + (*s - '0');
	}
	return n;
}

int weft_main(int argc, char **argv)
{
	int n = 20;

	if (argc > 1 && (n = parse(argv[1])) <= 0) {
		weft_eprintf("usage: sieve [N]   (N a positive number, not %s)\n", argv[1]);
		return 2;
	}

	weft_chan *ch = weft_chan_make(sizeof(int), 0);
	weft_go(generate, ch);
	for (int i = 0; i < n; i++) {
		int prime;
		weft_chan_recv(ch, &prime);
		weft_printf("%d\n", prime);

		/* Chain a new filter behind the last one. Its arguments go on
		 * the heap: this loop's variables change on the next turn. */
		struct filter *f = weft_alloc(sizeof *f);
		f->in = ch;
		f->out = weft_chan_make(sizeof(int), 0);
		f->prime = prime;
		weft_go(filter, f);
		ch = f->out;
	}
	/* Returning ends the program; the generator and the filters, still
	 * blocked on their channels, are not waited for (as in Go). */
	return 0;
}
