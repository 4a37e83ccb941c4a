// rss: the Go twin of bench/rss.c. Starts n goroutines (default 100000) that
// each block receiving from one channel; once all of them are blocked it
// prints "goroutines n" and, given a hold time in milliseconds, sleeps that
// long so the runner can read /proc/<pid>/status. bench/run measures the
// process's peak RSS from outside.
package main

import (
	"fmt"
	"os"
	"sync"
	"time"

	"weftbench/internal/bench"
)

func blocked(ch <-chan int64, wg *sync.WaitGroup) {
	wg.Done()
	<-ch
}

func main() {
	n := bench.Arg(1, 100000)
	hold := int64(0)
	if len(os.Args) > 2 {
		hold = bench.Arg(2, 0)
	}
	ch := make(chan int64)
	var wg sync.WaitGroup
	wg.Add(int(n))
	start := time.Now()
	for i := int64(0); i < n; i++ {
		go blocked(ch, &wg)
	}
	wg.Wait()
	elapsed := time.Since(start)
	// Done comes just before the receive: give the last ones time to park.
	time.Sleep(10 * time.Millisecond)
	fmt.Printf("goroutines %d\n", n)
	bench.Report(elapsed, n)
	if hold > 0 {
		time.Sleep(time.Duration(hold) * time.Millisecond)
	}
}
