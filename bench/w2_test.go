package bench

import (
	"testing"

	"github.com/Workiva/go-datastructures/futures"

	"github.com/gofutures/future/internal/workloads"
)

// W2: a completion handed to a goroutine blocked reading the future.
func BenchmarkW2(b *testing.B) {
	b.Run("lib=baseline", workloads.W2Floor)
	b.Run("lib=future", workloads.W2Future)
	b.Run("lib=workiva", func(b *testing.B) {
		workloads.Handoff(b, futures.NewSelectable,
			func(f *futures.Selectable, i int) { f.SetValue(i) },
			func(f *futures.Selectable) int { v, _ := f.GetResult(); return v.(int) })
	})
	b.Run("lib=mo", func(b *testing.B) {
		workloads.Handoff(b, NewMoPromise,
			func(p MoPromise, i int) { p.Resolve(i) },
			func(p MoPromise) int { v, _ := p.F.Collect(); return v })
	})
}
