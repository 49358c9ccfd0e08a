package future_test

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofutures/future"
)

// source is a table test's input future: done before the function under
// test is called, or completed after it (on the test's goroutine).
type source struct {
	value int
	err   error
}

func (s source) start(done bool) (f *future.Future[int], complete func()) {
	switch {
	case done && s.err != nil:
		return future.Failed[int](s.err), func() {}
	case done:
		return future.Completed(s.value), func() {}
	}
	f = future.New[int]()
	return f, func() {
		if s.err != nil {
			f.SetException(s.err)
		} else {
			f.SetResult(s.value)
		}
	}
}

// continuationCase is what a Then or Recover table test expects.
type continuationCase[R any] struct {
	wantRan bool
	want    R
	wantErr error
	kind    string // of failure: "panic" (traceback starts in explode),
	// "passed on" (the source's error and traceback), "new" (no traceback)
}

// checkContinuation runs the continuation that start makes on a source done
// before it, or completed after it, and checks where fn ran and the outcome.
func checkContinuation[R any](t *testing.T, src source, done bool, tc continuationCase[R],
	start func(src *future.Future[int], ran *bool) *future.Future[R]) {
	t.Helper()
	f, complete := src.start(done)
	ran := false
	next := start(f, &ran)
	require.Equal(t, done, next.Done(), "runs on the caller if the source is done")
	complete()
	require.True(t, next.Done(), "runs inside the completing call")
	assert.Equal(t, tc.wantRan, ran)
	v, err := next.Result()
	assert.Equal(t, tc.want, v)
	if tc.wantErr == nil {
		require.NoError(t, err)
		assert.Nil(t, next.Traceback())
		return
	}
	assert.ErrorIs(t, err, tc.wantErr)
	switch tc.kind {
	case "panic":
		var pe *future.PanicError
		require.ErrorAs(t, err, &pe)
		assert.True(t, strings.HasSuffix(next.Traceback().Frames()[0].Function, ".explode"))
	case "passed on":
		assert.Same(t, tc.wantErr, err)
		require.NotNil(t, next.Traceback())
		assert.Same(t, f.Traceback(), next.Traceback(), "the failure keeps its traceback")
	case "new":
		assert.Nil(t, next.Traceback(), "a new error has no traceback")
	default:
		t.Fatalf("unknown kind %q", tc.kind)
	}
}

func TestThen(t *testing.T) {
	t.Parallel()
	itoa := func(v int) (string, error) { return strconv.Itoa(v), nil }
	type want = continuationCase[string]
	tests := []struct {
		name string
		src  source
		fn   func(int) (string, error)
		want want
	}{
		{"success", source{value: 7}, itoa, want{wantRan: true, want: "7"}},
		{"failure passes through", source{err: errBoom}, itoa, want{wantErr: errBoom, kind: "passed on"}},
		{"fn fails", source{value: 7}, func(int) (string, error) { return "ignored", e1 }, want{wantRan: true, wantErr: e1, kind: "new"}},
		{"fn panics", source{value: 7}, func(int) (string, error) { explode(e2); return "", nil }, want{wantRan: true, wantErr: e2, kind: "panic"}},
	}
	for _, tt := range tests {
		for _, done := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/source done=%v", tt.name, done), func(t *testing.T) {
				t.Parallel()
				checkContinuation(t, tt.src, done, tt.want, func(src *future.Future[int], ran *bool) *future.Future[string] {
					return future.Then(src, func(v int) (string, error) {
						*ran = true
						return tt.fn(v)
					})
				})
			})
		}
	}
}

func TestRecover(t *testing.T) {
	t.Parallel()
	fallback := func(error) (int, error) { return -1, nil }
	type want = continuationCase[int]
	tests := []struct {
		name string
		src  source
		fn   func(error) (int, error)
		want want
	}{
		{"success passes through", source{value: 7}, fallback, want{want: 7}},
		{"failure recovered", source{err: errBoom}, fallback, want{wantRan: true, want: -1}},
		{"fn passes the failure on", source{err: errBoom}, func(err error) (int, error) { return 0, err }, want{wantRan: true, wantErr: errBoom, kind: "passed on"}},
		{"fn fails anew", source{err: errBoom}, func(err error) (int, error) { return 0, fmt.Errorf("still broken: %w", err) }, want{wantRan: true, wantErr: errBoom, kind: "new"}},
		{"fn panics", source{err: errBoom}, func(error) (int, error) { return explode(e2) }, want{wantRan: true, wantErr: e2, kind: "panic"}},
	}
	for _, tt := range tests {
		for _, done := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/source done=%v", tt.name, done), func(t *testing.T) {
				t.Parallel()
				checkContinuation(t, tt.src, done, tt.want, func(src *future.Future[int], ran *bool) *future.Future[int] {
					return future.Recover(src, func(err error) (int, error) {
						*ran = true
						assert.Same(t, errBoom, err, "fn gets the source's error")
						return tt.fn(err)
					})
				})
			})
		}
	}
}

func TestThenAndRecoverSkippedWhenResultAlreadyDone(t *testing.T) {
	t.Parallel()
	src := future.New[int]()
	ran := false
	then := future.Then(src, func(int) (int, error) { ran = true; return 1, nil })
	recovered := future.Recover(src, func(error) (int, error) { ran = true; return 1, nil })
	require.True(t, then.SetResult(99))
	require.True(t, recovered.SetResult(98))
	src.SetException(errBoom)
	assert.False(t, ran, "fn is not run for a result nobody can see")
	v, _ := then.Result()
	assert.Equal(t, 99, v)
	v, _ = recovered.Result()
	assert.Equal(t, 98, v)
}

func TestThenRecoverPipeline(t *testing.T) {
	t.Parallel()
	src := future.New[string]()
	parsed := future.Then(src, strconv.Atoi)
	doubled := future.Then(parsed, func(v int) (int, error) { return 2 * v, nil })
	safe := future.Recover(doubled, func(err error) (int, error) {
		if errors.Is(err, strconv.ErrSyntax) {
			return 0, nil
		}
		return 0, err
	})
	src.SetResult("twenty-one")
	assert.ErrorIs(t, doubled.Exception(), strconv.ErrSyntax, "the parse error passed through the second Then")
	assert.Same(t, parsed.Exception(), doubled.Exception())
	v, err := safe.Result()
	require.NoError(t, err)
	assert.Zero(t, v)
}

// Not parallel: SetMaxStack is process-wide (see withMaxStack).
func TestMillionLinkThenChain(t *testing.T) {
	// As the core's chain tests: the stack far below one frame per link,
	// and a million links at full size (see withMaxStack).
	withMaxStack(t, 1<<20)
	links := sized(100_000, 1_000_000)
	inc := func(v int) (int, error) { return v + 1, nil }
	t.Run("success", func(t *testing.T) {
		head := future.New[int]()
		tail := head
		for range links {
			tail = future.Then(tail, inc)
		}
		head.SetResult(0)
		v, err := tail.Result()
		require.NoError(t, err)
		assert.Equal(t, links, v)
	})
	t.Run("failure passes through every link", func(t *testing.T) {
		// Shorter: the same machinery, and the race detector makes each
		// million links cost seconds.
		head := future.New[int]()
		tail := head
		for range links / 5 {
			tail = future.Then(tail, inc)
		}
		recovered := future.Recover(tail, func(err error) (int, error) { return -1, nil })
		head.SetException(errBoom)
		assert.Same(t, errBoom, tail.Exception())
		assert.Same(t, head.Traceback(), tail.Traceback())
		v, err := recovered.Result()
		require.NoError(t, err)
		assert.Equal(t, -1, v)
	})
}
