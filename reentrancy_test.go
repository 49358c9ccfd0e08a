package future_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofutures/future"
)

// Re-entrancy: user code that runs inside a completion (callbacks and
// continuation functions) may use the API on the same and other futures.
// future_test.go covers a callback reading its own future, adding a callback
// to it and completing another future; these go further.

func TestNestedCompletionsRunBeforeTheCompleterReturns(t *testing.T) {
	t.Parallel()
	f, g, h := future.New[int](), future.New[int](), future.New[int]()
	var order []string
	f.AddDoneCallback(func(*future.Future[int]) {
		order = append(order, "f1 start")
		assert.True(t, g.SetResult(2)) // g's callbacks run inside this call
		order = append(order, "f1 end")
	})
	f.AddDoneCallback(func(*future.Future[int]) { order = append(order, "f2") })
	g.AddDoneCallback(func(*future.Future[int]) {
		order = append(order, "g1 start")
		assert.True(t, h.SetResult(3))
		assert.False(t, f.SetResult(9), "f is done: its own callback cannot complete it again")
		order = append(order, "g1 end")
	})
	h.AddDoneCallback(func(*future.Future[int]) { order = append(order, "h1") })
	require.True(t, f.SetResult(1))
	assert.Equal(t, []string{"f1 start", "g1 start", "h1", "g1 end", "f1 end", "f2"}, order)
}

func TestCallbackRegistersOnOtherFutures(t *testing.T) {
	t.Parallel()
	f, g := future.New[int](), future.New[int]()
	var order []string
	f.AddDoneCallback(func(*future.Future[int]) {
		g.AddDoneCallback(func(*future.Future[int]) { order = append(order, "on g, added by f's callback") })
		next := future.ContinueWith(f, func(f *future.Future[int]) (int, error) {
			order = append(order, "continuation of done f, at once")
			v, err := f.Result()
			return v + 1, err
		})
		assert.True(t, next.Done(), "a continuation of a done future completes before ContinueWith returns")
		order = append(order, "f1 end")
	})
	f.AddDoneCallback(func(*future.Future[int]) { order = append(order, "f2") })
	f.SetResult(1)
	assert.Equal(t, []string{"continuation of done f, at once", "f1 end", "f2"}, order)
	g.SetResult(2)
	assert.Equal(t, "on g, added by f's callback", order[len(order)-1])
}

func TestContinuationCompletesItsOwnResult(t *testing.T) {
	t.Parallel()
	src := future.New[int]()
	var next *future.Future[int]
	next = future.ContinueWith(src, func(f *future.Future[int]) (int, error) {
		assert.True(t, next.SetResult(7), "the result is still pending while fn runs")
		assert.False(t, f.SetResult(8), "the source is done")
		return 1, nil // loses: the result is already done
	})
	src.SetResult(0)
	v, err := next.Result()
	require.NoError(t, err)
	assert.Equal(t, 7, v)
}

func TestCallbackCompletesAnotherCombineInput(t *testing.T) {
	t.Parallel()
	a, b := future.New[int](), future.New[int]()
	combined := future.Combine(a, b)
	var order []string
	a.AddDoneCallback(func(*future.Future[int]) {
		b.SetResult(2) // completes combined, whose callbacks run in this call
		order = append(order, "a's callback")
	})
	combined.AddDoneCallback(func(c *future.Future[[]int]) {
		v, _ := c.Result()
		order = append(order, "combined")
		assert.Equal(t, []int{1, 2}, v)
	})
	a.SetResult(1)
	assert.Equal(t, []string{"combined", "a's callback"}, order)
}

// A callback that blocks holds up only the goroutine running it: the
// future is already done for everyone else, who can read it, complete it
// (false) and add callbacks (which run at once on their own goroutine).
func TestBlockedCallbackDoesNotBlockOthers(t *testing.T) {
	t.Parallel()
	f, g := future.New[int](), future.New[int]()
	inCallback := make(chan struct{})
	got := make(chan string, 3)
	f.AddDoneCallback(func(*future.Future[int]) {
		close(inCallback)
		v, _ := g.Result() // completed by the goroutine below
		got <- fmt.Sprint("first callback saw g = ", v)
	})
	f.AddDoneCallback(func(*future.Future[int]) { got <- "second callback" })
	go f.SetResult(1)
	receive(t, inCallback)

	v, err := await(t, f)
	require.NoError(t, err)
	assert.Equal(t, 1, v, "f is done while its callbacks run")
	assert.False(t, f.SetResult(2))
	receive(t, f.DoneChan())
	ran := false
	f.AddDoneCallback(func(*future.Future[int]) { ran = true })
	assert.True(t, ran, "a callback added now runs at once, ahead of the queued second one")
	assert.Empty(t, got, "the queued callbacks wait for the blocked one")

	g.SetResult(5)
	assert.Equal(t, "first callback saw g = 5", receive(t, got))
	assert.Equal(t, "second callback", receive(t, got))
}

// A continuation function that blocks on a future completed by another
// goroutine, which in turn reads the blocked continuation's source.
func TestBlockedContinuationFunction(t *testing.T) {
	t.Parallel()
	src, gate := future.New[int](), future.New[int]()
	next := future.ContinueWith(src, func(f *future.Future[int]) (int, error) {
		g, err := gate.Result()
		v, _ := f.Result()
		return v + g, err
	})
	go src.SetResult(1)
	go func() {
		v, _ := src.Result() // src is done: no wait for its continuation
		gate.SetResult(10 * v)
	}()
	v, err := await(t, next)
	require.NoError(t, err)
	assert.Equal(t, 11, v)
}

// Panics. A callback's panic is logged with its stack and contained; a
// continuation's or Go's function's panic fails its future and nothing
// else.

func TestCallbackPanicInsideACascade(t *testing.T) {
	// Not parallel: it captures slog's output.
	logs := captureLogs(t)
	src := future.New[int]()
	mid := future.ContinueWith(src, func(f *future.Future[int]) (int, error) { return f.Result() })
	var order []string
	mid.AddDoneCallback(func(*future.Future[int]) { order = append(order, "mid 1") })
	mid.AddDoneCallback(func(*future.Future[int]) { panicInCallback(errBoom) })
	mid.AddDoneCallback(func(*future.Future[int]) { order = append(order, "mid 3") })
	tail := future.ContinueWith(mid, func(f *future.Future[int]) (int, error) {
		v, err := f.Result()
		return v * 2, err
	})
	tail.AddDoneCallback(func(*future.Future[int]) { order = append(order, "tail") })
	assert.NotPanics(t, func() { src.SetResult(4) })
	assert.Equal(t, []string{"mid 1", "mid 3", "tail"}, order, "the cascade goes on past the panic")
	v, err := tail.Result()
	require.NoError(t, err)
	assert.Equal(t, 8, v)

	out := logs.String()
	assert.Equal(t, 1, strings.Count(out, "future: callback panicked"))
	assert.Contains(t, out, "panic=boom")
	assert.Contains(t, out, "panicInCallback", "the log carries the panic's stack")
}

func panicInCallback(v any) { panic(v) }

func TestCallbackPanicOnGosGoroutine(t *testing.T) {
	// Not parallel: it captures slog's output.
	logs := captureLogs(t)
	release := make(chan struct{})
	f := future.Go(func() (string, error) { <-release; return "ok", nil })
	after := make(chan string, 1)
	f.AddDoneCallback(func(*future.Future[string]) { panicInCallback("callback bug") })
	f.AddDoneCallback(func(f *future.Future[string]) { v, _ := f.Result(); after <- v })
	close(release)
	assert.Equal(t, "ok", receive(t, after), "the callback after the panicking one runs")
	v, err := await(t, f)
	require.NoError(t, err)
	assert.Equal(t, "ok", v, "a callback's panic does not change the future")
	assert.Contains(t, logs.String(), "callback bug")
	assert.Contains(t, logs.String(), "panicInCallback")
}

func TestContinuationPanicFailsOnlyItsFuture(t *testing.T) {
	t.Parallel()
	src := future.New[int]()
	var order []string
	bad := future.ContinueWith(src, func(*future.Future[int]) (int, error) { return explode("continuation bug") })
	src.AddDoneCallback(func(*future.Future[int]) { order = append(order, "src callback after it") })
	good := future.ContinueWith(src, func(f *future.Future[int]) (int, error) { return f.Result() })
	downstream := future.ContinueWith(bad, func(f *future.Future[int]) (string, error) {
		var pe *future.PanicError
		if errors.As(f.Exception(), &pe) {
			return "recovered from " + pe.Value.(string), nil
		}
		return "", errors.New("no panic seen")
	})
	assert.NotPanics(t, func() { src.SetResult(3) })
	assert.Equal(t, []string{"src callback after it"}, order)

	var pe *future.PanicError
	require.ErrorAs(t, bad.Exception(), &pe)
	assert.Equal(t, "continuation bug", pe.Value)
	assert.True(t, strings.HasSuffix(bad.Traceback().Frames()[0].Function, ".explode"))
	v, err := good.Result()
	require.NoError(t, err)
	assert.Equal(t, 3, v)
	s, err := downstream.Result()
	require.NoError(t, err)
	assert.Equal(t, "recovered from continuation bug", s)
}

func TestContinueWithFuturePanicKeepsStack(t *testing.T) {
	t.Parallel()
	next := future.ContinueWithFuture(future.Completed(1), func(*future.Future[int]) (*future.Future[int], error) {
		_, err := explode(errBoom)
		return nil, err
	})
	assert.ErrorIs(t, next.Exception(), errBoom)
	assert.True(t, strings.HasSuffix(next.Traceback().Frames()[0].Function, ".explode"))
}

func TestGoPanicNil(t *testing.T) {
	t.Parallel()
	// Since Go 1.21, panic(nil) panics with a *runtime.PanicNilError, so a
	// nil panic is not mistaken for no panic.
	f := future.Go(func() (int, error) { return explode(nil) })
	_, err := await(t, f)
	var pe *future.PanicError
	require.ErrorAs(t, err, &pe)
	var pn *runtime.PanicNilError
	assert.ErrorAs(t, err, &pn, "PanicError unwraps the runtime's error")
	assert.True(t, strings.HasSuffix(f.Traceback().Frames()[0].Function, ".explode"))
}

func TestGoPanicsOnManyGoroutines(t *testing.T) {
	t.Parallel()
	const n = 50
	fs := make([]*future.Future[int], n)
	for i := range fs {
		fs[i] = future.Go(func() (int, error) {
			if i%2 == 0 {
				return explode(i)
			}
			return i, nil
		})
	}
	var wg sync.WaitGroup
	for i, f := range fs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := f.Result()
			if i%2 == 0 {
				var pe *future.PanicError
				if assert.ErrorAs(t, err, &pe) {
					assert.Equal(t, i, pe.Value)
				}
				return
			}
			assert.NoError(t, err)
			assert.Equal(t, i, v)
		}()
	}
	waitGroup(t, &wg)
}

// runtime.Goexit (t.FailNow, say) in a continuation function or a callback
// ends the completing goroutine without a return or a panic. The
// continuation's future fails with an error saying so, and the completer's
// remaining listeners still run, each once, before the goroutine ends.
func TestGoexitInUserFunction(t *testing.T) {
	// Not parallel: it watches slog for the callback's report.
	logs := captureLogs(t)
	for name, register := range map[string]func(src *future.Future[int]) *future.Future[int]{
		"ContinueWith": func(src *future.Future[int]) *future.Future[int] {
			return future.ContinueWith(src, func(*future.Future[int]) (int, error) { runtime.Goexit(); return 0, nil })
		},
		"ContinueWithFuture": func(src *future.Future[int]) *future.Future[int] {
			return future.ContinueWithFuture(src, func(*future.Future[int]) (*future.Future[int], error) { runtime.Goexit(); return nil, nil })
		},
		"Then": func(src *future.Future[int]) *future.Future[int] {
			return future.Then(src, func(int) (int, error) { runtime.Goexit(); return 0, nil })
		},
		"callback": func(src *future.Future[int]) *future.Future[int] {
			src.AddDoneCallback(func(*future.Future[int]) { runtime.Goexit() })
			return nil // the listener after it is the check
		},
	} {
		t.Run(name, func(t *testing.T) {
			src := future.New[int]()
			next := register(src)
			var downstream *future.Future[int]
			if next != nil {
				downstream = future.ContinueWith(next, func(f *future.Future[int]) (int, error) { return f.Result() })
			}
			ran := make(chan struct{})
			src.AddDoneCallback(func(*future.Future[int]) { close(ran) })
			exited := make(chan struct{})
			go func() {
				defer close(exited)
				src.SetResult(1)
				t.Error("SetResult returned, but the callback ended its goroutine")
			}()
			receive(t, ran) // the listener after the one that called Goexit
			receive(t, exited)
			if next != nil {
				_, err := await(t, next)
				assert.EqualError(t, err, "future: function called runtime.Goexit")
				assert.NotNil(t, next.Traceback())
				assert.Same(t, next.Exception(), downstream.Exception(), "the failure reaches the continuation's own dependents")
			}
		})
	}
	assert.Contains(t, logs.String(), "future: callback called runtime.Goexit")
}

// TestGroupWaitSurvivesGoexitInACallback: a callback or continuation that
// calls runtime.Goexit on the goroutine of a group's function (after the
// function returned) still lets the group count the function out, so Wait
// returns.
func TestGroupWaitSurvivesGoexitInACallback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		pool *future.Pool
		hook func(f *future.Future[int])
	}{
		{"callback, own goroutine", nil, func(f *future.Future[int]) {
			f.AddDoneCallback(func(*future.Future[int]) { runtime.Goexit() })
		}},
		{"continuation, own goroutine", nil, func(f *future.Future[int]) {
			future.ContinueWith(f, func(*future.Future[int]) (int, error) { runtime.Goexit(); return 0, nil })
		}},
		{"callback, pool worker", future.NewPool(1), func(f *future.Future[int]) {
			f.AddDoneCallback(func(*future.Future[int]) { runtime.Goexit() })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := future.NewGroup(context.Background(), tt.pool)
			release := make(chan struct{})
			f := future.Fork(g, func(context.Context) (int, error) { <-release; return 1, nil })
			tt.hook(f)
			close(release)
			waited := make(chan error)
			go func() { waited <- g.Wait() }()
			assert.NoError(t, receive(t, waited))
			_, err := await(t, f)
			assert.NoError(t, err)
		})
	}
}
