package bench

import (
	"testing"

	"github.com/Workiva/go-datastructures/futures"
	"github.com/sourcegraph/conc"
	"golang.org/x/sync/errgroup"

	"github.com/gofutures/future"
	"github.com/gofutures/future/internal/workloads"
)

// BenchmarkHeld reports, as the metric "goroutines", how many goroutines a
// library holds while work is pending: a 1,000-link chain of continuations
// on a pending future, or 1,000 reactions (callbacks where the library has
// them, else waiting goroutines) to one pending future. Its ns/op is not a
// result.
func BenchmarkHeld(b *testing.B) {
	held := func(pend func() (complete func())) func(b *testing.B) {
		return func(b *testing.B) {
			n := 0
			for i := 0; i < b.N; i++ {
				n = workloads.HeldBy(pend)
			}
			b.ReportMetric(float64(n), "goroutines")
		}
	}
	const n = workloads.Waiters
	b.Run("chain/lib=recursive", held(func() func() {
		head, tail := workloads.ChainRecursive(workloads.ChainLen)
		return func() { head.Set(1, nil); sinkInt, sinkErr = tail.Peek() }
	}))
	b.Run("chain/lib=future", held(func() func() {
		head, tail := workloads.ChainFuture(workloads.ChainLen)
		return func() { head.SetResult(1); sinkInt, sinkErr = tail.Result() }
	}))
	b.Run("chain/lib=mo", held(func() func() {
		head, tail := ChainMo(workloads.ChainLen)
		return func() { head.Resolve(1); sinkInt, sinkErr = tail.Collect() }
	}))
	b.Run("waiters/lib=future", held(func() func() {
		f := future.New[int]()
		for range n {
			f.AddDoneCallback(func(f *future.Future[int]) { sinkInt, sinkErr = f.Result() })
		}
		return func() { f.SetResult(1) }
	}))
	b.Run("waiters/lib=workiva", held(func() func() { // no callbacks: a goroutine per waiter
		f := futures.NewSelectable()
		var wg conc.WaitGroup
		for range n {
			wg.Go(func() { sinkAny, sinkErr = f.GetResult() })
		}
		return func() { f.SetValue(1); wg.Wait() }
	}))
	b.Run("waiters/lib=mo", held(func() func() { // Then keeps one continuation: a goroutine per waiter
		p := NewMoPromise()
		var wg conc.WaitGroup
		for range n {
			wg.Go(func() { sinkInt, sinkErr = p.F.Collect() })
		}
		return func() { p.Resolve(1); wg.Wait() }
	}))
	b.Run("waiters/lib=errgroup", held(func() func() {
		o := workloads.NewOneShot[int]()
		var g errgroup.Group
		for range n {
			g.Go(func() error { sinkInt = o.Get(); return nil })
		}
		return func() { o.Set(1); sinkErr = g.Wait() }
	}))
	b.Run("waiters/lib=conc", held(func() func() {
		o := workloads.NewOneShot[int]()
		var wg conc.WaitGroup
		for range n {
			wg.Go(func() { sinkInt = o.Get() })
		}
		return func() { o.Set(1); wg.Wait() }
	}))
}
