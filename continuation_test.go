package future_test

import (
	"errors"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofutures/future"
)

// Ported from Hazelcast's FutureTest: the continue_with cases.

func TestContinueWithOnSuccess(t *testing.T) { // test_continue_with_on_success
	t.Parallel()
	f := future.New[int]()
	f.SetResult(1)
	next := future.ContinueWith(f, func(f *future.Future[int]) (int, error) {
		v, err := f.Result()
		return v + 1, err
	})
	v, err := next.Result()
	require.NoError(t, err)
	assert.Equal(t, 2, v)
}

func TestContinueWithOnFailure(t *testing.T) { // test_continue_with_on_failure
	t.Parallel()
	f := future.New[int]()
	f.SetException(errBoom)
	next := future.ContinueWith(f, func(f *future.Future[int]) (int, error) {
		if f.IsSuccess() {
			return 0, nil
		}
		return 1, nil
	})
	v, err := next.Result()
	require.NoError(t, err)
	assert.Equal(t, 1, v)
}

func TestContinueWithFutureResolved(t *testing.T) { // test_continue_with_with_resolved_future
	t.Parallel()
	f1, f2 := future.New[int](), future.New[int]()
	f3 := future.ContinueWithFuture(f1, func(*future.Future[int]) (*future.Future[int], error) { return f2, nil })
	f1.SetResult(0)
	assert.False(t, f3.Done(), "waits for the returned future")
	f2.SetResult(1)
	v, err := f3.Result()
	require.NoError(t, err)
	assert.Equal(t, 1, v)
}

func TestContinueWithFutureRejected(t *testing.T) { // test_continue_with_with_rejected_future
	t.Parallel()
	f1, f2 := future.New[int](), future.New[int]()
	f3 := future.ContinueWithFuture(f1, func(*future.Future[int]) (*future.Future[int], error) { return f2, nil })
	f1.SetResult(0)
	f2.SetException(errBoom)
	_, err := f3.Result()
	assert.Same(t, errBoom, err)
	assert.Same(t, f2.Traceback(), f3.Traceback(), "the inner future's traceback comes along")
}

func TestContinueWithFutureReturningFuture(t *testing.T) { // test_continue_with_future_returning_future
	// Python flattens any depth dynamically; in Go the type says how deep
	// the nesting is, and Flatten removes one level of it.
	t.Parallel()
	f1 := future.New[int]()
	f2 := future.New[*future.Future[int]]()
	f3 := future.New[int]()
	f4 := future.Flatten(future.ContinueWithFuture(f1, func(*future.Future[int]) (*future.Future[*future.Future[int]], error) {
		return f2, nil
	}))
	f1.SetResult(0)
	f2.SetResult(f3)
	assert.False(t, f4.Done())
	f3.SetResult(1)
	v, err := f4.Result()
	require.NoError(t, err)
	assert.Equal(t, 1, v)
}

func TestContinueWithPanics(t *testing.T) { // test_continue_with_throws_exception
	t.Parallel()
	f := future.New[string]()
	n := future.ContinueWith(f, func(*future.Future[string]) (int, error) { return explode(errBoom) })
	assert.NotPanics(t, func() { f.SetResult("done") })
	assert.False(t, n.IsSuccess())
	var pe *future.PanicError
	require.ErrorAs(t, n.Exception(), &pe)
	assert.Same(t, errBoom, pe.Value)
	assert.ErrorIs(t, n.Exception(), errBoom)
	assert.True(t, strings.HasSuffix(n.Traceback().Frames()[0].Function, ".explode"))
}

func TestContinueWithArgs(t *testing.T) { // continue_with(fn, *args): args are captured
	t.Parallel()
	scale := func(factor int, suffix string) func(*future.Future[int]) (string, error) {
		return func(f *future.Future[int]) (string, error) {
			v, err := f.Result()
			return strconv.Itoa(v*factor) + suffix, err
		}
	}
	v, err := future.ContinueWith(future.Completed(21), scale(2, "!")).Result()
	require.NoError(t, err)
	assert.Equal(t, "42!", v)
}

// The Go contract for continuations.

func TestContinueWithRunsWhere(t *testing.T) {
	t.Parallel()
	t.Run("on the completing goroutine", func(t *testing.T) {
		t.Parallel()
		f := future.New[int]()
		ran := false
		next := future.ContinueWith(f, func(*future.Future[int]) (int, error) { ran = true; return 0, nil })
		assert.False(t, ran, "not before f is done")
		f.SetResult(1)
		assert.True(t, ran, "inside SetResult")
		assert.True(t, next.Done())
	})
	t.Run("on the caller if already done", func(t *testing.T) {
		t.Parallel()
		ran := false
		next := future.ContinueWith(future.Completed(1), func(*future.Future[int]) (int, error) { ran = true; return 0, nil })
		assert.True(t, ran)
		assert.True(t, next.Done())
	})
}

func TestContinueWithReturnedError(t *testing.T) {
	t.Parallel()
	t.Run("a new error has no traceback", func(t *testing.T) {
		t.Parallel()
		next := future.ContinueWith(future.Completed(1), func(*future.Future[int]) (int, error) { return 5, errBoom })
		v, err := next.Result()
		assert.Zero(t, v, "the value of a failure is the zero value")
		assert.Same(t, errBoom, err)
		assert.Nil(t, next.Traceback())
	})
	t.Run("the source's error keeps its traceback", func(t *testing.T) {
		t.Parallel()
		src := future.Failed[int](errBoom)
		next := future.ContinueWith(src, func(f *future.Future[int]) (string, error) {
			_, err := f.Result()
			return "", err
		})
		assert.Same(t, errBoom, next.Exception())
		assert.Same(t, src.Traceback(), next.Traceback())
	})
	t.Run("a wrapped error does not", func(t *testing.T) {
		t.Parallel()
		src := future.Failed[int](errBoom)
		next := future.ContinueWith(src, func(f *future.Future[int]) (string, error) {
			return "", errors.Join(f.Exception())
		})
		assert.ErrorIs(t, next.Exception(), errBoom)
		assert.Nil(t, next.Traceback())
	})
	uncomparable := []struct {
		name string
		err  error
	}{
		{"an uncomparable error type", uncomparableError{[]string{"a"}}},
		{"a comparable type holding an uncomparable value", wrapError{uncomparableError{[]string{"a"}}}},
	}
	for _, tt := range uncomparable {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := future.New[int]()
			next := future.ContinueWith(src, func(f *future.Future[int]) (int, error) { return 0, f.Exception() })
			assert.NotPanics(t, func() { src.SetException(tt.err) })
			require.True(t, next.Done())
			assert.EqualError(t, next.Exception(), "a")
		})
	}
}

type uncomparableError struct{ parts []string }

func (e uncomparableError) Error() string { return strings.Join(e.parts, ",") }

type wrapError struct{ inner error }

func (e wrapError) Error() string { return e.inner.Error() }

func TestCompletionRunsDepthFirst(t *testing.T) {
	// When a continuation completes its future, that future's callbacks
	// (and theirs, downstream) run before the next callback of the source,
	// as nested calls would: a later callback sees the whole chain done.
	t.Parallel()
	f := future.New[int]()
	var order []string
	plusOne := func(name string) func(*future.Future[int]) (int, error) {
		return func(f *future.Future[int]) (int, error) {
			order = append(order, name)
			v, err := f.Result()
			return v + 1, err
		}
	}
	g := future.ContinueWith(f, plusOne("g"))
	h := future.ContinueWith(g, plusOne("h"))
	g.AddDoneCallback(func(*future.Future[int]) { order = append(order, "g callback") })
	h.AddDoneCallback(func(*future.Future[int]) { order = append(order, "h callback") })
	f.AddDoneCallback(func(*future.Future[int]) {
		order = append(order, "f callback")
		v, err := h.Result() // would block for ever if h were still pending
		assert.NoError(t, err)
		assert.Equal(t, 2, v)
	})
	k := future.ContinueWith(f, plusOne("k"))
	f.SetResult(0)
	assert.Equal(t, []string{"g", "h", "h callback", "g callback", "f callback", "k"}, order)
	assert.True(t, k.Done())
}

func TestContinueWithSkippedWhenResultAlreadyDone(t *testing.T) {
	t.Parallel()
	f := future.New[int]()
	ran := false
	next := future.ContinueWith(f, func(*future.Future[int]) (int, error) { ran = true; return 1, nil })
	require.True(t, next.SetResult(99), "a continuation's future can be completed directly")
	f.SetResult(1)
	assert.False(t, ran, "fn is not run for a result nobody can see")
	v, _ := next.Result()
	assert.Equal(t, 99, v)
}

func TestContinueWithFutureFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fn      func(*future.Future[int]) (*future.Future[string], error)
		wantErr string
	}{
		{"nil future and nil error", func(*future.Future[int]) (*future.Future[string], error) { return nil, nil }, "future: ContinueWithFuture function returned a nil future and a nil error"},
		{"error", func(*future.Future[int]) (*future.Future[string], error) { return future.Completed("ignored"), errBoom }, "boom"},
		{"panic", func(*future.Future[int]) (*future.Future[string], error) { panic("no") }, "future: panic: no"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := future.New[int]()
			next := future.ContinueWithFuture(src, tt.fn)
			src.SetResult(1)
			require.True(t, next.Done(), "fails at once")
			v, err := next.Result()
			assert.Zero(t, v)
			assert.EqualError(t, err, tt.wantErr)
		})
	}
}

func TestContinueWithFutureAlreadyDoneInner(t *testing.T) {
	t.Parallel()
	next := future.ContinueWithFuture(future.Completed(2), func(f *future.Future[int]) (*future.Future[string], error) {
		v, _ := f.Result()
		return future.Completed(strconv.Itoa(v)), nil
	})
	v, err := next.Result()
	require.NoError(t, err)
	assert.Equal(t, "2", v)
}

func TestFlatten(t *testing.T) {
	t.Parallel()
	t.Run("inner success", func(t *testing.T) {
		t.Parallel()
		outer, inner := future.New[*future.Future[int]](), future.New[int]()
		flat := future.Flatten(outer)
		inner.SetResult(3)
		assert.False(t, flat.Done(), "waits for the outer future")
		outer.SetResult(inner)
		v, err := flat.Result()
		require.NoError(t, err)
		assert.Equal(t, 3, v)
	})
	t.Run("outer failure", func(t *testing.T) {
		t.Parallel()
		outer := future.Failed[*future.Future[int]](errBoom)
		flat := future.Flatten(outer)
		assert.Same(t, errBoom, flat.Exception())
		assert.Same(t, outer.Traceback(), flat.Traceback())
	})
	t.Run("inner failure", func(t *testing.T) {
		t.Parallel()
		inner := future.Failed[int](errBoom)
		flat := future.Flatten(future.Completed(inner))
		assert.Same(t, errBoom, flat.Exception())
		assert.Same(t, inner.Traceback(), flat.Traceback())
	})
	t.Run("nil inner", func(t *testing.T) {
		t.Parallel()
		flat := future.Flatten(future.Completed[*future.Future[int]](nil))
		assert.EqualError(t, flat.Exception(), "future: Flatten's outer future succeeded with a nil future")
	})
}

// Completion is iterative: long chains complete from their head with the
// stack capped at 1 MiB, far below what one frame per link would need (the
// contract promises 16 MiB). At full size (FUTURE_FULL=1) the chains are as
// long as the contract says: a million ContinueWith links, 200,000 nested
// flattened futures; by default a tenth and a quarter of that, still many
// times more than 1 MiB holds at one frame a link. SetMaxStack is
// process-wide, so these tests do not run in parallel with others.

func withMaxStack(t *testing.T, bytes int) {
	t.Helper()
	old := debug.SetMaxStack(bytes)
	t.Cleanup(func() { debug.SetMaxStack(old) })
}

func TestMillionLinkContinueWithChain(t *testing.T) {
	withMaxStack(t, 1<<20)
	links := sized(100_000, 1_000_000)
	head := future.New[int]()
	tail := head
	for range links {
		tail = future.ContinueWith(tail, func(f *future.Future[int]) (int, error) {
			v, err := f.Result()
			return v + 1, err
		})
	}
	var callbackRan bool
	tail.AddDoneCallback(func(*future.Future[int]) { callbackRan = true })
	head.SetResult(0)
	v, err := tail.Result()
	require.NoError(t, err)
	assert.Equal(t, links, v)
	assert.True(t, callbackRan)
}

func TestDeepFlattenChains(t *testing.T) {
	withMaxStack(t, 1<<20)
	depth := sized(50_000, 200_000)
	t.Run("Flatten", func(t *testing.T) {
		head := future.New[int]()
		tail := head
		for range depth {
			tail = future.Flatten(future.Completed(tail))
		}
		head.SetResult(7)
		v, err := tail.Result()
		require.NoError(t, err)
		assert.Equal(t, 7, v)
	})
	t.Run("ContinueWithFuture", func(t *testing.T) {
		head := future.New[int]()
		tail := head
		for range depth {
			tail = future.ContinueWithFuture(tail, func(f *future.Future[int]) (*future.Future[int], error) {
				v, err := f.Result()
				return future.Completed(v + 1), err
			})
		}
		head.SetResult(0)
		v, err := tail.Result()
		require.NoError(t, err)
		assert.Equal(t, depth, v)
	})
	t.Run("nested pending inner futures", func(t *testing.T) {
		// Each link's inner future is itself pending until the one
		// before it completes: the relay chain is depth deep.
		head := future.New[int]()
		tail := head
		for range depth {
			prev := tail
			tail = future.ContinueWithFuture(future.Completed(0), func(*future.Future[int]) (*future.Future[int], error) {
				return prev, nil
			})
		}
		head.SetException(errBoom)
		assert.Same(t, errBoom, tail.Exception())
		assert.Same(t, head.Traceback(), tail.Traceback())
	})
}
