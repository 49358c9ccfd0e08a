package future_test

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofutures/future"
)

// TestRequestsLeaveNothingOnAPendingFuture makes manyCalls calls of each
// kind against one future that never completes (a server's shutdown
// future, say) and checks that, after GC, they retain under 8 bytes a call:
// each call's listener leaves the long-lived future once its own result is
// done.
func TestRequestsLeaveNothingOnAPendingFuture(t *testing.T) {
	// Not parallel: it measures the heap.
	boom := errors.New("boom")
	one := future.Completed(1)
	failed := future.Failed[int](boom)
	tests := []struct {
		name string
		call func(pending *future.Future[int])
	}{
		{"Race(pending, done)", func(p *future.Future[int]) { future.Race(p, one) }},
		{"Any(pending, done)", func(p *future.Future[int]) { future.Any(p, one) }},
		{"All(pending, failed)", func(p *future.Future[int]) { future.All(p, failed) }},
		{"Combine canceled", func(p *future.Future[int]) { future.Combine(p, one).Cancel() }},
		{"AllSettled canceled", func(p *future.Future[int]) { future.AllSettled(p).Cancel() }},
		{"WithTimeout expired at once", func(p *future.Future[int]) { future.WithTimeout(p, -1) }},
		{"WithTimeout expired (1ns)", func(p *future.Future[int]) { <-future.WithTimeout(p, time.Nanosecond).DoneChan() }},
		{"WithTimeout canceled", func(p *future.Future[int]) { future.WithTimeout(p, time.Hour).Cancel() }},
		{"ContinueWithFuture canceled", func(p *future.Future[int]) {
			future.ContinueWithFuture(p, func(*future.Future[int]) (*future.Future[int], error) { return one, nil }).Cancel()
		}},
		{"Then canceled", func(p *future.Future[int]) {
			future.Then(p, func(v int) (int, error) { return v, nil }).Cancel()
		}},
		{"Then with a callback, canceled", func(p *future.Future[int]) {
			r := future.Then(p, func(v int) (int, error) { return v, nil })
			r.AddDoneCallback(func(*future.Future[int]) {})
			r.Cancel()
		}},
		{"Recover canceled", func(p *future.Future[int]) {
			future.Recover(p, func(error) (int, error) { return 0, nil }).Cancel()
		}},
		{"ContinueWith canceled", func(p *future.Future[int]) {
			future.ContinueWith(p, func(*future.Future[int]) (int, error) { return 0, nil }).Cancel()
		}},
		{"Flatten of a pending inner, canceled", func(p *future.Future[int]) {
			future.Flatten(future.Completed(p)).Cancel()
		}},
		{"OnDone then stop", func(p *future.Future[int]) {
			p.OnDone(func(*future.Future[int]) {})()
		}},
		{"AsCompleted left after the first yield (2 inputs)", func(p *future.Future[int]) {
			for range future.AsCompleted(context.Background(), p, one) {
				break
			}
		}},
		{"AsCompleted left after the first yield (65 inputs)", func(p *future.Future[int]) {
			// 16 registrations on p a call, among more than 64 inputs: the old
			// code kept about 47 bytes for each.
			in := append(slices.Repeat([]*future.Future[int]{p}, 16), slices.Repeat([]*future.Future[int]{one}, 49)...)
			for range future.AsCompleted(context.Background(), in...) {
				break
			}
		}},
	}
	calls := manyCalls()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pending := future.New[int]()
			tt.call(pending) // warm up: first listener slot, lazily made state
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			for range calls {
				tt.call(pending)
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			perCall := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(calls)
			t.Logf("%d calls: %.2f bytes retained per call", calls, perCall)
			assert.Less(t, perCall, 8.0, "bytes retained per call")
			runtime.KeepAlive(pending)

			// The long-lived future still works, with nothing left on it.
			ran := 0
			pending.AddDoneCallback(func(*future.Future[int]) { ran++ })
			require.True(t, pending.SetResult(7))
			assert.Equal(t, 1, ran)
		})
	}
}

// manyCalls is how many calls the retention tests make: at full size
// (FUTURE_FULL=1) a million, or a tenth of that under the race detector,
// where each call is ten times slower. By default 20,000, and 10,000 under
// the race detector: a margin of 160 KB, or 80 KB, below the limit of 8
// bytes a call, against the collector's noise of about 40 KB (-1.9 bytes a
// call measured over 20,000).
func manyCalls() int {
	if raceEnabled {
		return sized(10_000, 100_000)
	}
	return sized(20_000, 1_000_000)
}

// bytesRetainedPerCall makes n calls of call and returns the heap bytes they
// left behind, each, after GC.
func bytesRetainedPerCall(n int, call func()) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range n {
		call()
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
}

// TestQueuedWorkLeavesNothingBehindABusyWorker: manyCalls functions
// submitted behind a worker that stays busy, whose futures are then done
// before they start, leave nothing in the pool, and their functions and
// contexts are collected at once.
func TestQueuedWorkLeavesNothingBehindABusyWorker(t *testing.T) {
	// Not parallel: it measures the heap.
	type key struct{}
	tests := []struct {
		name string
		// submit queues fn under a context carrying value, then makes
		// its future done before it starts.
		submit func(p *future.Future[int], pool *future.Pool, value any, fn func(context.Context) (int, error))
	}{
		{"Submit then Cancel", func(_ *future.Future[int], pool *future.Pool, value any, fn func(context.Context) (int, error)) {
			ctx := context.WithValue(context.Background(), key{}, value)
			future.Submit(pool, ctx, fn).Cancel()
		}},
		{"Submit under a context that then ends", func(_ *future.Future[int], pool *future.Pool, value any, fn func(context.Context) (int, error)) {
			ctx, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, value))
			f := future.Submit(pool, ctx, fn)
			cancel()
			<-f.DoneChan() // the pool's watch fails it on a goroutine of its own
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pool := future.NewPool(1)
			release := make(chan struct{})
			started := make(chan struct{})
			busy := future.Submit(pool, context.Background(), func(context.Context) (int, error) {
				close(started)
				<-release
				return 0, nil
			})
			receive(t, started)

			// The captures of one call's function and context are collected.
			fnCapture, fnGone := tracked()
			ctxValue, ctxGone := tracked()
			ran := false
			tt.submit(nil, pool, ctxValue, func(context.Context) (int, error) {
				runtime.KeepAlive(fnCapture)
				ran = true
				return 0, nil
			})
			fnCapture, ctxValue = nil, nil
			collected(t, fnGone, "a dropped function")
			collected(t, ctxGone, "a dropped function's context")

			perCall := bytesRetainedPerCall(manyCalls(), func() {
				tt.submit(nil, pool, 1, func(context.Context) (int, error) { ran = true; return 0, nil })
			})
			t.Logf("%.2f bytes retained per call", perCall)
			assert.Less(t, perCall, 8.0, "bytes retained per call")

			close(release)
			_, err := await(t, busy)
			require.NoError(t, err)
			pool.Wait() // nothing dropped counts
			assert.False(t, ran, "a function whose future was done before it started ran")
		})
	}
}

// TestCanceledContinuationsDropTheirFunctions: the function of a
// continuation whose result someone else completed is collected at once,
// while its source stays pending.
func TestCanceledContinuationsDropTheirFunctions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// make registers a continuation on src whose function keeps p.
		make func(src *future.Future[int], p *payload) *future.Future[int]
	}{
		{"ContinueWith", func(src *future.Future[int], p *payload) *future.Future[int] {
			return future.ContinueWith(src, func(*future.Future[int]) (int, error) { runtime.KeepAlive(p); return 0, nil })
		}},
		{"Then", func(src *future.Future[int], p *payload) *future.Future[int] {
			return future.Then(src, func(int) (int, error) { runtime.KeepAlive(p); return 0, nil })
		}},
		{"Recover", func(src *future.Future[int], p *payload) *future.Future[int] {
			return future.Recover(src, func(error) (int, error) { runtime.KeepAlive(p); return 0, nil })
		}},
		{"Then, with a callback on its result", func(src *future.Future[int], p *payload) *future.Future[int] {
			r := future.Then(src, func(int) (int, error) { runtime.KeepAlive(p); return 0, nil })
			r.AddDoneCallback(func(*future.Future[int]) {})
			future.WithTimeout(r, time.Hour)
			return r
		}},
		{"ContinueWithFuture", func(src *future.Future[int], p *payload) *future.Future[int] {
			return future.ContinueWithFuture(src, func(f *future.Future[int]) (*future.Future[int], error) {
				runtime.KeepAlive(p)
				return f, nil
			})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := future.New[int]()
			p, ch := tracked()
			c := tt.make(src, p)
			p = nil
			retained(t, ch, "a pending continuation's function")
			require.True(t, c.Cancel())
			collected(t, ch, "a canceled continuation's function")
			runtime.KeepAlive(src)
		})
	}
}

// TestCanceledFlatContinuationDropsItsFunction checks that the function of
// a ContinueWithFuture whose result was completed by someone else is
// collected while its source stays pending.
func TestCanceledFlatContinuationDropsItsFunction(t *testing.T) {
	src := future.New[int]()
	p, ch := tracked()
	c := future.ContinueWithFuture(src, func(f *future.Future[int]) (*future.Future[int], error) {
		runtime.KeepAlive(p)
		return f, nil
	})
	retained(t, ch, "a pending continuation's function")
	require.True(t, c.Cancel())
	collected(t, ch, "a canceled continuation's function")
	runtime.KeepAlive(src)
}

func TestOnDone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		stopAt   string // "before", "during" or "after" completion
		wantRan  bool
		wantStop bool
	}{
		{"stop before completion", "before", false, true},
		{"stop from an earlier callback", "during", true, false}, // the run has begun
		{"stop after completion", "after", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := future.New[int]()
			var order []string
			var stop func() bool
			var stopped bool
			f.AddDoneCallback(func(*future.Future[int]) {
				order = append(order, "first")
				if tt.stopAt == "during" {
					stopped = stop()
				}
			})
			stop = f.OnDone(func(*future.Future[int]) { order = append(order, "stoppable") })
			f.AddDoneCallback(func(*future.Future[int]) { order = append(order, "last") })
			if tt.stopAt == "before" {
				stopped = stop()
			}
			f.SetResult(1)
			if tt.stopAt == "after" {
				stopped = stop()
			}
			assert.Equal(t, tt.wantStop, stopped, "stop's answer")
			want := []string{"first", "last"}
			if tt.wantRan {
				want = []string{"first", "stoppable", "last"}
			}
			assert.Equal(t, want, order, "callbacks in order, each once")
			assert.False(t, stop(), "a second stop")
		})
	}
}

func TestOnDoneOnADoneFutureRunsAtOnce(t *testing.T) {
	// Not parallel: it counts allocations.
	f := future.Completed(3)
	got := 0
	stop := f.OnDone(func(f *future.Future[int]) { got, _ = f.Result() })
	assert.Equal(t, 3, got)
	assert.False(t, stop())
	allocs := testing.AllocsPerRun(100, func() { f.OnDone(func(*future.Future[int]) {}) })
	assert.Zero(t, allocs, "OnDone on a done future allocates")
}

func TestOnDoneNilCallbackPanics(t *testing.T) {
	t.Parallel()
	assert.PanicsWithValue(t, "future: OnDone called with a nil callback", func() {
		future.New[int]().OnDone(nil)
	})
}

// TestOnDoneStopRacesCompletion: however stop and the completion race,
// exactly one of "the callback ran" and "stop returned true" holds.
func TestOnDoneStopRacesCompletion(t *testing.T) {
	t.Parallel()
	for range 2000 {
		f := future.New[int]()
		var ran int
		var mu sync.Mutex
		stop := f.OnDone(func(*future.Future[int]) { mu.Lock(); ran++; mu.Unlock() })
		other := f.OnDone(func(*future.Future[int]) {})
		var wg sync.WaitGroup
		var stopped bool
		wg.Add(2)
		go func() { defer wg.Done(); stopped = stop() }()
		go func() { defer wg.Done(); f.SetResult(1) }()
		wg.Wait()
		mu.Lock()
		require.True(t, (ran == 1) != stopped, "ran %d times, stop returned %v", ran, stopped)
		mu.Unlock()
		other()
	}
}

// TestLosingCompletionSeesTheFutureDone: a completion that returns false
// does so only once the future is done.
func TestLosingCompletionSeesTheFutureDone(t *testing.T) {
	t.Parallel()
	for range 4000 {
		f := future.New[int]()
		var wg sync.WaitGroup
		results := make([]bool, 3)
		done := make([]bool, 3)
		complete := []func() bool{
			func() bool { return f.SetResult(1) },
			func() bool { return f.SetException(errors.New("x")) },
			f.Cancel,
		}
		for i, c := range complete {
			wg.Add(1)
			go func() { defer wg.Done(); results[i] = c(); done[i] = f.Done() }()
		}
		wg.Wait()
		wins := 0
		for i := range results {
			if results[i] {
				wins++
			}
			require.True(t, done[i], "completion %d returned %v with the future not done", i, results[i])
		}
		require.Equal(t, 1, wins)
	}
}

func TestContinueWithFutureReturningItsOwnResultFails(t *testing.T) {
	t.Parallel()
	src := future.New[int]()
	var self *future.Future[int]
	self = future.ContinueWithFuture(src, func(*future.Future[int]) (*future.Future[int], error) { return self, nil })
	src.SetResult(1)
	_, err := await(t, self)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "own future")
}
