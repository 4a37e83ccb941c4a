// pingpong: the Go twin of bench/pingpong.c. One op is a round trip: main
// sends an int on ch1, the other goroutine receives it and sends it back on
// ch2, main receives it.
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

func ponger(ch1 <-chan int64, ch2 chan<- int64) {
	for v := range ch1 {
		ch2 <- v
	}
}

func main() {
	n := arg(1, 200000)
	ch1 := make(chan int64)
	ch2 := make(chan int64)
	go ponger(ch1, ch2)

	warm := n/100 + 1
	for i := int64(0); i < warm; i++ {
		ch1 <- i
		<-ch2
	}
	start := time.Now()
	for i := int64(0); i < n; i++ {
		ch1 <- i
		if v := <-ch2; v != i {
			panic(fmt.Sprintf("pingpong: sent %d, got back %d", i, v))
		}
	}
	report(time.Since(start), n)
	close(ch1)
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

// report prints the line bench/run reads, as bench.h's bench_report does.
func report(d time.Duration, ops int64) {
	c := d.Nanoseconds() * 100 / ops
	fmt.Printf("ns/op %d.%02d\n", c/100, c%100)
}
