package bench

import (
	"context"
	"testing"

	"github.com/Workiva/go-datastructures/futures"

	"github.com/gofutures/future"
)

func noopCallback(*future.Future[int]) {}

// The small operations: registering a callback, and reading a future that is
// already done (the target is no allocation).
func BenchmarkReads(b *testing.B) {
	done := future.Completed(1)
	b.Run("AddDoneCallback-pending/lib=future", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			f := future.New[int]()
			f.AddDoneCallback(noopCallback)
			f.SetResult(i)
		}
	})
	b.Run("AddDoneCallback-done/lib=future", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			done.AddDoneCallback(noopCallback)
		}
	})
	b.Run("ResultContext-done/lib=future", func(b *testing.B) {
		b.ReportAllocs()
		ctx := context.Background()
		for i := 0; i < b.N; i++ {
			sinkInt, sinkErr = done.ResultContext(ctx)
		}
	})
	b.Run("Result-done/lib=future", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			sinkInt, sinkErr = done.Result()
		}
	})
	b.Run("Result-done/lib=workiva", func(b *testing.B) {
		b.ReportAllocs()
		f := futures.NewSelectable()
		f.SetValue(1)
		for i := 0; i < b.N; i++ {
			sinkAny, sinkErr = f.GetResult()
		}
	})
	b.Run("Done/lib=future", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			sinkBool = done.Done()
		}
	})
	b.Run("IsSuccess/lib=future", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			sinkBool = done.IsSuccess()
		}
	})
}
