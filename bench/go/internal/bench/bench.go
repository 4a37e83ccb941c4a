// Package bench holds what every Go twin shares with bench/bench.h: the
// iteration-count argument and the result line that bench/run reads.
package bench

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

// Arg returns os.Args[i] as a positive count, or def when it is absent.
func Arg(i int, def int64) int64 {
	if len(os.Args) <= i {
		return def
	}
	v, err := strconv.ParseInt(os.Args[i], 10, 64)
	if err != nil || v <= 0 {
		fmt.Fprintf(os.Stderr, "usage: %s [iterations]\n", os.Args[0])
		os.Exit(2)
	}
	return v
}

// Report prints the line bench/run reads, as bench.h's bench_report does.
func Report(d time.Duration, ops int64) {
	c := d.Nanoseconds() * 100 / ops
	fmt.Printf("ns/op %d.%02d\n", c/100, c%100)
}
