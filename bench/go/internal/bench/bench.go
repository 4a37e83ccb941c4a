// Package bench holds what every Go twin shares with bench/bench.h: the
// iteration-count argument, the result line that bench/run reads, and
// tracing and CPU profiling on request (BENCH_TRACE and BENCH_CPUPROFILE,
// the twins of weft's WEFTTRACE and WEFTCPUPROFILE).
package bench

import (
	"fmt"
	"os"
	"runtime/pprof"
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

// Start starts what the environment asks for and returns the function that
// stops it and closes its files: an execution trace into the file that
// BENCH_TRACE names, and a CPU profile (runtime/pprof, at its 100 Hz) into
// the file that BENCH_CPUPROFILE names; both when both are set (the trace
// then carries the profile's samples, as weft's does). The twins call it
// just before their timed part and stop it just after. weft's WEFTTRACE
// and WEFTCPUPROFILE cover the whole run instead, which changes nothing in
// the time of the timed part: the profile is written at exit.
func Start() (stop func()) {
	var stops []func()
	if path := os.Getenv("BENCH_TRACE"); path != "" {
		f := create("BENCH_TRACE", path)
		check("BENCH_TRACE", trace.Start(f))
		stops = append(stops, func() {
			trace.Stop()
			check("BENCH_TRACE", f.Close())
		})
	}
	if path := os.Getenv("BENCH_CPUPROFILE"); path != "" {
		f := create("BENCH_CPUPROFILE", path)
		check("BENCH_CPUPROFILE", pprof.StartCPUProfile(f))
		stops = append(stops, func() {
			pprof.StopCPUProfile()
			check("BENCH_CPUPROFILE", f.Close())
		})
	}
	return func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
}

// create creates the file that the environment variable v names, or
// exits with status 2.
func create(v, path string) *os.File {
	f, err := os.Create(path)
	check(v, err)
	return f
}

// check exits with status 2 after naming the variable v when err is not nil.
func check(v string, err error) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", v, err)
		os.Exit(2)
	}
}
