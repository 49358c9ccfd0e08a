package bench

import (
	"testing"

	"github.com/Workiva/go-datastructures/futures"
	"github.com/samber/mo"

	"github.com/gofutures/future"
)

// W5: 1,000 goroutines blocked on one future, woken by one completion.
func BenchmarkW5(b *testing.B) {
	b.Run("lib=baseline", func(b *testing.B) {
		wakeAll(b, func() chan struct{} { return make(chan struct{}) },
			func(ch chan struct{}) { close(ch) },
			func(ch chan struct{}) { <-ch })
	})
	b.Run("lib=future", func(b *testing.B) {
		wakeAll(b, future.New[int],
			func(f *future.Future[int]) { f.SetResult(1) },
			func(f *future.Future[int]) { f.Result() })
	})
	b.Run("lib=workiva", func(b *testing.B) {
		wakeAll(b, futures.NewSelectable,
			func(f *futures.Selectable) { f.SetValue(1) },
			func(f *futures.Selectable) { f.GetResult() })
	})
	b.Run("lib=mo", func(b *testing.B) {
		type moFuture struct {
			f       *mo.Future[int]
			resolve func(int)
		}
		wakeAll(b,
			func() moFuture {
				resolves := make(chan func(int), 1)
				f := mo.NewFuture(func(resolve func(int), _ func(error)) { resolves <- resolve })
				return moFuture{f, <-resolves}
			},
			func(m moFuture) { m.resolve(1) },
			func(m moFuture) { m.f.Collect() })
	})
}
