package bench

import (
	"testing"

	"github.com/samber/mo"

	"github.com/gofutures/future"
)

func addOne(f *future.Future[int]) (int, error) {
	v, err := f.Result()
	return v + 1, err
}

func miniAddOne(v int, err error) (int, error) { return v + 1, err }

func moAddOne(v int) (int, error) { return v + 1, nil }

// W3: a chain of 1,000 continuations built on a pending future, then
// completed from its head.
func BenchmarkW3(b *testing.B) {
	b.Run("lib=baseline", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			head := new(MiniFuture[int])
			tail := head
			for range chainLen {
				tail = MiniThen(tail, miniAddOne)
			}
			head.Set(i, nil)
			v, _ := tail.Peek()
			sinkInt += v
		}
	})
	b.Run("lib=future", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			head := future.New[int]()
			tail := head
			for range chainLen {
				tail = future.ContinueWith(tail, addOne)
			}
			head.SetResult(i)
			v, _ := tail.Result()
			sinkInt += v
		}
	})
	b.Run("lib=mo", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			start := make(chan struct{})
			head := mo.NewFuture(func(resolve func(int), _ func(error)) { <-start; resolve(i) })
			tail := head
			for range chainLen {
				tail = tail.Then(moAddOne)
			}
			close(start)
			v, _ := tail.Collect()
			sinkInt += v
		}
	})
}
