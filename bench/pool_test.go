package bench

import (
	"testing"

	"github.com/sourcegraph/conc/pool"
	"golang.org/x/sync/errgroup"

	"github.com/gofutures/future/internal/workloads"
)

// Pool (issue 8): 100,000 tiny tasks at limit 4 in batches of 1,000, each
// batch followed by a wait (run with -benchtime=100000x for exactly that
// count). errgroup and conc start a goroutine per task behind a semaphore
// and hand back no future: their tasks store their values in a slice.
// future-request submits with a cancelable context, as a service passes its
// request's, where future submits with context.Background().
func BenchmarkPool(b *testing.B) {
	b.Run("lib=baseline", workloads.PoolSemaphore)
	b.Run("lib=future", workloads.PoolFuture)
	b.Run("lib=future-request", workloads.PoolFutureRequest)
	b.Run("lib=errgroup", func(b *testing.B) {
		g := new(errgroup.Group)
		g.SetLimit(workloads.PoolLimit)
		values := make([]int, workloads.PoolBatch)
		workloads.Batches(b, func(i int) {
			g.Go(func() (err error) {
				values[i%workloads.PoolBatch], err = workloads.TinyTask(i)
				return err
			})
		}, func() {
			workloads.Sink.Err = g.Wait()
			g = new(errgroup.Group)
			g.SetLimit(workloads.PoolLimit)
		})
	})
	b.Run("lib=conc", func(b *testing.B) {
		// A conc pool must not be reused after Wait: one per batch.
		p := pool.New().WithMaxGoroutines(workloads.PoolLimit)
		values := make([]int, workloads.PoolBatch)
		workloads.Batches(b, func(i int) {
			p.Go(func() { values[i%workloads.PoolBatch], _ = workloads.TinyTask(i) })
		}, func() {
			p.Wait()
			p = pool.New().WithMaxGoroutines(workloads.PoolLimit)
		})
	})
}
