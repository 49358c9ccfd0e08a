package bench

import (
	"testing"

	"github.com/Workiva/go-datastructures/futures"
	"github.com/samber/mo"

	"github.com/gofutures/future"
)

// W2: a completion handed to a goroutine blocked reading the future.
func BenchmarkW2(b *testing.B) {
	b.Run("lib=baseline", func(b *testing.B) {
		handoff(b, NewOneShot[int], (*OneShot[int]).Set, (*OneShot[int]).Get)
	})
	b.Run("lib=future", func(b *testing.B) {
		handoff(b, future.New[int],
			func(f *future.Future[int], i int) { f.SetResult(i) },
			func(f *future.Future[int]) int { v, _ := f.Result(); return v })
	})
	b.Run("lib=workiva", func(b *testing.B) {
		handoff(b, futures.NewSelectable,
			func(f *futures.Selectable, i int) { f.SetValue(i) },
			func(f *futures.Selectable) int { v, _ := f.GetResult(); return v.(int) })
	})
	b.Run("lib=mo", func(b *testing.B) {
		// A mo.Future is completed only from inside its callback, which runs
		// on a goroutine of its own: that goroutine hands resolve out.
		type moFuture struct {
			f       *mo.Future[int]
			resolve func(int)
		}
		handoff(b,
			func() moFuture {
				resolves := make(chan func(int), 1)
				f := mo.NewFuture(func(resolve func(int), _ func(error)) { resolves <- resolve })
				return moFuture{f, <-resolves}
			},
			func(m moFuture, i int) { m.resolve(i) },
			func(m moFuture) int { v, _ := m.f.Collect(); return v })
	})
}
