// spawn: the Go twin of bench/spawn.c. Goroutines are started in batches of
// 1000, each calling wg.Done and exiting; main waits for each batch. One op
// is one goroutine's start, run and exit.
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

const batch = 1000

func worker(wg *sync.WaitGroup) {
	wg.Done()
}

func run(rounds int64) {
	var wg sync.WaitGroup
	for r := int64(0); r < rounds; r++ {
		wg.Add(batch)
		for i := 0; i < batch; i++ {
			go worker(&wg)
		}
		wg.Wait()
	}
}

func main() {
	n := arg(1, 500000)
	rounds := (n + batch - 1) / batch

	run(rounds/100 + 1)
	start := time.Now()
	run(rounds)
	report(time.Since(start), rounds*batch)
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
