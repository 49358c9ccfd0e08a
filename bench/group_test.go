package bench

import (
	"context"
	"testing"

	"github.com/sourcegraph/conc/pool"
	"golang.org/x/sync/errgroup"

	"github.com/gofutures/future"
	"github.com/gofutures/future/internal/workloads"
)

// Group (issue 13): one request forks 1,000 tiny functions, at most 4 at a
// time, waits for them and reads their results; one op is one group, and
// allocs/func is allocations per forked function. Ours runs on a pool made
// once and shared, as a service shares one between requests; errgroup and
// conc make their limit per group (errgroup.SetLimit, conc's
// WithMaxGoroutines), and errgroup's functions write their results into a
// slice.
func BenchmarkGroup(b *testing.B) {
	b.Run("lib=future", workloads.GroupFuture)
	b.Run("lib=errgroup", errgroupGroup(workloads.GroupLimit))
	b.Run("lib=errgroup-fork", errgroupFork(workloads.GroupLimit))
	b.Run("lib=conc", func(b *testing.B) {
		ctx := context.Background()
		workloads.Groups(b, func() {
			p := pool.NewWithResults[int]().WithContext(ctx).WithMaxGoroutines(workloads.GroupLimit)
			for i := range workloads.GroupSize {
				p.Go(func(context.Context) (int, error) { return workloads.TinyTask(i) })
			}
			sinkInts, sinkErr = p.Wait()
		})
	})
}

// GroupNoPool: the same group with no limit, a goroutine per function.
func BenchmarkGroupNoPool(b *testing.B) {
	b.Run("lib=future", workloads.GroupNoPoolFuture)
	b.Run("lib=errgroup", errgroupGroup(-1))
	b.Run("lib=errgroup-fork", errgroupFork(-1))
}

// errgroupGroup runs the group workload with errgroup.WithContext and
// SetLimit(limit); a negative limit is none.
func errgroupGroup(limit int) func(b *testing.B) {
	return func(b *testing.B) {
		ctx := context.Background()
		values := make([]int, workloads.GroupSize)
		workloads.Groups(b, func() {
			g, _ := errgroup.WithContext(ctx) // the context the functions would be given
			g.SetLimit(limit)
			for i := range values {
				g.Go(func() (err error) {
					values[i], err = workloads.TinyTask(i)
					return err
				})
			}
			sinkErr = g.Wait()
			sinkInts = values
		})
	}
}

// errgroupFork runs the group workload with errgroup doing what Fork does
// beyond it: each function runs with a context of its own, canceled when it
// returns (Fork's is canceled too when its future is completed by anything
// else), and completes a Future of its own, which the caller reads after
// Wait. A negative limit is none.
func errgroupFork(limit int) func(b *testing.B) {
	return func(b *testing.B) {
		ctx := context.Background()
		fs := make([]*future.Future[int], workloads.GroupSize)
		values := make([]int, workloads.GroupSize)
		workloads.Groups(b, func() {
			g, gctx := errgroup.WithContext(ctx)
			g.SetLimit(limit)
			for i := range fs {
				f := future.New[int]()
				fs[i] = f
				fn := func(context.Context) (int, error) { return workloads.TinyTask(i) }
				g.Go(func() error {
					fctx, cancel := context.WithCancel(gctx)
					v, err := fn(fctx)
					cancel()
					if err != nil {
						f.SetException(err)
						return err
					}
					f.SetResult(v)
					return nil
				})
			}
			sinkErr = g.Wait()
			for i, f := range fs {
				values[i], _ = f.Result()
			}
			sinkInts = values
		})
	}
}
