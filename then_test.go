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

// checkFailure checks a continuation's failure: a panic's traceback starts
// in explode, a passed-on failure keeps its source's traceback, and a new
// error has none.
func checkFailure[T any](t *testing.T, next *future.Future[T], src *future.Future[int], wantErr error, kind string) {
	t.Helper()
	err := next.Exception()
	assert.ErrorIs(t, err, wantErr)
	switch kind {
	case "panic":
		var pe *future.PanicError
		require.ErrorAs(t, err, &pe)
		assert.True(t, strings.HasSuffix(next.Traceback().Frames()[0].Function, ".explode"))
	case "passed on":
		assert.Same(t, wantErr, err)
		require.NotNil(t, next.Traceback())
		assert.Same(t, src.Traceback(), next.Traceback(), "the failure keeps its traceback")
	case "new":
		assert.Nil(t, next.Traceback(), "a new error has no traceback")
	default:
		t.Fatalf("unknown kind %q", kind)
	}
}

func TestThen(t *testing.T) {
	t.Parallel()
	itoa := func(v int) (string, error) { return strconv.Itoa(v), nil }
	tests := []struct {
		name    string
		src     source
		fn      func(int) (string, error)
		wantRan bool
		want    string
		wantErr error
		kind    string // of failure, for checkFailure
	}{
		{"success", source{value: 7}, itoa, true, "7", nil, ""},
		{"failure passes through", source{err: errBoom}, itoa, false, "", errBoom, "passed on"},
		{"fn fails", source{value: 7}, func(int) (string, error) { return "ignored", e1 }, true, "", e1, "new"},
		{"fn panics", source{value: 7}, func(int) (string, error) { explode(e2); return "", nil }, true, "", e2, "panic"},
	}
	for _, tt := range tests {
		for _, done := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/source done=%v", tt.name, done), func(t *testing.T) {
				t.Parallel()
				src, complete := tt.src.start(done)
				ran := false
				next := future.Then(src, func(v int) (string, error) { ran = true; return tt.fn(v) })
				require.Equal(t, done, next.Done(), "runs on the caller if the source is done")
				complete()
				require.True(t, next.Done(), "runs inside the completing call")
				assert.Equal(t, tt.wantRan, ran)
				v, err := next.Result()
				assert.Equal(t, tt.want, v)
				if tt.wantErr == nil {
					require.NoError(t, err)
					return
				}
				checkFailure(t, next, src, tt.wantErr, tt.kind)
			})
		}
	}
}

func TestRecover(t *testing.T) {
	t.Parallel()
	fallback := func(error) (int, error) { return -1, nil }
	tests := []struct {
		name    string
		src     source
		fn      func(error) (int, error)
		wantRan bool
		want    int
		wantErr error
		kind    string
	}{
		{"success passes through", source{value: 7}, fallback, false, 7, nil, ""},
		{"failure recovered", source{err: errBoom}, fallback, true, -1, nil, ""},
		{"fn passes the failure on", source{err: errBoom}, func(err error) (int, error) { return 0, err }, true, 0, errBoom, "passed on"},
		{"fn fails anew", source{err: errBoom}, func(err error) (int, error) { return 0, fmt.Errorf("still broken: %w", err) }, true, 0, errBoom, "new"},
		{"fn panics", source{err: errBoom}, func(error) (int, error) { return explode(e2) }, true, 0, e2, "panic"},
	}
	for _, tt := range tests {
		for _, done := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/source done=%v", tt.name, done), func(t *testing.T) {
				t.Parallel()
				src, complete := tt.src.start(done)
				ran := false
				next := future.Recover(src, func(err error) (int, error) {
					ran = true
					assert.Same(t, errBoom, err, "fn gets the source's error")
					return tt.fn(err)
				})
				require.Equal(t, done, next.Done(), "runs on the caller if the source is done")
				complete()
				require.True(t, next.Done(), "runs inside the completing call")
				assert.Equal(t, tt.wantRan, ran)
				v, err := next.Result()
				assert.Equal(t, tt.want, v)
				if tt.wantErr == nil {
					require.NoError(t, err)
					assert.Nil(t, next.Traceback())
					return
				}
				checkFailure(t, next, src, tt.wantErr, tt.kind)
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
	withMaxStack(t, 16<<20)
	const links = 1_000_000
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
