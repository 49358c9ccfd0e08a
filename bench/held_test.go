package bench

import (
	"runtime"
	"testing"

	"github.com/Workiva/go-datastructures/futures"
	"github.com/samber/mo"
	"github.com/sourcegraph/conc"
	"golang.org/x/sync/errgroup"

	"github.com/gofutures/future"
)

// BenchmarkHeld reports, as the metric "goroutines", how many goroutines a
// library holds while work is pending: a 1,000-link chain of continuations
// on a pending future, or 1,000 reactions (callbacks where the library has
// them, else waiting goroutines) to one pending future. Its ns/op is not a
// result.
func BenchmarkHeld(b *testing.B) {
	held := func(b *testing.B, pend func() (complete func())) {
		n := 0
		for i := 0; i < b.N; i++ {
			before := runtime.NumGoroutine()
			complete := pend()
			n = runtime.NumGoroutine() - before
			complete()
		}
		b.ReportMetric(float64(n), "goroutines")
	}
	b.Run("chain/lib=recursive", func(b *testing.B) {
		held(b, func() func() {
			head := new(MiniFuture[int])
			tail := head
			for range chainLen {
				tail = MiniThen(tail, miniAddOne)
			}
			return func() { head.Set(1, nil); sinkInt, _ = tail.Peek() }
		})
	})
	b.Run("chain/lib=future", func(b *testing.B) {
		held(b, func() func() {
			head := future.New[int]()
			tail := head
			for range chainLen {
				tail = future.ContinueWith(tail, addOne)
			}
			return func() { head.SetResult(1); sinkInt, _ = tail.Result() }
		})
	})
	b.Run("chain/lib=mo", func(b *testing.B) {
		held(b, func() func() {
			start := make(chan struct{})
			head := mo.NewFuture(func(resolve func(int), _ func(error)) { <-start; resolve(1) })
			tail := head
			for range chainLen {
				tail = tail.Then(moAddOne)
			}
			return func() { close(start); sinkInt, _ = tail.Collect() }
		})
	})
	b.Run("waiters/lib=future", func(b *testing.B) {
		held(b, func() func() {
			f := future.New[int]()
			for range waiterNum {
				f.AddDoneCallback(func(f *future.Future[int]) { sinkInt, _ = f.Result() })
			}
			return func() { f.SetResult(1) }
		})
	})
	b.Run("waiters/lib=workiva", func(b *testing.B) { // no callbacks: a goroutine per waiter
		held(b, func() func() {
			f := futures.NewSelectable()
			var wg conc.WaitGroup
			for range waiterNum {
				wg.Go(func() { sinkAny, _ = f.GetResult() })
			}
			return func() { f.SetValue(1); wg.Wait() }
		})
	})
	b.Run("waiters/lib=mo", func(b *testing.B) { // Then keeps one continuation: a goroutine per waiter
		held(b, func() func() {
			start := make(chan struct{})
			f := mo.NewFuture(func(resolve func(int), _ func(error)) { <-start; resolve(1) })
			var wg conc.WaitGroup
			for range waiterNum {
				wg.Go(func() { sinkInt, _ = f.Collect() })
			}
			return func() { close(start); wg.Wait() }
		})
	})
	b.Run("waiters/lib=errgroup", func(b *testing.B) {
		held(b, func() func() {
			o := NewOneShot[int]()
			var g errgroup.Group
			for range waiterNum {
				g.Go(func() error { sinkInt = o.Get(); return nil })
			}
			return func() { o.Set(1); sinkErr = g.Wait() }
		})
	})
	b.Run("waiters/lib=conc", func(b *testing.B) {
		held(b, func() func() {
			o := NewOneShot[int]()
			var wg conc.WaitGroup
			for range waiterNum {
				wg.Go(func() { sinkInt = o.Get() })
			}
			return func() { o.Set(1); wg.Wait() }
		})
	})
}
