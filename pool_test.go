package future_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"weak"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gofutures/future"
)

// concurrencyGauge tracks how many functions run at once and the most it has seen.
type concurrencyGauge struct {
	now, peak atomic.Int32
}

func (g *concurrencyGauge) enter() {
	n := g.now.Add(1)
	for {
		p := g.peak.Load()
		if n <= p || g.peak.CompareAndSwap(p, n) {
			return
		}
	}
}

func (g *concurrencyGauge) leave() { g.now.Add(-1) }

func TestPoolLimit(t *testing.T) {
	t.Parallel()
	for _, limit := range []int{1, 2, 4, 16} {
		t.Run(fmt.Sprintf("limit %d", limit), func(t *testing.T) {
			t.Parallel()
			p := future.NewPool(limit)
			var g concurrencyGauge
			started := make(chan struct{}, 4*limit)
			release := make(chan struct{})
			fs := make([]*future.Future[int], 4*limit)
			for i := range fs {
				fs[i] = future.Submit(p, context.Background(), func(context.Context) (int, error) {
					g.enter()
					defer g.leave()
					started <- struct{}{}
					<-release
					return i, nil
				})
			}
			for range limit {
				receive(t, started)
			}
			assert.Equal(t, int32(limit), g.now.Load(), "saturated: limit functions run")
			close(release)
			vs, err := await(t, future.Combine(fs...))
			require.NoError(t, err)
			for i, v := range vs {
				assert.Equal(t, i, v)
			}
			assert.Equal(t, int32(limit), g.peak.Load(), "the limit is reached and never exceeded")
		})
	}
}

func TestPoolStartsInSubmissionOrder(t *testing.T) {
	t.Parallel()
	p := future.NewPool(1)
	var mu sync.Mutex
	var order []int
	record := func(i int) func(context.Context) (int, error) {
		return func(context.Context) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			order = append(order, i)
			return i, nil
		}
	}
	gate := make(chan struct{})
	future.Submit(p, context.Background(), func(context.Context) (int, error) {
		<-gate // hold the worker while the first tasks queue up
		return 0, nil
	})
	const queued, more = 200, 5000
	for i := range queued {
		future.Submit(p, context.Background(), record(i))
	}
	close(gate)
	// Keep submitting while the worker drains the queue, so the queue's
	// ring buffer wraps around.
	for i := queued; i < queued+more; i++ {
		future.Submit(p, context.Background(), record(i))
	}
	p.Wait()
	require.Len(t, order, queued+more)
	for i, v := range order {
		require.Equal(t, i, v, "start order")
	}
}

func TestSubmitNeverBlocksNorStartsAGoroutinePerTask(t *testing.T) {
	// Not parallel: it counts goroutines.
	const limit, queued = 4, 20_000
	before := runtime.NumGoroutine()
	p := future.NewPool(limit)
	var g concurrencyGauge
	started := make(chan struct{}, limit)
	release := make(chan struct{})
	block := func(context.Context) (int, error) {
		g.enter()
		defer g.leave()
		started <- struct{}{}
		<-release
		return 1, nil
	}
	for range limit {
		future.Submit(p, context.Background(), block)
	}
	for range limit {
		receive(t, started)
	}

	// Submit from a goroutine of our own, so a Submit that blocked would
	// fail the test instead of hanging it; it counts itself.
	fs := make([]*future.Future[int], queued)
	submitted := make(chan int)
	go func() {
		for i := range fs {
			fs[i] = future.Submit(p, context.Background(), func(context.Context) (int, error) { return i, nil })
		}
		submitted <- runtime.NumGoroutine() - 1
	}()
	n := receive(t, submitted) // Submit returned 20,000 times while every worker was blocked
	assert.LessOrEqual(t, n-before, limit, "at most limit goroutines, none per queued task")
	assert.Equal(t, int32(limit), g.now.Load())
	for _, f := range fs {
		assert.False(t, f.Done())
	}

	close(release)
	p.Wait()
	for i, f := range fs {
		require.True(t, f.Done(), "Wait returned before future %d was done", i)
		v, _ := f.Result()
		require.Equal(t, i, v)
	}
	goleak.VerifyNone(t) // an idle pool holds no goroutine
}

func TestQueuedTaskCanceledNeverRuns(t *testing.T) {
	t.Parallel()
	cause := errors.New("client went away")
	tests := []struct {
		name    string
		ctx     func() (context.Context, func())
		cancel  func(cancelCtx func(), f *future.Future[int])
		wantErr error
	}{
		{
			name: "context canceled with a cause",
			ctx: func() (context.Context, func()) {
				ctx, cancel := context.WithCancelCause(context.Background())
				return ctx, func() { cancel(cause) }
			},
			cancel:  func(cancelCtx func(), _ *future.Future[int]) { cancelCtx() },
			wantErr: cause,
		},
		{
			name: "context past its deadline",
			ctx: func() (context.Context, func()) {
				ctx, cancel := context.WithTimeout(context.Background(), 0)
				return ctx, cancel
			},
			cancel:  func(func(), *future.Future[int]) {},
			wantErr: context.DeadlineExceeded,
		},
		{
			name: "future canceled",
			ctx: func() (context.Context, func()) {
				return context.Background(), func() {}
			},
			cancel:  func(_ func(), f *future.Future[int]) { assert.True(t, f.Cancel()) },
			wantErr: context.Canceled,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := future.NewPool(1)
			started := make(chan struct{})
			release := make(chan struct{})
			busy := future.Submit(p, context.Background(), func(context.Context) (int, error) {
				close(started)
				<-release
				return 1, nil
			})
			receive(t, started) // the only worker is busy from here on

			ctx, cancelCtx := tt.ctx()
			defer cancelCtx()
			var ran atomic.Bool
			victim := future.Submit(p, ctx, func(context.Context) (int, error) {
				ran.Store(true)
				return 2, nil
			})
			next := future.Submit(p, context.Background(), func(context.Context) (int, error) { return 3, nil })
			tt.cancel(cancelCtx, victim)

			receive(t, victim.DoneChan()) // done while the worker is still busy
			assert.ErrorIs(t, victim.Exception(), tt.wantErr)
			assert.Nil(t, victim.Traceback())
			assert.False(t, busy.Done())

			close(release)
			p.Wait()
			assert.False(t, ran.Load(), "a canceled task never runs")
			v, err := next.Result()
			assert.NoError(t, err)
			assert.Equal(t, 3, v, "the queue moves on")
		})
	}
}

func TestSubmitWithDoneContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := future.NewPool(1)
	var ran atomic.Bool
	f := future.Submit(p, ctx, func(context.Context) (int, error) {
		ran.Store(true)
		return 1, nil
	})
	require.True(t, f.Done(), "fails at once")
	assert.ErrorIs(t, f.Exception(), context.Canceled)
	p.Wait()
	assert.False(t, ran.Load())
}

func TestPoolContainsPanics(t *testing.T) {
	t.Parallel()
	p := future.NewPool(1)
	bad := future.Submit(p, context.Background(), func(context.Context) (int, error) {
		var m map[string]int
		//lint:ignore SA5000 the runtime panic under test
		m["x"] = 1
		return 0, nil
	})
	good := future.Submit(p, context.Background(), func(context.Context) (int, error) { return 7, nil })

	_, err := await(t, bad)
	var pe *future.PanicError
	require.ErrorAs(t, err, &pe)
	assert.NotEmpty(t, bad.Traceback().Frames(), "with the panic's stack")
	v, err := await(t, good)
	assert.NoError(t, err)
	assert.Equal(t, 7, v, "the pool keeps working")
}

func TestPoolWait(t *testing.T) {
	t.Parallel()
	t.Run("idle", func(t *testing.T) {
		t.Parallel()
		p := future.NewPool(3)
		waited := make(chan struct{})
		go func() {
			p.Wait()
			close(waited)
		}()
		receive(t, waited)
	})

	t.Run("during work", func(t *testing.T) {
		t.Parallel()
		p := future.NewPool(2)
		release := make(chan struct{})
		fs := make([]*future.Future[int], 10)
		for i := range fs {
			fs[i] = future.Submit(p, context.Background(), func(context.Context) (int, error) {
				<-release
				return i, nil
			})
		}
		waited := make(chan struct{})
		go func() {
			p.Wait()
			close(waited)
		}()
		select {
		case <-waited:
			require.FailNow(t, "Wait returned while work was blocked")
		default:
		}
		close(release)
		receive(t, waited)
		for _, f := range fs {
			assert.True(t, f.Done())
		}
	})

	t.Run("work submitted from inside a task", func(t *testing.T) {
		t.Parallel()
		p := future.NewPool(2)
		var mu sync.Mutex
		var fs []*future.Future[int]
		var spawn func(depth int) func(context.Context) (int, error)
		spawn = func(depth int) func(context.Context) (int, error) {
			return func(context.Context) (int, error) {
				if depth < 20 {
					for range 2 {
						// Not the task's own ctx: it ends when the task returns.
						f := future.Submit(p, context.Background(), spawn(depth+1))
						mu.Lock()
						fs = append(fs, f)
						mu.Unlock()
					}
				}
				return depth, nil
			}
		}
		root := future.Submit(p, context.Background(), func(context.Context) (int, error) {
			f := future.Submit(p, context.Background(), spawn(10))
			mu.Lock()
			fs = append(fs, f)
			mu.Unlock()
			return 0, nil
		})
		p.Wait()
		assert.True(t, root.Done())
		mu.Lock()
		defer mu.Unlock()
		assert.Len(t, fs, 1<<11-1, "depths 10 to 20, each doubling")
		for _, f := range fs {
			require.True(t, f.Done(), "every future submitted during the wait is done")
		}
	})
}

func TestPoolConcurrentSubmitAndCancel(t *testing.T) {
	t.Parallel()
	const submitters, each = 8, 500
	p := future.NewPool(3)
	var ran atomic.Int32
	var didRun [submitters * each]atomic.Bool
	cause := errors.New("request over")
	type sub struct {
		f    *future.Future[int]
		want int
	}
	results := make([][]sub, submitters)
	var wg sync.WaitGroup
	for s := range submitters {
		wg.Go(func() {
			ctx, cancel := context.WithCancelCause(context.Background())
			for i := range each {
				want := s*each + i
				f := future.Submit(p, ctx, func(ctx context.Context) (int, error) {
					ran.Add(1)
					didRun[want].Store(true)
					return want, nil
				})
				results[s] = append(results[s], sub{f, want})
				switch {
				case i%7 == 0:
					f.Cancel()
				case i%11 == 0:
					// Someone else cancels it, concurrently with the pool.
					wg.Go(func() { f.Cancel() })
				}
			}
			cancel(cause) // ends whatever of this submitter's work is still queued
		})
	}
	wg.Wait()
	p.Wait()

	var succeeded, canceled, expired int
	for _, subs := range results {
		for _, s := range subs {
			require.True(t, s.f.Done(), "every future is done after Wait")
			v, err := s.f.Result()
			switch {
			case err == nil:
				succeeded++
				assert.Equal(t, s.want, v)
				assert.True(t, didRun[s.want].Load())
			case errors.Is(err, context.Canceled):
				canceled++
			case errors.Is(err, cause):
				expired++
				assert.False(t, didRun[s.want].Load(), "a task failed by its context's end never ran")
			default:
				t.Errorf("unexpected outcome %v", err)
			}
		}
	}
	assert.Equal(t, submitters*each, succeeded+canceled+expired, "every future accounted for")
	assert.LessOrEqual(t, succeeded, int(ran.Load()), "each success ran")
	assert.LessOrEqual(t, int(ran.Load()), submitters*each)
	t.Logf("%d succeeded, %d canceled, %d expired, %d ran", succeeded, canceled, expired, ran.Load())
}

func TestServicesMisusePanics(t *testing.T) {
	t.Parallel()
	p := future.NewPool(1)
	fn := func(context.Context) (int, error) { return 0, nil }
	ctx := context.Background()
	tests := []struct {
		name string
		call func()
		want string
	}{
		{"NewPool(0)", func() { future.NewPool(0) }, "future: NewPool called with limit 0; the limit must be at least 1"},
		{"NewPool(-3)", func() { future.NewPool(-3) }, "future: NewPool called with limit -3; the limit must be at least 1"},
		{"Submit nil pool", func() { future.Submit(nil, ctx, fn) }, "future: Submit called with a nil *Pool"},
		{"Submit nil context", func() { future.Submit(p, nil, fn) }, "future: Submit called with a nil context"}, //nolint:staticcheck // the misuse under test
		{"Submit nil fn", func() { future.Submit[int](p, ctx, nil) }, "future: Submit called with a nil function"},
		{"Submit zero Pool", func() { future.Submit(new(future.Pool), ctx, fn) }, "future: Submit called on a Pool not made by NewPool"},
		{"Wait nil pool", func() { (*future.Pool)(nil).Wait() }, "future: Wait called on a nil *Pool"},
		{"GoContext nil context", func() {
			//lint:ignore SA1012 the misuse under test
			future.GoContext(nil, fn)
		}, "future: GoContext called with a nil context"},
		{"GoContext nil fn", func() { future.GoContext[int](ctx, nil) }, "future: GoContext called with a nil function"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.PanicsWithValue(t, tt.want, tt.call)
		})
	}
	p.Wait() // nothing was queued
}

func TestGoexitInATask(t *testing.T) {
	t.Parallel()
	for _, s := range svcStarters() {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			var ctx context.Context
			f := s.start(context.Background(), func(c context.Context) (int, error) {
				ctx = c
				runtime.Goexit() // what t.FailNow does
				return 1, nil
			})
			_, err := await(t, f)
			assert.ErrorContains(t, err, "runtime.Goexit")
			assert.ErrorIs(t, ctx.Err(), context.Canceled)
		})
	}
	t.Run("the pool keeps working", func(t *testing.T) {
		t.Parallel()
		p := future.NewPool(1)
		fs := make([]*future.Future[int], 6)
		for i := range fs {
			fs[i] = future.Submit(p, context.Background(), func(context.Context) (int, error) {
				if i%2 == 0 {
					runtime.Goexit()
				}
				return i, nil
			})
		}
		p.Wait()
		for i, f := range fs {
			require.True(t, f.Done())
			v, err := f.Result()
			if i%2 == 0 {
				assert.Error(t, err)
			} else {
				assert.Equal(t, i, v)
			}
		}
	})
}

// TestContextEndFailsOnlyItsQueuedTasks: tasks of several requests wait in
// one queue; when one request's context ends, its queued tasks fail at once
// and never run, its running task sees the end and is waited for, and the
// other request's tasks are untouched and run.
func TestContextEndFailsOnlyItsQueuedTasks(t *testing.T) {
	t.Parallel()
	p := future.NewPool(2)
	causeA := errors.New("request A timed out")
	ctxA, cancelA := context.WithCancelCause(context.Background())
	ctxB, cancelB := context.WithCancel(context.Background())
	defer cancelB()

	var mu sync.Mutex
	var ran []string
	task := func(name string) func(context.Context) (int, error) {
		return func(context.Context) (int, error) {
			mu.Lock()
			defer mu.Unlock()
			ran = append(ran, name)
			return len(ran), nil
		}
	}
	startedA, startedB := make(chan context.Context, 1), make(chan context.Context, 1)
	release := make(chan struct{})
	hold := func(started chan<- context.Context) func(context.Context) (int, error) {
		return func(ctx context.Context) (int, error) {
			started <- ctx
			<-release
			return 0, context.Cause(ctx)
		}
	}

	runningA := future.Submit(p, ctxA, hold(startedA))
	runningB := future.Submit(p, ctxB, hold(startedB))
	ctxRunningA := receive(t, startedA)
	receive(t, startedB) // both workers are busy from here on

	names := []string{"A1", "B1", "A2", "B2", "A3"}
	fs := make(map[string]*future.Future[int])
	for _, name := range names {
		ctx := ctxB
		if name[0] == 'A' {
			ctx = ctxA
		}
		fs[name] = future.Submit(p, ctx, task(name))
	}

	cancelA(causeA)
	for _, name := range []string{"A1", "A2", "A3"} {
		receive(t, fs[name].DoneChan()) // at once, with both workers busy
		assert.ErrorIs(t, fs[name].Exception(), causeA, name)
	}
	assert.False(t, fs["B1"].Done())
	assert.False(t, fs["B2"].Done())
	receive(t, ctxRunningA.Done())
	assert.False(t, runningA.Done(), "a running task sees its context end, and its future waits for it")

	close(release)
	p.Wait()
	_, err := runningA.Result()
	assert.ErrorIs(t, err, causeA, "the running task saw its request end")
	assert.NoError(t, runningB.Exception())
	assert.ElementsMatch(t, []string{"B1", "B2"}, ran, "only B's tasks ran")

	// B's watch closed when its last queued task started; new waiting work
	// on the same context is watched afresh.
	release2 := make(chan struct{})
	blockers := []*future.Future[int]{
		future.Submit(p, context.Background(), func(context.Context) (int, error) { <-release2; return 0, nil }),
		future.Submit(p, context.Background(), func(context.Context) (int, error) { <-release2; return 0, nil }),
	}
	b3 := future.Submit(p, ctxB, task("B3"))
	cancelB()
	receive(t, b3.DoneChan())
	assert.ErrorIs(t, b3.Exception(), context.Canceled)
	close(release2)
	p.Wait()
	assert.True(t, blockers[0].Done() && blockers[1].Done())
	assert.ElementsMatch(t, []string{"B1", "B2"}, ran, "B3 never ran")
}

// TestPoolWatchKeepsNoRequestsContext: requests whose contexts share one
// Done channel (context.WithValue over one base, as a message consumer makes
// for each message) share a watch while their work waits behind busy
// workers. Once one request's queued work has left the queue, canceled or
// run, nothing keeps that request's context (and its values) alive, though
// another request's work still waits under the same watch; and that work
// still fails at once, with the base's cause, when the base ends while every
// worker is busy.
func TestPoolWatchKeepsNoRequestsContext(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		// leave makes the first request's job leave the queue while the
		// second's keeps waiting: release lets the pool's busy function
		// return, once.
		leave func(t *testing.T, first *future.Future[int], release func())
	}{
		{"canceled", func(t *testing.T, first *future.Future[int], _ func()) {
			require.True(t, first.Cancel())
		}},
		{"ran", func(t *testing.T, first *future.Future[int], release func()) {
			release() // the worker runs the first request's job, then blocks on the next one
			_, err := await(t, first)
			require.NoError(t, err)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := future.NewPool(1)
			busy, blocked := make(chan struct{}), make(chan struct{})
			started := make(chan struct{}, 2)
			block := func(release <-chan struct{}) func(context.Context) (int, error) {
				return func(context.Context) (int, error) {
					started <- struct{}{}
					<-release
					return 0, nil
				}
			}
			future.Submit(p, context.Background(), block(busy))
			receive(t, started) // the only worker is busy from here on

			base, cancelBase := context.WithCancelCause(context.Background())
			defer cancelBase(nil)
			value := new(payload)
			inFirst := weak.Make(value)
			first := future.Submit(p, context.WithValue(base, payloadKey{}, value), func(context.Context) (int, error) { return 1, nil })
			value = nil
			future.Submit(p, context.Background(), block(blocked)) // keeps the worker busy once the first job has run
			defer close(blocked)
			second := future.Submit(p, context.WithValue(base, payloadKey{}, new(payload)), func(context.Context) (int, error) { return 2, nil })

			release := sync.OnceFunc(func() { close(busy) })
			defer release()
			tt.leave(t, first, release)
			gone(t, inFirst, "the context of a request whose job has left the queue")
			require.False(t, second.Done())

			cause := errors.New("the consumer stopped")
			cancelBase(cause)
			receive(t, second.DoneChan()) // at once, with the worker busy
			assert.ErrorIs(t, second.Exception(), future.ErrNotRun)
			assert.ErrorIs(t, second.Exception(), cause)
			runtime.KeepAlive(first)
		})
	}
}

// gone fails the test unless the object wp points to is collected within a
// few collections. A weak pointer reads nil as soon as a collection finds
// its object unreachable: unlike a finalizer, there is no finalizer
// goroutine to wait for, so no sleep between collections, and an object
// in a cycle is found too.
func gone[T any](t *testing.T, wp weak.Pointer[T], what string) {
	t.Helper()
	for range 5 {
		runtime.GC()
		if wp.Value() == nil {
			return
		}
	}
	t.Fatalf("%s is still reachable", what)
}
