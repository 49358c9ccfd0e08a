package bench

import (
	"context"
	"testing"

	"github.com/sourcegraph/conc/pool"
	"golang.org/x/sync/errgroup"

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
