package future_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofutures/future"
)

// Which traceback goes with which failure, case by case: a continuation
// keeps its source's traceback only when it passes on the source's very own
// error, and a success never has one.

func TestContinuationTracebackRules(t *testing.T) {
	t.Parallel()
	other := &boomError{"other"} // same type as errBoom, different value
	type outcome struct {
		v   int
		err error
	}
	tests := []struct {
		name   string
		src    func() *future.Future[int]
		ret    func(src *future.Future[int]) outcome
		wantTb bool // the result carries src's traceback
	}{
		{"recovered failure", failedSource, func(*future.Future[int]) outcome { return outcome{1, nil} }, false},
		{"own error passed on", failedSource, func(f *future.Future[int]) outcome { return outcome{0, f.Exception()} }, true},
		{"another error of the same type", failedSource, func(*future.Future[int]) outcome { return outcome{0, other} }, false},
		{"new error after success", func() *future.Future[int] { return future.Completed(1) }, func(*future.Future[int]) outcome { return outcome{0, other} }, false},
		{"success after success", func() *future.Future[int] { return future.Completed(1) }, func(*future.Future[int]) outcome { return outcome{2, nil} }, false},
	}
	for _, tt := range tests {
		for _, kind := range []string{"ContinueWith", "ContinueWithFuture"} {
			t.Run(kind+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				src := tt.src()
				var next *future.Future[int]
				if kind == "ContinueWith" {
					next = future.ContinueWith(src, func(f *future.Future[int]) (int, error) {
						o := tt.ret(f)
						return o.v, o.err
					})
				} else {
					next = future.ContinueWithFuture(src, func(f *future.Future[int]) (*future.Future[int], error) {
						o := tt.ret(f)
						if o.err != nil {
							return nil, o.err
						}
						return future.Completed(o.v), nil
					})
				}
				want := tt.ret(src)
				v, err := next.Result()
				assert.Equal(t, want.v*boolInt(want.err == nil), v)
				if want.err == nil {
					assert.NoError(t, err)
				} else {
					assert.Same(t, want.err, err)
				}
				if tt.wantTb {
					require.NotNil(t, src.Traceback())
					assert.Same(t, src.Traceback(), next.Traceback())
				} else {
					assert.Nil(t, next.Traceback())
				}
			})
		}
	}
}

func failedSource() *future.Future[int] { return future.Failed[int](errBoom) }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// When a deferred function panics while fn is already panicking, the
// failure is the second panic, and its traceback starts where that one
// happened.
func TestPanicWhilePanicking(t *testing.T) {
	t.Parallel()
	f := future.Go(func() (int, error) {
		defer panicAgain()
		return explode("first")
	})
	_, err := await(t, f)
	var pe *future.PanicError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "second", pe.Value)
	frames := f.Traceback().Frames()
	require.NotEmpty(t, frames)
	assert.True(t, strings.HasSuffix(frames[0].Function, ".panicAgain"), "innermost frame is %s", frames[0].Function)
}

func panicAgain() { panic("second") }
