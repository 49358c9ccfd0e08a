package bench

import (
	"sync"
	"testing"

	"github.com/panjf2000/ants/v2"
	"github.com/sourcegraph/conc/pool"
	"golang.org/x/sync/errgroup"

	"github.com/gofutures/future/internal/workloads"
)

// Pool (issues 8 and 26, W7): tiny tasks at limit 4 in batches of 1,000,
// each batch followed by a wait; run it with -benchtime=100000x (a
// multiple of the batch). One op is one task. future submits with
// context.Background(), future-request with a cancelable context, as a
// service passes its request's, future-bounded with SetQueueLimit(16), so
// that Submit blocks as the peers' submits do; baseline is a goroutine per task behind a
// semaphore, completing a future. The peers hand back no future: their
// tasks store their values in a slice.
//
//   - errgroup: SetLimit(4), a goroutine per task; Go blocks at the limit.
//   - conc: conc's plain pool, pool.New().WithMaxGoroutines(4): up to 4
//     workers fed through a channel; Go blocks while all 4 are busy. One
//     pool per batch: a conc pool is not reused after Wait.
//   - conc-results: conc's result pool, NewWithResults[int], which gathers
//     the values itself.
//   - ants: an ants v2 pool of 4 workers, made once, with a
//     sync.WaitGroup for each batch; Submit blocks while all 4 are busy.
func BenchmarkPool(b *testing.B) {
	b.Run("lib=baseline", workloads.PoolSemaphore)
	b.Run("lib=future", workloads.PoolFuture)
	b.Run("lib=future-request", workloads.PoolFutureRequest)
	b.Run("lib=future-bounded", workloads.PoolFutureBounded)
	b.Run("lib=floor", poolFloor)
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
		p := pool.New().WithMaxGoroutines(workloads.PoolLimit)
		values := make([]int, workloads.PoolBatch)
		workloads.Batches(b, func(i int) {
			p.Go(func() { values[i%workloads.PoolBatch], _ = workloads.TinyTask(i) })
		}, func() {
			p.Wait()
			p = pool.New().WithMaxGoroutines(workloads.PoolLimit)
		})
	})
	b.Run("lib=conc-results", func(b *testing.B) {
		p := pool.NewWithResults[int]().WithMaxGoroutines(workloads.PoolLimit)
		workloads.Batches(b, func(i int) {
			p.Go(func() int { v, _ := workloads.TinyTask(i); return v })
		}, func() {
			workloads.Sink.Ints = p.Wait()
			p = pool.NewWithResults[int]().WithMaxGoroutines(workloads.PoolLimit)
		})
	})
	b.Run("lib=ants", func(b *testing.B) {
		p, err := ants.NewPool(workloads.PoolLimit)
		if err != nil {
			b.Fatal(err)
		}
		defer p.Release()
		var wg sync.WaitGroup
		values := make([]int, workloads.PoolBatch)
		workloads.Batches(b, func(i int) {
			wg.Add(1)
			if err := p.Submit(func() {
				defer wg.Done()
				values[i%workloads.PoolBatch], _ = workloads.TinyTask(i)
			}); err != nil {
				b.Fatal(err)
			}
		}, wg.Wait)
	})
}
