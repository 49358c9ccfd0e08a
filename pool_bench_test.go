package future_test

import (
	"testing"

	"github.com/gofutures/future/internal/workloads"
)

// BenchmarkPool measures submitting, running and completing one tiny task
// at limit 4, in batches of 1,000 each followed by a wait (run it with
// -benchtime=100000x for issue 8's 100,000 tasks). Allocations per op
// include the caller's closure. bench/ adds errgroup, conc (plain and
// result pools) and ants.
//
//   - ours: Submit and Wait, with context.Background().
//   - goroutine-semaphore: what errgroup.SetLimit does, a goroutine per task
//     gated by a buffered channel of size limit, completing a future.
//   - ours-request-context: ours with a cancelable parent context, as a
//     service passes its request's context.
func BenchmarkPool(b *testing.B) {
	b.Run("ours", workloads.PoolFuture)
	b.Run("goroutine-semaphore", workloads.PoolSemaphore)
	b.Run("ours-request-context", workloads.PoolFutureRequest)
}
