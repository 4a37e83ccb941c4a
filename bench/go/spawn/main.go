// spawn: the Go twin of bench/spawn.c. Goroutines are started in batches of
// 1000, each calling wg.Done and exiting; main waits for each batch. One op
// is one goroutine's start, run and exit.
package main

import (
	"sync"
	"time"

	"weftbench/internal/bench"
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
	n := bench.Arg(1, 500000)
	rounds := (n + batch - 1) / batch

	run(rounds/100 + 1)
	stop := bench.Start()
	start := time.Now()
	run(rounds)
	elapsed := time.Since(start)
	stop()
	bench.Report(elapsed, rounds*batch)
}
