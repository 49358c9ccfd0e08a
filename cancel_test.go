package future_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofutures/future"
)

func TestCancel(t *testing.T) {
	t.Parallel()
	f := future.New[int]()
	var calls []string
	f.AddDoneCallback(func(f *future.Future[int]) {
		calls = append(calls, "callback sees "+f.Exception().Error())
	})

	require.True(t, f.Cancel())
	assert.Equal(t, []string{"callback sees context canceled"}, calls, "callbacks ran before Cancel returned")
	v, err := f.Result()
	assert.Zero(t, v)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Nil(t, f.Traceback(), "a cancellation records no traceback")
	assert.False(t, f.Cancel(), "a second Cancel changes nothing")
	assert.False(t, f.SetResult(1))
}

func TestCancelDoneFutureChangesNothing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		f       *future.Future[int]
		wantV   int
		wantErr error
	}{
		{"succeeded", future.Completed(7), 7, nil},
		{"failed", future.Failed[int](errBoom), 0, errBoom},
		{"canceled", func() *future.Future[int] { f := future.New[int](); f.Cancel(); return f }(), 0, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.False(t, tt.f.Cancel())
			v, err := tt.f.Result()
			assert.Equal(t, tt.wantV, v)
			assert.Equal(t, tt.wantErr, err)
		})
	}
}

func TestCancelRacesWithCompletion(t *testing.T) {
	t.Parallel()
	for range 200 {
		f := future.New[int]()
		var wins atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				var won bool
				if i%2 == 0 {
					won = f.Cancel()
				} else {
					won = f.SetResult(i)
				}
				if won {
					wins.Add(1)
				}
			}()
		}
		close(start)
		wg.Wait()
		assert.Equal(t, int32(1), wins.Load(), "exactly one completion wins")
	}
}

func TestGoContextOutcome(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fn      func(context.Context) (int, error)
		wantV   int
		wantErr error
		panics  bool
	}{
		{"value", func(context.Context) (int, error) { return 42, nil }, 42, nil, false},
		{"error", func(context.Context) (int, error) { return 1, errBoom }, 0, errBoom, false},
		{"panic", func(context.Context) (int, error) { panic(errBoom) }, 0, errBoom, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, err := await(t, future.GoContext(context.Background(), tt.fn))
			assert.Equal(t, tt.wantV, v)
			assert.ErrorIs(t, err, tt.wantErr)
			var pe *future.PanicError
			assert.Equal(t, tt.panics, errors.As(err, &pe))
		})
	}
}

type requestIDKey struct{}

func TestGoContextPassesAChildContext(t *testing.T) {
	t.Parallel()
	parent := context.WithValue(context.Background(), requestIDKey{}, "request-7")
	var seen context.Context
	f := future.GoContext(parent, func(ctx context.Context) (string, error) {
		seen = ctx
		if err := ctx.Err(); err != nil {
			return "", err
		}
		return ctx.Value(requestIDKey{}).(string), nil
	})
	v, err := await(t, f)
	require.NoError(t, err)
	assert.Equal(t, "request-7", v, "the child carries the parent's values")
	assert.ErrorIs(t, seen.Err(), context.Canceled, "the child is canceled once fn has returned")
	assert.NoError(t, parent.Err(), "the parent is not")
}

func TestGoContextWithDoneContextNeverRuns(t *testing.T) {
	t.Parallel()
	cause := errors.New("client went away")
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(cause)
	var ran atomic.Bool
	f := future.GoContext(ctx, func(context.Context) (int, error) {
		ran.Store(true)
		return 1, nil
	})
	require.True(t, f.Done(), "the future fails at once")
	assert.ErrorIs(t, f.Exception(), cause)
	assert.Nil(t, f.Traceback())
	assert.False(t, ran.Load())
}

// svcStarter runs fn as GoContext or Submit does.
type svcStarter struct {
	name  string
	start func(ctx context.Context, fn func(context.Context) (int, error)) *future.Future[int]
}

func svcStarters() []svcStarter {
	return []svcStarter{
		{"GoContext", future.GoContext[int]},
		{"Submit", func(ctx context.Context, fn func(context.Context) (int, error)) *future.Future[int] {
			return future.Submit(future.NewPool(2), ctx, fn)
		}},
	}
}

// blockUntilDone is a function that reports its context to started, then
// waits for the context to end and returns 99 and the context's cause.
func blockUntilDone(started chan<- context.Context) func(context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		started <- ctx
		<-ctx.Done()
		return 99, context.Cause(ctx)
	}
}

// TestRunningFunctionSeesOtherCompletion: completing the future of a
// running function, by Cancel or by someone else answering first, finishes
// the future at once, cancels fn's context, and discards fn's late result.
func TestRunningFunctionSeesOtherCompletion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		complete func(*future.Future[int]) bool
		wantV    int
		wantErr  error
	}{
		{"Cancel", (*future.Future[int]).Cancel, 0, context.Canceled},
		{"SetResult", func(f *future.Future[int]) bool { return f.SetResult(5) }, 5, nil}, // say, from a cache
	}
	for _, tt := range tests {
		for _, s := range svcStarters() {
			t.Run(tt.name+"/"+s.name, func(t *testing.T) {
				t.Parallel()
				started := make(chan context.Context)
				returned := make(chan struct{})
				f := s.start(context.Background(), func(ctx context.Context) (int, error) {
					defer close(returned)
					return blockUntilDone(started)(ctx)
				})
				ctx := receive(t, started)

				require.True(t, tt.complete(f))
				require.True(t, f.Done(), "the future is done at once")
				receive(t, ctx.Done())
				assert.ErrorIs(t, ctx.Err(), context.Canceled, "fn sees its context end")
				receive(t, returned)
				v, err := f.Result()
				assert.Equal(t, tt.wantV, v, "fn's late result is discarded")
				assert.Equal(t, tt.wantErr, err)
			})
		}
	}
}

func TestRunningFunctionSeesParentEnd(t *testing.T) {
	t.Parallel()
	for _, s := range svcStarters() {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			cause := errors.New("request deadline")
			parent, cancel := context.WithCancelCause(context.Background())
			started := make(chan context.Context)
			release := make(chan struct{})
			f := s.start(parent, func(ctx context.Context) (int, error) {
				started <- ctx
				<-ctx.Done()
				<-release
				return 99, context.Cause(ctx)
			})
			ctx := receive(t, started)

			cancel(cause)
			receive(t, ctx.Done())
			assert.ErrorIs(t, context.Cause(ctx), cause, "fn sees the parent's cause")
			assert.False(t, f.Done(), "the future waits for fn, as errgroup does")
			close(release)
			v, err := await(t, f)
			assert.Zero(t, v)
			assert.ErrorIs(t, err, cause, "the future is fn's outcome")
		})
	}
}

func TestCallbacksRunAfterTheChildIsCanceled(t *testing.T) {
	t.Parallel()
	for _, s := range svcStarters() {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			started := make(chan context.Context, 1)
			release := make(chan struct{})
			f := s.start(context.Background(), func(ctx context.Context) (int, error) {
				started <- ctx
				<-release
				return 1, nil
			})
			ctx := receive(t, started)
			ctxErr := make(chan error, 1)
			f.AddDoneCallback(func(*future.Future[int]) { ctxErr <- ctx.Err() })
			close(release)
			assert.ErrorIs(t, receive(t, ctxErr), context.Canceled)
		})
	}
}

// TestCancelRunsCallbacksAfterTheChildIsCanceled: Cancel cancels a running
// function's context before any callback of its future runs, even one added
// before the function started. So a callback may wait for the function to
// return, when the function returns once its context ends, without
// deadlocking Cancel.
func TestCancelRunsCallbacksAfterTheChildIsCanceled(t *testing.T) {
	t.Parallel()
	type startFunc func(fn func(context.Context) (int, error), cb func(*future.Future[int])) *future.Future[int]
	tests := map[string]startFunc{
		"Submit, callback added in the queue": func(fn func(context.Context) (int, error), cb func(*future.Future[int])) *future.Future[int] {
			p := future.NewPool(1)
			release := make(chan struct{})
			future.Submit(p, context.Background(), func(context.Context) (int, error) {
				<-release
				return 0, nil
			})
			f := future.Submit(p, context.Background(), fn)
			f.AddDoneCallback(cb) // fn cannot have started
			close(release)
			return f
		},
	}
	for _, s := range svcStarters() {
		tests[s.name+", callback added at once"] = func(fn func(context.Context) (int, error), cb func(*future.Future[int])) *future.Future[int] {
			f := s.start(context.Background(), fn)
			f.AddDoneCallback(cb) // fn may or may not have started
			return f
		}
	}
	for name, start := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			started := make(chan struct{})
			returned := make(chan struct{})
			fn := func(ctx context.Context) (int, error) {
				close(started)
				<-ctx.Done()
				close(returned)
				return 1, nil
			}
			sawReturn := make(chan bool, 1)
			cb := func(*future.Future[int]) {
				select {
				case <-returned:
					sawReturn <- true
				case <-time.After(patience):
					sawReturn <- false
				}
			}
			f := start(fn, cb)
			receive(t, started)
			require.True(t, f.Cancel())
			assert.True(t, receive(t, sawReturn), "the callback ran before fn's context was canceled")
		})
	}
}
