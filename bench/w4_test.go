package bench

import (
	"sync"
	"testing"

	"github.com/sourcegraph/conc"
	"golang.org/x/sync/errgroup"

	"github.com/gofutures/future"
)

// W4: gather 1,000 pending futures into one result, then complete them.
// errgroup and conc have no futures or callbacks: they gather by waiting on
// each input in a goroutine of its own.
func BenchmarkW4(b *testing.B) {
	b.Run("lib=baseline", func(b *testing.B) {
		benchGather(b, func(fs []*future.Future[int]) func() ([]int, error) {
			g := gatherAll(fs)
			return func() ([]int, error) { <-g.done; return g.values, g.err }
		})
	})
	b.Run("lib=future", func(b *testing.B) {
		benchGather(b, func(fs []*future.Future[int]) func() ([]int, error) {
			return future.Combine(fs...).Result
		})
	})
	b.Run("lib=errgroup", func(b *testing.B) {
		benchGather(b, func(fs []*future.Future[int]) func() ([]int, error) {
			var g errgroup.Group
			values := make([]int, len(fs))
			for i, f := range fs {
				g.Go(func() (err error) { values[i], err = f.Result(); return err })
			}
			return func() ([]int, error) { return values, g.Wait() }
		})
	})
	b.Run("lib=conc", func(b *testing.B) {
		benchGather(b, func(fs []*future.Future[int]) func() ([]int, error) {
			var wg conc.WaitGroup
			values := make([]int, len(fs))
			errs := make([]error, len(fs))
			for i, f := range fs {
				wg.Go(func() { values[i], errs[i] = f.Result() })
			}
			return func() ([]int, error) {
				wg.Wait()
				for _, err := range errs {
					if err != nil {
						return nil, err
					}
				}
				return values, nil
			}
		})
	})
}

// benchGather makes fanIn pending futures, lets gather subscribe to them,
// completes them and reads the gathered result.
func benchGather(b *testing.B, gather func([]*future.Future[int]) func() ([]int, error)) {
	b.ReportAllocs()
	fs := make([]*future.Future[int], fanIn)
	for i := 0; i < b.N; i++ {
		for j := range fs {
			fs[j] = future.New[int]()
		}
		result := gather(fs)
		for j, f := range fs {
			f.SetResult(j)
		}
		sinkInts, sinkErr = result()
	}
}

// gatherer is W4's baseline: a hand-rolled Combine, one callback per input
// that stores its value under a mutex and counts down.
type gatherer struct {
	mu      sync.Mutex
	pending int
	values  []int
	err     error
	done    chan struct{}
}

func gatherAll(fs []*future.Future[int]) *gatherer {
	g := &gatherer{pending: len(fs), values: make([]int, len(fs)), done: make(chan struct{})}
	for i, f := range fs {
		f.AddDoneCallback(func(f *future.Future[int]) {
			v, err := f.Result()
			g.mu.Lock()
			g.values[i] = v
			if err != nil && g.err == nil {
				g.err = err
			}
			g.pending--
			last := g.pending == 0
			g.mu.Unlock()
			if last {
				close(g.done)
			}
		})
	}
	return g
}
