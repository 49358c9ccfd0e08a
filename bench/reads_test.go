package bench

import (
	"testing"

	"github.com/Workiva/go-datastructures/futures"

	"github.com/gofutures/future/internal/workloads"
)

// The small operations: registering a callback, and reading a future that is
// already done (the target is no allocation).
func BenchmarkReads(b *testing.B) {
	b.Run("AddDoneCallback-pending/lib=future", workloads.AddDoneCallbackPending)
	b.Run("AddDoneCallback-done/lib=future", workloads.AddDoneCallbackDone)
	b.Run("OnDone-pending/lib=future", workloads.OnDonePending)
	b.Run("OnDone-stop/lib=future", workloads.OnDoneStop)
	b.Run("OnDone-done/lib=future", workloads.OnDoneDone)
	b.Run("ResultContext-done/lib=future", workloads.ResultContextDone)
	b.Run("Result-done/lib=future", workloads.ResultDone)
	b.Run("Result-done/lib=workiva", func(b *testing.B) {
		b.ReportAllocs()
		f := futures.NewSelectable()
		f.SetValue(1)
		for i := 0; i < b.N; i++ {
			sinkAny, sinkErr = f.GetResult()
		}
	})
	b.Run("Done/lib=future", workloads.Done)
	b.Run("IsSuccess/lib=future", workloads.IsSuccess)
}
