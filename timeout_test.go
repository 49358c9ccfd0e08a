package future_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofutures/future"
)

// forever is a timeout that never fires within a test.
const forever = time.Hour

func TestWithTimeoutInTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		d    time.Duration
		src  source
		done bool // src done before WithTimeout
	}{
		{"success", forever, source{value: 7}, false},
		{"failure", forever, source{err: errBoom}, false},
		{"already succeeded", forever, source{value: 7}, true},
		{"already failed", forever, source{err: errBoom}, true},
		{"already succeeded, zero timeout", 0, source{value: 7}, true},
		{"already failed, negative timeout", -time.Second, source{err: errBoom}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src, complete := tt.src.start(tt.done)
			bounded := future.WithTimeout(src, tt.d)
			require.Equal(t, tt.done, bounded.Done())
			complete()
			require.True(t, bounded.Done(), "completed inside the completing call")
			v, err := bounded.Result()
			wantV, wantErr := src.Result()
			assert.Equal(t, wantV, v)
			assert.Equal(t, wantErr, err)
			assert.Same(t, src.Traceback(), bounded.Traceback())
		})
	}
}

// awaitTimeout is await for futures that may fail with
// context.DeadlineExceeded, which await takes for its own timeout.
func awaitTimeout[T any](t *testing.T, f *future.Future[T]) (T, error) {
	t.Helper()
	receive(t, f.DoneChan())
	return f.Result()
}

// checkTimedOut checks that bounded failed with WithTimeout's error while
// src stayed pending and can still complete.
func checkTimedOut(t *testing.T, bounded, src *future.Future[int], d time.Duration) {
	t.Helper()
	_, err := awaitTimeout(t, bounded)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.EqualError(t, err, "future: timed out after "+d.String()+": context deadline exceeded")
	var timeout interface{ Timeout() bool }
	require.ErrorAs(t, err, &timeout)
	assert.True(t, timeout.Timeout())
	assert.Nil(t, bounded.Traceback())

	assert.False(t, src.Done(), "the input is unchanged")
	assert.True(t, src.SetResult(1))
	assert.ErrorIs(t, bounded.Exception(), context.DeadlineExceeded, "a late outcome changes nothing")
}

func TestWithTimeoutFires(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Duration{time.Millisecond, time.Nanosecond} {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			src := future.New[int]()
			checkTimedOut(t, future.WithTimeout(src, d), src, d)
		})
	}
}

func TestWithTimeoutExpiredAtOnce(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Duration{0, -time.Second} {
		t.Run(d.String(), func(t *testing.T) {
			t.Parallel()
			src := future.New[int]()
			bounded := future.WithTimeout(src, d)
			require.True(t, bounded.Done(), "fails before WithTimeout returns, as context.WithTimeout would")
			checkTimedOut(t, bounded, src, d)
		})
	}
}

func TestWithTimeoutRacingCompletion(t *testing.T) {
	// The timer and the input race; either may win, neither panics, and
	// the result is one of the two outcomes.
	t.Parallel()
	const n = 200
	srcs := pendingFutures[int](n)
	bounded := make([]*future.Future[int], n)
	for i, src := range srcs {
		bounded[i] = future.WithTimeout(src, time.Duration(i%5)*time.Microsecond+time.Nanosecond)
	}
	wait := completeConcurrently(srcs, func(i int, f *future.Future[int]) { f.SetResult(i) })
	for i, b := range bounded {
		v, err := awaitTimeout(t, b)
		if err != nil {
			assert.ErrorIs(t, err, context.DeadlineExceeded)
		} else {
			assert.Equal(t, i, v)
		}
	}
	wait()
}

func TestWithTimeoutCallbacks(t *testing.T) {
	t.Parallel()
	src := future.New[int]()
	fired := make(chan error, 1)
	future.WithTimeout(src, time.Millisecond).AddDoneCallback(func(f *future.Future[int]) {
		fired <- f.Exception()
	})
	assert.True(t, errors.Is(receive(t, fired), context.DeadlineExceeded), "callbacks run when the timer fires")
}
