package bench

import (
	"testing"

	"github.com/sourcegraph/conc"
	"golang.org/x/sync/errgroup"

	"github.com/gofutures/future"
	"github.com/gofutures/future/internal/workloads"
)

// W4: gather 1,000 pending futures into one result. errgroup and conc have
// no futures or callbacks: they gather by waiting on each input in a
// goroutine of its own.
func BenchmarkW4(b *testing.B) {
	b.Run("lib=baseline", workloads.W4Gather)
	b.Run("lib=future", workloads.W4Future)
	b.Run("lib=errgroup", func(b *testing.B) {
		workloads.Gather(b, func(fs []*future.Future[int]) func() ([]int, error) {
			var g errgroup.Group
			values := make([]int, len(fs))
			for i, f := range fs {
				g.Go(func() (err error) { values[i], err = f.Result(); return err })
			}
			return func() ([]int, error) { return values, g.Wait() }
		})
	})
	b.Run("lib=conc", func(b *testing.B) {
		workloads.Gather(b, func(fs []*future.Future[int]) func() ([]int, error) {
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
