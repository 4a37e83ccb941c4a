// yield: the Go twin of bench/yield.c. Two goroutines each call
// runtime.Gosched n times; one op is one Gosched.
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"
)

func yielder(n int64, wg *sync.WaitGroup) {
	for i := int64(0); i < n; i++ {
		runtime.Gosched()
	}
	wg.Done()
}

func main() {
	n := arg(1, 500000)
	var wg sync.WaitGroup

	wg.Add(2)
	go yielder(n/100+1, &wg)
	go yielder(n/100+1, &wg)
	wg.Wait()

	start := time.Now()
	wg.Add(2)
	go yielder(n, &wg)
	go yielder(n, &wg)
	wg.Wait()
	report(time.Since(start), 2*n)
}

func arg(i int, def int64) int64 {
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

func report(d time.Duration, ops int64) {
	c := d.Nanoseconds() * 100 / ops
	fmt.Printf("ns/op %d.%02d\n", c/100, c%100)
}
