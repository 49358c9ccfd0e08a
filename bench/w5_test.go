package bench

import (
	"testing"

	"github.com/Workiva/go-datastructures/futures"

	"github.com/gofutures/future/internal/workloads"
)

// W5: 1,000 goroutines blocked on one future, woken by one completion.
func BenchmarkW5(b *testing.B) {
	b.Run("lib=baseline", workloads.W5Close)
	b.Run("lib=future", workloads.W5Future)
	b.Run("lib=workiva", func(b *testing.B) {
		workloads.WakeAll(b, futures.NewSelectable,
			func(f *futures.Selectable) { f.SetValue(1) },
			func(f *futures.Selectable) { f.GetResult() })
	})
	b.Run("lib=mo", func(b *testing.B) {
		workloads.WakeAll(b, NewMoPromise,
			func(p MoPromise) { p.Resolve(1) },
			func(p MoPromise) { p.F.Collect() })
	})
}
