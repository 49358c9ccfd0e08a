package future_test

import (
	"context"
	"testing"
	"time"

	"github.com/gofutures/future"
)

var (
	sinkInts  *future.Future[[]int]
	sinkInt   *future.Future[int]
	sinkIndex int
)

// BenchmarkCombinators measures each combinator over 8 pending inputs that
// then complete (or one input, for Then, Recover and WithTimeout), creation
// of the inputs included.
func BenchmarkCombinators(b *testing.B) {
	const n = 8
	gather := []struct {
		name string
		fn   func(fs []*future.Future[int])
	}{
		{"All", func(fs []*future.Future[int]) { sinkInts = future.All(fs...) }},
		{"Combine", func(fs []*future.Future[int]) { sinkInts = future.Combine(fs...) }},
		{"Any", func(fs []*future.Future[int]) { sinkInt = future.Any(fs...) }},
		{"Race", func(fs []*future.Future[int]) { sinkInt = future.Race(fs...) }},
		{"AllSettled", func(fs []*future.Future[int]) { _ = future.AllSettled(fs...) }},
	}
	for _, g := range gather {
		b.Run(g.name, func(b *testing.B) {
			b.ReportAllocs()
			fs := make([]*future.Future[int], n)
			for range b.N {
				for i := range fs {
					fs[i] = future.New[int]()
				}
				g.fn(fs)
				for i, f := range fs {
					f.SetResult(i)
				}
			}
		})
	}
	b.Run("AsCompleted", func(b *testing.B) {
		b.ReportAllocs()
		fs := make([]*future.Future[int], n)
		for range b.N {
			for i := range fs {
				fs[i] = future.New[int]()
			}
			seq := future.AsCompleted(context.Background(), fs...)
			for i, f := range fs {
				f.SetResult(i)
			}
			for i := range seq {
				sinkIndex += i
			}
		}
	})
	inc := func(v int) (int, error) { return v + 1, nil }
	single := []struct {
		name string
		fn   func(f *future.Future[int])
	}{
		{"Then", func(f *future.Future[int]) { sinkInt = future.Then(f, inc) }},
		{"ContinueWith", func(f *future.Future[int]) {
			sinkInt = future.ContinueWith(f, func(f *future.Future[int]) (int, error) { return f.Result() })
		}},
		{"Recover", func(f *future.Future[int]) {
			sinkInt = future.Recover(f, func(error) (int, error) { return 0, nil })
		}},
		{"WithTimeout", func(f *future.Future[int]) { sinkInt = future.WithTimeout(f, time.Hour) }},
	}
	for _, s := range single {
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				f := future.New[int]()
				s.fn(f)
				f.SetResult(1)
			}
		})
	}
}
