package bench

import (
	"testing"

	"github.com/gofutures/future/internal/workloads"
)

// W3: a chain of 1,000 continuations built on a pending future, then
// completed from its head.
func BenchmarkW3(b *testing.B) {
	b.Run("lib=baseline", workloads.W3Recursive)
	b.Run("lib=future", workloads.W3Future)
	b.Run("lib=mo", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			head, tail := ChainMo(workloads.ChainLen)
			head.Resolve(i)
			sinkInt, sinkErr = tail.Collect()
		}
	})
}
