package future_test

import (
	"context"
	"runtime"
	"sync"
	"testing"

	"github.com/gofutures/future"
)

// The workloads of issue 9, each beside the baseline its target is set
// against, so that ratios come from one run:
//
//	go test -run='^$' -bench=. -count=5 . | benchstat -
//
// W1 create, complete and read a future              floor: raw one-shot
// W2 completion handed to a goroutine blocked in it   floor: raw one-shot
// W3 a 1,000-link ContinueWith chain from its head    minimal recursive future
// W4 Combine over 1,000 pending futures               hand-rolled gather
// W5 1,000 goroutines woken by one completion         closing a channel
//
// bench/ compares the same workloads with other libraries.

// Sinks keep the compiler from optimising the measured work away.
var (
	sinkInt  int
	sinkInts []int
	sinkErr  error
	sinkBool bool
)

const (
	chainLen  = 1000 // links in W3
	fanIn     = 1000 // inputs in W4
	waiterNum = 1000 // blocked goroutines in W5
)

// oneShot is the floor: the least a goroutine-safe, write-once value can
// be, a channel closed after the value is written.
type oneShot[T any] struct {
	done chan struct{}
	v    T
}

func newOneShot[T any]() *oneShot[T] { return &oneShot[T]{done: make(chan struct{})} }

func (o *oneShot[T]) set(v T) { o.v = v; close(o.done) }

func (o *oneShot[T]) get() T { <-o.done; return o.v }

func BenchmarkW1(b *testing.B) {
	b.Run("future", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			f := future.New[int]()
			f.SetResult(i)
			v, _ := f.Result()
			sinkInt += v
		}
	})
	b.Run("floor", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			o := newOneShot[int]()
			o.set(i)
			sinkInt += o.get()
		}
	})
}

// handoff runs W2's harness: a persistent reader goroutine receives each
// one-shot value, tells the benchmark it is about to wait, and blocks in
// wait; the benchmark completes the value only after that signal. The
// benchmark is parked on the signal before the reader sends it (in is
// buffered, so handing over the value never waits for the reader), and a
// goroutine readied by a channel operation runs only once the current one
// parks; so the completion finds the reader blocked in wait. The same harness
// serves the future and the floor; a future whose reader was blocked made its
// channel, which shows in allocs/op.
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

func BenchmarkW2(b *testing.B) {
	b.Run("future", func(b *testing.B) {
		handoff(b, future.New[int],
			func(f *future.Future[int], i int) { f.SetResult(i) },
			func(f *future.Future[int]) int { v, _ := f.Result(); return v })
	})
	b.Run("floor", func(b *testing.B) {
		handoff(b, newOneShot[int], (*oneShot[int]).set, (*oneShot[int]).get)
	})
}

func addOne(f *future.Future[int]) (int, error) {
	v, err := f.Result()
	return v + 1, err
}

func BenchmarkW3(b *testing.B) {
	b.Run("future", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			head := future.New[int]()
			tail := head
			for range chainLen {
				tail = future.ContinueWith(tail, addOne)
			}
			head.SetResult(i)
			v, _ := tail.Result()
			sinkInt += v
		}
		b.ReportMetric(float64(goroutinesHeldByChain()), "goroutines")
	})
	b.Run("recursive", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			head := new(miniFuture[int])
			tail := head
			for range chainLen {
				tail = miniThen(tail, func(v int, err error) (int, error) { return v + 1, err })
			}
			head.set(i, nil)
			v, _ := tail.result()
			sinkInt += v
		}
	})
}

// goroutinesHeldByChain counts the goroutines that a pending 1,000-link
// chain adds; the target is none.
func goroutinesHeldByChain() int {
	before := runtime.NumGoroutine()
	head := future.New[int]()
	tail := head
	for range chainLen {
		tail = future.ContinueWith(tail, addOne)
	}
	held := runtime.NumGoroutine() - before
	head.SetResult(0)
	sinkInt, _ = tail.Result()
	return held
}

func BenchmarkW4(b *testing.B) {
	b.Run("future", func(b *testing.B) {
		b.ReportAllocs()
		fs := make([]*future.Future[int], fanIn)
		for i := 0; i < b.N; i++ {
			for j := range fs {
				fs[j] = future.New[int]()
			}
			all := future.Combine(fs...)
			for j, f := range fs {
				f.SetResult(j)
			}
			sinkInts, sinkErr = all.Result()
		}
	})
	b.Run("gather", func(b *testing.B) {
		b.ReportAllocs()
		fs := make([]*future.Future[int], fanIn)
		for i := 0; i < b.N; i++ {
			for j := range fs {
				fs[j] = future.New[int]()
			}
			g := gatherAll(fs)
			for j, f := range fs {
				f.SetResult(j)
			}
			<-g.done
			sinkInts, sinkErr = g.values, g.err
		}
	})
}

func BenchmarkW5(b *testing.B) {
	b.Run("future", func(b *testing.B) {
		wakeAll(b, future.New[int],
			func(f *future.Future[int]) { f.SetResult(1) },
			func(f *future.Future[int]) { f.Result() })
	})
	b.Run("close", func(b *testing.B) {
		wakeAll(b, func() chan struct{} { return make(chan struct{}) },
			func(ch chan struct{}) { close(ch) },
			func(ch chan struct{}) { <-ch })
	})
}

// wakeAll runs W5's harness: waiterNum goroutines block in wait on one value,
// and one complete wakes them all. Starting the goroutines is part of each
// operation, the same for the future and the channel.
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

func noopCallback(*future.Future[int]) {}

func BenchmarkAddDoneCallback(b *testing.B) {
	b.Run("pending", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			f := future.New[int]()
			f.AddDoneCallback(noopCallback)
			f.SetResult(i)
		}
	})
	b.Run("done", func(b *testing.B) {
		b.ReportAllocs()
		f := future.Completed(1)
		for i := 0; i < b.N; i++ {
			f.AddDoneCallback(noopCallback)
		}
	})
}

func BenchmarkResultContext(b *testing.B) {
	b.Run("done", func(b *testing.B) {
		b.ReportAllocs()
		f := future.Completed(1)
		ctx := context.Background()
		for i := 0; i < b.N; i++ {
			v, _ := f.ResultContext(ctx)
			sinkInt += v
		}
	})
}

func BenchmarkDone(b *testing.B) {
	b.ReportAllocs()
	f := future.Completed(1)
	for i := 0; i < b.N; i++ {
		sinkBool = f.Done()
	}
}

func BenchmarkIsSuccess(b *testing.B) {
	b.ReportAllocs()
	f := future.Completed(1)
	for i := 0; i < b.N; i++ {
		sinkBool = f.IsSuccess()
	}
}

func BenchmarkGo(b *testing.B) {
	b.Run("future", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			v, _ := future.Go(func() (int, error) { return i, nil }).Result()
			sinkInt += v
		}
	})
	b.Run("floor", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			o := newOneShot[int]()
			go o.set(i)
			sinkInt += o.get()
		}
	})
}

// miniFuture is W3's baseline: the minimal future a careful engineer would
// write in an afternoon, a mutex, a callback slice and completion that calls
// the callbacks directly. A chain of its continuations completes by
// recursion, one stack frame group per link.
type miniFuture[T any] struct {
	mu   sync.Mutex
	done bool
	v    T
	err  error
	cbs  []func(T, error)
}

func (f *miniFuture[T]) set(v T, err error) {
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

func (f *miniFuture[T]) onDone(cb func(T, error)) {
	f.mu.Lock()
	if !f.done {
		f.cbs = append(f.cbs, cb)
		f.mu.Unlock()
		return
	}
	f.mu.Unlock()
	cb(f.v, f.err)
}

// result reads a future that the benchmark knows is done.
func (f *miniFuture[T]) result() (T, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.v, f.err
}

func miniThen[T, U any](f *miniFuture[T], fn func(T, error) (U, error)) *miniFuture[U] {
	g := new(miniFuture[U])
	f.onDone(func(v T, err error) { g.set(fn(v, err)) })
	return g
}

// gather is W4's baseline: a hand-rolled Combine, one callback per input
// that stores its value under a mutex and counts down.
type gather struct {
	mu      sync.Mutex
	pending int
	values  []int
	err     error
	done    chan struct{}
}

func gatherAll(fs []*future.Future[int]) *gather {
	g := &gather{pending: len(fs), values: make([]int, len(fs)), done: make(chan struct{})}
	for i, f := range fs {
		f.AddDoneCallback(func(f *future.Future[int]) {
			v, err := f.Result()
			g.mu.Lock()
			g.values[i] = v
			if err != nil && g.err == nil {
				g.err = err
			}
			g.pending--
			last := g.pending == 0
			g.mu.Unlock()
			if last {
				close(g.done)
			}
		})
	}
	return g
}
