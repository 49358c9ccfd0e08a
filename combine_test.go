package future_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofutures/future"
)

// Ported from Hazelcast's CombineFutureTest.

func TestCombine(t *testing.T) {
	t.Parallel()
	e1, e2, e3 := &boomError{"e1"}, &boomError{"e2"}, &boomError{"e3"}
	ok := func(v string) func(*future.Future[string]) { return func(f *future.Future[string]) { f.SetResult(v) } }
	fail := func(e error) func(*future.Future[string]) {
		return func(f *future.Future[string]) { f.SetException(e) }
	}
	type step struct {
		input    int
		complete func(*future.Future[string])
	}
	tests := []struct {
		name    string
		steps   []step // applied in order; Combine must stay pending until the last
		want    []string
		wantErr error
	}{
		{"combining", []step{{0, ok("done1")}, {1, ok("done2")}, {2, ok("done3")}}, []string{"done1", "done2", "done3"}, nil}, // test_combining
		{"exceptional result", []step{{0, ok("done")}, {1, ok("done")}, {2, fail(e3)}}, nil, e3},                              // test_exceptional_result
		{"completion order", []step{{2, ok("3")}, {0, ok("1")}, {1, ok("2")}}, []string{"1", "2", "3"}, nil},                  // test_completion_order
		{"waiting for all inputs", []step{{0, fail(e1)}, {1, ok("1")}, {2, ok("2")}}, nil, e1},                                // test_waiting_for_all_inputs
		{"returning first error", []step{{0, fail(e1)}, {1, fail(e2)}, {2, fail(e3)}}, nil, e1},                               // test_returning_first_error
		{"first error in completion order, not argument order", []step{{2, fail(e3)}, {0, fail(e1)}, {1, ok("x")}}, nil, e3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := []*future.Future[string]{future.New[string](), future.New[string](), future.New[string]()}
			combined := future.Combine(fs...)
			for i, s := range tt.steps {
				require.False(t, combined.Done(), "done before step %d", i)
				s.complete(fs[s.input])
			}
			require.True(t, combined.Done(), "done on the last completion")
			v, err := combined.Result()
			if tt.wantErr != nil {
				assert.Same(t, tt.wantErr, err)
				assert.Nil(t, v)
				assert.False(t, combined.IsSuccess())
				for _, f := range fs {
					if f.Exception() == tt.wantErr {
						assert.Same(t, f.Traceback(), combined.Traceback(), "the first failure's traceback comes along")
					}
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, v)
		})
	}
}

func TestCombineEmpty(t *testing.T) { // test_empty_input
	t.Parallel()
	combined := future.Combine[int]()
	require.True(t, combined.Done())
	v, err := combined.Result()
	require.NoError(t, err)
	assert.NotNil(t, v)
	assert.Empty(t, v)
}

func TestCombineAlreadyDone(t *testing.T) {
	t.Parallel()
	e1, e2 := &boomError{"e1"}, &boomError{"e2"}
	combined := future.Combine(future.Completed(1), future.Failed[int](e1), future.Failed[int](e2))
	require.True(t, combined.Done(), "completed before Combine returns")
	assert.Same(t, e1, combined.Exception(), "done inputs count in argument order")

	pending := future.New[int]()
	mixed := future.Combine(pending, future.Failed[int](e2))
	pending.SetException(e1)
	assert.Same(t, e2, mixed.Exception(), "a failure already done when Combine is called is observed first")

	v, err := future.Combine(future.Completed(1), future.Completed(2)).Result()
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2}, v)
}

func TestCombineRepeatedInput(t *testing.T) {
	t.Parallel()
	f := future.New[int]()
	combined := future.Combine(f, f, f)
	f.SetResult(4)
	v, err := combined.Result()
	require.NoError(t, err)
	assert.Equal(t, []int{4, 4, 4}, v)
}

func TestCombineCopiesItsArguments(t *testing.T) {
	t.Parallel()
	fs := []*future.Future[int]{future.New[int](), future.New[int]()}
	combined := future.Combine(fs...)
	a, b := fs[0], fs[1]
	fs[0], fs[1] = future.Completed(8), future.Completed(9) // the caller reuses its slice
	a.SetResult(1)
	b.SetResult(2)
	v, err := combined.Result()
	require.NoError(t, err)
	assert.Equal(t, []int{1, 2}, v)
}

func TestCombineConcurrentCompletions(t *testing.T) {
	t.Parallel()
	const n = 500
	fs := make([]*future.Future[string], n)
	for i := range fs {
		fs[i] = future.New[string]()
	}
	combined := future.Combine(fs...)
	var wg sync.WaitGroup
	for i, f := range fs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.SetResult(fmt.Sprint(i))
		}()
	}
	v, err := await(t, combined)
	wg.Wait()
	require.NoError(t, err)
	require.Len(t, v, n)
	for i := range v {
		assert.Equal(t, fmt.Sprint(i), v[i])
	}
}

func TestCombineConcurrentFailuresPickOne(t *testing.T) {
	t.Parallel()
	const n = 100
	fs := make([]*future.Future[int], n)
	errs := make(map[error]bool, n)
	for i := range fs {
		fs[i] = future.New[int]()
	}
	combined := future.Combine(fs...)
	var wg sync.WaitGroup
	for i, f := range fs {
		err := &boomError{fmt.Sprint(i)}
		errs[err] = true
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.SetException(err)
		}()
	}
	_, err := await(t, combined)
	wg.Wait()
	assert.True(t, errs[err], "fails with one of the inputs' errors")
}
