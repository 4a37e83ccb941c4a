// rss: the Go twin of bench/rss.c. Starts n goroutines (default 100000) that
// each block receiving from one channel; once all of them are blocked it
// prints "goroutines n" and, given a hold time in milliseconds, sleeps that
// long so the runner can read /proc/<pid>/status. bench/run measures the
// process's peak RSS from outside.
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

func blocked(ch <-chan int64, wg *sync.WaitGroup) {
	wg.Done()
	<-ch
}

func main() {
	n := arg(1, 100000)
	hold := int64(0)
	if len(os.Args) > 2 {
		hold = arg(2, 0)
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
	report(elapsed, n)
	if hold > 0 {
		time.Sleep(time.Duration(hold) * time.Millisecond)
	}
}

func arg(i int, def int64) int64 {
	if len(os.Args) <= i {
		return def
	}
	v, err := strconv.ParseInt(os.Args[i], 10, 64)
	if err != nil || v <= 0 {
		fmt.Fprintf(os.Stderr, "usage: %s [goroutines [hold-ms]]\n", os.Args[0])
		os.Exit(2)
	}
	return v
}

func report(d time.Duration, ops int64) {
	c := d.Nanoseconds() * 100 / ops
	fmt.Printf("ns/op %d.%02d\n", c/100, c%100)
}
