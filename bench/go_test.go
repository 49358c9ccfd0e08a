package bench

import (
	"testing"

	"github.com/samber/mo"
	"github.com/sourcegraph/conc"
	"golang.org/x/sync/errgroup"

	"github.com/gofutures/future/internal/workloads"
)

// Go: run a function on a new goroutine and wait for its result.
func BenchmarkGo(b *testing.B) {
	b.Run("lib=baseline", workloads.GoFloor)
	b.Run("lib=future", workloads.GoFuture)
	b.Run("lib=errgroup", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			var g errgroup.Group
			v := 0
			g.Go(func() error { v = i; return nil })
			sinkErr = g.Wait()
			sinkInt += v
		}
	})
	b.Run("lib=conc", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			var wg conc.WaitGroup
			v := 0
			wg.Go(func() { v = i })
			wg.Wait()
			sinkInt += v
		}
	})
	b.Run("lib=mo", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			sinkInt, sinkErr = mo.NewFuture(func(resolve func(int), _ func(error)) { resolve(i) }).Collect()
		}
	})
}
