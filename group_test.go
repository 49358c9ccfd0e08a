package future_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofutures/future"
)

// groupRunner makes a group on a pool, or on goroutines of its own.
type groupRunner struct {
	name string
	pool func() *future.Pool // nil: no pool
}

func groupRunners() []groupRunner {
	return []groupRunner{
		{"no pool", func() *future.Pool { return nil }},
		{"pool", func() *future.Pool { return future.NewPool(4) }},
	}
}

// awaitGroup runs g.Wait on a goroutine of its own and returns its error,
// failing the test if Wait does not return in time.
func awaitGroup(t *testing.T, g *future.Group) error {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- g.Wait() }()
	return receive(t, errc)
}

// background runs f on a goroutine of its own and returns that goroutine's
// id, for parked, and a channel closed when f returns.
func background(f func()) (id string, done <-chan struct{}) {
	ids, finished := make(chan string, 1), make(chan struct{})
	go func() {
		defer close(finished)
		ids <- goroutineID()
		f()
	}()
	return <-ids, finished
}

// goroutineID returns the calling goroutine's id, as stack dumps show it.
func goroutineID() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	id, _, _ := strings.Cut(strings.TrimPrefix(string(buf), "goroutine "), " ")
	return id
}

// parked waits until goroutine id is blocked (not running or runnable) in
// a function whose name contains where, failing the test if it is not in
// time. It is how the tests know that a call blocks, rather than hoping a
// sleep was long enough: the runtime says where the goroutine is parked.
func parked(t *testing.T, id, where string) {
	t.Helper()
	parkedOrDone(t, id, where, nil)
}

// parkedOrDone is parked that also returns once done is closed.
func parkedOrDone(t *testing.T, id, where string, done <-chan struct{}) {
	t.Helper()
	deadline := time.Now().Add(patience)
	buf := make([]byte, 1<<16)
	for {
		select {
		case <-done:
			return
		default:
		}
		n := runtime.Stack(buf, true)
		if n == len(buf) {
			buf = make([]byte, 2*len(buf))
			continue
		}
		for _, g := range strings.Split(string(buf[:n]), "\n\n") {
			state, ok := strings.CutPrefix(g, "goroutine "+id+" [")
			if !ok {
				continue
			}
			if !strings.HasPrefix(state, "running") && !strings.HasPrefix(state, "runnable") && strings.Contains(g, where) {
				return
			}
		}
		if time.Now().After(deadline) {
			require.FailNowf(t, "not parked", "goroutine %s is not blocked in %s:\n%s", id, where, buf[:n])
		}
		time.Sleep(time.Millisecond)
	}
}

// TestGroupFirstFailureCancelsTheRest: the first function to fail, by an
// error, a panic or runtime.Goexit, cancels the group's context with its
// failure as the cause; running siblings see that cause, functions not yet
// started never run and fail with ErrNotRun and the cause, and Wait returns
// the failure.
func TestGroupFirstFailureCancelsTheRest(t *testing.T) {
	t.Parallel()
	failures := []struct {
		name  string
		fail  func() (int, error)
		check func(t *testing.T, err error)
	}{
		{"error", func() (int, error) { return 0, errBoom }, func(t *testing.T, err error) {
			assert.Equal(t, errBoom, err)
		}},
		{"panic", func() (int, error) { panic("backend 500") }, func(t *testing.T, err error) {
			var pe *future.PanicError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, "backend 500", pe.Value)
		}},
		{"Goexit", func() (int, error) { runtime.Goexit(); return 0, nil }, func(t *testing.T, err error) {
			assert.ErrorContains(t, err, "runtime.Goexit")
		}},
	}
	for _, r := range groupRunners() {
		for _, tt := range failures {
			t.Run(r.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				const siblings = 2
				var p *future.Pool
				if r.pool() != nil {
					p = future.NewPool(siblings + 1) // the siblings and the failing function
				}
				g := future.NewGroup(context.Background(), p)
				started := make(chan struct{}, siblings)
				causes := make(chan error, siblings)
				fs := make([]*future.Future[int], siblings)
				for i := range fs {
					fs[i] = future.Fork(g, func(ctx context.Context) (int, error) {
						started <- struct{}{}
						<-ctx.Done()
						causes <- context.Cause(ctx)
						return 0, context.Cause(ctx)
					})
				}
				for range siblings {
					receive(t, started)
				}

				failNow, failing := make(chan struct{}), make(chan struct{})
				bad := future.Fork(g, func(context.Context) (int, error) {
					close(failing)
					<-failNow
					return tt.fail()
				})
				receive(t, failing)
				// On the pool every worker is busy now: this one waits in
				// the queue, and the failure takes it out.
				var queuedRan atomic.Bool
				var queued *future.Future[int]
				if p != nil {
					queued = future.Fork(g, func(context.Context) (int, error) {
						queuedRan.Store(true)
						return 1, nil
					})
				}
				close(failNow)

				_, err := await(t, bad)
				require.Error(t, err)
				tt.check(t, err)
				for range siblings {
					cause := receive(t, causes)
					assert.True(t, cause == err, "a sibling's context.Cause is %v, want the failure %v", cause, err)
				}
				assert.True(t, context.Cause(g.Context()) == err, "the group's cause")
				assert.True(t, awaitGroup(t, g) == err, "Wait returns the first failure")
				for _, f := range fs {
					assert.True(t, f.Exception() == err, "a sibling returned the cause: its own failure, not the group's first")
				}

				late := future.Fork(g, func(context.Context) (int, error) {
					t.Error("a function forked after the failure ran")
					return 0, nil
				})
				for _, f := range []*future.Future[int]{queued, late} {
					if f == nil {
						continue // no queue without a pool
					}
					require.True(t, f.Done())
					assert.ErrorIs(t, f.Exception(), future.ErrNotRun)
					assert.ErrorIs(t, f.Exception(), err)
					assert.Nil(t, f.Traceback())
				}
				if p != nil {
					p.Wait()
				}
				assert.False(t, queuedRan.Load(), "a function queued when the group failed ran")
			})
		}
	}
}

// TestGroupFailureIsVisibleOnceItsFutureIsDone: whoever sees a function's
// failure through its future sees the group's context canceled with it, so
// a Fork after that runs nothing. (The group used to be failed just after
// the future was done: a reader that saw the failure in between, as this
// one mostly does while it holds the group's lock in Context, found the
// group still running and could fork work that then ran.)
func TestGroupFailureIsVisibleOnceItsFutureIsDone(t *testing.T) {
	t.Parallel()
	for _, r := range groupRunners() {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			p := r.pool()
			for range 1000 {
				g := future.NewGroup(context.Background(), p)
				f := future.Fork(g, func(context.Context) (int, error) { return 0, errBoom })
				deadline := time.Now().Add(patience)
				for !f.Done() {
					g.Context() // holds the group's lock now and then
					runtime.Gosched()
					require.True(t, time.Now().Before(deadline), "future not done in time")
				}
				require.Equal(t, errBoom, context.Cause(g.Context()), "the failure is visible, the group is not failed yet")
				var ran atomic.Bool
				next := future.Fork(g, func(context.Context) (int, error) { ran.Store(true); return 0, nil })
				require.Equal(t, errBoom, awaitGroup(t, g))
				require.False(t, ran.Load(), "a Fork after the failure was seen ran")
				require.ErrorIs(t, next.Exception(), future.ErrNotRun)
			}
		})
	}
}

// TestGroupWaitWaitsForEveryFunction: Wait returns only once every
// function has returned, not when their futures are done: a function that
// ignores its context after the group failed, one whose future was
// canceled, and functions forked from inside the group while Wait waits.
func TestGroupWaitWaitsForEveryFunction(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// end makes blocked's context end, and maybe its future done,
		// while the function goes on; it returns what Wait must return.
		end        func(g *future.Group, blocked *future.Future[int]) error
		futureDone bool
	}{
		{"the group failed", func(g *future.Group, _ *future.Future[int]) error {
			_, err := future.Fork(g, func(context.Context) (int, error) { return 0, errBoom }).Result()
			return err
		}, false},
		{"its future canceled", func(_ *future.Group, blocked *future.Future[int]) error {
			blocked.Cancel()
			return nil
		}, true},
		{"its future completed by someone else", func(_ *future.Group, blocked *future.Future[int]) error {
			blocked.SetResult(7)
			return nil
		}, true},
	}
	for _, r := range groupRunners() {
		for _, tt := range tests {
			t.Run(r.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				g := future.NewGroup(context.Background(), r.pool())
				started, release := make(chan context.Context, 1), make(chan struct{})
				var returned atomic.Bool
				blocked := future.Fork(g, func(ctx context.Context) (int, error) {
					started <- ctx
					<-release // ignores ctx
					returned.Store(true)
					return 1, nil
				})
				ctx := receive(t, started)
				want := tt.end(g, blocked)
				receive(t, ctx.Done()) // the function is told
				assert.Equal(t, tt.futureDone, blocked.Done())

				var waitErr error
				id, waited := background(func() { waitErr = g.Wait() })
				parked(t, id, "(*Group).Wait")
				close(release)
				receive(t, waited)
				assert.True(t, returned.Load(), "Wait returned before the function did")
				assert.Equal(t, want, waitErr)
				if want == nil {
					assert.ErrorIs(t, context.Cause(g.Context()), context.Canceled,
						"a future completed by someone else does not fail the group; Wait cancels it")
				}
			})
		}
	}

	for _, r := range groupRunners() {
		t.Run(r.name+"/forked during the wait", func(t *testing.T) {
			t.Parallel()
			g := future.NewGroup(context.Background(), r.pool())
			waiting, release := make(chan struct{}), make(chan struct{})
			var returned atomic.Int32
			leaf := func(context.Context) (int, error) {
				defer returned.Add(1)
				runtime.Gosched()
				return 2, nil
			}
			future.Fork(g, func(context.Context) (int, error) {
				defer returned.Add(1)
				<-waiting // Wait has started waiting
				future.Fork(g, func(context.Context) (int, error) {
					defer returned.Add(1)
					<-release
					for range 3 {
						future.Fork(g, leaf)
					}
					return 1, nil
				})
				return 0, nil
			})
			var waitErr error
			id, waited := background(func() { waitErr = g.Wait() })
			parked(t, id, "(*Group).Wait")
			close(waiting)
			close(release)
			receive(t, waited)
			assert.NoError(t, waitErr)
			assert.Equal(t, int32(5), returned.Load(), "Wait returned before every function forked during it had")
		})
	}
}

// TestGroupOnAPool: a group's functions share its pool's limit, and each
// group waits for its own functions only.
func TestGroupOnAPool(t *testing.T) {
	t.Parallel()
	t.Run("limit", func(t *testing.T) {
		t.Parallel()
		p := future.NewPool(2)
		g := future.NewGroup(context.Background(), p)
		var gauge concurrencyGauge
		fs := make([]*future.Future[int], 20)
		for i := range fs {
			fs[i] = future.Fork(g, func(context.Context) (int, error) {
				gauge.enter()
				defer gauge.leave()
				runtime.Gosched()
				return i, nil
			})
		}
		require.NoError(t, awaitGroup(t, g))
		for i, f := range fs {
			require.True(t, f.Done())
			v, _ := f.Result()
			assert.Equal(t, i, v)
		}
		assert.LessOrEqual(t, gauge.peak.Load(), int32(2), "more functions ran at once than the pool's limit")
	})
	t.Run("two groups", func(t *testing.T) {
		t.Parallel()
		p := future.NewPool(3)
		slow := future.NewGroup(context.Background(), p)
		fast := future.NewGroup(context.Background(), p)
		started, release := make(chan struct{}, 2), make(chan struct{})
		stuck := make([]*future.Future[int], 2)
		for i := range stuck {
			stuck[i] = future.Fork(slow, func(context.Context) (int, error) {
				started <- struct{}{}
				<-release
				return 0, nil
			})
		}
		receive(t, started)
		receive(t, started)
		quick := make([]*future.Future[int], 10)
		for i := range quick {
			quick[i] = future.Fork(fast, func(context.Context) (int, error) { return i, nil })
		}
		require.NoError(t, awaitGroup(t, fast), "Wait on one group waits for the other's functions")
		for _, f := range quick {
			assert.True(t, f.Done())
		}
		for _, f := range stuck {
			assert.False(t, f.Done())
		}
		close(release)
		require.NoError(t, awaitGroup(t, slow))
		for _, f := range stuck {
			assert.True(t, f.Done())
		}
	})
}

// TestGroupFunctionsNotRun: a function whose group's context has ended
// before it starts never runs, and its future fails at once with an error
// that wraps both ErrNotRun and the context's cause, with no traceback. The
// same holds for GoContext and Submit.
func TestGroupFunctionsNotRun(t *testing.T) {
	t.Parallel()
	cause := errors.New("client went away")
	const afterWait = "future: Fork called after the group's Wait returned"
	tests := []struct {
		name  string
		start func(fn func(context.Context) (int, error)) *future.Future[int]
		cause error  // wrapped by the error, or nil for none of ours
		why   string // what the error says after "future: function not run: "
	}{
		// A Fork after a nil Wait says so, not "context canceled", which a
		// handler would take for its client's going away.
		{"Fork after Wait", func(fn func(context.Context) (int, error)) *future.Future[int] {
			g := future.NewGroup(context.Background(), nil)
			require.NoError(t, g.Wait())
			return future.Fork(g, fn)
		}, nil, afterWait},
		{"Fork on a pool after Wait", func(fn func(context.Context) (int, error)) *future.Future[int] {
			g := future.NewGroup(context.Background(), future.NewPool(1))
			require.NoError(t, g.Wait())
			return future.Fork(g, fn)
		}, nil, afterWait},
		{"Fork after the group failed", func(fn func(context.Context) (int, error)) *future.Future[int] {
			var g future.Group
			future.Fork(&g, func(context.Context) (int, error) { return 0, cause })
			require.Equal(t, cause, g.Wait())
			return future.Fork(&g, fn)
		}, cause, afterWait + ": " + cause.Error()},
		{"Fork in a group whose parent ended", func(fn func(context.Context) (int, error)) *future.Future[int] {
			return future.Fork(future.NewGroup(endedWith(cause), nil), fn)
		}, cause, cause.Error()},
		{"GoContext with an ended context", func(fn func(context.Context) (int, error)) *future.Future[int] {
			return future.GoContext(endedWith(cause), fn)
		}, cause, cause.Error()},
		{"Submit with an ended context", func(fn func(context.Context) (int, error)) *future.Future[int] {
			return future.Submit(future.NewPool(1), endedWith(cause), fn)
		}, cause, cause.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := tt.start(func(context.Context) (int, error) {
				t.Error("the function ran")
				return 1, nil
			})
			require.True(t, f.Done(), "fails at once")
			v, err := f.Result()
			assert.Zero(t, v)
			assert.ErrorIs(t, err, future.ErrNotRun)
			if tt.cause != nil {
				assert.ErrorIs(t, err, tt.cause)
			}
			assert.NotErrorIs(t, err, context.Canceled)
			assert.Equal(t, "future: function not run: "+tt.why, err.Error())
			assert.Nil(t, f.Traceback())
		})
	}

	t.Run("Submit queued when its context ends", func(t *testing.T) {
		t.Parallel()
		p := future.NewPool(1)
		started, release := make(chan struct{}), make(chan struct{})
		future.Submit(p, context.Background(), func(context.Context) (int, error) {
			close(started)
			<-release
			return 0, nil
		})
		receive(t, started)
		ctx, cancel := context.WithCancelCause(context.Background())
		f := future.Submit(p, ctx, func(context.Context) (int, error) {
			t.Error("the function ran")
			return 1, nil
		})
		cancel(cause)
		receive(t, f.DoneChan()) // while the worker is busy
		assert.ErrorIs(t, f.Exception(), future.ErrNotRun)
		assert.ErrorIs(t, f.Exception(), cause)
		close(release)
		p.Wait()
	})
}

// TestZeroGroup: the zero Group works: its context is Background's child,
// and its functions run on goroutines of their own.
func TestZeroGroup(t *testing.T) {
	t.Parallel()
	t.Run("Fork and Wait", func(t *testing.T) {
		t.Parallel()
		var g future.Group
		ctx := g.Context()
		require.NotNil(t, ctx)
		assert.NoError(t, ctx.Err())
		f := future.Fork(&g, func(ctx context.Context) (string, error) {
			return "profile", ctx.Err()
		})
		require.NoError(t, awaitGroup(t, &g))
		v, err := f.Result()
		assert.Equal(t, "profile", v)
		assert.NoError(t, err)
		assert.Same(t, ctx, g.Context(), "the same context throughout")
		assert.ErrorIs(t, ctx.Err(), context.Canceled, "Wait cancels it")
	})
	t.Run("Wait alone", func(t *testing.T) {
		t.Parallel()
		var g future.Group
		assert.NoError(t, awaitGroup(t, &g))
		assert.ErrorIs(t, g.Context().Err(), context.Canceled)
	})
	t.Run("first failure", func(t *testing.T) {
		t.Parallel()
		var g future.Group
		future.Fork(&g, func(ctx context.Context) (int, error) { return 0, errBoom })
		assert.Equal(t, errBoom, awaitGroup(t, &g))
	})
}

// TestGroupWaitAgainAndContext: Wait cancels the group's context, with
// context.Canceled as the cause when nothing failed, and a second Wait
// returns what the first did.
func TestGroupWaitAgainAndContext(t *testing.T) {
	t.Parallel()
	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprintf("failed=%v", fail), func(t *testing.T) {
			t.Parallel()
			parent, cancelParent := context.WithCancel(context.Background())
			defer cancelParent()
			g := future.NewGroup(parent, nil)
			ctx := g.Context()
			var want error
			if fail {
				want = &boomError{"inventory 503"}
				future.Fork(g, func(context.Context) (int, error) { return 0, want })
			}
			future.Fork(g, func(context.Context) (int, error) { return 1, nil })
			err := awaitGroup(t, g)
			assert.True(t, err == want, "Wait returned %v, want %v", err, want)
			assert.ErrorIs(t, ctx.Err(), context.Canceled, "Wait cancels the group's context")
			if fail {
				assert.True(t, context.Cause(ctx) == want)
			} else {
				assert.Equal(t, context.Canceled, context.Cause(ctx))
			}
			assert.NoError(t, parent.Err(), "the parent is not canceled")
			err2 := awaitGroup(t, g)
			assert.True(t, err2 == err, "a second Wait returned %v, the first %v", err2, err)
		})
	}
	t.Run("parent canceled", func(t *testing.T) {
		t.Parallel()
		parent, cancelParent := context.WithCancelCause(context.Background())
		g := future.NewGroup(parent, nil)
		cause := errors.New("deadline of the request")
		started := make(chan struct{})
		f := future.Fork(g, func(ctx context.Context) (int, error) {
			close(started)
			<-ctx.Done()
			return 0, context.Cause(ctx)
		})
		receive(t, started)
		cancelParent(cause)
		assert.Equal(t, cause, awaitGroup(t, g), "the function failed with the parent's cause")
		assert.Equal(t, cause, f.Exception())
	})
}

// TestGroupForkRacingWait: Forks from other goroutines racing Wait either
// count before Wait ends the group, and Wait waits for their functions, or
// come after it, and their functions never run: no function starts once
// Wait has returned, and every future is done by then or fails with
// ErrNotRun.
func TestGroupForkRacingWait(t *testing.T) {
	t.Parallel()
	for _, r := range groupRunners() {
		t.Run(r.name, func(t *testing.T) {
			t.Parallel()
			const forkers, forks = 4, 200
			for round := 0; round < 20; round++ {
				g := future.NewGroup(context.Background(), r.pool())
				var waited, late atomic.Bool
				futures := make(chan *future.Future[int], forkers*forks)
				start := make(chan struct{})
				done := make(chan struct{}, forkers)
				for range forkers {
					go func() {
						defer func() { done <- struct{}{} }()
						<-start
						for i := range forks {
							futures <- future.Fork(g, func(context.Context) (int, error) {
								if waited.Load() {
									late.Store(true)
								}
								return i, nil
							})
						}
					}()
				}
				close(start)
				require.NoError(t, awaitGroup(t, g))
				waited.Store(true)
				for range forkers {
					receive(t, done)
				}
				close(futures)
				for f := range futures {
					require.True(t, f.Done(), "round %d: a forked future still pending after Wait and its Fork returned", round)
					if _, err := f.Result(); err != nil {
						assert.ErrorIs(t, err, future.ErrNotRun)
					}
				}
				assert.False(t, late.Load(), "round %d: a function started after Wait returned", round)
				// Every function forked has returned or been dropped: a
				// second Wait returns at once.
				require.NoError(t, awaitGroup(t, g))
			}
		})
	}
}

// TestGroupMisusePanics: misuse panics with a "future: " message.
func TestGroupMisusePanics(t *testing.T) {
	t.Parallel()
	fn := func(context.Context) (int, error) { return 0, nil }
	tests := []struct {
		name string
		call func()
		want string
	}{
		{"NewGroup nil context", func() {
			//lint:ignore SA1012 the misuse under test
			future.NewGroup(nil, nil)
		}, "future: NewGroup called with a nil context"},
		{"NewGroup zero Pool", func() { future.NewGroup(context.Background(), new(future.Pool)) },
			"future: NewGroup called on a Pool not made by NewPool"},
		{"Fork nil group", func() { future.Fork(nil, fn) }, "future: Fork called with a nil *Group"},
		{"Fork nil fn", func() { future.Fork[int](new(future.Group), nil) }, "future: Fork called with a nil function"},
		{"SetQueueLimit nil pool", func() { (*future.Pool)(nil).SetQueueLimit(1) }, "future: SetQueueLimit called on a nil *Pool"},
		{"SetQueueLimit zero Pool", func() { new(future.Pool).SetQueueLimit(1) }, "future: SetQueueLimit called on a Pool not made by NewPool"},
		{"Wait nil group", func() { (*future.Group)(nil).Wait() }, "future: Wait called on a nil *Group"},
		{"Context nil group", func() { (*future.Group)(nil).Context() }, "future: Context called on a nil *Group"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.PanicsWithValue(t, tt.want, tt.call)
		})
	}
}

// goroutineLabels returns the profiler labels of the calling goroutine, as
// the goroutine profile shows them ("" for none): it finds its own record
// by this function's name on the stack.
//
//go:noinline
func goroutineLabels(t *testing.T) string {
	var buf bytes.Buffer
	require.NoError(t, pprof.Lookup("goroutine").WriteTo(&buf, 1))
	for _, record := range strings.Split(buf.String(), "\n\n") {
		if !strings.Contains(record, "future_test.goroutineLabels") {
			continue
		}
		for _, line := range strings.Split(record, "\n") {
			if labels, ok := strings.CutPrefix(line, "# labels: "); ok {
				return labels
			}
		}
		return ""
	}
	t.Error("the goroutine profile has no record of the caller")
	return ""
}

// TestPoolRunsFunctionsWithTheirProfilerLabels: a pool's worker runs each
// function with the profiler labels of the context it was submitted with,
// not those of the request that started the worker.
func TestPoolRunsFunctionsWithTheirProfilerLabels(t *testing.T) {
	t.Parallel()
	p := future.NewPool(1)
	type seen struct{ ctxLabel, goroutine string }
	report := func(ctx context.Context) (seen, error) {
		label, _ := pprof.Label(ctx, "request")
		return seen{label, goroutineLabels(t)}, nil
	}

	// Request A starts the pool's only worker from a goroutine labelled
	// with A, which the worker inherits, and keeps it busy.
	started, release := make(chan struct{}), make(chan struct{})
	var a *future.Future[seen]
	pprof.Do(context.Background(), pprof.Labels("request", "A"), func(ctx context.Context) {
		a = future.Submit(p, ctx, func(ctx context.Context) (seen, error) {
			close(started)
			<-release
			return report(ctx)
		})
	})
	receive(t, started)

	// Request B's function, and one with no labels, wait in the queue for
	// the worker A started.
	g := future.NewGroup(pprof.WithLabels(context.Background(), pprof.Labels("request", "B")), p)
	b := future.Fork(g, report)
	none := future.Submit(p, context.Background(), report)
	close(release)
	require.NoError(t, awaitGroup(t, g))
	p.Wait()

	tests := []struct {
		name string
		f    *future.Future[seen]
		want seen
	}{
		{"A", a, seen{"A", `{"request":"A"}`}},
		{"B on A's worker", b, seen{"B", `{"request":"B"}`}},
		{"no labels on A's worker", none, seen{"", ""}},
	}
	for _, tt := range tests {
		got, err := tt.f.Result()
		require.NoError(t, err)
		assert.Equal(t, tt.want, got, tt.name)
	}
}

// busyPool returns a pool of limit workers, each held by a function until
// release is closed.
func busyPool(t *testing.T, limit int) (p *future.Pool, release chan struct{}) {
	t.Helper()
	p = future.NewPool(limit)
	started, release := make(chan struct{}, limit), make(chan struct{})
	for range limit {
		future.Submit(p, context.Background(), func(context.Context) (int, error) {
			started <- struct{}{}
			<-release
			return 0, nil
		})
	}
	for range limit {
		receive(t, started)
	}
	return p, release
}

// TestPoolSetQueueLimit: with a queue limit, Submit (and Fork on the pool)
// blocks while the queue is full, until a worker takes a function from it
// or the caller's context ends; then fn is not queued and its future fails
// with ErrNotRun and the cause.
func TestPoolSetQueueLimit(t *testing.T) {
	t.Parallel()
	quick := func(context.Context) (int, error) { return 1, nil }

	t.Run("a full queue blocks until a worker takes a function", func(t *testing.T) {
		t.Parallel()
		p, release := busyPool(t, 1)
		p.SetQueueLimit(2)
		queued := []*future.Future[int]{future.Submit(p, context.Background(), quick), future.Submit(p, context.Background(), quick)}
		var third *future.Future[int]
		id, submitted := background(func() { third = future.Submit(p, context.Background(), quick) })
		parked(t, id, "(*Pool).push")
		close(release) // the worker finishes and takes the first queued function
		receive(t, submitted)
		p.Wait()
		for _, f := range append(queued, third) {
			v, err := f.Result()
			assert.Equal(t, 1, v)
			assert.NoError(t, err)
		}
	})

	for _, fork := range []bool{false, true} {
		name := "Submit"
		if fork {
			name = "Fork"
		}
		t.Run(name+" unblocked by its context's end: not queued", func(t *testing.T) {
			t.Parallel()
			p, release := busyPool(t, 1)
			p.SetQueueLimit(0)
			cause := errors.New("request deadline")
			ctx, cancel := context.WithCancelCause(context.Background())
			var ran atomic.Bool
			fn := func(context.Context) (int, error) { ran.Store(true); return 1, nil }
			var f *future.Future[int]
			var g *future.Group
			id, submitted := background(func() {
				if fork {
					g = future.NewGroup(ctx, p)
					f = future.Fork(g, fn)
				} else {
					f = future.Submit(p, ctx, fn)
				}
			})
			parked(t, id, "(*Pool).push")
			cancel(cause)
			receive(t, submitted)
			require.True(t, f.Done(), "fails before Submit returns")
			assert.ErrorIs(t, f.Exception(), future.ErrNotRun)
			assert.ErrorIs(t, f.Exception(), cause)
			assert.Nil(t, f.Traceback())
			if fork {
				err := awaitGroup(t, g)
				assert.ErrorIs(t, err, future.ErrNotRun, "a function not run is a failure of its group")
				assert.ErrorIs(t, err, cause)
			}
			close(release)
			p.Wait()
			assert.False(t, ran.Load(), "the function was queued and ran")
		})
	}

	t.Run("0 hands a function to a free worker, as errgroup.SetLimit does", func(t *testing.T) {
		t.Parallel()
		p := future.NewPool(2)
		p.SetQueueLimit(0)
		var gauge concurrencyGauge
		started := make(chan int, 3)
		releases := []chan struct{}{make(chan struct{}), make(chan struct{}), make(chan struct{})}
		hold := func(i int) func(context.Context) (int, error) {
			return func(context.Context) (int, error) {
				gauge.enter()
				defer gauge.leave()
				started <- i
				<-releases[i]
				return i, nil
			}
		}
		future.Submit(p, context.Background(), hold(0)) // starts workers: no wait
		future.Submit(p, context.Background(), hold(1))
		receive(t, started)
		receive(t, started)
		id, submitted := background(func() { future.Submit(p, context.Background(), hold(2)) })
		parked(t, id, "(*Pool).push")
		close(releases[0])
		receive(t, submitted)
		assert.Equal(t, 2, receive(t, started), "started at once, beside the one still running")
		close(releases[1])
		close(releases[2])
		p.Wait()
		assert.Equal(t, int32(2), gauge.peak.Load())
	})

	t.Run("a negative limit is unbounded and wakes blocked Submits", func(t *testing.T) {
		t.Parallel()
		p, release := busyPool(t, 1)
		p.SetQueueLimit(0)
		id, submitted := background(func() { future.Submit(p, context.Background(), quick) })
		parked(t, id, "(*Pool).push")
		p.SetQueueLimit(-1)
		receive(t, submitted) // with the worker still busy
		_, many := background(func() {
			for range 1000 {
				future.Submit(p, context.Background(), quick)
			}
		})
		receive(t, many)
		close(release)
		p.Wait()
	})
}

// TestQueueLimitStartsNoGoroutinePerBlockedSubmit: Submits blocked on a
// full queue wait on their callers' goroutines; the pool adds none per
// blocked or queued function beyond its workers.
func TestQueueLimitStartsNoGoroutinePerBlockedSubmit(t *testing.T) {
	// Not parallel: it counts goroutines.
	const limit, queueLimit, blocked = 2, 3, 4
	before := runtime.NumGoroutine()
	p, release := busyPool(t, limit)
	p.SetQueueLimit(queueLimit)
	ctx, cancel := context.WithCancel(context.Background()) // watched while queued
	defer cancel()
	for range queueLimit {
		future.Submit(p, ctx, func(context.Context) (int, error) { return 1, nil })
	}
	var submitted []<-chan struct{}
	for range blocked {
		id, done := background(func() {
			future.Submit(p, ctx, func(context.Context) (int, error) { return 2, nil })
		})
		parked(t, id, "(*Pool).push")
		submitted = append(submitted, done)
	}
	assert.LessOrEqual(t, runtime.NumGoroutine()-before, limit+blocked, "the workers and the blocked submitters, nothing more")
	close(release)
	for _, done := range submitted {
		receive(t, done)
	}
	p.Wait()
}

// TestNotRunFutureDropsItsContextAndFunction: the future of a function
// that never ran because its context ended first keeps neither the
// function nor the context alive, as the future of one that ran does not.
func TestNotRunFutureDropsItsContextAndFunction(t *testing.T) {
	t.Parallel()
	ended := func(ctx context.Context) context.Context {
		ctx, cancel := context.WithCancel(ctx)
		cancel()
		return ctx
	}
	tests := []struct {
		name  string
		start func(t *testing.T, ctx context.Context, fn func(context.Context) (int, error)) *future.Future[int]
	}{
		{"GoContext with an ended context", func(_ *testing.T, ctx context.Context, fn func(context.Context) (int, error)) *future.Future[int] {
			return future.GoContext(ended(ctx), fn)
		}},
		{"Submit with an ended context", func(_ *testing.T, ctx context.Context, fn func(context.Context) (int, error)) *future.Future[int] {
			return future.Submit(future.NewPool(1), ended(ctx), fn)
		}},
		{"Fork in a group that has ended", func(_ *testing.T, ctx context.Context, fn func(context.Context) (int, error)) *future.Future[int] {
			return future.Fork(future.NewGroup(ended(ctx), nil), fn)
		}},
		{"Fork after Wait", func(_ *testing.T, ctx context.Context, fn func(context.Context) (int, error)) *future.Future[int] {
			g := future.NewGroup(ctx, nil)
			g.Wait()
			return future.Fork(g, fn)
		}},
		{"Submit given up waiting for room", func(t *testing.T, ctx context.Context, fn func(context.Context) (int, error)) *future.Future[int] {
			p, release := busyPool(t, 1)
			defer close(release)
			p.SetQueueLimit(0)
			ctx, cancel := context.WithCancel(ctx)
			var f *future.Future[int]
			id, submitted := background(func() { f = future.Submit(p, ctx, fn) })
			parked(t, id, "(*Pool).push")
			cancel()
			receive(t, submitted)
			return f
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, inCtx, inFn := startTracked(func(ctx context.Context, fn func(context.Context) (int, error)) *future.Future[int] {
				return tt.start(t, ctx, fn)
			})
			_, err := await(t, f)
			require.ErrorIs(t, err, future.ErrNotRun)
			collected(t, inCtx, "the context of a function not run")
			collected(t, inFn, "a function not run")
			runtime.KeepAlive(f)
		})
	}
}
