package future_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofutures/future"
)

// pendingFutures returns n pending futures.
func pendingFutures[T any](n int) []*future.Future[T] {
	fs := make([]*future.Future[T], n)
	for i := range fs {
		fs[i] = future.New[T]()
	}
	return fs
}

// completeConcurrently runs complete(i, fs[i]) for every input, each on a
// goroutine of its own, all released at once; the returned func waits for
// them to return.
func completeConcurrently[T any](fs []*future.Future[T], complete func(i int, f *future.Future[T])) (wait func()) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, f := range fs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			complete(i, f)
		}()
	}
	close(start)
	return wg.Wait
}

// A step completes input i of a table test's futures, with a value or an
// error.
type step struct {
	input int
	value string
	err   error
}

func ok(i int, v string) step    { return step{input: i, value: v} }
func fail(i int, err error) step { return step{input: i, err: err} }
func (s step) apply(fs []*future.Future[string]) {
	if s.err != nil {
		fs[s.input].SetException(s.err)
	} else {
		fs[s.input].SetResult(s.value)
	}
}

// applySteps applies steps to fs in order, checking that result is done
// after step doneAt and not before.
func applySteps[R any](t *testing.T, fs []*future.Future[string], steps []step, doneAt int, result *future.Future[R]) {
	t.Helper()
	for i, s := range steps {
		require.Equal(t, i > doneAt, result.Done(), "done before step %d", i)
		s.apply(fs)
	}
	require.True(t, result.Done())
}

var e1, e2, e3 = &boomError{"e1"}, &boomError{"e2"}, &boomError{"e3"}

func TestAll(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		steps   []step // applied in order
		doneAt  int    // All is done after this step and not before
		want    []string
		wantErr error
	}{
		{"all succeed", []step{ok(0, "a"), ok(1, "b"), ok(2, "c")}, 2, []string{"a", "b", "c"}, nil},
		{"argument order, not completion order", []step{ok(2, "c"), ok(0, "a"), ok(1, "b")}, 2, []string{"a", "b", "c"}, nil},
		{"fails fast on the first failure", []step{ok(0, "a"), fail(2, e3), ok(1, "b")}, 1, nil, e3},
		{"first failure in completion order", []step{fail(1, e2), fail(0, e1), fail(2, e3)}, 0, nil, e2},
		{"later successes change nothing", []step{fail(0, e1), ok(1, "b"), ok(2, "c")}, 0, nil, e1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := pendingFutures[string](3)
			all := future.All(fs...)
			applySteps(t, fs, tt.steps, tt.doneAt, all)
			v, err := all.Result()
			if tt.wantErr != nil {
				assert.Same(t, tt.wantErr, err)
				assert.Nil(t, v)
				failed := fs[tt.steps[tt.doneAt].input]
				assert.Same(t, failed.Traceback(), all.Traceback(), "the failure's traceback comes along")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, v)
			assert.Nil(t, all.Traceback())
		})
	}
}

func TestAllAndAllSettledEmpty(t *testing.T) {
	t.Parallel()
	all := future.All[int]()
	require.True(t, all.Done())
	v, err := all.Result()
	require.NoError(t, err)
	assert.NotNil(t, v)
	assert.Empty(t, v)

	settled := future.AllSettled[int]()
	require.True(t, settled.Done())
	outcomes, err := settled.Result()
	require.NoError(t, err)
	assert.NotNil(t, outcomes)
	assert.Empty(t, outcomes)
}

func TestAllAlreadyDone(t *testing.T) {
	t.Parallel()
	t.Run("all succeeded", func(t *testing.T) {
		t.Parallel()
		v, err := future.All(future.Completed(1), future.Completed(2)).Result()
		require.NoError(t, err)
		assert.Equal(t, []int{1, 2}, v)
	})
	t.Run("failures count in argument order", func(t *testing.T) {
		t.Parallel()
		first := future.Failed[int](e1)
		all := future.All(future.Completed(1), first, future.Failed[int](e2))
		require.True(t, all.Done(), "failed before All returns")
		assert.Same(t, e1, all.Exception())
		assert.Same(t, first.Traceback(), all.Traceback())
	})
	t.Run("a done failure decides, pending inputs do not matter", func(t *testing.T) {
		t.Parallel()
		pending := future.New[int]()
		all := future.All(pending, future.Failed[int](e1), pending)
		require.True(t, all.Done())
		assert.Same(t, e1, all.Exception())
		assert.True(t, pending.SetResult(1))
		assert.Same(t, e1, all.Exception())
	})
}

func TestAllRepeatedInputAndCopiedArguments(t *testing.T) {
	t.Parallel()
	f, g := future.New[int](), future.New[int]()
	fs := []*future.Future[int]{f, g, f}
	all := future.All(fs...)
	settled := future.AllSettled(fs...)
	fs[0], fs[1] = future.Completed(8), future.Completed(9) // the caller reuses its slice
	f.SetResult(1)
	g.SetResult(2)
	v, err := all.Result()
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2, 1}, v)
	outcomes, err := settled.Result()
	require.NoError(t, err)
	assert.Equal(t, []future.Outcome[int]{{Value: 1}, {Value: 2}, {Value: 1}}, outcomes)
}

func TestAllSettled(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		steps []step // applied in order; AllSettled is done only after the last
		want  []future.Outcome[string]
	}{
		{"all succeed", []step{ok(2, "c"), ok(0, "a"), ok(1, "b")}, []future.Outcome[string]{{Value: "a"}, {Value: "b"}, {Value: "c"}}},
		{"all fail", []step{fail(1, e2), fail(2, e3), fail(0, e1)}, []future.Outcome[string]{{Err: e1}, {Err: e2}, {Err: e3}}},
		{"mixed", []step{fail(1, e2), ok(2, "c"), ok(0, "a")}, []future.Outcome[string]{{Value: "a"}, {Err: e2}, {Value: "c"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := pendingFutures[string](3)
			settled := future.AllSettled(fs...)
			applySteps(t, fs, tt.steps, len(tt.steps)-1, settled)
			outcomes, err := settled.Result()
			require.NoError(t, err, "AllSettled never fails")
			assert.Equal(t, tt.want, outcomes)
		})
	}
}

func TestAllSettledAlreadyDone(t *testing.T) {
	t.Parallel()
	settled := future.AllSettled(future.Failed[int](e1), future.Completed(2))
	require.True(t, settled.Done())
	outcomes, err := settled.Result()
	require.NoError(t, err)
	assert.Equal(t, []future.Outcome[int]{{Err: e1}, {Value: 2}}, outcomes)
}

func TestAllConcurrentCompletions(t *testing.T) {
	t.Parallel()
	const n = 500
	t.Run("successes", func(t *testing.T) {
		t.Parallel()
		fs := pendingFutures[string](n)
		all, settled := future.All(fs...), future.AllSettled(fs...)
		wait := completeConcurrently(fs, func(i int, f *future.Future[string]) { f.SetResult(fmt.Sprint(i)) })
		v, err := await(t, all)
		require.NoError(t, err)
		outcomes, err := await(t, settled)
		require.NoError(t, err)
		wait()
		require.Len(t, v, n)
		require.Len(t, outcomes, n)
		for i := range n {
			assert.Equal(t, fmt.Sprint(i), v[i])
			assert.Equal(t, future.Outcome[string]{Value: fmt.Sprint(i)}, outcomes[i])
		}
	})
	t.Run("failures pick one", func(t *testing.T) {
		t.Parallel()
		fs := pendingFutures[int](n)
		errs := make([]error, n)
		for i := range errs {
			errs[i] = &boomError{fmt.Sprint(i)}
		}
		all := future.All(fs...)
		wait := completeConcurrently(fs, func(i int, f *future.Future[int]) {
			if i%2 == 0 {
				f.SetException(errs[i])
			} else {
				f.SetResult(i)
			}
		})
		_, err := await(t, all)
		wait()
		assert.Contains(t, errs, err, "fails with one of the inputs' errors")
	})
}

// Every combinator checks its inputs before it registers anything.
func TestCombinatorMisusePanics(t *testing.T) {
	t.Parallel()
	pending := future.New[int]()
	inc := func(v int) (int, error) { return v + 1, nil }
	tests := []struct {
		name string
		call func()
		want string
	}{
		{"All nil element", func() { future.All(pending, nil) }, "future: All called with a nil future"},
		{"Any nil element", func() { future.Any(pending, nil) }, "future: Any called with a nil future"},
		{"Race nil element", func() { future.Race(pending, nil) }, "future: Race called with a nil future"},
		{"AllSettled nil element", func() { future.AllSettled(pending, nil) }, "future: AllSettled called with a nil future"},
		{"AsCompleted nil element", func() { future.AsCompleted(context.Background(), pending, nil) }, "future: AsCompleted called with a nil future"},
		{"AsCompleted nil context", func() {
			//lint:ignore SA1012 the misuse under test
			future.AsCompleted(nil, pending)
		}, "future: AsCompleted called with a nil context"},
		{"Then nil future", func() { future.Then(nil, inc) }, "future: Then called with a nil future"},
		{"Then nil fn", func() { future.Then[int, int](pending, nil) }, "future: Then called with a nil function"},
		{"Recover nil future", func() { future.Recover(nil, func(error) (int, error) { return 0, nil }) }, "future: Recover called with a nil future"},
		{"Recover nil fn", func() { future.Recover(pending, nil) }, "future: Recover called with a nil function"},
		{"WithTimeout nil future", func() { future.WithTimeout[int](nil, time.Second) }, "future: WithTimeout called with a nil future"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.PanicsWithValue(t, tt.want, tt.call)
		})
	}
	assert.True(t, pending.SetResult(1), "misuse leaves the input as it was")
}

func TestCombinatorsStartNoGoroutine(t *testing.T) {
	// Not parallel: it counts goroutines.
	before := runtime.NumGoroutine()
	const n = 1000
	fs := pendingFutures[int](n)
	inc := func(v int) (int, error) { return v + 1, nil }
	all, settled, first, race := future.All(fs...), future.AllSettled(fs...), future.Any(fs...), future.Race(fs...)
	var chained []*future.Future[int]
	for _, f := range fs {
		chained = append(chained,
			future.Then(f, inc),
			future.Recover(f, func(error) (int, error) { return 0, nil }),
			future.WithTimeout(f, forever))
	}
	for range future.AsCompleted(context.Background(), append(fs, future.Completed(0))...) {
		break // leaves a listener on every pending input
	}
	assert.Less(t, runtime.NumGoroutine()-before, 10, "pending combinators start no goroutine")

	for i, f := range fs {
		f.SetResult(i)
	}
	for _, f := range []*future.Future[int]{first, race} {
		_, err := f.Result()
		require.NoError(t, err)
	}
	_, err := all.Result()
	require.NoError(t, err)
	_, err = settled.Result()
	require.NoError(t, err)
	_, err = future.All(chained...).Result()
	require.NoError(t, err)
}
