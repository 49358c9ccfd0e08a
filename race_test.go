package future_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofutures/future"
)

func TestAny(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		steps    []step // applied in order
		doneAt   int    // Any is done after this step and not before
		want     string
		wantErrs []error // the joined errors, in argument order
	}{
		{"first success wins", []step{ok(1, "b"), ok(0, "a"), ok(2, "c")}, 0, "b", nil},
		{"failures before a success are ignored", []step{fail(0, e1), fail(2, e3), ok(1, "b")}, 2, "b", nil},
		{"all fail: errors in argument order", []step{fail(2, e3), fail(0, e1), fail(1, e2)}, 2, "", []error{e1, e2, e3}},
		{"later failures change nothing", []step{ok(2, "c"), fail(0, e1), fail(1, e2)}, 0, "c", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := pendingFutures[string](3)
			first := future.Any(fs...)
			applySteps(t, fs, tt.steps, tt.doneAt, first)
			v, err := first.Result()
			if tt.wantErrs != nil {
				assert.Zero(t, v)
				assertJoined(t, err, tt.wantErrs)
				assert.Nil(t, first.Traceback(), "the joined error has no traceback; each input keeps its own")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, v)
		})
	}
}

// assertJoined checks that err is errors.Join(want...), in that order.
func assertJoined(t *testing.T, err error, want []error) {
	t.Helper()
	require.Error(t, err)
	for _, w := range want {
		assert.ErrorIs(t, err, w)
	}
	joined, ok := err.(interface{ Unwrap() []error })
	require.True(t, ok, "errors.Join's error")
	assert.Equal(t, want, joined.Unwrap())
	assert.Equal(t, errors.Join(want...).Error(), err.Error())
}

func TestAnyAndRaceEmpty(t *testing.T) {
	t.Parallel()
	for name, f := range map[string]*future.Future[int]{"Any": future.Any[int](), "Race": future.Race[int]()} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			require.True(t, f.Done())
			assert.Same(t, future.ErrNoFutures, f.Exception())
		})
	}
}

func TestAnyAlreadyDone(t *testing.T) {
	t.Parallel()
	t.Run("first success in argument order", func(t *testing.T) {
		t.Parallel()
		first := future.Any(future.Failed[int](e1), future.New[int](), future.Completed(2), future.Completed(3))
		require.True(t, first.Done(), "succeeded before Any returns")
		v, err := first.Result()
		require.NoError(t, err)
		assert.Equal(t, 2, v)
	})
	t.Run("all failed", func(t *testing.T) {
		t.Parallel()
		first := future.Any(future.Failed[int](e2), future.Failed[int](e1))
		require.True(t, first.Done())
		assertJoined(t, first.Exception(), []error{e2, e1})
	})
	t.Run("a single failure is still joined", func(t *testing.T) {
		t.Parallel()
		assertJoined(t, future.Any(future.Failed[int](e1)).Exception(), []error{e1})
	})
	t.Run("repeated failing input", func(t *testing.T) {
		t.Parallel()
		f := future.New[int]()
		first := future.Any(f, f)
		f.SetException(e1)
		assertJoined(t, first.Exception(), []error{e1, e1})
	})
}

func TestRace(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		steps []step // the first decides
	}{
		{"success first", []step{ok(1, "b"), fail(0, e1), ok(2, "c")}},
		{"failure first", []step{fail(2, e3), ok(0, "a"), ok(1, "b")}},
		{"all fail", []step{fail(0, e1), fail(1, e2), fail(2, e3)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := pendingFutures[string](3)
			race := future.Race(fs...)
			applySteps(t, fs, tt.steps, 0, race)
			winner := fs[tt.steps[0].input]
			v, err := race.Result()
			wantV, wantErr := winner.Result()
			assert.Equal(t, wantV, v)
			assert.Equal(t, wantErr, err)
			assert.Same(t, winner.Traceback(), race.Traceback())
		})
	}
}

func TestRaceAlreadyDone(t *testing.T) {
	t.Parallel()
	first := future.Failed[int](e1)
	race := future.Race(future.New[int](), first, future.Completed(2))
	require.True(t, race.Done(), "done before Race returns")
	assert.Same(t, e1, race.Exception(), "the first done input in argument order wins")
	assert.Same(t, first.Traceback(), race.Traceback())
}

func TestAnyAndRaceConcurrentCompletions(t *testing.T) {
	t.Parallel()
	const n = 500
	t.Run("Any all fail", func(t *testing.T) {
		t.Parallel()
		fs := pendingFutures[int](n)
		errs := make([]error, n)
		for i := range errs {
			errs[i] = &boomError{fmt.Sprint(i)}
		}
		first := future.Any(fs...)
		wait := completeConcurrently(fs, func(i int, f *future.Future[int]) { f.SetException(errs[i]) })
		_, err := await(t, first)
		wait()
		assertJoined(t, err, errs)
	})
	t.Run("Any one success", func(t *testing.T) {
		t.Parallel()
		fs := pendingFutures[int](n)
		first := future.Any(fs...)
		wait := completeConcurrently(fs, func(i int, f *future.Future[int]) {
			if i == n/2 {
				f.SetResult(i)
			} else {
				f.SetException(errBoom)
			}
		})
		v, err := await(t, first)
		wait()
		require.NoError(t, err)
		assert.Equal(t, n/2, v)
	})
	t.Run("Race", func(t *testing.T) {
		t.Parallel()
		fs := pendingFutures[int](n)
		race := future.Race(fs...)
		wait := completeConcurrently(fs, func(i int, f *future.Future[int]) { f.SetResult(i) })
		v, err := await(t, race)
		wait()
		require.NoError(t, err)
		assert.True(t, 0 <= v && v < n)
	})
}
