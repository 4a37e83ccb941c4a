// cpuprof: the Go twin of bench/cpuprof.c, a CPU-bound program. One op is
// 4000 dependent steps of xorshift64, 3000 in heavy and 1000 in light,
// which the compiler inlines into op; the ops are shared among one worker
// goroutine per P. After the ns/op line it prints the workers' results
// xored ("sum <hex>"), the same as weft's for the same count and Ps.
package main

import (
	"fmt"
	"runtime"
	"sync"
	"time"

	"weftbench/internal/bench"
)

const steps = 1000 // light's steps; heavy does 3 times as many

var sink [64]uint64 // each worker's result

// step is one xorshift64 step (Marsaglia's 13, 7, 17).
func step(x uint64) uint64 {
	x ^= x << 13
	x ^= x >> 7
	x ^= x << 17
	return x
}

// heavy does three quarters of an op's work, in a frame of its own.
//
//go:noinline
func heavy(x uint64) uint64 {
	for i := 0; i < 3*steps; i++ {
		x = step(x)
	}
	return x
}

// light does the other quarter, inlined into op.
func light(x uint64) uint64 {
	for i := 0; i < steps; i++ {
		x = step(x)
	}
	return x
}

// op is one op.
//
//go:noinline
func op(x uint64) uint64 {
	return light(heavy(x))
}

// run does n ops, shared among one goroutine per P, and returns their
// results xored.
func run(n int64) uint64 {
	var wg sync.WaitGroup
	ps := int64(min(runtime.GOMAXPROCS(0), len(sink)))
	wg.Add(int(ps))
	for i := int64(0); i < ps; i++ {
		ops := n / ps
		if i < n%ps {
			ops++
		}
		go func(id, ops int64) {
			x := uint64(id) + 1
			for j := int64(0); j < ops; j++ {
				x = op(x)
			}
			sink[id] = x
			wg.Done()
		}(i, ops)
	}
	wg.Wait()
	sum := uint64(0)
	for _, x := range sink[:ps] {
		sum ^= x
	}
	return sum
}

func main() {
	n := bench.Arg(1, 100000)

	run(n/100 + 1)
	stop := bench.Start()
	start := time.Now()
	sum := run(n)
	elapsed := time.Since(start)
	stop()
	bench.Report(elapsed, n)
	fmt.Printf("sum %x\n", sum)
}
