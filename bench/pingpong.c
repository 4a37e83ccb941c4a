/*
 * pingpong: the round trip of an unbuffered channel (pingpong.h). Two
 * goroutines: main sends an int64 on one channel, the ponger receives it
 * and sends it back on the other, main receives it. One op is one round
 * trip (two handoffs, each a park and a wakeup). Twin:
 * bench/go/pingpong/main.go.
 *
 *	pingpong [iterations]
 */
#include "pingpong.h"

int weft_main(int argc, char **argv)
{
	int64_t n = bench_arg(argc, argv, 1, 200000);

	pingpong_start();
	roundtrips(n / 100 + 1); /* warm-up */
	bench_report(roundtrips(n), n);
	pingpong_stop();
	return 0;
}
