package future_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofutures/future"
)

// TestGroupWaitReportsFunctionsNotRun: a function that never ran because the
// group's context ended first is a failure of the group, so Wait does not
// say nil for work that never happened (a handler would answer 200 with
// empty fields). A function whose future its caller completed first is not.
// (A sibling's failure that ends the group comes first: see
// TestGroupFirstFailureCancelsTheRest.)
func TestGroupWaitReportsFunctionsNotRun(t *testing.T) {
	t.Parallel()
	cause := errors.New("request deadline")
	notRun := func(t *testing.T) func(context.Context) (int, error) {
		return func(context.Context) (int, error) {
			t.Error("a function ran after its group's context ended")
			return 1, nil
		}
	}
	tests := []struct {
		name string
		// run forks in a group and returns it, and one forked future.
		run  func(t *testing.T) (*future.Group, *future.Future[int])
		want error // wrapped by Wait's error with ErrNotRun; nil: Wait says nil
	}{
		{"parent ended before Fork", func(t *testing.T) (*future.Group, *future.Future[int]) {
			g := future.NewGroup(endedWith(cause), nil)
			return g, future.Fork(g, notRun(t))
		}, cause},
		{"parent ended before Fork on a pool", func(t *testing.T) (*future.Group, *future.Future[int]) {
			g := future.NewGroup(endedWith(cause), future.NewPool(2))
			return g, future.Fork(g, notRun(t))
		}, cause},
		{"parent's deadline passed before Fork", func(t *testing.T) (*future.Group, *future.Future[int]) {
			ctx, cancel := context.WithTimeout(context.Background(), 0)
			t.Cleanup(cancel)
			g := future.NewGroup(ctx, nil)
			return g, future.Fork(g, notRun(t))
		}, context.DeadlineExceeded},
		{"parent ended while queued behind a busy worker", func(t *testing.T) (*future.Group, *future.Future[int]) {
			p, release := busyPool(t, 1)
			ctx, cancel := context.WithCancelCause(context.Background())
			g := future.NewGroup(ctx, p)
			f := future.Fork(g, notRun(t))
			cancel(cause)
			receive(t, f.DoneChan()) // at once, while the worker is busy
			close(release)
			p.Wait()
			return g, f
		}, cause},
		{"parent ended while Fork waited for room in the queue", func(t *testing.T) (*future.Group, *future.Future[int]) {
			p, release := busyPool(t, 1)
			p.SetQueueLimit(0)
			ctx, cancel := context.WithCancelCause(context.Background())
			g := future.NewGroup(ctx, p)
			forked := make(chan *future.Future[int], 1)
			go func() { forked <- future.Fork(g, notRun(t)) }()
			cancel(cause)
			f := receive(t, forked)
			close(release)
			p.Wait()
			return g, f
		}, cause},
		{"a queued function canceled by its caller", func(t *testing.T) (*future.Group, *future.Future[int]) {
			p, release := busyPool(t, 1)
			g := future.NewGroup(context.Background(), p)
			f := future.Fork(g, notRun(t))
			require.True(t, f.Cancel())
			close(release)
			p.Wait()
			return g, f
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g, f := tt.run(t)
			err := awaitGroup(t, g)
			receive(t, f.DoneChan())
			ferr := f.Exception()
			if tt.want == nil {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err, "Wait says nil for a function that never ran")
			assert.ErrorIs(t, err, future.ErrNotRun)
			assert.ErrorIs(t, err, tt.want)
			assert.Equal(t, ferr, err, "the future's failure is the group's")
			assert.Equal(t, err, g.Wait(), "a second Wait says the same")
		})
	}
}

// TestGroupWaitIsFinal: what the first Wait returned does not change: a
// Fork after it runs nothing and fails nothing.
func TestGroupWaitIsFinal(t *testing.T) {
	t.Parallel()
	for _, first := range []error{nil, errBoom} {
		name := "nil"
		if first != nil {
			name = first.Error()
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var g future.Group
			future.Fork(&g, func(context.Context) (int, error) { return 0, first })
			require.Equal(t, first, g.Wait())
			late := future.Fork(&g, func(context.Context) (int, error) {
				t.Error("a function forked after Wait ran")
				return 0, nil
			})
			_, err := await(t, late)
			assert.ErrorIs(t, err, future.ErrNotRun)
			assert.Contains(t, err.Error(), "after the group's Wait returned")
			assert.Equal(t, first, g.Wait(), "a Fork after Wait changed what Wait returns")
		})
	}
}

// TestGroupWaitKeepsThePanicStack: a panic's stack reaches whoever reads
// Wait's error, through errors.As, not only the future that panicked.
func TestGroupWaitKeepsThePanicStack(t *testing.T) {
	t.Parallel()
	for _, p := range []*future.Pool{nil, future.NewPool(2)} {
		g := future.NewGroup(context.Background(), p)
		f := future.Fork(g, func(context.Context) (int, error) { panicInHandler(); return 0, nil })
		err := awaitGroup(t, g)
		var pe *future.PanicError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "backend 500", pe.Value)
		require.NotNil(t, pe.Traceback())
		frames := pe.Traceback().Frames()
		require.NotEmpty(t, frames)
		assert.True(t, strings.HasSuffix(frames[0].Function, "panicInHandler"), "innermost frame %s", frames[0].Function)
		assert.Equal(t, f.Traceback(), pe.Traceback(), "the future's traceback is the error's")
		// Joined with other errors, it is still found with its stack.
		require.ErrorAs(t, errors.Join(errBoom, err), &pe)
		assert.Equal(t, f.Traceback(), pe.Traceback())
	}
	assert.Nil(t, (&future.PanicError{Value: 1}).Traceback(), "a PanicError made by hand has none")
}

//go:noinline
func panicInHandler() { panic("backend 500") }
