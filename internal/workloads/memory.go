package workloads

import (
	"bytes"
	"runtime"
	"sync"
	"testing"

	"github.com/gofutures/future"
)

// The memory workloads (issue 15): the heap a pending future holds, alone,
// with one callback, with one continuation, and with goroutines blocked on
// it. One op makes one pending future (with what it carries) and keeps it;
// the figure is the heap bytes b.N of them hold after a garbage collection,
// per future, as the metric B/future. Run them with -benchtime=Nx: N futures
// are kept alive at once (1,000,000 for the million pending futures), and at
// -benchtime=1x they make one.
//
// Goroutines are not counted: not their stacks, which are not heap, nor
// their g structs, which the runtime keeps for reuse once a goroutine ends
// (the waiters workload ends as many goroutines before it starts its own).
// What is counted, for every library alike, is the sudog the runtime
// allocates for each goroutine blocked on a channel: the baseline, waiters
// blocked on a raw one-shot, shows how much that is.

// MemWaiters is how many goroutines block on each future in the waiters
// workload.
const MemWaiters = 10

// Retained is the memory workloads' harness: it keeps b.N values made by
// pend alive, reports the heap bytes they hold after a garbage collection
// per value as B/future, then hands each to release.
func Retained[V any](b *testing.B, pend func() V, release func(V)) {
	retain(b, pend, func(int) {}, release)
}

// RetainedWaiting is Retained with MemWaiters goroutines blocked in wait on
// each value newV makes; release must complete the value, which ends them.
// The heap is read once every waiter is blocked (counted from the
// goroutines' states), so that each has made whatever it waits with.
func RetainedWaiting[V any](b *testing.B, newV func() V, wait func(V), release func(V)) {
	endGoroutines(b.N * MemWaiters)
	pend := func() V {
		v := newV()
		for range MemWaiters {
			go memWaiter(wait, v)
		}
		return v
	}
	retain(b, pend, func(n int) {
		for blockedIn("workloads.memWaiter") < n*MemWaiters {
			runtime.Gosched()
		}
	}, release)
}

// retain is Retained, calling settle with the number of values made before
// it reads the heap.
func retain[V any](b *testing.B, pend func() V, settle func(n int), release func(V)) {
	keep := make([]V, b.N) // made before the first reading: not counted
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for i := range keep {
		keep[i] = pend()
	}
	b.StopTimer()
	settle(b.N)
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(b.N), "B/future")
	for _, v := range keep {
		release(v)
	}
}

// memWaiter is a waiter's goroutine: it blocks in wait(v). It has a name
// of its own so that blockedIn can count the waiters.
//
//go:noinline
func memWaiter[V any](wait func(V), v V) { wait(v) }

// endGoroutines starts n goroutines, blocks them on a channel and lets them
// end, so that the runtime keeps their g structs (which it never frees) for
// the goroutines started next: a blocked waiter is then counted without its
// g, which is the runtime's and not the library's.
func endGoroutines(n int) {
	release := make(chan struct{})
	var ended sync.WaitGroup
	ended.Add(n)
	for range n {
		go memWarmer(release, &ended)
	}
	for blockedIn("workloads.memWarmer") < n {
		runtime.Gosched()
	}
	close(release)
	ended.Wait()
}

//go:noinline
func memWarmer(release <-chan struct{}, ended *sync.WaitGroup) {
	defer ended.Done()
	<-release
}

// blockedIn counts the goroutines blocked in a channel receive (which is
// how every library's readers wait) with fn, a function name, on their
// stack.
func blockedIn(fn string) int {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		if bytes.Contains(g, []byte(" [chan receive")) && bytes.Contains(g, []byte(fn)) {
			count++
		}
	}
	return count
}

// MemPendingFloor keeps pending raw one-shots.
func MemPendingFloor(b *testing.B) {
	Retained(b, NewOneShot[int], func(o *OneShot[int]) { o.Set(1) })
}

// MemPendingFuture keeps pending futures.
func MemPendingFuture(b *testing.B) {
	Retained(b, future.New[int], completeFuture)
}

// MemCallbackFuture keeps pending futures with one callback each.
func MemCallbackFuture(b *testing.B) {
	Retained(b, func() *future.Future[int] {
		f := future.New[int]()
		f.AddDoneCallback(noopCallback)
		return f
	}, completeFuture)
}

// MemContinuationFuture keeps pending futures with one continuation each;
// the figure includes the continuation's own future.
func MemContinuationFuture(b *testing.B) {
	type chain struct{ head, tail *future.Future[int] }
	Retained(b, func() chain {
		f := future.New[int]()
		return chain{f, future.ContinueWith(f, addOne)}
	}, func(c chain) { c.head.SetResult(1) })
}

// MemWaitersFloor keeps raw one-shots with MemWaiters goroutines blocked
// on each.
func MemWaitersFloor(b *testing.B) {
	RetainedWaiting(b, NewOneShot[int], func(o *OneShot[int]) { o.Get() },
		func(o *OneShot[int]) { o.Set(1) })
}

// MemWaitersFuture keeps pending futures with MemWaiters goroutines
// blocked in Result on each.
func MemWaitersFuture(b *testing.B) {
	RetainedWaiting(b, future.New[int], func(f *future.Future[int]) { f.Result() }, completeFuture)
}

func completeFuture(f *future.Future[int]) { f.SetResult(1) }
