package bench

import (
	"testing"

	"github.com/Workiva/go-datastructures/futures"
	"github.com/samber/mo"

	"github.com/gofutures/future/internal/workloads"
)

// W1: create a future, complete it, read it, all on one goroutine.
func BenchmarkW1(b *testing.B) {
	b.Run("lib=baseline", workloads.W1Floor)
	b.Run("lib=future", workloads.W1Future)
	b.Run("lib=workiva", func(b *testing.B) { // futures.Selectable
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			f := futures.NewSelectable()
			f.SetValue(i)
			sinkAny, sinkErr = f.GetResult()
		}
	})
	b.Run("lib=mo", func(b *testing.B) { // a mo.Future always runs its function on a new goroutine
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			sinkInt, sinkErr = mo.NewFuture(func(resolve func(int), _ func(error)) { resolve(i) }).Collect()
		}
	})
}
