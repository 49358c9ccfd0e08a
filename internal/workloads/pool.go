package workloads

import (
	"context"
	"sync"
	"testing"

	"github.com/gofutures/future"
)

// The pool workload of issue 8: tiny tasks run at most PoolLimit at a time,
// submitted in batches of PoolBatch, each batch followed by a wait. One op
// is one task, submitted, run and completed.
const (
	PoolLimit = 4
	PoolBatch = 1000
)

// Batches submits tasks until b.Loop says stop, calling wait after every
// PoolBatch of them and at the end. The wait at the end is outside the
// timer, which b.Loop stops: run with a -benchtime of a multiple of
// PoolBatch (-benchtime=100000x), so that there is nothing left to wait for.
func Batches(b *testing.B, submit func(i int), wait func()) {
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		submit(i)
		if i%PoolBatch == PoolBatch-1 {
			wait()
		}
	}
	wait()
}

// TinyTask is the work of every task: next to nothing, so that the pool's
// own cost is what is measured.
func TinyTask(i int) (int, error) { return i * 2, nil }

// PoolFuture runs the tasks with future.Submit on one future.Pool.
func PoolFuture(b *testing.B) { poolFuture(b, context.Background()) }

// PoolFutureRequest is PoolFuture with a cancelable context, as a service
// submits with its request's context.
func PoolFutureRequest(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	poolFuture(b, ctx)
}

// PoolFutureBounded is PoolFuture on a pool with a queue limit of
// PoolBounded: Submit blocks while that many tasks wait, as the peers'
// submits block at their limit, so the submitter keeps step with the
// workers instead of running a batch ahead of them.
func PoolFutureBounded(b *testing.B) { poolFuture(b, context.Background(), PoolBounded) }

// PoolBounded is PoolFutureBounded's queue limit.
const PoolBounded = 16

func poolFuture(b *testing.B, ctx context.Context, queueLimit ...int) {
	p := future.NewPool(PoolLimit)
	for _, n := range queueLimit {
		p.SetQueueLimit(n)
	}
	Batches(b, func(i int) {
		f := future.Submit(p, ctx, func(context.Context) (int, error) { return TinyTask(i) })
		Sink.Bool = f.Done()
	}, p.Wait)
}

// PoolSemaphore is the baseline: a goroutine per task behind a semaphore of
// PoolLimit slots, what errgroup's SetLimit does, each task completing a
// future so that the caller gets the same thing back.
func PoolSemaphore(b *testing.B) {
	sem := make(chan struct{}, PoolLimit)
	var wg sync.WaitGroup
	Batches(b, func(i int) {
		f := future.New[int]()
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() {
				<-sem
				wg.Done()
			}()
			if v, err := TinyTask(i); err != nil {
				f.SetException(err)
			} else {
				f.SetResult(v)
			}
		}()
		Sink.Bool = f.Done()
	}, wg.Wait)
}
