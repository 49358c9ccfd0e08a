package future_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofutures/future"
)

// Retention: a done future must not keep alive what its callbacks,
// continuation functions or Combine inputs referred to, since futures often
// outlive the work that completed them (a cache of results, say). Each test
// hangs a cleanup (runtime.AddCleanup) on an object only a callback refers to and checks, with
// the future still reachable, that the object is collected once the future
// is done, and, as a control, not before.

// payload is big enough to get an allocation of its own, so its cleanup
// runs as soon as it is unreachable.
type payload struct{ _ [64]byte }

// tracked returns a new object and a channel closed when it is collected.
func tracked() (*payload, <-chan struct{}) {
	p := new(payload)
	ch := make(chan struct{})
	runtime.AddCleanup(p, func(ch chan struct{}) { close(ch) }, ch)
	return p, ch
}

// collected fails the test unless ch is closed, running the collector until
// it is or patience runs out.
func collected(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for {
		runtime.GC()
		select {
		case <-ch:
			return
		case <-time.After(5 * time.Millisecond): // let the cleanup goroutine run
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s is still reachable", what)
		}
	}
}

// retained fails the test if ch is closed after two collections: it checks
// that the test can see retention at all.
func retained(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	runtime.GC()
	runtime.GC()
	select {
	case <-ch:
		t.Fatalf("%s was collected while still needed", what)
	case <-time.After(20 * time.Millisecond):
	}
}

func capturingCallback(f *future.Future[int]) <-chan struct{} {
	p, ch := tracked()
	f.AddDoneCallback(func(*future.Future[int]) { runtime.KeepAlive(p) })
	return ch
}

func TestDoneFutureDropsCallbacks(t *testing.T) {
	t.Parallel()
	f := future.New[int]()
	// The first callback is held inline, the others in a slice: check both.
	first, second, third := capturingCallback(f), capturingCallback(f), capturingCallback(f)
	retained(t, first, "a pending future's callback")
	retained(t, third, "a pending future's callback")
	f.SetResult(1)
	collected(t, first, "the first callback of a done future")
	collected(t, second, "the second callback of a done future")
	collected(t, third, "the third callback of a done future")
	v, _ := f.Result()
	assert.Equal(t, 1, v)
	runtime.KeepAlive(f)
}

func capturingContinuation(f *future.Future[int]) (*future.Future[int], <-chan struct{}) {
	p, ch := tracked()
	return future.ContinueWith(f, func(f *future.Future[int]) (int, error) {
		runtime.KeepAlive(p)
		return f.Result()
	}), ch
}

func capturingFlatContinuation(f *future.Future[int]) (*future.Future[int], <-chan struct{}) {
	p, ch := tracked()
	return future.ContinueWithFuture(f, func(f *future.Future[int]) (*future.Future[int], error) {
		runtime.KeepAlive(p)
		return f, nil
	}), ch
}

func TestDoneContinuationDropsItsFunction(t *testing.T) {
	t.Parallel()
	for name, continueWith := range map[string]func(*future.Future[int]) (*future.Future[int], <-chan struct{}){
		"ContinueWith":       capturingContinuation,
		"ContinueWithFuture": capturingFlatContinuation,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src := future.New[int]()
			next, fn := continueWith(src)
			retained(t, fn, "a pending continuation's function")
			src.SetResult(2)
			collected(t, fn, "a done continuation's function")
			v, err := next.Result() // the continuation's future, still reachable
			require.NoError(t, err)
			assert.Equal(t, 2, v)
			runtime.KeepAlive(src)
		})
		t.Run(name+" skipped", func(t *testing.T) {
			t.Parallel()
			src := future.New[int]()
			next, fn := continueWith(src)
			next.SetResult(3) // completed first: fn never runs
			src.SetResult(2)
			collected(t, fn, "a skipped continuation's function")
			runtime.KeepAlive(next)
			runtime.KeepAlive(src)
		})
	}
}

// trackedFuture returns a pending future and a channel closed when it is
// collected.
func trackedFuture() (*future.Future[int], <-chan struct{}) {
	f := future.New[int]()
	ch := make(chan struct{})
	runtime.AddCleanup(f, func(ch chan struct{}) { close(ch) }, ch)
	return f, ch
}

func TestDoneCombinatorsDropTheirInputs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// make returns the combinator's future, checked once done, its
		// tracked inputs, and a function that completes them.
		make func() (result func(*testing.T), inputs []<-chan struct{}, complete func())
	}{
		{"Combine", combineTracked},
		{"All failing fast", allFailFastTracked},
		{"Flatten", flattenTracked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			result, inputs, complete := tt.make()
			retained(t, inputs[0], "a pending "+tt.name+"'s input")
			complete()
			complete = nil
			for _, in := range inputs {
				collected(t, in, "a done "+tt.name+"'s input")
			}
			result(t)
			assert.Nil(t, complete)
		})
	}
}

// combineTracked combines two tracked futures.
func combineTracked() (func(*testing.T), []<-chan struct{}, func()) {
	fa, a := trackedFuture()
	fb, b := trackedFuture()
	combined := future.Combine(fa, fb)
	return func(t *testing.T) {
			v, err := combined.Result()
			require.NoError(t, err)
			assert.Equal(t, []int{1, 2}, v)
		}, []<-chan struct{}{a, b}, func() {
			fa.SetResult(1)
			fb.SetResult(2)
		}
}

// allFailFastTracked fails a tracked input of All while the other input
// stays pending: All is done, and the failed input is not needed any more.
func allFailFastTracked() (func(*testing.T), []<-chan struct{}, func()) {
	fa, a := trackedFuture()
	pending := future.New[int]()
	all := future.All(fa, pending)
	return func(t *testing.T) {
			assert.ErrorIs(t, all.Exception(), errBoom)
			runtime.KeepAlive(pending) // it still holds All's listener
		}, []<-chan struct{}{a}, func() {
			fa.SetException(errBoom)
		}
}

// flattenTracked flattens a tracked future of a tracked future.
func flattenTracked() (func(*testing.T), []<-chan struct{}, func()) {
	in, inner := trackedFuture()
	out := future.New[*future.Future[int]]()
	outer := make(chan struct{})
	runtime.AddCleanup(out, func(ch chan struct{}) { close(ch) }, outer)
	flat := future.Flatten(out)
	return func(t *testing.T) {
			v, err := flat.Result()
			require.NoError(t, err)
			assert.Equal(t, 5, v)
		}, []<-chan struct{}{outer, inner}, func() {
			out.SetResult(in)
			in.SetResult(5)
		}
}

// TestResultContextTimeoutsLeaveNothing times out many ResultContext calls
// (a million at full size) on one pending future and checks that memory
// stays flat: a call that returns registers nothing on the future.
func TestResultContextTimeoutsLeaveNothing(t *testing.T) {
	// Not parallel: it measures the heap.
	calls := manyCalls()
	f := future.New[int]()
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	_, _ = f.ResultContext(canceled) // the done channel is made once, lazily

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	goroutines := runtime.NumGoroutine()
	for range calls {
		if _, err := f.ResultContext(canceled); err != context.Canceled {
			t.Fatalf("ResultContext = %v, want context.Canceled", err)
		}
	}
	// Some real timeouts too: the deadline passes while the call waits.
	for range 200 {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Microsecond)
		_, err := f.ResultContext(ctx)
		cancel()
		require.ErrorIs(t, err, context.DeadlineExceeded)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)

	// A leak of one object per call would be at least 20,000 objects (a
	// million and tens of MiB at full size); the bounds only absorb the
	// runtime's own noise.
	objects := int64(after.HeapObjects) - int64(before.HeapObjects)
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("after %d calls: %+d heap objects, %+d heap bytes", calls, objects, heap)
	assert.Less(t, objects, int64(10_000), "heap objects grew")
	assert.Less(t, heap, int64(4<<20), "heap grew")
	assert.LessOrEqual(t, runtime.NumGoroutine(), goroutines, "goroutines left behind")
	assert.False(t, f.Done(), "the future is unchanged")

	// And the future still completes and wakes a waiter normally, with no
	// callback left behind by the calls.
	got := make(chan int, 1)
	go func() { v, _ := f.Result(); got <- v }()
	f.SetResult(4)
	assert.Equal(t, 4, receive(t, got))
}

func TestResultContextTimeoutAllocatesNothing(t *testing.T) {
	// Not parallel: AllocsPerRun measures the whole process.
	f := future.New[int]()
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	allocs := testing.AllocsPerRun(1000, func() { _, _ = f.ResultContext(canceled) })
	assert.Zero(t, allocs, "a ResultContext that times out allocates nothing, so it cannot register anything")
}

// payloadKey keys a tracked payload in a context.
type payloadKey struct{}

// startTracked starts a task with start, under a context that holds one
// tracked payload and with a function that captures another; it returns
// the task's future and the channels closed when the payloads are
// collected.
func startTracked(start func(context.Context, func(context.Context) (int, error)) *future.Future[int]) (f *future.Future[int], inCtx, inFn <-chan struct{}) {
	pc, inCtx := tracked()
	pf, inFn := tracked()
	ctx := context.WithValue(context.Background(), payloadKey{}, pc)
	f = start(ctx, func(context.Context) (int, error) {
		runtime.KeepAlive(pf)
		return 1, nil
	})
	return f, inCtx, inFn
}

// letsGo starts a tracked task with start, waits for its future, checks its
// error, and fails the test unless the done future lets go of the task's
// context and function.
func letsGo(t *testing.T, start func(context.Context, func(context.Context) (int, error)) *future.Future[int], check func(error)) {
	t.Helper()
	f, inCtx, inFn := startTracked(start)
	_, err := await(t, f)
	check(err)
	collected(t, inCtx, "the context of a done task")
	collected(t, inFn, "the function of a done task")
	runtime.KeepAlive(f)
}

// TestDoneTaskDropsItsContextAndFunction: the future of a GoContext or
// Submit task, once the task is over, keeps neither the request's context
// (and its values) nor the function alive, whether the function ran or was
// canceled in the queue.
func TestDoneTaskDropsItsContextAndFunction(t *testing.T) {
	t.Parallel()
	for _, s := range svcStarters() {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			letsGo(t, s.start, func(err error) { require.NoError(t, err) })
		})
	}
	t.Run("Submit canceled in the queue", func(t *testing.T) {
		t.Parallel()
		p := future.NewPool(1)
		release := make(chan struct{})
		future.Submit(p, context.Background(), func(context.Context) (int, error) {
			<-release
			return 0, nil
		})
		f, inCtx, inFn := startTracked(func(ctx context.Context, fn func(context.Context) (int, error)) *future.Future[int] {
			return future.Submit(p, ctx, fn)
		})
		require.True(t, f.Cancel())
		close(release)
		p.Wait() // the worker has skipped the canceled task
		collected(t, inCtx, "the context of a canceled task")
		collected(t, inFn, "the function of a canceled task")
		runtime.KeepAlive(f)
	})
}

// TestTakenJobKeepsNothingBehindIt: once a pool's job has run and its future
// is dropped, nothing in the queue keeps its result, not even the jobs that
// were behind it and still wait: here the worker is busy with another
// request's job, and the next job of the same request waits behind it.
func TestTakenJobKeepsNothingBehindIt(t *testing.T) {
	t.Parallel()
	p := future.NewPool(1)
	releaseFirst, releaseOther := make(chan struct{}), make(chan struct{})
	defer close(releaseOther)
	future.Submit(p, context.Background(), func(context.Context) (int, error) {
		<-releaseFirst
		return 0, nil
	})
	request, cancelRequest := context.WithCancel(context.Background())
	defer cancelRequest()
	other, cancelOther := context.WithCancel(context.Background())
	defer cancelOther()
	result, inResult := tracked()
	returning := func(r *payload) func(context.Context) (*payload, error) {
		return func(context.Context) (*payload, error) { return r, nil }
	}
	done := future.Submit(p, request, returning(result)).DoneChan()
	result = nil // only the job's future holds it now
	otherStarted := make(chan struct{})
	future.Submit(p, other, func(context.Context) (int, error) {
		close(otherStarted)
		<-releaseOther
		return 0, nil
	})
	waiting := future.Submit(p, request, func(context.Context) (int, error) { return 0, nil })
	close(releaseFirst)
	receive(t, done)
	receive(t, otherStarted) // the worker has moved past the request's first job
	collected(t, inResult, "the result of a job that ran, while the jobs behind it wait")
	assert.False(t, waiting.Done())
}
