package future_test

import (
	"context"
	"sync"
	"testing"

	"github.com/gofutures/future"
)

// poolSink keeps the benchmarks' results alive.
var poolSink *future.Future[int]

// BenchmarkPool measures submitting, running and completing one tiny task
// at limit 4, in batches of 1,000 each followed by a wait (run it with
// -benchtime=100000x for the 100,000 tasks). ours is Submit and
// Wait; goroutine-semaphore is what errgroup.SetLimit does, a goroutine per
// task gated by a buffered channel of size limit, completing a future.
// Allocations per op include the caller's closure.
func BenchmarkPool(b *testing.B) {
	const limit, batch = 4, 1000
	ctx := context.Background()

	b.Run("ours", func(b *testing.B) {
		b.ReportAllocs()
		p := future.NewPool(limit)
		for i := range b.N {
			poolSink = future.Submit(p, ctx, func(context.Context) (int, error) { return i * 2, nil })
			if i%batch == batch-1 {
				p.Wait()
			}
		}
		p.Wait()
	})

	b.Run("goroutine-semaphore", func(b *testing.B) {
		b.ReportAllocs()
		sem := make(chan struct{}, limit)
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
			if i%batch == batch-1 {
				wg.Wait()
			}
		}
		wg.Wait()
	})
}

// BenchmarkPoolRequestContext is BenchmarkPool/ours with a cancelable
// parent context, as a service passes its request's context: each queued
// task then also watches that context with context.AfterFunc.
func BenchmarkPoolRequestContext(b *testing.B) {
	const limit, batch = 4, 1000
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ReportAllocs()
	p := future.NewPool(limit)
	for i := range b.N {
		poolSink = future.Submit(p, ctx, func(context.Context) (int, error) { return i * 2, nil })
		if i%batch == batch-1 {
			p.Wait()
		}
	}
	p.Wait()
}
