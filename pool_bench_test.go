package future_test

import (
	"context"
	"sync"
	"testing"

	"github.com/gofutures/future"
)

// poolSink keeps the benchmarks' results alive.
var poolSink *future.Future[int]

const benchLimit, benchBatch = 4, 1000

// BenchmarkPool measures submitting, running and completing one tiny task
// at limit 4, in batches of 1,000 each followed by a wait (run it with
// -benchtime=100000x for the 100,000 tasks). Allocations per op
// include the caller's closure.
//
//   - ours: Submit and Wait, with context.Background().
//   - goroutine-semaphore: what errgroup.SetLimit does, a goroutine per task
//     gated by a buffered channel of size limit, completing a future.
//   - ours-request-context: ours with a cancelable parent context, as a
//     service passes its request's context.
func BenchmarkPool(b *testing.B) {
	b.Run("ours", func(b *testing.B) {
		benchmarkSubmit(b, context.Background())
	})

	b.Run("goroutine-semaphore", func(b *testing.B) {
		b.ReportAllocs()
		ctx := context.Background()
		sem := make(chan struct{}, benchLimit)
		var wg sync.WaitGroup
		for i := range b.N {
			fn := func(context.Context) (int, error) { return i * 2, nil }
			f := future.New[int]()
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() {
					<-sem
					wg.Done()
				}()
				if v, err := fn(ctx); err != nil {
					f.SetException(err)
				} else {
					f.SetResult(v)
				}
			}()
			poolSink = f
			if i%benchBatch == benchBatch-1 {
				wg.Wait()
			}
		}
		wg.Wait()
	})

	b.Run("ours-request-context", func(b *testing.B) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		benchmarkSubmit(b, ctx)
	})
}

func benchmarkSubmit(b *testing.B, ctx context.Context) {
	b.ReportAllocs()
	p := future.NewPool(benchLimit)
	for i := range b.N {
		poolSink = future.Submit(p, ctx, func(context.Context) (int, error) { return i * 2, nil })
		if i%benchBatch == benchBatch-1 {
			p.Wait()
		}
	}
	p.Wait()
}
