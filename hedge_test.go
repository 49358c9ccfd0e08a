package future_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofutures/future"
)

// The tests here need no clock: with a delay of an hour, the only attempts
// that start are attempt 0 and those a failure starts at once. The timing
// tests run on fake time, in hedge_synctest_test.go.

// replica is one attempt's behaviour in a test of Hedge.
type replica func(ctx context.Context) (string, error)

// replicas is a function for Hedge that runs attempt i as rs[i] and records
// which attempts started and which saw their context end, telling stopped,
// if not nil, about the latter once recorded.
type replicas struct {
	rs      []replica
	stopped chan int

	mu       sync.Mutex
	started  []int
	canceled []int
}

func (r *replicas) fn(ctx context.Context, attempt int) (string, error) {
	r.mu.Lock()
	r.started = append(r.started, attempt)
	r.mu.Unlock()
	v, err := r.rs[attempt](ctx)
	if ctx.Err() != nil {
		r.mu.Lock()
		r.canceled = append(r.canceled, attempt)
		r.mu.Unlock()
		if r.stopped != nil {
			r.stopped <- attempt
		}
	}
	return v, err
}

// seen returns the attempts started and canceled so far, in the order they
// did so.
func (r *replicas) seen() (started, canceled []int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int(nil), r.started...), append([]int(nil), r.canceled...)
}

func answer(v string) replica {
	return func(context.Context) (string, error) { return v, nil }
}

func failWith(err error) replica {
	return func(context.Context) (string, error) { return "", err }
}

// stall blocks until its context ends.
func stall(ctx context.Context) (string, error) {
	<-ctx.Done()
	return "", context.Cause(ctx)
}

var (
	errE0 = errors.New("e0")
	errE1 = errors.New("e1")
	errE2 = errors.New("e2")
)

func TestHedgeMisusePanics(t *testing.T) {
	t.Parallel()
	fn := func(context.Context, int) (int, error) { return 0, nil }
	ctx := context.Background()
	tests := []struct {
		name string
		call func()
		want string
	}{
		{"nil context", func() {
			//lint:ignore SA1012 the misuse under test
			future.Hedge(nil, time.Second, 2, fn)
		}, "future: Hedge called with a nil context"},
		{"nil fn", func() { future.Hedge[int](ctx, time.Second, 2, nil) }, "future: Hedge called with a nil function"},
		{"no attempts", func() { future.Hedge(ctx, time.Second, 0, fn) }, "future: Hedge called with attempts 0; there must be at least 1"},
		{"negative attempts", func() { future.Hedge(ctx, time.Second, -2, fn) }, "future: Hedge called with attempts -2; there must be at least 1"},
		{"negative delay", func() { future.Hedge(ctx, -time.Millisecond, 2, fn) }, "future: Hedge called with a negative delay, -1ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.PanicsWithValue(t, tt.want, tt.call)
		})
	}
}

// TestHedgeFailureStartsTheNextAtOnce: each failure, whether an error, a
// panic or runtime.Goexit, starts the next attempt without waiting for the
// delay, and a success then completes the future.
func TestHedgeFailureStartsTheNextAtOnce(t *testing.T) {
	t.Parallel()
	r := &replicas{rs: []replica{
		failWith(errE0),
		func(context.Context) (string, error) { panic("replica 1 crashed") },
		func(context.Context) (string, error) { runtime.Goexit(); return "", nil },
		answer("from replica 3"),
		answer("never asked"),
	}}
	v, err := await(t, future.Hedge(context.Background(), time.Hour, 5, r.fn))
	require.NoError(t, err)
	assert.Equal(t, "from replica 3", v)
	started, _ := r.seen()
	assert.Equal(t, []int{0, 1, 2, 3}, started)
}

func TestHedgeAllFailJoinsErrorsInStartOrder(t *testing.T) {
	t.Parallel()
	r := &replicas{rs: []replica{
		failWith(errE0),
		func(context.Context) (string, error) { panic(errE1) },
		failWith(errE2),
	}}
	f := future.Hedge(context.Background(), time.Hour, 3, r.fn)
	_, err := await(t, f)
	require.Error(t, err)
	for _, want := range []error{errE0, errE1, errE2} {
		assert.ErrorIs(t, err, want)
	}
	assert.Equal(t, "future: hedge: 3 attempts failed: attempt 0: e0; attempt 1: future: panic: e1; attempt 2: e2", err.Error())
	var pe *future.PanicError
	require.ErrorAs(t, err, &pe)
	require.NotNil(t, f.Traceback(), "the panic's traceback")
	assert.Contains(t, f.Traceback().Frames()[0].Function, "TestHedgeAllFailJoinsErrorsInStartOrder")
	started, _ := r.seen()
	assert.Equal(t, []int{0, 1, 2}, started, "never more than attempts")
}

func TestHedgeOneAttempt(t *testing.T) {
	t.Parallel()
	r := &replicas{rs: []replica{failWith(errE0)}}
	_, err := await(t, future.Hedge(context.Background(), 0, 1, r.fn))
	require.ErrorIs(t, err, errE0)
	assert.Equal(t, "future: hedge: 1 attempt failed: attempt 0: e0", err.Error())
	started, _ := r.seen()
	assert.Equal(t, []int{0}, started)
}

func TestHedgeDoneContextStartsNothing(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errBoom)
	r := &replicas{rs: []replica{answer("never asked")}}
	f := future.Hedge(ctx, time.Millisecond, 3, r.fn)
	require.True(t, f.Done(), "failed before Hedge returns")
	require.ErrorIs(t, f.Exception(), errBoom)
	started, _ := r.seen()
	assert.Empty(t, started)
}

// TestHedgeStopsAttempts: Cancel on the future, and the end of ctx, cancel
// the attempts' context. After Cancel the future has failed at once; after
// the end of ctx it fails once the attempts have returned, with their
// errors.
func TestHedgeStopsAttempts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		stop func(f *future.Future[string], cancel context.CancelFunc)
	}{
		{"Cancel", func(f *future.Future[string], _ context.CancelFunc) { f.Cancel() }},
		{"context canceled", func(_ *future.Future[string], cancel context.CancelFunc) { cancel() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			r := &replicas{stopped: make(chan int, 2), rs: []replica{
				failWith(errE0), // fails at once, so attempt 1 starts at once
				stall,
				answer("never asked"),
			}}
			f := future.Hedge(ctx, time.Hour, 3, r.fn)
			waitFor(t, func() bool { s, _ := r.seen(); return len(s) == 2 })
			tt.stop(f, cancel)
			assert.Equal(t, 1, receive(t, r.stopped))
			_, err := await(t, f)
			require.ErrorIs(t, err, context.Canceled)
			started, canceled := r.seen()
			assert.Equal(t, []int{0, 1}, started, "no attempt starts once stopped")
			assert.Equal(t, []int{1}, canceled)
		})
	}
}

func TestHedgeDoneKeepsNothingAlive(t *testing.T) {
	t.Parallel()
	ctx, ctxCollected := trackedCtx(context.Background())
	fn, fnCollected := trackedAttempt()
	f := future.Hedge(ctx, time.Hour, 3, fn) // a timer is armed for attempt 2 when 1 succeeds
	v, err := await(t, f)
	require.NoError(t, err)
	assert.Equal(t, 9, v)
	collected(t, fnCollected, "the function of a done Hedge")
	collected(t, ctxCollected, "the context of a done Hedge")
	runtime.KeepAlive(f)
}

// trackedAttempt returns a function for Hedge whose attempt 0 fails and
// attempt 1 returns 9, and a channel closed when it is collected.
func trackedAttempt() (func(context.Context, int) (int, error), <-chan struct{}) {
	p, ch := tracked()
	return func(_ context.Context, attempt int) (int, error) {
		runtime.KeepAlive(p)
		if attempt == 0 {
			return 0, errE0
		}
		return 9, nil
	}, ch
}

// waitFor polls cond until it holds, failing the test if it does not in
// time.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(time.Millisecond) // polling, not a proof of ordering
	}
}
