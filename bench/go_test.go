package bench

import (
	"testing"

	"github.com/samber/mo"
	"github.com/sourcegraph/conc"
	"golang.org/x/sync/errgroup"

	"github.com/gofutures/future"
)

// Go: run a function on a new goroutine and wait for its result.
func BenchmarkGo(b *testing.B) {
	b.Run("lib=baseline", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			o := NewOneShot[int]()
			go o.Set(i)
			sinkInt += o.Get()
		}
	})
	b.Run("lib=future", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			v, _ := future.Go(func() (int, error) { return i, nil }).Result()
			sinkInt += v
		}
	})
	b.Run("lib=errgroup", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			var g errgroup.Group
			var v int
			g.Go(func() error { v = i; return nil })
			sinkErr = g.Wait()
			sinkInt += v
		}
	})
	b.Run("lib=conc", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			var wg conc.WaitGroup
			var v int
			wg.Go(func() { v = i })
			wg.Wait()
			sinkInt += v
		}
	})
	b.Run("lib=mo", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			v, _ := mo.NewFuture(func(resolve func(int), _ func(error)) { resolve(i) }).Collect()
			sinkInt += v
		}
	})
}
