package future_test

import (
	"context"
	"iter"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofutures/future"
)

// collect ranges over seq, checking that each yielded future is done and is
// the input at its index, and returns the indices in the order yielded.
// after, if not nil, runs in the loop body after each yield.
func collect[T any](t *testing.T, seq iter.Seq2[int, *future.Future[T]], fs []*future.Future[T], after func()) []int {
	t.Helper()
	order := []int{}
	for i, f := range seq {
		assert.Same(t, fs[i], f)
		assert.True(t, f.Done(), "yielded futures are done")
		order = append(order, i)
		if after != nil {
			after()
		}
	}
	return order
}

func TestAsCompleted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		n      int
		before []step // applied before iterating
		during []step // applied one at a time in the loop body, after each yield
		want   []int
	}{
		{"empty", 0, nil, nil, []int{}},
		{"completion order", 3, []step{ok(2, "c")}, []step{ok(0, "a"), fail(1, e2)}, []int{2, 0, 1}},
		{"already done in argument order", 3, []step{ok(2, "c"), fail(0, e1), ok(1, "b")}, nil, []int{0, 1, 2}},
		{"done ones first, then the rest as they complete", 3, []step{ok(2, "c"), ok(1, "b")}, []step{ok(0, "a")}, []int{1, 2, 0}},
		{"all fail", 2, []step{fail(1, e2)}, []step{fail(0, e1)}, []int{1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := pendingFutures[string](tt.n)
			for _, s := range tt.before {
				s.apply(fs)
			}
			during := tt.during
			order := collect(t, future.AsCompleted(context.Background(), fs...), fs, func() {
				// The next input completes here, on the ranging goroutine.
				if len(during) > 0 {
					during[0].apply(fs)
					during = during[1:]
				}
			})
			assert.Equal(t, tt.want, order)
		})
	}
}

func TestAsCompletedRepeatedInput(t *testing.T) {
	t.Parallel()
	f := future.New[int]()
	fs := []*future.Future[int]{f, f}
	seq := future.AsCompleted(context.Background(), fs...)
	go f.SetResult(1)
	assert.ElementsMatch(t, []int{0, 1}, collect(t, seq, fs, nil), "each index once")
}

func TestAsCompletedConcurrentCompletions(t *testing.T) {
	t.Parallel()
	const n = 500
	fs := pendingFutures[int](n)
	seq := future.AsCompleted(context.Background(), fs...)
	wait := completeConcurrently(fs, func(i int, f *future.Future[int]) {
		if i%3 == 0 {
			f.SetException(errBoom)
		} else {
			f.SetResult(i)
		}
	})
	order := collect(t, seq, fs, nil)
	wait()
	require.Len(t, order, n)
	seen := make(map[int]bool, n)
	for _, i := range order {
		assert.False(t, seen[i], "index %d yielded twice", i)
		seen[i] = true
	}
}

func TestAsCompletedBreak(t *testing.T) {
	t.Parallel()
	fs := pendingFutures[int](3)
	fs[1].SetResult(1)
	for i := range future.AsCompleted(context.Background(), fs...) {
		assert.Equal(t, 1, i)
		break
	}
	// Nobody reads the remaining notifications: completing the other
	// inputs must still not block, and nothing is left running (goleak
	// checks the latter in TestMain).
	done := make(chan struct{})
	go func() {
		defer close(done)
		fs[0].SetResult(0)
		fs[2].SetException(errBoom)
	}()
	receive(t, done)
}

func TestAsCompletedContext(t *testing.T) {
	t.Parallel()
	t.Run("cancelled in the loop body", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		fs := []*future.Future[int]{future.Completed(0), future.Completed(1), future.Completed(2)}
		order := collect(t, future.AsCompleted(ctx, fs...), fs, cancel)
		assert.Equal(t, []int{0}, order, "nothing more once ctx is done, though more inputs are done")
		assert.ErrorIs(t, ctx.Err(), context.Canceled)
	})
	t.Run("cancelled while waiting", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		fs := []*future.Future[int]{future.Completed(0), future.New[int]()}
		order := collect(t, future.AsCompleted(ctx, fs...), fs, func() { go cancel() })
		assert.Equal(t, []int{0}, order, "stops when ctx ends, with an input still pending")
		assert.True(t, fs[1].SetResult(1), "the pending input is unchanged")
	})
	t.Run("already done", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		fs := []*future.Future[int]{future.Completed(0), future.New[int]()}
		assert.Empty(t, collect(t, future.AsCompleted(ctx, fs...), fs, nil))
	})
}

// TestAsCompletedDoneContextRegistersNothing checks that ranging with a
// context that is already done returns before it subscribes to anything: it
// allocates nothing, so no listener can be left on the pending input.
func TestAsCompletedDoneContextRegistersNothing(t *testing.T) {
	// Not parallel: AllocsPerRun measures the whole process.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	fs := []*future.Future[int]{future.Completed(0), future.New[int]()}
	seq := future.AsCompleted(ctx, fs...)
	allocs := testing.AllocsPerRun(100, func() {
		for range seq {
			t.Error("yielded with a done context")
		}
	})
	// The baseline is the range itself (zero, but coverage instrumentation
	// makes its closures escape): no inputs, so nothing to register.
	none := future.AsCompleted[int](context.Background())
	baseline := testing.AllocsPerRun(100, func() {
		for range none {
			t.Error("yielded with no inputs")
		}
	})
	assert.Equal(t, baseline, allocs, "no channel, no listeners")
	assert.True(t, fs[1].SetResult(1), "the pending input is unchanged")
}

func TestAsCompletedRangedTwice(t *testing.T) {
	t.Parallel()
	fs := pendingFutures[int](3)
	seq := future.AsCompleted(context.Background(), fs...)
	fs[2].SetResult(2)
	for i := range seq {
		assert.Equal(t, 2, i)
		break
	}
	fs[0].SetResult(0)
	fs[1].SetResult(1)
	assert.Equal(t, []int{0, 1, 2}, collect(t, seq, fs, nil), "a second range starts afresh")

	// Several goroutines ranging over the same iterator at once each see
	// every input.
	const rangers = 8
	g := pendingFutures[int](50)
	seq = future.AsCompleted(context.Background(), g...)
	counts := make(chan int, rangers)
	for range rangers {
		go func() {
			n := 0
			for range seq {
				n++
			}
			counts <- n
		}()
	}
	wait := completeConcurrently(g, func(i int, f *future.Future[int]) { f.SetResult(i) })
	for range rangers {
		assert.Equal(t, len(g), receive(t, counts))
	}
	wait()
}

func TestAsCompletedCopiesItsArguments(t *testing.T) {
	t.Parallel()
	fs := []*future.Future[int]{future.Completed(1), future.Completed(2)}
	orig := append([]*future.Future[int](nil), fs...)
	seq := future.AsCompleted(context.Background(), fs...)
	fs[0] = future.New[int]() // the caller reuses its slice
	assert.Equal(t, []int{0, 1}, collect(t, seq, orig, nil))
}
