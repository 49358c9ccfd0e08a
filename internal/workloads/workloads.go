// Package workloads defines, once, the benchmark workloads of issue 9 for
// this module and the baselines their targets are set against. Two places
// run them: the package's own benchmarks (bench_test.go), which put each
// beside its baseline so that ratios come from one run, and the comparison
// with other libraries (the nested module bench/), which adds the peers and
// uses the harnesses below for them too.
//
//	W1 create, complete and read a future               floor: raw one-shot
//	W2 completion handed to a goroutine blocked in it    floor: raw one-shot
//	W3 a 1,000-link ContinueWith chain from its head     minimal recursive future
//	W4 Combine over 1,000 pending futures                hand-rolled gather
//	W5 1,000 goroutines woken by one completion          closing a channel
//	Go run a function on a goroutine, wait for it        go + raw one-shot
package workloads

import (
	"context"
	"runtime"
	"sync"
	"testing"

	"github.com/gofutures/future"
)

// The sizes of the workloads.
const (
	ChainLen = 1000 // links in W3
	FanIn    = 1000 // inputs in W4
	Waiters  = 1000 // blocked goroutines in W5
)

// Sink receives the results of the measured work, so that the compiler
// cannot optimise the work away.
var Sink struct {
	Int       int
	Ints      []int
	Err       error
	Bool      bool
	Traceback *future.Traceback
}

// OneShot is the floor: the least a goroutine-safe, write-once value can be,
// a channel closed after the value is written.
type OneShot[T any] struct {
	done chan struct{}
	v    T
}

// NewOneShot returns a pending OneShot.
func NewOneShot[T any]() *OneShot[T] { return &OneShot[T]{done: make(chan struct{})} }

// Set stores v and wakes every Get. It must be called at most once.
func (o *OneShot[T]) Set(v T) { o.v = v; close(o.done) }

// Get blocks until Set and returns its value.
func (o *OneShot[T]) Get() T { <-o.done; return o.v }

// W1Floor creates, completes and reads a OneShot.
func W1Floor(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		o := NewOneShot[int]()
		o.Set(i)
		Sink.Int += o.Get()
	}
}

// W1Future creates, completes and reads a Future.
func W1Future(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		f := future.New[int]()
		f.SetResult(i)
		v, _ := f.Result()
		Sink.Int += v
	}
}

// Handoff is W2's harness: a persistent reader goroutine receives each
// one-shot value, tells the benchmark it is about to wait, and blocks in
// wait; the benchmark completes the value only after that signal. The
// benchmark is parked on the signal before the reader sends it (in is
// buffered, so handing over the value never waits for the reader), and a
// goroutine readied by a channel operation runs only once the current one
// parks; so the completion finds the reader blocked in wait. (A future whose
// reader blocked made its channel, which shows in B/op.)
func Handoff[V any](b *testing.B, newV func() V, complete func(V, int), wait func(V) int) {
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
		Sink.Int += sum
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

// W2Floor hands a OneShot's completion to a blocked reader.
func W2Floor(b *testing.B) {
	Handoff(b, NewOneShot[int], (*OneShot[int]).Set, (*OneShot[int]).Get)
}

// W2Future hands a Future's completion to a reader blocked in Result.
func W2Future(b *testing.B) {
	Handoff(b, future.New[int],
		func(f *future.Future[int], i int) { f.SetResult(i) },
		func(f *future.Future[int]) int { v, _ := f.Result(); return v })
}

// MiniFuture is W3's baseline: the minimal future a careful engineer writes
// in an afternoon, a mutex, a callback slice, and completion that calls the
// callbacks directly. A chain of its continuations therefore completes by
// recursion, a few stack frames per link.
type MiniFuture[T any] struct {
	mu   sync.Mutex
	done bool
	v    T
	err  error
	cbs  []func(T, error)
}

// Set completes f and runs its callbacks; later calls do nothing.
func (f *MiniFuture[T]) Set(v T, err error) {
	f.mu.Lock()
	if f.done {
		f.mu.Unlock()
		return
	}
	f.v, f.err, f.done = v, err, true
	cbs := f.cbs
	f.cbs = nil
	f.mu.Unlock()
	for _, cb := range cbs {
		cb(v, err)
	}
}

// OnDone runs cb with f's outcome once f is done.
func (f *MiniFuture[T]) OnDone(cb func(T, error)) {
	f.mu.Lock()
	if !f.done {
		f.cbs = append(f.cbs, cb)
		f.mu.Unlock()
		return
	}
	f.mu.Unlock()
	cb(f.v, f.err)
}

// Peek returns f's outcome; the caller knows f is done.
func (f *MiniFuture[T]) Peek() (T, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.v, f.err
}

// MiniThen returns a future completed with fn of f's outcome.
func MiniThen[T, U any](f *MiniFuture[T], fn func(T, error) (U, error)) *MiniFuture[U] {
	g := new(MiniFuture[U])
	f.OnDone(func(v T, err error) { g.Set(fn(v, err)) })
	return g
}

// ChainRecursive builds n MiniFuture links that add one on a pending head.
func ChainRecursive(n int) (head, tail *MiniFuture[int]) {
	head = new(MiniFuture[int])
	tail = head
	for range n {
		tail = MiniThen(tail, func(v int, err error) (int, error) { return v + 1, err })
	}
	return head, tail
}

// ChainFuture builds n ContinueWith links that add one on a pending head.
func ChainFuture(n int) (head, tail *future.Future[int]) {
	head = future.New[int]()
	tail = head
	for range n {
		tail = future.ContinueWith(tail, addOne)
	}
	return head, tail
}

func addOne(f *future.Future[int]) (int, error) {
	v, err := f.Result()
	return v + 1, err
}

// W3Recursive completes a chain of ChainLen MiniFuture links from its head.
func W3Recursive(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		head, tail := ChainRecursive(ChainLen)
		head.Set(i, nil)
		v, _ := tail.Peek()
		Sink.Int += v
	}
}

// W3Future completes a chain of ChainLen ContinueWith links from its head,
// and reports how many goroutines such a chain holds while pending.
func W3Future(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		head, tail := ChainFuture(ChainLen)
		head.SetResult(i)
		v, _ := tail.Result()
		Sink.Int += v
	}
	b.StopTimer() // the count is not part of the measured work
	b.ReportMetric(float64(HeldBy(func() func() {
		head, tail := ChainFuture(ChainLen)
		return func() { head.SetResult(0); Sink.Int, _ = tail.Result() }
	})), "goroutines")
}

// HeldBy returns how many goroutines pend adds while its work is pending;
// pend returns the function that completes that work.
func HeldBy(pend func() (complete func())) int {
	before := runtime.NumGoroutine()
	complete := pend()
	held := runtime.NumGoroutine() - before
	complete()
	return held
}

// Gather is W4's harness: each operation makes FanIn pending futures, lets
// gather subscribe to them, completes them and reads the gathered result.
func Gather(b *testing.B, gather func([]*future.Future[int]) (result func() ([]int, error))) {
	b.ReportAllocs()
	fs := make([]*future.Future[int], FanIn)
	for i := 0; i < b.N; i++ {
		for j := range fs {
			fs[j] = future.New[int]()
		}
		result := gather(fs)
		for j, f := range fs {
			f.SetResult(j)
		}
		Sink.Ints, Sink.Err = result()
	}
}

// W4Gather gathers with a hand-rolled Combine: one callback per input that
// stores its value under a mutex and counts down.
func W4Gather(b *testing.B) {
	Gather(b, func(fs []*future.Future[int]) func() ([]int, error) {
		var (
			mu      sync.Mutex
			pending = len(fs)
			values  = make([]int, len(fs))
			first   error
			done    = make(chan struct{})
		)
		for i, f := range fs {
			f.AddDoneCallback(func(f *future.Future[int]) {
				v, err := f.Result()
				mu.Lock()
				values[i] = v
				if err != nil && first == nil {
					first = err
				}
				pending--
				last := pending == 0
				mu.Unlock()
				if last {
					close(done)
				}
			})
		}
		return func() ([]int, error) { <-done; return values, first }
	})
}

// W4Future gathers with Combine.
func W4Future(b *testing.B) {
	Gather(b, func(fs []*future.Future[int]) func() ([]int, error) {
		return future.Combine(fs...).Result
	})
}

// WakeAll is W5's harness: Waiters goroutines block in wait on one value,
// and one complete wakes them all. Starting the goroutines is part of each
// operation, the same for every contender.
func WakeAll[V any](b *testing.B, newV func() V, complete func(V), wait func(V)) {
	b.ReportAllocs()
	var started, finished sync.WaitGroup
	for i := 0; i < b.N; i++ {
		v := newV()
		started.Add(Waiters)
		finished.Add(Waiters)
		for range Waiters {
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

// W5Close wakes the waiters by closing a channel.
func W5Close(b *testing.B) {
	WakeAll(b, func() chan struct{} { return make(chan struct{}) },
		func(ch chan struct{}) { close(ch) },
		func(ch chan struct{}) { <-ch })
}

// W5Future wakes waiters blocked in Result by completing the future.
func W5Future(b *testing.B) {
	WakeAll(b, future.New[int],
		func(f *future.Future[int]) { f.SetResult(1) },
		func(f *future.Future[int]) { f.Result() })
}

// GoFloor runs a function with go and waits on a OneShot.
func GoFloor(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		o := NewOneShot[int]()
		go o.Set(i)
		Sink.Int += o.Get()
	}
}

// GoFuture runs a function with Go and waits in Result.
func GoFuture(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		v, _ := future.Go(func() (int, error) { return i, nil }).Result()
		Sink.Int += v
	}
}

func noopCallback(*future.Future[int]) {}

// AddDoneCallbackPending registers a callback on a pending future, then
// completes it.
func AddDoneCallbackPending(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		f := future.New[int]()
		f.AddDoneCallback(noopCallback)
		f.SetResult(i)
	}
}

// OnDonePending registers a callback with a way back on a pending future,
// then completes it: at most one allocation more than
// AddDoneCallbackPending (the stop function).
func OnDonePending(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		f := future.New[int]()
		f.OnDone(noopCallback)
		f.SetResult(i)
	}
}

// OnDoneStop registers a callback with a way back on a long-lived pending
// future and takes it back at once, as a request that ends does.
func OnDoneStop(b *testing.B) {
	b.ReportAllocs()
	f := future.New[int]()
	f.AddDoneCallback(noopCallback) // another listener holds the inline slot
	for i := 0; i < b.N; i++ {
		Sink.Bool = f.OnDone(noopCallback)()
	}
}

// The operations on a done future; the target for each is no allocation.

// OnDoneDone registers a callback with a way back on a done future: it runs
// at once.
func OnDoneDone(b *testing.B) {
	b.ReportAllocs()
	f := future.Completed(1)
	for i := 0; i < b.N; i++ {
		Sink.Bool = f.OnDone(noopCallback)()
	}
}

// AddDoneCallbackDone registers a callback on a done future: it runs at once.
func AddDoneCallbackDone(b *testing.B) {
	b.ReportAllocs()
	f := future.Completed(1)
	for i := 0; i < b.N; i++ {
		f.AddDoneCallback(noopCallback)
	}
}

// ResultContextDone reads a done future with ResultContext.
func ResultContextDone(b *testing.B) {
	b.ReportAllocs()
	f := future.Completed(1)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		Sink.Int, Sink.Err = f.ResultContext(ctx)
	}
}

// ResultDone reads a done future with Result.
func ResultDone(b *testing.B) {
	b.ReportAllocs()
	f := future.Completed(1)
	for i := 0; i < b.N; i++ {
		Sink.Int, Sink.Err = f.Result()
	}
}

// Done asks a done future whether it is done.
func Done(b *testing.B) {
	b.ReportAllocs()
	f := future.Completed(1)
	for i := 0; i < b.N; i++ {
		Sink.Bool = f.Done()
	}
}

// IsSuccess asks a done future whether it succeeded.
func IsSuccess(b *testing.B) {
	b.ReportAllocs()
	f := future.Completed(1)
	for i := 0; i < b.N; i++ {
		Sink.Bool = f.IsSuccess()
	}
}
