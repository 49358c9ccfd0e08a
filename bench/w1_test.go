package bench

import (
	"testing"

	"github.com/Workiva/go-datastructures/futures"
	"github.com/samber/mo"

	"github.com/gofutures/future"
)

// W1: create a future, complete it, read it, all on one goroutine.
func BenchmarkW1(b *testing.B) {
	b.Run("lib=baseline", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			o := NewOneShot[int]()
			o.Set(i)
			sinkInt += o.Get()
		}
	})
	b.Run("lib=future", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			f := future.New[int]()
			f.SetResult(i)
			v, _ := f.Result()
			sinkInt += v
		}
	})
	b.Run("lib=workiva", func(b *testing.B) { // futures.Selectable
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			f := futures.NewSelectable()
			f.SetValue(i)
			v, _ := f.GetResult()
			sinkAny = v
		}
	})
	b.Run("lib=mo", func(b *testing.B) { // a mo.Future always runs its callback on a new goroutine
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			v, _ := mo.NewFuture(func(resolve func(int), _ func(error)) { resolve(i) }).Collect()
			sinkInt += v
		}
	})
}
