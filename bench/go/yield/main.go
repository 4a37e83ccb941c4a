// yield: the Go twin of bench/yield.c. Two goroutines each call
// runtime.Gosched n times; one op is one Gosched.
package main

import (
	"runtime"
	"sync"
	"time"

	"weftbench/internal/bench"
)

func yielder(n int64, wg *sync.WaitGroup) {
	for i := int64(0); i < n; i++ {
		runtime.Gosched()
	}
	wg.Done()
}

func main() {
	n := bench.Arg(1, 500000)
	var wg sync.WaitGroup

	wg.Add(2)
	go yielder(n/100+1, &wg)
	go yielder(n/100+1, &wg)
	wg.Wait()

	stop := bench.Start()
	start := time.Now()
	wg.Add(2)
	go yielder(n, &wg)
	go yielder(n, &wg)
	wg.Wait()
	elapsed := time.Since(start)
	stop()
	bench.Report(elapsed, 2*n)
}
