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

// TestFunctionContextIsAChildOfItsParent: the context a function gets
// behaves as context.WithCancel(parent) would, whichever of its methods the
// function uses first (it is made lazily), and whatever ends it: Cancel on
// the future, the function's return, or the parent's end with a cause.
func TestFunctionContextIsAChildOfItsParent(t *testing.T) {
	t.Parallel()
	cause := errors.New("request abandoned")
	type ending struct {
		name string
		// end ends fn's context while fn waits in release, and returns
		// the error and cause it must then report.
		end func(f *future.Future[int], cancelParent context.CancelCauseFunc) (err, cause error)
	}
	endings := []ending{
		{"Cancel on the future", func(f *future.Future[int], _ context.CancelCauseFunc) (error, error) {
			f.Cancel()
			return context.Canceled, context.Canceled
		}},
		{"the parent's end", func(_ *future.Future[int], cancel context.CancelCauseFunc) (error, error) {
			cancel(cause)
			return context.Canceled, cause
		}},
	}
	// Each probe is what fn does with its context while it runs; it may
	// return a context derived from it, which must end with it.
	probes := []struct {
		name  string
		probe func(ctx context.Context) (derived context.Context)
	}{
		{"nothing", func(context.Context) context.Context { return nil }},
		{"Value", func(ctx context.Context) context.Context { ctx.Value(requestIDKey{}); return nil }},
		{"Err", func(ctx context.Context) context.Context { ctx.Err(); return nil }},
		{"Done", func(ctx context.Context) context.Context { ctx.Done(); return nil }},
		{"WithoutCancel", func(ctx context.Context) context.Context {
			context.WithoutCancel(ctx).Value(requestIDKey{})
			return nil
		}},
		{"WithCancel", func(ctx context.Context) context.Context {
			derived, cancel := context.WithCancel(ctx)
			context.AfterFunc(derived, cancel) // ends with ctx; this only keeps vet content
			return derived
		}},
		{"AfterFunc", func(ctx context.Context) context.Context {
			derived, cancel := context.WithCancel(context.Background())
			context.AfterFunc(ctx, cancel)
			return derived
		}},
	}
	for _, s := range svcStarters() {
		for _, e := range endings {
			for _, p := range probes {
				t.Run(s.name+"/"+e.name+"/"+p.name, func(t *testing.T) {
					t.Parallel()
					parent, cancel := context.WithCancelCause(context.WithValue(context.Background(), requestIDKey{}, "r-1"))
					defer cancel(nil)
					deadline, hasDeadline := parent.Deadline()
					started := make(chan context.Context)
					release := make(chan struct{})
					var derived context.Context
					f := s.start(parent, func(ctx context.Context) (int, error) {
						derived = p.probe(ctx)
						started <- ctx
						<-release
						return 1, nil
					})
					ctx := receive(t, started)
					assert.NoError(t, ctx.Err(), "running, not ended")
					assert.Equal(t, "r-1", ctx.Value(requestIDKey{}), "the parent's values")
					d, ok := ctx.Deadline()
					assert.Equal(t, hasDeadline, ok)
					assert.Equal(t, deadline, d)

					wantErr, wantCause := e.end(f, cancel)
					receive(t, ctx.Done())
					assert.ErrorIs(t, ctx.Err(), wantErr)
					assert.ErrorIs(t, context.Cause(ctx), wantCause)
					if derived != nil {
						receive(t, derived.Done())
						if p.name == "WithCancel" {
							assert.ErrorIs(t, context.Cause(derived), wantCause, "a context derived from it ends with it")
						}
					}
					close(release)
					await(t, f)
				})
			}
		}
	}
	t.Run("ends when the function returns", func(t *testing.T) {
		t.Parallel()
		for _, s := range svcStarters() {
			var seen context.Context
			_, err := await(t, s.start(context.Background(), func(ctx context.Context) (int, error) { seen = ctx; return 1, nil }))
			require.NoError(t, err)
			assert.ErrorIs(t, seen.Err(), context.Canceled, s.name)
			assert.ErrorIs(t, context.Cause(seen), context.Canceled, s.name)
			receive(t, seen.Done())
		}
	})
}
