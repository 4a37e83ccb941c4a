/*
 * flightwrite: what weft_flight_write costs when the flight recorder's
 * window is full. No Go twin: Go 1.23 has no flight recorder (it came in
 * Go 1.25's runtime/trace.FlightRecorder).
 *
 *	flightwrite [writes [file]]
 *
 * The recorder runs with weft_flight_start(16 MiB, 60 s), so that its
 * window is bounded by size alone: nothing is dropped for its age. A
 * channel ping-pong (pingpong.h, bench/pingpong.c's) makes events until
 * the window is full. The window's size cannot be read directly, so the
 * program writes it to the file after each batch of round trips and
 * counts the bytes; a batch is about 1/32 of the bound, and the window
 * is full once a batch adds less than half of what one added at first:
 * the oldest generations were dropped to make room. (Each of those
 * writes ends a generation, so the full window is some 32 generations
 * rather than the four or so that steady events would leave, a
 * generation ending at the tracer's 4 MiB: the same bytes in the same
 * buffers, plus a string and a stack table per generation.)
 *
 * Then the window is written `writes` times (default 21), alternately to
 * the file (default build/bench/tmp/flight.trace, overwritten in place
 * from offset 0, so that its pages stay in the page cache) and to
 * /dev/null (where the kernel copies nothing: what is left is the
 * recorder's own part, cutting the generation in progress and handing
 * the buffers to writev). Nothing else runs meanwhile. It prints
 *
 *	ns/op T        the median time of one weft_flight_write to the file
 *	devnull D      the same to /dev/null
 *	bytes B        the window's size, as the last write to the file left it
 *
 * Hosted (--libc): weft has no open(2).
 */
#include <fcntl.h>
#include <unistd.h>

#include "pingpong.h"

enum {
	MAXBYTES = 16 << 20,
	MAXWRITES = 201,
	BATCHES = 32, /* a batch of round trips: about 1/BATCHES of the window */
};

static int fd = -1, null = -1; /* the file and /dev/null */
static const char *path = "build/bench/tmp/flight.trace";

/* writewindow writes the window to the file (tofile) or to /dev/null, sets
 * *ns to the time weft_flight_write took and returns the window's size in
 * bytes (0 for /dev/null: nothing to count). The file is written from
 * offset 0 and cut to the window's size, so that a shorter window leaves
 * no stale tail. */
static int64_t writewindow(bool tofile, int64_t *ns)
{
	int64_t t, size;

	if (tofile && lseek(fd, 0, SEEK_SET) != 0)
		weft_panic("flightwrite: lseek on %s failed", path);
	t = weft_nanotime();
	if (weft_flight_write(tofile ? fd : null) != 0)
		weft_panic("flightwrite: weft_flight_write to %s failed", tofile ? path : "/dev/null");
	*ns = weft_nanotime() - t;
	if (!tofile)
		return 0;
	size = lseek(fd, 0, SEEK_CUR);
	if (size <= 0 || ftruncate(fd, size) != 0)
		weft_panic("flightwrite: lseek or ftruncate on %s failed", path);
	return size;
}

int weft_main(int argc, char **argv)
{
	int64_t writes = bench_arg(argc, argv, 1, 21);
	int64_t fns[MAXWRITES], nns[MAXWRITES];
	int64_t batch = 10000, size, prev, grow, ns, nf = 0, nn = 0;
	int i;

	if (argc > 2)
		path = argv[2];
	if (writes > MAXWRITES) {
		weft_eprintf("flightwrite: at most %d writes\n", MAXWRITES);
		return 2;
	}
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || null < 0) {
		weft_eprintf("flightwrite: cannot open %s\n", fd < 0 ? path : "/dev/null");
		return 2;
	}
	pingpong_start();
	if (weft_flight_start(MAXBYTES, 60LL * 1000 * 1000 * 1000) != 0)
		weft_panic("flightwrite: weft_flight_start failed");

	/* Fill the window: a first batch of round trips sizes the others,
	 * about 1/BATCHES of the window each. */
	roundtrips(batch);
	size = writewindow(true, &ns);
	batch = batch * (MAXBYTES / BATCHES) / size;
	if (batch < 1)
		batch = 1;
	roundtrips(batch);
	prev = writewindow(true, &ns);
	grow = prev - size; /* what one batch adds */
	for (i = 0;; i++) {
		if (i == 4 * BATCHES)
			weft_panic("flightwrite: the window never filled (%lld bytes)", (long long)prev);
		roundtrips(batch);
		size = writewindow(true, &ns);
		if (size - prev < grow / 2)
			break;
		prev = size;
	}

	/* Time it, the file and /dev/null in turn. */
	for (i = 0; i < writes; i++) {
		if (i % 2 == 0)
			size = writewindow(true, &fns[nf++]);
		else
			writewindow(false, &nns[nn++]);
	}
	bench_report(bench_median(fns, (int)nf), 1);
	if (nn > 0)
		weft_printf("devnull %lld\n", (long long)bench_median(nns, (int)nn));
	weft_printf("bytes %lld\n", (long long)size);

	weft_flight_stop();
	pingpong_stop();
	close(fd);
	close(null);
	return 0;
}
