package bench

import (
	"sync"
	"testing"
)

// Sinks keep the compiler from optimising the measured work away.
var (
	sinkInt  int
	sinkInts []int
	sinkErr  error
	sinkAny  any
	sinkBool bool
)

// The sizes of the workloads.
const (
	chainLen  = 1000 // links in W3
	fanIn     = 1000 // inputs in W4
	waiterNum = 1000 // blocked goroutines in W5
)

// handoff runs W2's harness: a persistent reader goroutine receives each
// one-shot value, tells the benchmark it is about to wait, and blocks in
// wait; the benchmark completes the value only after that signal. The
// benchmark is parked on the signal before the reader sends it (in is
// buffered, so handing over the value never waits for the reader), and a
// goroutine readied by a channel operation runs only once the current one
// parks; so the completion finds the reader blocked in wait. Every library
// runs in the same harness.
func handoff[V any](b *testing.B, newV func() V, complete func(V, int), wait func(V) int) {
	in := make(chan V, 1)
	ready := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		sum := 0
		for v := range in {
			ready <- struct{}{}
			sum += wait(v)
		}
		sinkInt += sum
	}()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v := newV()
		in <- v
		<-ready
		complete(v, i)
	}
	close(in)
	<-stopped
}

// wakeAll runs W5's harness: waiterNum goroutines block in wait on one value,
// and one complete wakes them all. Starting the goroutines is part of each
// operation, the same for every library.
func wakeAll[V any](b *testing.B, newV func() V, complete func(V), wait func(V)) {
	b.ReportAllocs()
	var started, finished sync.WaitGroup
	for i := 0; i < b.N; i++ {
		v := newV()
		started.Add(waiterNum)
		finished.Add(waiterNum)
		for range waiterNum {
			go func() {
				started.Done()
				wait(v)
				finished.Done()
			}()
		}
		started.Wait()
		complete(v)
		finished.Wait()
	}
}
