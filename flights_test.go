package future_test

import (
	"context"
	"errors"
	"fmt"
	"math"
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

// backend is a function for Flights.Do that stands for a slow lookup: each
// run counts itself, reports its context on ctxs and waits until release is
// closed, then returns its run number (1 for the first run); a run whose
// context ends first returns the context's cause.
type backend struct {
	runs    atomic.Int32
	ctxs    chan context.Context
	release chan struct{}
}

func newBackend() *backend {
	return &backend{ctxs: make(chan context.Context, 100), release: make(chan struct{})}
}

func (b *backend) fn(ctx context.Context) (int, error) {
	n := b.runs.Add(1)
	b.ctxs <- ctx
	select {
	case <-b.release:
		return int(n), nil
	case <-ctx.Done():
		return 0, context.Cause(ctx)
	}
}

// unused is the function of a Do that must join a run, not start one.
func unused(t *testing.T) func(context.Context) (int, error) {
	return func(context.Context) (int, error) {
		t.Error("a caller that joins a run ran its own function")
		return -1, nil
	}
}

func TestFlightsThousandCallersRunOnce(t *testing.T) {
	t.Parallel()
	const callers = 1000
	var s future.Flights[string, int]
	b := newBackend()
	fs := make(chan *future.Future[int], callers)
	for range callers {
		go func() { fs <- s.Do(context.Background(), "user:1", b.fn) }()
	}
	all := make([]*future.Future[int], 0, callers)
	seen := map[*future.Future[int]]bool{}
	for range callers {
		f := receive(t, fs)
		require.False(t, seen[f], "two callers got the same future")
		seen[f] = true
		all = append(all, f)
	}
	close(b.release) // every caller has joined
	for _, f := range all {
		v, err := await(t, f)
		require.NoError(t, err)
		require.Equal(t, 1, v)
	}
	assert.Equal(t, int32(1), b.runs.Load(), "runs of fn")
}

// TestFlightsCallerLeavesAlone: a caller that leaves, however it leaves,
// gets its own outcome, and the run goes on for the others, whether the
// leaver started the run or joined it.
func TestFlightsCallerLeavesAlone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// leave makes the leaver's context from ctx, and returns what ends
		// its stay once it has its future.
		leave   func(t *testing.T, ctx context.Context) (context.Context, func(*future.Future[int]))
		wantV   int
		wantErr error
	}{
		{"Cancel", func(t *testing.T, ctx context.Context) (context.Context, func(*future.Future[int])) {
			return ctx, func(f *future.Future[int]) { f.Cancel() }
		}, 0, context.Canceled},
		{"SetResult", func(t *testing.T, ctx context.Context) (context.Context, func(*future.Future[int])) {
			return ctx, func(f *future.Future[int]) { f.SetResult(7) }
		}, 7, nil},
		{"Cancel, on a context that could end", func(t *testing.T, ctx context.Context) (context.Context, func(*future.Future[int])) {
			ctx, cancel := context.WithCancel(ctx)
			t.Cleanup(cancel)
			return ctx, func(f *future.Future[int]) { f.Cancel() }
		}, 0, context.Canceled},
		{"SetResult, on a context that could end", func(t *testing.T, ctx context.Context) (context.Context, func(*future.Future[int])) {
			ctx, cancel := context.WithCancel(ctx)
			t.Cleanup(cancel)
			return ctx, func(f *future.Future[int]) { f.SetResult(7) }
		}, 7, nil},
		{"context canceled", func(t *testing.T, ctx context.Context) (context.Context, func(*future.Future[int])) {
			ctx, cancel := context.WithCancel(ctx)
			return ctx, func(*future.Future[int]) { cancel() }
		}, 0, context.Canceled},
		{"context canceled with a cause", func(t *testing.T, ctx context.Context) (context.Context, func(*future.Future[int])) {
			ctx, cancel := context.WithCancelCause(ctx)
			return ctx, func(*future.Future[int]) { cancel(errBoom) }
		}, 0, errBoom},
		{"deadline", func(t *testing.T, ctx context.Context) (context.Context, func(*future.Future[int])) {
			ctx, cancel := context.WithTimeout(ctx, time.Millisecond)
			t.Cleanup(cancel)
			return ctx, func(*future.Future[int]) {} // the deadline passes
		}, 0, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		for _, starts := range []bool{true, false} {
			name := tt.name + map[bool]string{true: ", leaver started the run", false: ", leaver joined"}[starts]
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				var s future.Flights[string, int]
				b := newBackend()
				leaverCtx, leave := tt.leave(t, context.Background())
				var leaver, stayer *future.Future[int]
				if starts {
					leaver = s.Do(leaverCtx, "k", b.fn)
					stayer = s.Do(context.Background(), "k", unused(t))
				} else {
					stayer = s.Do(context.Background(), "k", b.fn)
					leaver = s.Do(leaverCtx, "k", unused(t))
				}
				runCtx := receive(t, b.ctxs)

				leave(leaver)
				receive(t, leaver.DoneChan()) // not await: the deadline case fails with DeadlineExceeded
				v, err := leaver.Result()
				assert.Equal(t, tt.wantV, v)
				if tt.wantErr == nil {
					require.NoError(t, err)
				} else {
					require.ErrorIs(t, err, tt.wantErr)
					assert.Nil(t, leaver.Traceback(), "a caller that left has no traceback")
				}
				require.NoError(t, runCtx.Err(), "the run goes on for the caller still waiting")
				assert.False(t, stayer.Done(), "the caller still waiting is unaffected")

				close(b.release)
				v, err = await(t, stayer)
				require.NoError(t, err)
				assert.Equal(t, 1, v)
				assert.Equal(t, int32(1), b.runs.Load())
			})
		}
	}
}

// TestFlightsLastCallerOutCancelsTheRun: the run's context ends when, and
// only when, its last caller leaves, and a Do after that starts a new run
// instead of joining the abandoned one.
func TestFlightsLastCallerOutCancelsTheRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// do makes a caller that leaves when its leave function is called.
		do func(s *future.Flights[string, int], fn func(context.Context) (int, error)) (f *future.Future[int], leave func())
	}{
		{"Cancel", func(s *future.Flights[string, int], fn func(context.Context) (int, error)) (*future.Future[int], func()) {
			f := s.Do(context.Background(), "k", fn)
			return f, func() { f.Cancel() }
		}},
		{"context canceled", func(s *future.Flights[string, int], fn func(context.Context) (int, error)) (*future.Future[int], func()) {
			ctx, cancel := context.WithCancel(context.Background())
			return s.Do(ctx, "k", fn), cancel
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var s future.Flights[string, int]
			b := newBackend()
			const callers = 3
			leaves := make([]func(), callers)
			fs := make([]*future.Future[int], callers)
			for i := range callers {
				fs[i], leaves[i] = tt.do(&s, b.fn)
			}
			runCtx := receive(t, b.ctxs)
			for i := range callers {
				leaves[i]()
				_, err := await(t, fs[i])
				require.ErrorIs(t, err, context.Canceled)
				if i < callers-1 {
					require.NoError(t, runCtx.Err(), "the run's context ended with %d of %d callers left", callers-1-i, callers)
				}
			}
			receive(t, runCtx.Done()) // the last one out ends it

			fresh := s.Do(context.Background(), "k", b.fn)
			freshCtx := receive(t, b.ctxs)
			require.NoError(t, freshCtx.Err(), "a Do after the last caller left starts a new run")
			close(b.release)
			v, err := await(t, fresh)
			require.NoError(t, err)
			assert.Equal(t, 2, v, "the value of the second run")
			assert.Equal(t, int32(2), b.runs.Load())
		})
	}
}

// TestFlightsLastCallerOutIsImmediate: Cancel on the last caller's future
// has ended the run's context by the time it returns.
func TestFlightsLastCallerOutIsImmediate(t *testing.T) {
	t.Parallel()
	var s future.Flights[string, int]
	b := newBackend()
	first := s.Do(context.Background(), "k", b.fn)
	second := s.Do(context.Background(), "k", unused(t))
	runCtx := receive(t, b.ctxs)
	require.True(t, first.Cancel())
	require.NoError(t, runCtx.Err())
	require.True(t, second.Cancel())
	require.ErrorIs(t, runCtx.Err(), context.Canceled)
}

type ctxKey string

func TestFlightsRunContext(t *testing.T) {
	t.Parallel()
	var s future.Flights[string, int]
	b := newBackend()
	firstCtx, cancelFirst := context.WithTimeout(context.WithValue(context.Background(), ctxKey("tenant"), "acme"), time.Hour)
	defer cancelFirst()
	secondCtx := context.WithValue(context.Background(), ctxKey("trace"), "second")
	first := s.Do(firstCtx, "k", b.fn)
	second := s.Do(secondCtx, "k", unused(t))
	runCtx := receive(t, b.ctxs)

	assert.Equal(t, "acme", runCtx.Value(ctxKey("tenant")), "the first caller's values")
	assert.Nil(t, runCtx.Value(ctxKey("trace")), "a later caller's values")
	_, hasDeadline := runCtx.Deadline()
	assert.False(t, hasDeadline, "the first caller's deadline")

	cancelFirst()
	_, err := await(t, first)
	require.ErrorIs(t, err, context.Canceled)
	require.NoError(t, runCtx.Err(), "the first caller's cancellation")

	close(b.release)
	v, err := await(t, second)
	require.NoError(t, err)
	assert.Equal(t, 1, v)
	receive(t, runCtx.Done()) // canceled when fn returns
}

func TestFlightsForget(t *testing.T) {
	t.Parallel()
	var s future.Flights[string, int]
	s.Forget("nothing in flight") // a no-op, on a zero Flights too
	b := newBackend()
	old1 := s.Do(context.Background(), "k", b.fn)
	old2 := s.Do(context.Background(), "k", unused(t))
	oldCtx := receive(t, b.ctxs)

	s.Forget("k")
	fresh := s.Do(context.Background(), "k", b.fn)
	freshCtx := receive(t, b.ctxs)
	later := s.Do(context.Background(), "k", unused(t)) // joins the new run
	assert.Equal(t, int32(2), b.runs.Load(), "Do after Forget starts a new run")

	// The forgotten run goes on for its callers, and its last one out
	// still ends it.
	old1.Cancel()
	require.NoError(t, oldCtx.Err())
	old2.Cancel()
	require.ErrorIs(t, oldCtx.Err(), context.Canceled)
	require.NoError(t, freshCtx.Err(), "the new run is not the forgotten one")

	close(b.release)
	for _, f := range []*future.Future[int]{fresh, later} {
		v, err := await(t, f)
		require.NoError(t, err)
		assert.Equal(t, 2, v)
	}
}

func TestFlightsForgottenRunStillAnswers(t *testing.T) {
	t.Parallel()
	var s future.Flights[string, int]
	b := newBackend()
	old := s.Do(context.Background(), "k", b.fn)
	receive(t, b.ctxs)
	s.Forget("k")
	fresh := s.Do(context.Background(), "k", b.fn)
	receive(t, b.ctxs)
	close(b.release)
	v, err := await(t, old)
	require.NoError(t, err)
	assert.Equal(t, 1, v)
	v, err = await(t, fresh)
	require.NoError(t, err)
	assert.Equal(t, 2, v)
}

// TestFlightsOutcomeReachesEveryCaller: whatever fn's outcome, every caller
// still waiting gets it, traceback included, and the key is free after.
func TestFlightsOutcomeReachesEveryCaller(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fn    func() (int, error)
		check func(t *testing.T, v int, err error, tb *future.Traceback)
	}{
		{"value", func() (int, error) { return 5, nil }, func(t *testing.T, v int, err error, tb *future.Traceback) {
			require.NoError(t, err)
			assert.Equal(t, 5, v)
		}},
		{"error", func() (int, error) { return 5, errBoom }, func(t *testing.T, v int, err error, tb *future.Traceback) {
			require.ErrorIs(t, err, errBoom)
			assert.Zero(t, v)
			assert.Nil(t, tb, "an error fn returns has no traceback")
		}},
		{"panic", func() (int, error) { panic(errBoom) }, func(t *testing.T, v int, err error, tb *future.Traceback) {
			var pe *future.PanicError
			require.ErrorAs(t, err, &pe)
			require.ErrorIs(t, err, errBoom)
			require.NotNil(t, tb)
			assert.Contains(t, tb.Frames()[0].Function, "TestFlightsOutcomeReachesEveryCaller", "the traceback starts where fn panicked")
		}},
		{"Goexit", func() (int, error) { runtime.Goexit(); return 0, nil }, func(t *testing.T, v int, err error, tb *future.Traceback) {
			require.Error(t, err)
			assert.Contains(t, err.Error(), "Goexit")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var s future.Flights[string, int]
			var runs atomic.Int32
			release := make(chan struct{})
			fn := func(context.Context) (int, error) {
				runs.Add(1)
				<-release
				return tt.fn()
			}
			fs := []*future.Future[int]{
				s.Do(context.Background(), "k", fn),
				s.Do(context.Background(), "k", unused(t)),
				s.Do(context.Background(), "k", unused(t)),
			}
			close(release)
			var tb *future.Traceback
			for i, f := range fs {
				v, err := await(t, f)
				tt.check(t, v, err, f.Traceback())
				if i == 0 {
					tb = f.Traceback()
				} else {
					assert.Same(t, tb, f.Traceback(), "every caller gets the run's traceback")
				}
			}
			assert.Equal(t, int32(1), runs.Load())

			// The key is free: nothing is cached.
			again := s.Do(context.Background(), "k", fn)
			v, err := await(t, again)
			tt.check(t, v, err, again.Traceback())
			assert.Equal(t, int32(2), runs.Load())
		})
	}
}

func TestFlightsNothingCached(t *testing.T) {
	t.Parallel()
	var s future.Flights[string, int]
	b := newBackend()
	close(b.release)
	for want := 1; want <= 3; want++ {
		v, err := await(t, s.Do(context.Background(), "k", b.fn))
		require.NoError(t, err)
		assert.Equal(t, want, v, "each Do after the last run ended runs fn again")
	}
}

func TestFlightsManyKeys(t *testing.T) {
	t.Parallel()
	const keys, callersPerKey = 50, 20
	var s future.Flights[int, string]
	var runs [keys]atomic.Int32
	release := make(chan struct{})
	fn := func(key int) func(context.Context) (string, error) {
		return func(context.Context) (string, error) {
			runs[key].Add(1)
			<-release
			return fmt.Sprint("value of ", key), nil
		}
	}
	type call struct {
		key int
		f   *future.Future[string]
	}
	calls := make(chan call, keys*callersPerKey)
	for i := range keys * callersPerKey {
		go func() {
			key := i % keys
			calls <- call{key, s.Do(context.Background(), key, fn(key))}
		}()
	}
	all := make([]call, 0, keys*callersPerKey)
	for range keys * callersPerKey {
		all = append(all, receive(t, calls))
	}
	close(release)
	for _, c := range all {
		v, err := await(t, c.f)
		require.NoError(t, err)
		require.Equal(t, fmt.Sprint("value of ", c.key), v)
	}
	for key := range keys {
		assert.Equal(t, int32(1), runs[key].Load(), "runs of key %d", key)
	}
}

// TestFlightsDoneContextNeitherStartsNorJoins: a caller whose context has
// already ended fails at once, starts no run, and does not keep a run in
// flight alive.
func TestFlightsDoneContextNeitherStartsNorJoins(t *testing.T) {
	t.Parallel()
	var s future.Flights[string, int]
	b := newBackend()
	done, cancel := context.WithCancelCause(context.Background())
	cancel(errBoom)

	f := s.Do(done, "k", unused(t))
	require.True(t, f.Done(), "failed before Do returns")
	require.ErrorIs(t, f.Exception(), errBoom)

	stayer := s.Do(context.Background(), "k", b.fn)
	runCtx := receive(t, b.ctxs)
	late := s.Do(done, "k", unused(t))
	require.True(t, late.Done())
	require.ErrorIs(t, late.Exception(), errBoom)
	require.True(t, stayer.Cancel())
	require.ErrorIs(t, runCtx.Err(), context.Canceled, "the done caller did not count")
	assert.Equal(t, int32(1), b.runs.Load())
}

func TestFlightsCallbacks(t *testing.T) {
	t.Parallel()
	var s future.Flights[string, int]
	b := newBackend()
	waiting := s.Do(context.Background(), "k", b.fn)
	leaving := s.Do(context.Background(), "k", unused(t))
	receive(t, b.ctxs)

	var mu sync.Mutex
	var got []string
	record := func(what string) func(*future.Future[int]) {
		return func(f *future.Future[int]) {
			v, err := f.Result()
			mu.Lock()
			defer mu.Unlock()
			got = append(got, fmt.Sprint(what, " ", v, " ", err))
		}
	}
	waiting.AddDoneCallback(record("waiting"))
	doubled := future.Then(waiting, func(v int) (int, error) { return 2 * v, nil })
	leaving.AddDoneCallback(record("leaving"))

	leaving.Cancel() // its callback runs before Cancel returns
	mu.Lock()
	assert.Equal(t, []string{"leaving 0 context canceled"}, got)
	mu.Unlock()

	close(b.release)
	v, err := await(t, doubled)
	require.NoError(t, err)
	assert.Equal(t, 2, v)
	mu.Lock()
	assert.Equal(t, []string{"leaving 0 context canceled", "waiting 1 <nil>"}, got)
	mu.Unlock()
}

// TestFlightsGoexitInACallerCallback: a callback on one caller's future
// that calls runtime.Goexit (as t.FailNow does) ends the run's goroutine as
// the run hands out its outcome, yet every other caller still gets it, and
// its callbacks run, the ones before it and the ones after.
func TestFlightsGoexitInACallerCallback(t *testing.T) {
	logs := captureLogs(t) // not parallel: the Goexit is logged
	var s future.Flights[string, int]
	b := newBackend()
	fs := []*future.Future[int]{s.Do(context.Background(), "k", b.fn)}
	receive(t, b.ctxs)
	for range 3 {
		fs = append(fs, s.Do(context.Background(), "k", unused(t)))
	}
	ran := make(chan int, len(fs))
	for i, f := range fs {
		f.AddDoneCallback(func(*future.Future[int]) { ran <- i })
	}
	fs[1].AddDoneCallback(func(*future.Future[int]) { runtime.Goexit() })
	close(b.release)
	for i, f := range fs {
		v, err := await(t, f)
		require.NoError(t, err, "caller %d", i)
		assert.Equal(t, 1, v, "caller %d", i)
	}
	var got []int
	for range fs {
		got = append(got, receive(t, ran))
	}
	assert.Equal(t, []int{0, 1, 2, 3}, got, "every caller's callbacks ran, in order")
	assert.Eventually(t, func() bool { return strings.Contains(logs.String(), "runtime.Goexit") }, patience, time.Millisecond,
		"the Goexit is logged") // after every future is done: callbacks run once all are
}

func TestFlightsMisusePanics(t *testing.T) {
	t.Parallel()
	var s future.Flights[string, int]
	fn := func(context.Context) (int, error) { return 0, nil }
	tests := []struct {
		name string
		call func()
		want string
	}{
		{"Do nil context", func() {
			//lint:ignore SA1012 the misuse under test
			s.Do(nil, "k", fn)
		}, "future: Flights.Do called with a nil context"},
		{"Do nil fn", func() { s.Do(context.Background(), "k", nil) }, "future: Flights.Do called with a nil function"},
		{"Do nil Flights", func() { (*future.Flights[string, int])(nil).Do(context.Background(), "k", fn) }, "future: Do called on a nil *Flights"},
		{"Forget nil Flights", func() { (*future.Flights[string, int])(nil).Forget("k") }, "future: Forget called on a nil *Flights"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.PanicsWithValue(t, tt.want, tt.call)
		})
	}
}

// joinOnly is the function of the callers of the retention test, which
// join a run in flight.
var joinOnly func(context.Context) (int, error)

// TestFlightsCallersThatLeftRetainNothing: manyCalls callers join a run
// that stays in flight and leave it; after GC they retain under 8 bytes a
// call, whether their context is a long-lived cancelable one (their
// context.AfterFunc must go) or none. The run still answers its last
// caller.
func TestFlightsCallersThatLeftRetainNothing(t *testing.T) {
	// Not parallel: it measures the heap.
	longLived, cancel := context.WithCancel(context.Background())
	defer cancel()
	tests := []struct {
		name  string
		leave func(s *future.Flights[string, int])
	}{
		{"no context, Cancel", func(s *future.Flights[string, int]) {
			s.Do(context.Background(), "k", joinOnly).Cancel()
		}},
		{"long-lived context, Cancel", func(s *future.Flights[string, int]) {
			s.Do(longLived, "k", joinOnly).Cancel()
		}},
		{"own context, canceled", func(s *future.Flights[string, int]) {
			ctx, cancel := context.WithCancel(context.Background())
			f := s.Do(ctx, "k", joinOnly)
			cancel()
			<-f.DoneChan()
		}},
	}
	calls := manyCalls()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			joinOnly = unused(t)
			var s future.Flights[string, int]
			b := newBackend()
			stayer := s.Do(context.Background(), "k", b.fn)
			runCtx := receive(t, b.ctxs)
			tt.leave(&s) // warm up
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			for range calls {
				tt.leave(&s)
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			perCall := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(calls)
			t.Logf("%d calls: %.2f bytes retained per call", calls, perCall)
			assert.Less(t, perCall, 8.0, "bytes retained per call")

			require.NoError(t, runCtx.Err(), "the run goes on for its last caller")
			close(b.release)
			v, err := await(t, stayer)
			require.NoError(t, err)
			assert.Equal(t, 1, v)
			assert.Equal(t, int32(1), b.runs.Load())
		})
	}
}

// TestFlightsDoneCallersKeepNothingAlive: once the run is done, the callers'
// futures keep neither fn nor the first caller's context alive; a caller
// that left keeps nothing of its context while the run goes on.
func TestFlightsDoneCallersKeepNothingAlive(t *testing.T) {
	t.Parallel()
	var s future.Flights[string, int]
	release := make(chan struct{})
	fn, fnCollected := trackedRun(release)
	firstCtx, firstCtxCollected := trackedCtx(context.Background())
	leaverCtx, leaverCtxCollected := trackedCtx(context.Background())
	leaverCtx, cancelLeaver := context.WithCancel(leaverCtx)

	first := s.Do(firstCtx, "k", fn)
	leaver := s.Do(leaverCtx, "k", unused(t))
	cancelLeaver()
	_, err := await(t, leaver)
	require.ErrorIs(t, err, context.Canceled)
	collected(t, leaverCtxCollected, "the context of a caller that left")
	retained(t, fnCollected, "the function of a run in flight")
	retained(t, firstCtxCollected, "the context of a run in flight")

	close(release)
	v, err := await(t, first)
	require.NoError(t, err)
	assert.Equal(t, 3, v)
	collected(t, fnCollected, "the function of a done run")
	collected(t, firstCtxCollected, "the first caller's context once the run is done")
	runtime.KeepAlive(first)
	runtime.KeepAlive(leaver)
}

// trackedRun returns a function for Do that returns 3 once release is
// closed, and a channel closed when the function is collected.
func trackedRun(release <-chan struct{}) (func(context.Context) (int, error), <-chan struct{}) {
	p, ch := tracked()
	return func(context.Context) (int, error) {
		<-release
		runtime.KeepAlive(p) // after the wait, so that p lives while fn runs
		return 3, nil
	}, ch
}

// trackedCtx returns a child of parent holding a tracked value, and a
// channel closed when that value is collected.
func trackedCtx(parent context.Context) (context.Context, <-chan struct{}) {
	p, ch := tracked()
	return context.WithValue(parent, payloadKey{}, p), ch
}

// TestFlightsRacingCallersAndLeavers hammers one key with callers that join,
// leave and complete while runs start and end, and checks that every future
// gets an answer and every run's context ends.
func TestFlightsRacingCallersAndLeavers(t *testing.T) {
	t.Parallel()
	var s future.Flights[int, int]
	var started, ended atomic.Int32
	fn := func(ctx context.Context) (int, error) {
		started.Add(1)
		defer ended.Add(1)
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(50 * time.Microsecond):
			return 1, nil
		}
	}
	const goroutines, each = 8, 500
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				ctx, cancel := context.WithCancel(context.Background())
				f := s.Do(ctx, i%3, fn)
				switch (g + i) % 3 {
				case 0:
					cancel()
				case 1:
					f.Cancel()
				}
				v, err := await(t, f)
				if err == nil {
					assert.Equal(t, 1, v)
				} else {
					assert.True(t, errors.Is(err, context.Canceled), "unexpected error %v", err)
				}
				cancel()
			}
		}()
	}
	wg.Wait()
	deadline := time.Now().Add(patience)
	for ended.Load() != started.Load() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond) // polling: the runs end as their last caller leaves
	}
	assert.Equal(t, started.Load(), ended.Load(), "every run ended")
	t.Logf("%d runs for %d calls", started.Load(), goroutines*each)
}

// TestFlightsLeavingIsConstantTime: 50,000 callers of one run leave in the
// order they came, the worst order for a search from the newest; each leaves
// in constant time (with a search it took seconds).
func TestFlightsLeavingIsConstantTime(t *testing.T) {
	t.Parallel()
	var s future.Flights[string, int]
	b := newBackend()
	fs := make([]*future.Future[int], 50_000)
	for i := range fs {
		fs[i] = s.Do(context.Background(), "k", b.fn)
	}
	runCtx := receive(t, b.ctxs)
	start := time.Now()
	for _, f := range fs {
		f.Cancel()
	}
	took := time.Since(start)
	t.Logf("%d callers left in %v", len(fs), took)
	assert.Less(t, took, 2*time.Second, "callers leave in constant time")
	require.ErrorIs(t, runCtx.Err(), context.Canceled)
}

// TestFlightsKeysThatAreNotMapKeys: a key whose dynamic type cannot be
// compared (a slice in an any) is misuse: Do and Forget panic at once with
// a future: message and the Flights goes on working, where the map lookup
// used to panic with the table's lock held and deadlock every later call.
// A key not equal to itself (NaN) joins nothing, and manyCalls runs of it
// leave nothing in the table.
func TestFlightsKeysThatAreNotMapKeys(t *testing.T) {
	// Not parallel: it measures the heap.
	var s future.Flights[any, int]
	fn := func(context.Context) (int, error) { return 7, nil }
	assert.Equal(t, "future: Flights.Do called with a key of uncomparable type []int",
		panicValue(t, func() { s.Do(context.Background(), []int{1}, fn) }))
	assert.Equal(t, "future: Flights.Do called with a key of uncomparable type []int",
		panicValue(t, func() { s.Do(endedWith(errBoom), []int{1}, fn) }), "misuse, whatever the context")
	assert.Equal(t, "future: Flights.Forget called with a key of uncomparable type []int",
		panicValue(t, func() { s.Forget([]int{1}) }))
	done := make(chan *future.Future[int], 1)
	go func() { done <- s.Do(context.Background(), "k", fn) }()
	v, err := await(t, receive(t, done))
	require.NoError(t, err, "the Flights still works")
	assert.Equal(t, 7, v)

	var nan future.Flights[float64, int]
	v, err = await(t, nan.Do(context.Background(), math.NaN(), fn))
	require.NoError(t, err)
	assert.Equal(t, 7, v)
	perCall := bytesRetainedPerCall(manyCalls(), func() {
		_, _ = await(t, nan.Do(context.Background(), math.NaN(), fn))
	})
	runtime.KeepAlive(&nan) // measured with the table alive
	t.Logf("%.2f bytes retained per run of NaN", perCall)
	assert.Less(t, perCall, 8.0, "bytes retained per run of NaN")
}

// panicValue calls fn on a goroutine of its own and returns what it
// panicked with (nil if it returned), failing the test if fn has neither
// returned nor panicked within patience (a call blocked on a lock that a
// panic left held).
func panicValue(t *testing.T, fn func()) any {
	t.Helper()
	got := make(chan any, 1)
	go func() {
		defer func() { got <- recover() }()
		fn()
	}()
	return receive(t, got)
}
