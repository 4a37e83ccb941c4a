// sieve: the Go twin of bench/sieve.c, the concurrent prime sieve of the Go
// documentation: a generator goroutine and one filter goroutine per prime,
// chained by unbuffered channels. One op is a whole sieve finding the first
// 2000 primes; each sieve's goroutines are left blocked, as in the original.
package main

import (
	"fmt"
	"time"

	"weftbench/internal/bench"
)

const (
	nprimes = 2000
	last    = 17389 // the 2000th prime
)

func generate(ch chan<- int64) {
	for i := int64(2); ; i++ {
		ch <- i
	}
}

func filter(in <-chan int64, out chan<- int64, prime int64) {
	for {
		i := <-in
		if i%prime != 0 {
			out <- i
		}
	}
}

func sieve() {
	ch := make(chan int64)
	go generate(ch)
	var prime int64
	for i := 0; i < nprimes; i++ {
		prime = <-ch
		ch1 := make(chan int64)
		go filter(ch, ch1, prime)
		ch = ch1
	}
	if prime != last {
		panic(fmt.Sprintf("sieve: prime %d is %d, want %d", nprimes, prime, last))
	}
}

func main() {
	n := bench.Arg(1, 1)
	stop := bench.Start()
	start := time.Now()
	for i := int64(0); i < n; i++ {
		sieve()
	}
	elapsed := time.Since(start)
	stop()
	bench.Report(elapsed, n)
}
