package future_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofutures/future"
)

// Ported from Hazelcast's tests/unit/future_test.py, class FutureTest.

func TestSetResultFromAnotherGoroutine(t *testing.T) { // test_set_result
	t.Parallel()
	f := future.New[string]()
	go f.SetResult("done")
	v, err := await(t, f)
	require.NoError(t, err)
	assert.Equal(t, "done", v)
}

func TestSetExceptionFromAnotherGoroutine(t *testing.T) { // test_set_exception
	t.Parallel()
	f := future.New[string]()
	tbs := make(chan *future.Traceback, 1)
	go func() {
		tb := future.CaptureTraceback(0)
		tbs <- tb
		f.SetExceptionWithTraceback(errBoom, tb)
	}()
	tb := receive(t, tbs)
	assert.Same(t, errBoom, f.Exception())
	assert.Same(t, tb, f.Traceback())
}

func TestResultReturnsErrorWithTraceback(t *testing.T) { // test_result_raises_exception_with_traceback
	t.Parallel()
	f := future.New[int]()
	failLookup(f)
	v, err := f.Result()
	assert.Zero(t, v)
	assert.Same(t, errBoom, err)
	frames := f.Traceback().Frames()
	require.NotEmpty(t, frames)
	assert.True(t, strings.HasSuffix(frames[0].Function, ".failLookup"), "innermost frame is %s", frames[0].Function)
	assert.Contains(t, f.Traceback().String(), "future_test.go:")
}

// failLookup fails f from a named frame that the traceback must show.
func failLookup(f *future.Future[int]) {
	f.SetException(errBoom)
}

func TestAddDoneCallback(t *testing.T) {
	t.Parallel()
	succeed := func(f *future.Future[string], _ *future.Traceback) { f.SetResult("done") }
	fail := func(f *future.Future[string], tb *future.Traceback) { f.SetExceptionWithTraceback(errBoom, tb) }
	tests := []struct {
		name     string
		complete func(*future.Future[string], *future.Traceback)
		before   bool // register before completion
		wantV    string
		wantErr  error
	}{
		{"with success", succeed, true, "done", nil},                   // test_add_callback_with_success
		{"with failure", fail, true, "", errBoom},                      // test_add_callback_with_failure
		{"after completion with success", succeed, false, "done", nil}, // test_add_callback_after_completion_with_success
		{"after completion with error", fail, false, "", errBoom},      // test_add_callback_after_completion_with_error
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := future.New[string]()
			tb := future.CaptureTraceback(0)
			type seen struct {
				v   string
				err error
			}
			got := make(chan seen, 2)
			cb := func(ff *future.Future[string]) {
				v, err := ff.Result() // done: never blocks
				if err != nil {
					assert.Same(t, tb, ff.Traceback(), "the traceback is there inside the callback")
				}
				got <- seen{v, err}
			}
			if tt.before {
				f.AddDoneCallback(cb)
				require.Empty(t, got, "callback ran before completion")
				go tt.complete(f, tb)
			} else {
				tt.complete(f, tb)
				f.AddDoneCallback(cb)
				require.Len(t, got, 1, "callback on a done future runs at once")
			}
			s := receive(t, got)
			assert.Equal(t, tt.wantV, s.v)
			assert.Equal(t, tt.wantErr, s.err)
			assert.Empty(t, got, "callback ran more than once")
		})
	}
}

func TestCallbackCalledExactlyOnce(t *testing.T) { // test_callback_called_exactly_once(_when_exception)
	t.Parallel()
	completions := map[string]func(*future.Future[string]){
		"result":    func(f *future.Future[string]) { f.SetResult("done") },
		"exception": func(f *future.Future[string]) { f.SetException(errBoom) },
	}
	for name, complete := range completions {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for range 100 {
				f := future.New[string]()
				var calls atomic.Int32
				var wg sync.WaitGroup
				wg.Add(1)
				go func() {
					defer wg.Done()
					complete(f)
				}()
				f.AddDoneCallback(func(*future.Future[string]) { calls.Add(1) })
				wg.Wait()
				require.Equal(t, int32(1), calls.Load())
			}
		})
	}
}

func TestDoneAndRunning(t *testing.T) { // test_done, test_running
	t.Parallel()
	f := future.New[string]()
	assert.False(t, f.Done())
	assert.True(t, f.Running())
	assert.False(t, f.IsSuccess())
	f.SetResult("done")
	assert.True(t, f.Done())
	assert.False(t, f.Running())
	assert.True(t, f.IsSuccess())
}

func TestCallbackPanicDoesNotReachCompleter(t *testing.T) { // test_callback_throws_exception
	// Not parallel: it swaps the default slog logger to see the report.
	logs := captureLogs(t)
	f := future.New[string]()
	var order []int
	f.AddDoneCallback(func(*future.Future[string]) { order = append(order, 1) })
	f.AddDoneCallback(func(*future.Future[string]) { panic("callback bug") })
	f.AddDoneCallback(func(*future.Future[string]) { order = append(order, 3) })
	assert.NotPanics(t, func() { assert.True(t, f.SetResult("done")) })
	assert.Equal(t, []int{1, 3}, order, "the callbacks after the panicking one still run")

	assert.NotPanics(t, func() { f.AddDoneCallback(func(*future.Future[string]) { panic("late bug") }) })

	out := logs.String()
	assert.Contains(t, out, "future: callback panicked")
	assert.Contains(t, out, "callback bug")
	assert.Contains(t, out, "late bug")
	assert.Contains(t, out, "TestCallbackPanicDoesNotReachCompleter", "the log carries the panic's stack")
}

// Ported from ImmediateFutureTest and ImmediateExceptionFutureTest. Python's
// immediate futures raise NotImplementedError on set_result/set_exception;
// ours are ordinary done futures, so those calls return false, as any second
// completion does.

func TestCompleted(t *testing.T) {
	t.Parallel()
	f := future.Completed("done")
	v, err := f.Result()
	require.NoError(t, err)
	assert.Equal(t, "done", v)
	assert.NoError(t, f.Exception())
	assert.Nil(t, f.Traceback())
	assert.True(t, f.IsSuccess())
	assert.True(t, f.Done())
	assert.False(t, f.Running())
	assert.False(t, f.SetResult("again"))
	assert.False(t, f.SetException(errBoom))
	assertCallbackRunsAtOnceWith(t, f)
	v, _ = f.Result()
	assert.Equal(t, "done", v, "later completions change nothing")
}

func TestFailed(t *testing.T) {
	t.Parallel()
	f := future.Failed[string](errBoom)
	v, err := f.Result()
	assert.Same(t, errBoom, err)
	assert.Zero(t, v)
	assert.Same(t, errBoom, f.Exception())
	require.NotNil(t, f.Traceback())
	assert.Equal(t, "github.com/gofutures/future_test.TestFailed", f.Traceback().Frames()[0].Function)
	assert.False(t, f.IsSuccess())
	assert.True(t, f.Done())
	assert.False(t, f.Running())
	assert.False(t, f.SetResult("again"))
	assert.False(t, f.SetException(errors.New("other")))
	assertCallbackRunsAtOnceWith(t, f)
	assert.Same(t, errBoom, f.Exception(), "later completions change nothing")
}

func assertCallbackRunsAtOnceWith[T any](t *testing.T, f *future.Future[T]) {
	t.Helper()
	var got *future.Future[T]
	calls := 0
	f.AddDoneCallback(func(ff *future.Future[T]) {
		got = ff
		calls++
	})
	assert.Equal(t, 1, calls)
	assert.Same(t, f, got, "the callback receives the future itself")
}

// The Go contract.

func TestZeroValueIsPending(t *testing.T) {
	t.Parallel()
	var f future.Future[int]
	assert.False(t, f.Done())
	assert.True(t, f.Running())
	assert.False(t, f.IsSuccess())
	ch := f.DoneChan()
	select {
	case <-ch:
		t.Fatal("DoneChan of a pending future is closed")
	default:
	}
	assert.True(t, f.SetResult(42))
	receive(t, ch)
	v, err := f.Result()
	require.NoError(t, err)
	assert.Equal(t, 42, v)
}

func TestRacingCompletionsExactlyOneWins(t *testing.T) {
	t.Parallel()
	for range 20 {
		f := future.New[int]()
		var calls atomic.Int32
		f.AddDoneCallback(func(*future.Future[int]) { calls.Add(1) })
		const racers = 100
		wins := make(chan int, racers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				var won bool
				switch i % 3 {
				case 0:
					won = f.SetResult(i)
				case 1:
					won = f.SetException(&boomError{msg: "racer"})
				default:
					won = f.SetExceptionWithTraceback(&boomError{msg: "racer"}, nil)
				}
				if won {
					wins <- i
				}
			}()
		}
		close(start)
		wg.Wait()
		close(wins)
		var winners []int
		for w := range wins {
			winners = append(winners, w)
		}
		require.Len(t, winners, 1, "exactly one completion wins")
		assert.Equal(t, int32(1), calls.Load())
		v, err := f.Result()
		if w := winners[0]; w%3 == 0 {
			assert.NoError(t, err)
			assert.Equal(t, w, v)
		} else {
			assert.Error(t, err)
		}
	}
}

func TestBlockedReadersAllWake(t *testing.T) {
	t.Parallel()
	f := future.New[int]()
	const readers = 50
	results := make(chan int, readers*3)
	for range readers {
		go func() { v, _ := f.Result(); results <- v }()
		go func() { <-f.DoneChan(); v, _ := f.Result(); results <- v }()
		go func() { v, _ := f.ResultContext(context.Background()); results <- v }()
	}
	f.SetResult(7)
	for range readers * 3 {
		assert.Equal(t, 7, receive(t, results))
	}
}

func TestResultContext(t *testing.T) {
	t.Parallel()
	t.Run("expiry leaves the future usable", func(t *testing.T) {
		t.Parallel()
		f := future.New[int]()
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		defer cancel()
		v, err := f.ResultContext(ctx)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Zero(t, v)
		assert.False(t, f.Done(), "the future is unchanged")

		canceled, cancelNow := context.WithCancel(context.Background())
		cancelNow()
		_, err = f.ResultContext(canceled)
		assert.ErrorIs(t, err, context.Canceled)

		assert.True(t, f.SetResult(5), "the future can still complete")
		v, err = await(t, f)
		require.NoError(t, err)
		assert.Equal(t, 5, v)
	})
	t.Run("a done future answers under a canceled context", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		v, err := future.Completed(3).ResultContext(ctx)
		require.NoError(t, err)
		assert.Equal(t, 3, v)
		_, err = future.Failed[int](errBoom).ResultContext(ctx)
		assert.Same(t, errBoom, err)
	})
	t.Run("wakes on completion", func(t *testing.T) {
		t.Parallel()
		f := future.New[int]()
		go f.SetResult(9)
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		defer cancel()
		v, err := f.ResultContext(ctx)
		require.NoError(t, err)
		assert.Equal(t, 9, v)
	})
}

func TestDoneChanIsStable(t *testing.T) {
	t.Parallel()
	t.Run("pending then done", func(t *testing.T) {
		t.Parallel()
		f := future.New[int]()
		ch := f.DoneChan()
		assert.Equal(t, ch, f.DoneChan())
		f.SetResult(1)
		assert.Equal(t, ch, f.DoneChan(), "the same channel after completion")
		receive(t, ch)
	})
	t.Run("done from the start", func(t *testing.T) {
		t.Parallel()
		f := future.Completed(1)
		ch := f.DoneChan()
		assert.Equal(t, ch, f.DoneChan())
		receive(t, ch)
	})
	t.Run("concurrent first calls agree", func(t *testing.T) {
		t.Parallel()
		f := future.New[int]()
		chans := make(chan (<-chan struct{}), 20)
		for range cap(chans) {
			go func() { chans <- f.DoneChan() }()
		}
		go f.SetResult(1)
		first := receive(t, chans)
		for range cap(chans) - 1 {
			assert.Equal(t, first, receive(t, chans))
		}
		receive(t, first)
	})
}

func TestGo(t *testing.T) {
	t.Parallel()
	t.Run("value", func(t *testing.T) {
		t.Parallel()
		v, err := await(t, future.Go(func() (int, error) { return 6 * 7, nil }))
		require.NoError(t, err)
		assert.Equal(t, 42, v)
	})
	t.Run("error", func(t *testing.T) {
		t.Parallel()
		f := future.Go(func() (int, error) { return 1, errBoom })
		v, err := await(t, f)
		assert.Same(t, errBoom, err)
		assert.Zero(t, v, "a failed future's value is the zero value")
		assert.Nil(t, f.Traceback(), "a returned error carries no stack")
	})
	t.Run("panic with a value", func(t *testing.T) {
		t.Parallel()
		f := future.Go(func() (int, error) { return explode("kaboom") })
		_, err := await(t, f)
		var pe *future.PanicError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "kaboom", pe.Value)
		assert.Equal(t, "future: panic: kaboom", err.Error())
		assert.Nil(t, pe.Unwrap())
		frames := f.Traceback().Frames()
		require.NotEmpty(t, frames)
		assert.True(t, strings.HasSuffix(frames[0].Function, ".explode"), "the traceback starts where the panic happened, got %s", frames[0].Function)
	})
	t.Run("panic with an error", func(t *testing.T) {
		t.Parallel()
		f := future.Go(func() (int, error) { return explode(errBoom) })
		_, err := await(t, f)
		assert.ErrorIs(t, err, errBoom, "PanicError unwraps an error value")
		var be *boomError
		assert.ErrorAs(t, err, &be)
	})
	t.Run("runtime error", func(t *testing.T) {
		t.Parallel()
		f := future.Go(func() (int, error) {
			var m map[string]int
			//lint:ignore SA5000 the runtime panic under test
			m["x"] = 1 // assignment to a nil map panics
			return 0, nil
		})
		_, err := await(t, f)
		var re runtime.Error
		require.ErrorAs(t, err, &re)
		assert.Contains(t, f.Traceback().Frames()[0].Function, "TestGo")
	})
	t.Run("runtime.Goexit", func(t *testing.T) {
		t.Parallel()
		f := future.Go(func() (int, error) {
			runtime.Goexit() // as t.FailNow does
			return 1, nil
		})
		_, err := await(t, f)
		assert.EqualError(t, err, "future: function called runtime.Goexit")
	})
	t.Run("callbacks run after fn returns", func(t *testing.T) {
		t.Parallel()
		release := make(chan struct{})
		f := future.Go(func() (string, error) { <-release; return "ok", nil })
		got := make(chan string, 1)
		f.AddDoneCallback(func(ff *future.Future[string]) { v, _ := ff.Result(); got <- v })
		close(release)
		assert.Equal(t, "ok", receive(t, got))
	})
}

// explode panics with v from a named frame that the traceback must show.
func explode(v any) (int, error) {
	panic(v)
}

func TestCallbacksRunInOrderOnTheCompletingGoroutine(t *testing.T) {
	t.Parallel()
	f := future.New[int]()
	var order []int
	for i := range 10 {
		f.AddDoneCallback(func(ff *future.Future[int]) {
			assert.True(t, ff.Done(), "the outcome is visible to callbacks")
			order = append(order, i)
		})
	}
	// The callbacks run inside SetResult, so order is complete when it
	// returns, on this goroutine, with no other synchronisation.
	f.SetResult(1)
	assert.Equal(t, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, order)
}

func TestCallbackReentrancy(t *testing.T) {
	t.Parallel()
	f := future.New[int]()
	other := future.New[string]()
	var order []string
	f.AddDoneCallback(func(ff *future.Future[int]) {
		v, err := ff.Result() // reading its own future: no deadlock
		assert.NoError(t, err)
		assert.Equal(t, 1, v)
		assert.Equal(t, ff.DoneChan(), ff.DoneChan())
		ff.AddDoneCallback(func(*future.Future[int]) { order = append(order, "nested") }) // runs at once
		order = append(order, "first")
		assert.True(t, other.SetResult("from callback"))
	})
	f.AddDoneCallback(func(*future.Future[int]) { order = append(order, "second") })
	f.SetResult(1)
	assert.Equal(t, []string{"nested", "first", "second"}, order)
	v, _ := other.Result()
	assert.Equal(t, "from callback", v)
}

func TestCallbackBlocksOnFutureCompletedElsewhere(t *testing.T) {
	t.Parallel()
	f, g := future.New[int](), future.New[int]()
	got := make(chan int, 1)
	f.AddDoneCallback(func(*future.Future[int]) {
		v, _ := g.Result() // blocks this completer only, holding no lock
		got <- v
	})
	go f.SetResult(1)
	go g.SetResult(2)
	assert.Equal(t, 2, receive(t, got))
	assert.True(t, f.Done())
}

func TestNoGoroutinePerPendingFuture(t *testing.T) {
	// Not parallel: it counts goroutines.
	before := runtime.NumGoroutine()
	const n = 2000
	heads := make([]*future.Future[int], n)
	var tails []*future.Future[int]
	for i := range heads {
		f := future.New[int]()
		heads[i] = f
		f.AddDoneCallback(func(*future.Future[int]) {})
		tails = append(tails, future.ContinueWith(f, func(f *future.Future[int]) (int, error) { return f.Result() }))
		tails = append(tails, future.Flatten(future.Completed(f)))
		_ = f.DoneChan()
	}
	all := future.Combine(append(heads, tails...)...)
	assert.Less(t, runtime.NumGoroutine()-before, 10, "pending futures, callbacks, continuations and Combine start no goroutine")
	for i, f := range heads {
		f.SetResult(i)
	}
	vs, err := all.Result()
	require.NoError(t, err)
	assert.Len(t, vs, 3*n)
}

func TestMisusePanics(t *testing.T) {
	// Not parallel: it watches slog, where a stored nil callback would
	// report its panic.
	logs := captureLogs(t)
	pending := future.New[int]()
	var calls int
	pending.AddDoneCallback(func(*future.Future[int]) { calls++ })
	tests := []struct {
		name string
		call func()
		want string
	}{
		{"Failed nil error", func() { future.Failed[int](nil) }, "future: Failed called with a nil error"},
		{"Go nil fn", func() { future.Go[int](nil) }, "future: Go called with a nil function"},
		{"SetException nil error", func() { pending.SetException(nil) }, "future: SetException called with a nil error"},
		{"SetExceptionWithTraceback nil error", func() { pending.SetExceptionWithTraceback(nil, nil) }, "future: SetExceptionWithTraceback called with a nil error"},
		{"AddDoneCallback nil callback", func() { pending.AddDoneCallback(nil) }, "future: AddDoneCallback called with a nil callback"},
		//lint:ignore SA1012 the misuse under test
		{"ResultContext nil context", func() { pending.ResultContext(nil) }, "future: ResultContext called with a nil context"},
		{"ContinueWith nil future", func() {
			future.ContinueWith(nil, func(*future.Future[int]) (int, error) { return 0, nil })
		}, "future: ContinueWith called with a nil future"},
		{"ContinueWith nil fn", func() { future.ContinueWith[int, int](pending, nil) }, "future: ContinueWith called with a nil function"},
		{"ContinueWithFuture nil future", func() {
			future.ContinueWithFuture(nil, func(*future.Future[int]) (*future.Future[int], error) { return nil, nil })
		}, "future: ContinueWithFuture called with a nil future"},
		{"ContinueWithFuture nil fn", func() { future.ContinueWithFuture[int, int](pending, nil) }, "future: ContinueWithFuture called with a nil function"},
		{"Flatten nil future", func() { future.Flatten[int](nil) }, "future: Flatten called with a nil future"},
		{"Combine nil element", func() { future.Combine(pending, nil) }, "future: Combine called with a nil future"},
		{"CaptureTraceback negative skip", func() { future.CaptureTraceback(-1) }, "future: CaptureTraceback called with a negative skip"},
	}
	// Every method of a nil *Future names itself, instead of a nil
	// dereference deep inside the package.
	var none *future.Future[int]
	for name, call := range map[string]func(){
		"SetResult":                 func() { none.SetResult(1) },
		"SetException":              func() { none.SetException(errBoom) },
		"SetExceptionWithTraceback": func() { none.SetExceptionWithTraceback(errBoom, nil) },
		"Cancel":                    func() { none.Cancel() },
		"Result":                    func() { none.Result() },
		"ResultContext":             func() { none.ResultContext(context.Background()) },
		"Exception":                 func() { none.Exception() },
		"Traceback":                 func() { none.Traceback() },
		"IsSuccess":                 func() { none.IsSuccess() },
		"Done":                      func() { none.Done() },
		"Running":                   func() { none.Running() },
		"DoneChan":                  func() { none.DoneChan() },
		"AddDoneCallback":           func() { none.AddDoneCallback(func(*future.Future[int]) {}) },
		"OnDone":                    func() { none.OnDone(func(*future.Future[int]) {}) },
	} {
		tests = append(tests, struct {
			name string
			call func()
			want string
		}{name + " nil future", call, "future: " + name + " called on a nil *Future"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.PanicsWithValue(t, tt.want, tt.call)
		})
	}
	assert.False(t, pending.Done(), "misuse leaves the future as it was")
	assert.True(t, pending.SetResult(1))
	assert.Equal(t, 1, calls)
	assert.Empty(t, logs.String(), "no nil callback was stored to panic on completion")
}

func TestSecondCompletionReturnsFalse(t *testing.T) {
	t.Parallel()
	completions := []struct {
		name string
		do   func(*future.Future[int]) bool
	}{
		{"SetResult", func(f *future.Future[int]) bool { return f.SetResult(2) }},
		{"SetException", func(f *future.Future[int]) bool { return f.SetException(errBoom) }},
		{"SetExceptionWithTraceback", func(f *future.Future[int]) bool { return f.SetExceptionWithTraceback(errBoom, nil) }},
	}
	for _, first := range completions {
		for _, second := range completions {
			t.Run(first.name+"/"+second.name, func(t *testing.T) {
				t.Parallel()
				f := future.New[int]()
				require.True(t, first.do(f))
				v1, err1 := f.Result()
				tb1 := f.Traceback()
				assert.NotPanics(t, func() { assert.False(t, second.do(f)) })
				v2, err2 := f.Result()
				assert.Equal(t, v1, v2)
				assert.Equal(t, err1, err2)
				assert.Same(t, tb1, f.Traceback())
			})
		}
	}
}

func TestSetExceptionWithTraceback(t *testing.T) {
	t.Parallel()
	tb := future.CaptureTraceback(0)
	f := future.New[int]()
	require.True(t, f.SetExceptionWithTraceback(errBoom, tb))
	assert.Same(t, tb, f.Traceback())

	g := future.New[int]()
	require.True(t, g.SetExceptionWithTraceback(errBoom, nil))
	assert.Nil(t, g.Traceback(), "nil means no traceback")
	assert.Same(t, errBoom, g.Exception())
}

func TestSuccessHasNoTraceback(t *testing.T) {
	t.Parallel()
	f := future.New[int]()
	f.SetResult(1)
	assert.Nil(t, f.Traceback())
	assert.NoError(t, f.Exception())
}
