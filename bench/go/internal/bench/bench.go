// Package bench holds what every Go twin shares with bench/bench.h: the
// iteration-count argument, the result line that bench/run reads, and
// tracing on request (BENCH_TRACE, the twin of weft's WEFTTRACE).
package bench

import (
	"fmt"
	"os"
	"runtime/trace"
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

// StartTrace starts an execution trace into the file that the environment
// variable BENCH_TRACE names, if it names one, and returns the function
// that stops it and closes the file. The twins call it just before their
// timed part and stop it just after. weft's WEFTTRACE traces the whole run
// instead, which changes nothing in the time of the timed part.
func StartTrace() (stop func()) {
	path := os.Getenv("BENCH_TRACE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "BENCH_TRACE: %v\n", err)
		os.Exit(2)
	}
	if err := trace.Start(f); err != nil {
		fmt.Fprintf(os.Stderr, "BENCH_TRACE: %v\n", err)
		os.Exit(2)
	}
	return func() {
		trace.Stop()
		if err := f.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "BENCH_TRACE: %v\n", err)
			os.Exit(2)
		}
	}
}
