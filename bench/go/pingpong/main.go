// pingpong: the Go twin of bench/pingpong.c. One op is a round trip: main
// sends an int on ch1, the other goroutine receives it and sends it back on
// ch2, main receives it.
package main

import (
	"fmt"
	"time"

	"weftbench/internal/bench"
)

func ponger(ch1 <-chan int64, ch2 chan<- int64) {
	for v := range ch1 {
		ch2 <- v
	}
}

func main() {
	n := bench.Arg(1, 200000)
	ch1 := make(chan int64)
	ch2 := make(chan int64)
	go ponger(ch1, ch2)

	warm := n/100 + 1
	for i := int64(0); i < warm; i++ {
		ch1 <- i
		<-ch2
	}
	stop := bench.Start()
	start := time.Now()
	for i := int64(0); i < n; i++ {
		ch1 <- i
		if v := <-ch2; v != i {
			panic(fmt.Sprintf("pingpong: sent %d, got back %d", i, v))
		}
	}
	elapsed := time.Since(start)
	stop()
	bench.Report(elapsed, n)
	close(ch1)
}
