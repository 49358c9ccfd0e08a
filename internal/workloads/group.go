package workloads

import (
	"context"
	"runtime"
	"testing"

	"github.com/gofutures/future"
)

// The group workload of issue 13: one request forks GroupSize tiny
// functions (TinyTask) into a group, at most GroupLimit running at a time
// on a shared pool, or each on a goroutine of its own, then waits for the
// group and reads every result. One op is one group.
const (
	GroupLimit = 4
	GroupSize  = 1000
)

// Groups runs b.N groups with run, reporting allocations per op and, as the
// metric allocs/func, per forked function.
func Groups(b *testing.B, run func()) {
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for range b.N {
		run()
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N)/GroupSize, "allocs/func")
}

// GroupFuture forks the functions into a future.Group on a pool of
// GroupLimit made once, as a service shares one pool between requests.
func GroupFuture(b *testing.B) {
	groupFuture(b, future.NewPool(GroupLimit))
}

// GroupNoPoolFuture forks the functions into a future.Group without a pool:
// a goroutine each.
func GroupNoPoolFuture(b *testing.B) {
	groupFuture(b, nil)
}

func groupFuture(b *testing.B, p *future.Pool) {
	ctx := context.Background()
	fs := make([]*future.Future[int], GroupSize)
	values := make([]int, GroupSize)
	Groups(b, func() {
		g := future.NewGroup(ctx, p)
		for i := range fs {
			fs[i] = future.Fork(g, func(context.Context) (int, error) { return TinyTask(i) })
		}
		Sink.Err = g.Wait()
		for i, f := range fs {
			values[i], _ = f.Result() // done: does not block
		}
		Sink.Ints = values
	})
}
