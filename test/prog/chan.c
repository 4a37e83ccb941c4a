/*
 * chan.c: checks of channels (runtime/chan.c): buffered and unbuffered
 * sends and receives, element copies, close.
 *
 * A check program (test/prog/check.h): "chan" runs every check, "chan
 * NAME" the one called NAME, "chan -list" names them. test/chan_test.c
 * runs it at several WEFTMAXPROCS, natively, hosted and on arm64 under
 * qemu.
 */
#include "runtime.h"

#include "check.h"

struct producer {
	weft_chan *c, *done;
	int id, n;
};

static void produce(void *arg)
{
	struct producer *p = arg;

	for (int i = 0; i < p->n; i++) {
		int v = p->id << 24 | i;
		weft_chan_send(p->c, &v);
	}
	signal_done(p->done);
}

/* chan_fifo: a buffered channel delivers in order; len counts; a full
 * channel refuses a non-blocking send, an empty one a non-blocking recv;
 * each of several producers' values arrive in the order it sent them. */
static void check_chan_fifo(void)
{
	weft_chan *c = weft_chan_make(sizeof(int), 8);
	int v;

	for (int i = 0; i < 8; i++)
		weft_chan_send(c, &i);
	EXPECT(weft_chan_len(c) == 8, "len %zu", weft_chan_len(c));
	v = 99;
	weft_case s = {.chan = c, .dir = WEFT_SEND, .elem = &v};
	EXPECT(weft_select(&s, 1, false) == -1, "non-blocking send to a full channel succeeded");
	for (int i = 0; i < 8; i++) {
		bool ok = weft_chan_recv(c, &v);
		EXPECT(ok && v == i, "recv #%d: ok %d, value %d", i, ok, v);
	}
	EXPECT(weft_chan_len(c) == 0, "len %zu", weft_chan_len(c));
	weft_case r = {.chan = c, .dir = WEFT_RECV, .elem = &v};
	EXPECT(weft_select(&r, 1, false) == -1, "non-blocking recv from an empty channel succeeded");

	/* Wrap around the ring a few times. */
	int next_in = 0, next_out = 0, bad = 0;
	for (int round = 0; round < 100; round++) {
		for (int k = 0; k < 5; k++, next_in++)
			weft_chan_send(c, &next_in);
		for (int k = 0; k < 5; k++, next_out++)
			if (!weft_chan_recv(c, &v) || v != next_out)
				bad++;
	}
	EXPECT(bad == 0, "%d values out of order while wrapping around", bad);
	weft_chan_free(c);

	/* Several producers, one consumer. */
	enum { NP = 4, PER = 25000 };
	struct producer ps[NP];
	int next[NP] = {0};
	c = weft_chan_make(sizeof(int), 16);
	weft_chan *done = weft_chan_make(sizeof(int), NP);
	for (int i = 0; i < NP; i++) {
		ps[i] = (struct producer){c, done, i, PER};
		weft_go(produce, &ps[i]);
	}
	bad = 0;
	for (int k = 0; k < NP * PER; k++) {
		if (recv_within(c, &v, 30 * SEC) != 1) {
			failf(__LINE__, "recv", "value #%d never came", k);
			return; /* the producers stay blocked: leak them */
		}
		int id = v >> 24, seq = v & 0xffffff;
		if (id < 0 || id >= NP || seq != next[id])
			bad++;
		else
			next[id]++;
	}
	EXPECT(bad == 0, "%d values out of their producer's order", bad);
	EXPECT(join(done, NP, 10 * SEC) == NP);
	weft_chan_free(c);
	weft_chan_free(done);
}

struct blocked_sender {
	weft_chan *c, *done;
	int sent;
};

static void blocked_send(void *arg)
{
	struct blocked_sender *b = arg;
	int v = 7;

	weft_chan_send(b->c, &v);
	atomic_store(&b->sent, 1);
	signal_done(b->done);
}

static void waiting_receiver(void *arg)
{
	weft_chan **cs = arg; /* cs[0]: where to wait; cs[1]: the result */
	int v = 0;
	bool ok = weft_chan_recv(cs[0], &v);

	if (!ok)
		v = -1;
	weft_chan_send(cs[1], &v);
}

struct big {
	unsigned char b[100];
};

static void send_bigs(void *arg)
{
	weft_chan *c = arg;

	for (int i = 0; i < 50; i++) {
		struct big x;
		for (int k = 0; k < 100; k++)
			x.b[k] = (unsigned char)(i * 7 + k);
		weft_chan_send(c, &x);
	}
}

/* chan_unbuffered: an unbuffered send waits for a receiver; a waiting
 * receiver takes a non-blocking send; large and odd-sized elements are
 * copied whole. */
static void check_chan_unbuffered(void)
{
	weft_chan *c = weft_chan_make(sizeof(int), 0);
	weft_chan *done = weft_chan_make(sizeof(int), 1);
	int v = 5;

	EXPECT(weft_chan_len(c) == 0);
	weft_case s = {.chan = c, .dir = WEFT_SEND, .elem = &v};
	weft_case r = {.chan = c, .dir = WEFT_RECV, .elem = &v};
	EXPECT(weft_select(&s, 1, false) == -1, "non-blocking send with no receiver succeeded");
	EXPECT(weft_select(&r, 1, false) == -1, "non-blocking recv with no sender succeeded");

	/* A sender blocks until someone receives. */
	struct blocked_sender b = {c, done, 0};
	weft_go(blocked_send, &b);
	weft_sleep(20 * MS);
	EXPECT(atomic_load(&b.sent) == 0, "an unbuffered send returned with no receiver");
	EXPECT(weft_chan_len(c) == 0, "len %zu with a blocked sender", weft_chan_len(c));
	v = 0;
	EXPECT(recv_within(c, &v, 10 * SEC) == 1 && v == 7, "got %d", v);
	EXPECT(join(done, 1, 10 * SEC) == 1, "the sender never finished");
	EXPECT(atomic_load(&b.sent) == 1);

	/* A blocked receiver makes a non-blocking send succeed. */
	weft_chan *result = weft_chan_make(sizeof(int), 1);
	weft_chan *args[2] = {c, result};
	weft_go(waiting_receiver, args);
	int sel = -1;
	v = 1234;
	for (int tries = 0; tries < 5000 && sel != 0; tries++) {
		sel = weft_select(&s, 1, false);
		if (sel != 0)
			weft_sleep(MS);
	}
	EXPECT(sel == 0, "non-blocking send never found the waiting receiver");
	if (sel == 0) {
		int got = 0;
		EXPECT(recv_within(result, &got, 10 * SEC) == 1 && got == 1234, "receiver got %d", got);
	} else {
		weft_chan_close(c); /* free the receiver */
		recv_within(result, &v, 10 * SEC);
	}
	weft_chan_free(result);

	/* Big elements across goroutines, odd-sized ones through a buffer. */
	weft_chan *bc = weft_chan_make(sizeof(struct big), 0);
	weft_go(send_bigs, bc);
	int bad = 0;
	for (int i = 0; i < 50; i++) {
		struct big x;
		if (recv_within(bc, &x, 10 * SEC) != 1) {
			failf(__LINE__, "recv", "big element #%d never came", i);
			return;
		}
		for (int k = 0; k < 100; k++)
			if (x.b[k] != (unsigned char)(i * 7 + k))
				bad++;
	}
	EXPECT(bad == 0, "%d bytes of 100-byte elements corrupted", bad);
	weft_chan *odd = weft_chan_make(3, 5);
	for (int i = 0; i < 5; i++) {
		unsigned char t[3] = {(unsigned char)i, (unsigned char)(i + 100), (unsigned char)(i + 200)};
		weft_chan_send(odd, t);
	}
	bad = 0;
	for (int i = 0; i < 5; i++) {
		unsigned char t[4] = {0, 0, 0, 0xee}; /* t[3] must survive */
		weft_chan_recv(odd, t);
		if (t[0] != i || t[1] != i + 100 || t[2] != i + 200 || t[3] != 0xee)
			bad++;
	}
	EXPECT(bad == 0, "%d 3-byte elements wrong (or the copy overran)", bad);
	weft_chan_free(odd);
	weft_chan_free(bc);
	weft_chan_free(c);
	weft_chan_free(done);
}

struct trio {
	long a, b, c;
};

struct closewait {
	weft_chan *c, *res;
	int started;
};

static void recv_until_closed(void *arg)
{
	struct closewait *w = arg;
	int v = 5;

	atomic_xadd(&w->started, 1);
	bool ok = weft_chan_recv(w->c, &v);
	int r = ok ? 1 : (v == 0 ? 0 : 2);
	weft_chan_send(w->res, &r);
}

/* chan_close: after close, receives drain the buffer, then return false
 * with a zeroed element; close wakes every blocked receiver; a select on a
 * closed channel runs the case with ok false. */
static void check_chan_close(void)
{
	weft_chan *c = weft_chan_make(sizeof(struct trio), 4);
	struct trio t;

	for (long i = 0; i < 3; i++) {
		t = (struct trio){3 * i + 1, 3 * i + 2, 3 * i + 3};
		weft_chan_send(c, &t);
	}
	weft_chan_close(c);
	EXPECT(weft_chan_len(c) == 3, "len %zu after close", weft_chan_len(c));
	for (long i = 0; i < 3; i++) {
		bool ok = weft_chan_recv(c, &t);
		EXPECT(ok && t.a == 3 * i + 1 && t.b == 3 * i + 2 && t.c == 3 * i + 3,
		       "drain #%ld: ok %d {%ld %ld %ld}", i, ok, t.a, t.b, t.c);
	}
	memset(&t, 0x5a, sizeof t);
	EXPECT(!weft_chan_recv(c, &t), "recv on a closed, drained channel returned true");
	EXPECT(t.a == 0 && t.b == 0 && t.c == 0, "element not zeroed: {%lx %lx %lx}", t.a, t.b, t.c);
	EXPECT(weft_chan_len(c) == 0);
	EXPECT(!weft_chan_recv(c, &t), "second recv after drain returned true");

	memset(&t, 0x5a, sizeof t);
	weft_case cs = {.chan = c, .dir = WEFT_RECV, .elem = &t, .ok = true};
	EXPECT(weft_select(&cs, 1, false) == 0, "non-blocking select on a closed channel");
	EXPECT(!cs.ok, "select on a closed channel: ok true");
	EXPECT(t.a == 0 && t.b == 0 && t.c == 0, "select: element not zeroed");
	cs.ok = true;
	EXPECT(weft_select(&cs, 1, true) == 0 && !cs.ok, "blocking select on a closed channel");
	weft_chan_free(c);

	/* Close wakes all blocked receivers. */
	enum { N = 10 };
	struct closewait w = {weft_chan_make(sizeof(int), 0), weft_chan_make(sizeof(int), N), 0};
	for (int i = 0; i < N; i++)
		weft_go(recv_until_closed, &w);
	for (int i = 0; i < 10000 && atomic_load(&w.started) < N; i++)
		weft_sleep(MS);
	weft_sleep(10 * MS);
	weft_chan_close(w.c);
	int woke = 0, bad = 0, r;
	for (int i = 0; i < N; i++) {
		if (recv_within(w.res, &r, 10 * SEC) != 1)
			break;
		woke++;
		if (r != 0)
			bad++;
	}
	EXPECT(woke == N, "close woke only %d of %d blocked receivers", woke, N);
	EXPECT(bad == 0, "%d receivers saw ok true or a non-zero element", bad);
	if (woke == N) {
		weft_chan_free(w.c);
		weft_chan_free(w.res);
	}

	/* An unbuffered closed channel. */
	weft_chan *u = weft_chan_make(sizeof(int), 0);
	weft_chan_close(u);
	r = 3;
	EXPECT(!weft_chan_recv(u, &r) && r == 0, "unbuffered closed recv: value %d", r);
	weft_chan_free(u);
}

/* chan_cap: weft_chan_cap is the buffer's capacity, whatever the channel
 * holds and after close; 0 for an unbuffered channel and for NULL, as
 * Go's cap; 1 for the timer channels. */
static void check_chan_cap(void)
{
	static const size_t caps[] = {0, 1, 7, 1000};

	EXPECT(weft_chan_cap(NULL) == 0, "cap(nil) = %zu", weft_chan_cap(NULL));
	for (size_t i = 0; i < nelem(caps); i++) {
		weft_chan *c = weft_chan_make(sizeof(int), caps[i]);
		EXPECT(weft_chan_cap(c) == caps[i], "cap %zu, made with %zu", weft_chan_cap(c), caps[i]);
		for (int v = 0; (size_t)v < caps[i]; v++)
			weft_chan_send(c, &v);
		EXPECT(weft_chan_len(c) == caps[i] && weft_chan_cap(c) == caps[i], "full: len %zu cap %zu, want %zu",
		       weft_chan_len(c), weft_chan_cap(c), caps[i]);
		weft_chan_close(c);
		EXPECT(weft_chan_cap(c) == caps[i], "closed: cap %zu, want %zu", weft_chan_cap(c), caps[i]);
		weft_chan_free(c);
	}
	weft_chan *z = weft_chan_make(0, 5); /* elements of no size still have a capacity */
	EXPECT(weft_chan_cap(z) == 5, "cap of a chan of empty elements %zu", weft_chan_cap(z));
	weft_chan_free(z);
	weft_chan *a = weft_after(60 * SEC), *t = weft_ticker(60 * SEC);
	EXPECT(weft_chan_cap(a) == 1 && weft_chan_cap(t) == 1, "timer channels: cap %zu and %zu, want 1",
	       weft_chan_cap(a), weft_chan_cap(t));
	weft_chan_free(a);
	weft_chan_free(t);
}

static const struct check checks[] = {
	{"chan_fifo", check_chan_fifo},
	{"chan_unbuffered", check_chan_unbuffered},
	{"chan_close", check_chan_close},
	{"chan_cap", check_chan_cap},
};

int weft_main(int argc, char **argv)
{
	return checks_main("chan", checks, nelem(checks), argc, argv);
}
