package bench

import (
	"testing"

	"github.com/Workiva/go-datastructures/futures"
	"github.com/samber/mo"

	"github.com/gofutures/future/internal/workloads"
)

// Memory (issue 15): the heap a pending future holds after a garbage
// collection, per future, as the metric B/future (see
// internal/workloads/memory.go for how it is measured and what is not
// counted). run.sh keeps 1,000,000 futures for pending and fewer for the
// others; at -benchtime=1x each makes one. Its ns/op is not a result.
//
// Workiva's Selectable has no callbacks or continuations, and mo has no
// callbacks (Then, Catch and Finally each make a new Future, which is the
// continuation case); those cases are missing for them. A pending mo
// Future is made as MoPromise makes it, the only way to complete one from
// outside: its function, which the Future keeps, holds the channel that
// handed resolve out.
func BenchmarkMemory(b *testing.B) {
	b.Run("pending/lib=baseline", workloads.MemPendingFloor)
	b.Run("pending/lib=future", workloads.MemPendingFuture)
	b.Run("pending/lib=workiva", func(b *testing.B) {
		workloads.Retained(b, futures.NewSelectable, fillSelectable)
	})
	b.Run("pending/lib=mo", func(b *testing.B) {
		workloads.Retained(b, NewMoPromise, resolveMo)
	})
	b.Run("callback/lib=future", workloads.MemCallbackFuture)
	b.Run("continuation/lib=future", workloads.MemContinuationFuture)
	b.Run("continuation/lib=mo", func(b *testing.B) {
		type chain struct {
			head MoPromise
			tail *mo.Future[int]
		}
		workloads.Retained(b, func() chain {
			p := NewMoPromise()
			return chain{p, p.F.Then(func(v int) (int, error) { return v + 1, nil })}
		}, func(c chain) { c.head.Resolve(1) })
	})
	b.Run("waiters/lib=baseline", workloads.MemWaitersFloor)
	b.Run("waiters/lib=future", workloads.MemWaitersFuture)
	b.Run("waiters/lib=workiva", func(b *testing.B) {
		workloads.RetainedWaiting(b, futures.NewSelectable,
			func(f *futures.Selectable) { f.GetResult() }, fillSelectable)
	})
	b.Run("waiters/lib=mo", func(b *testing.B) {
		workloads.RetainedWaiting(b, NewMoPromise, func(p MoPromise) { p.F.Collect() }, resolveMo)
	})
}

func fillSelectable(f *futures.Selectable) { f.SetValue(1) }

func resolveMo(p MoPromise) { p.Resolve(1) }
