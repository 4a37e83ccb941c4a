// burst: the Go twin of bench/burst.c. Main starts n goroutines (default
// 10000) in one burst, each only calling wg.Done, and waits for them all;
// one op is one goroutine, the time of the whole burst and the wait over n.
// No warm-up: the burst is about making new goroutines, and bench/run
// measures the process's peak RSS from outside. Given a hold time in
// milliseconds, it sleeps that long after printing, so that the runner can
// read /proc/<pid>/status.
package main

import (
	"os"
	"sync"
	"time"

	"weftbench/internal/bench"
)

func worker(wg *sync.WaitGroup) {
	wg.Done()
}

func main() {
	n := bench.Arg(1, 10000)
	hold := int64(0)
	if len(os.Args) > 2 {
		hold = bench.Arg(2, 0)
	}
	var wg sync.WaitGroup
	stop := bench.Start()
	start := time.Now()
	wg.Add(int(n))
	for i := int64(0); i < n; i++ {
		go worker(&wg)
	}
	wg.Wait()
	elapsed := time.Since(start)
	stop()
	bench.Report(elapsed, n)
	if hold > 0 {
		time.Sleep(time.Duration(hold) * time.Millisecond)
	}
}
