package bench

import (
	"testing"

	"github.com/Workiva/go-datastructures/futures"

	"github.com/gofutures/future/internal/workloads"
)

// Failure (issue 15): the failure path, New, SetException and Result,
// against the success path (New, SetResult, Result) and against making an
// error at all (errors.New); the traceback SetException records, captured
// alone, at the benchmark's depth and 32 frames deeper; and a Workiva
// Selectable failed with the same error, which records no stack. The
// failing error is made once (workloads.ErrFailure), so that SetException
// is measured and not the error.
func BenchmarkFailure(b *testing.B) {
	for _, o := range workloads.FailureOps {
		b.Run("op="+o.Op, o.Run)
	}
	b.Run("op=workiva-SetError", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			f := futures.NewSelectable()
			f.SetError(workloads.ErrFailure)
			_, sinkErr = f.GetResult()
		}
	})
}
