package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/graph-gophers/dataloader/v7"
	"github.com/vikstrous/dataloadgen"

	"github.com/gofutures/future"
)

// The size of the Batch workloads.
const (
	batchCallers = 1000 // concurrent goroutines in a round
	batchKeys    = 100  // keys the Batch workload's callers spread over
	batchPer     = 10   // keys each caller of BatchDistinct loads: 10,000 distinct keys a round
	batchMaxKeys = 100  // maxKeys, batch capacity: the same for every library
	// batchWait is the wait of every library. No batch waits for it: a
	// round's batches all fill to batchMaxKeys, as every key is loaded
	// before any fetch returns; it only has to be long enough for that.
	batchWait = 50 * time.Millisecond
)

// Batch (issue 25): 1,000 concurrent goroutines, each (as a request's
// resolver) loading one of 100 keys through a fresh loader a round (as a
// DataLoader is made per request), and waiting for its value. Every
// library gets the same maxKeys (100) and wait; the fetch is trivial, but
// returns only once every caller of the round has loaded, so that each
// round fetches the 100 keys in exactly one batch in every library. An op
// is a round; ns/load and allocs/load are per Load.
func BenchmarkBatch(b *testing.B) { batchLibs(b, 1) }

// BatchDistinct (issue 25): the same with 10,000 distinct keys a round:
// each of the 1,000 goroutines loads 10 keys of its own, then waits for
// each value, so that a round fetches 100 full batches.
func BenchmarkBatchDistinct(b *testing.B) { batchLibs(b, batchPer) }

// valueOf is the trivial fetch's value of a key.
func valueOf(key int) int { return key * 2 }

// batchLibs runs the contenders, each caller loading per keys. Each
// contender's round makes a loader whose fetch returns once gate is
// closed, and returns its load; get waits for what load returned.
func batchLibs(b *testing.B, per int) {
	ctx := context.Background()
	b.Run("lib=future", func(b *testing.B) {
		batchRounds(b, per, func(gate <-chan struct{}) func(int) *future.Future[int] {
			l := future.NewBatcher(batchMaxKeys, batchWait, func(_ context.Context, keys []int) (map[int]int, error) {
				<-gate
				m := make(map[int]int, len(keys))
				for _, k := range keys {
					m[k] = valueOf(k)
				}
				return m, nil
			})
			return func(key int) *future.Future[int] { return l.Load(ctx, key) }
		}, func(f *future.Future[int]) int {
			v, _ := f.Result()
			return v
		})
	})
	b.Run("lib=floor", func(b *testing.B) { floorRounds[struct{}](b, per) })
	b.Run("lib=floor-padded", func(b *testing.B) { floorRounds[[8]*int](b, per) })
	b.Run("lib=dataloadgen", func(b *testing.B) {
		batchRounds(b, per, func(gate <-chan struct{}) func(int) func() (int, error) {
			l := dataloadgen.NewLoader(func(_ context.Context, keys []int) ([]int, []error) {
				<-gate
				vs := make([]int, len(keys))
				for i, k := range keys {
					vs[i] = valueOf(k)
				}
				return vs, nil
			}, dataloadgen.WithBatchCapacity(batchMaxKeys), dataloadgen.WithWait(batchWait))
			return func(key int) func() (int, error) { return l.LoadThunk(ctx, key) }
		}, func(thunk func() (int, error)) int {
			v, _ := thunk()
			return v
		})
	})
	b.Run("lib=dataloader", func(b *testing.B) {
		batchRounds(b, per, func(gate <-chan struct{}) func(int) dataloader.Thunk[int] {
			l := dataloader.NewBatchedLoader(func(_ context.Context, keys []int) []*dataloader.Result[int] {
				<-gate
				rs := make([]*dataloader.Result[int], len(keys))
				for i, k := range keys {
					rs[i] = &dataloader.Result[int]{Data: valueOf(k)}
				}
				return rs
			}, dataloader.WithBatchCapacity[int, int](batchMaxKeys), dataloader.WithWait[int, int](batchWait))
			return func(key int) dataloader.Thunk[int] { return l.Load(ctx, key) }
		}, func(thunk dataloader.Thunk[int]) int {
			v, _ := thunk()
			return v
		})
	})
}

// floorRounds runs the Batch workloads on a floorLoader[P].
func floorRounds[P any](b *testing.B, per int) {
	batchRounds(b, per, func(gate <-chan struct{}) func(int) *future.Future[int] {
		l := newFloorLoader[P](batchMaxKeys, batchWait, func(keys []int) map[int]int {
			<-gate
			m := make(map[int]int, len(keys))
			for _, k := range keys {
				m[k] = valueOf(k)
			}
			return m
		})
		return l.load
	}, func(f *future.Future[int]) int {
		v, _ := f.Result()
		return v
	})
}

// batchRounds is the Batch workloads' harness: each round, batchCallers
// goroutines each start per loads through a fresh loader, tell the round
// they have (the round's fetches return once every caller has), and wait
// for the values. It reports, beside the usual figures, ns and
// allocations per load.
func batchRounds[H any](b *testing.B, per int, round func(gate <-chan struct{}) func(int) H, get func(H) int) {
	var wg sync.WaitGroup
	perUnit(b, batchCallers*per, "load", func() {
		gate := make(chan struct{})
		load := round(gate)
		var pending atomic.Int32
		pending.Store(batchCallers)
		wg.Add(batchCallers)
		for i := range batchCallers {
			go func() {
				defer wg.Done()
				var hs [batchPer]H
				var keys [batchPer]int
				for j := range per {
					if per == 1 {
						keys[j] = i % batchKeys
					} else {
						keys[j] = i*per + j
					}
					hs[j] = load(keys[j])
				}
				if pending.Add(-1) == 0 {
					close(gate)
				}
				for j := range per {
					if get(hs[j]) != valueOf(keys[j]) {
						panic("wrong value")
					}
				}
			}()
		}
		wg.Wait()
	})
}
