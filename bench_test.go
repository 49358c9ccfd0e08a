package future_test

import (
	"testing"

	"github.com/gofutures/future/internal/workloads"
)

// The workloads of issue 9 (defined in internal/workloads), each beside the
// baseline its target is set against, so that ratios come from one run:
//
//	go test -run='^$' -bench=. -count=5 . | benchstat -
//
// bench/ compares the same workloads with other libraries.

func BenchmarkW1(b *testing.B) {
	b.Run("future", workloads.W1Future)
	b.Run("floor", workloads.W1Floor)
}

func BenchmarkW2(b *testing.B) {
	b.Run("future", workloads.W2Future)
	b.Run("floor", workloads.W2Floor)
}

func BenchmarkW3(b *testing.B) {
	b.Run("future", workloads.W3Future)
	b.Run("recursive", workloads.W3Recursive)
}

func BenchmarkW4(b *testing.B) {
	b.Run("future", workloads.W4Future)
	b.Run("gather", workloads.W4Gather)
}

func BenchmarkW5(b *testing.B) {
	b.Run("future", workloads.W5Future)
	b.Run("close", workloads.W5Close)
}

func BenchmarkGo(b *testing.B) {
	b.Run("future", workloads.GoFuture)
	b.Run("floor", workloads.GoFloor)
}

func BenchmarkAddDoneCallback(b *testing.B) {
	b.Run("pending", workloads.AddDoneCallbackPending)
	b.Run("done", workloads.AddDoneCallbackDone)
}

func BenchmarkOnDone(b *testing.B) {
	b.Run("pending", workloads.OnDonePending)
	b.Run("stop", workloads.OnDoneStop)
	b.Run("done", workloads.OnDoneDone)
}

func BenchmarkResultContext(b *testing.B) {
	b.Run("done", workloads.ResultContextDone)
}

func BenchmarkResult(b *testing.B) {
	b.Run("done", workloads.ResultDone)
}

func BenchmarkDone(b *testing.B) { workloads.Done(b) }

func BenchmarkIsSuccess(b *testing.B) { workloads.IsSuccess(b) }

// The failure path beside the success path and the cost of an error, and
// the traceback capture alone (issue 15).
func BenchmarkFailure(b *testing.B) {
	for _, o := range workloads.FailureOps {
		b.Run("op="+o.Op, o.Run)
	}
}

// The heap a pending future holds (issue 15), as the metric B/future; run
// with -benchtime=Nx to keep N futures (bench/run.sh keeps a million for
// pending).
func BenchmarkMemory(b *testing.B) {
	b.Run("pending/lib=future", workloads.MemPendingFuture)
	b.Run("pending/lib=baseline", workloads.MemPendingFloor)
	b.Run("callback/lib=future", workloads.MemCallbackFuture)
	b.Run("continuation/lib=future", workloads.MemContinuationFuture)
	b.Run("waiters/lib=future", workloads.MemWaitersFuture)
	b.Run("waiters/lib=baseline", workloads.MemWaitersFloor)
}
