package future

import (
	"context"
	"errors"
	"runtime/pprof"
	"sync/atomic"
)

// Cancel completes f with the error [context.Canceled], if f is still pending,
// and reports whether it did; on a done future it changes nothing and
// returns false. The failure records no traceback (Traceback returns nil):
// a cancellation is a decision, not a fault with a stack worth keeping.
//
// Callbacks registered on f run on the calling goroutine before Cancel
// returns, as for any completion. If f came from [GoContext] or [Submit], its
// function's context is canceled too, and a queued function will never run;
// a function already running is not stopped, but it sees its context end
// and whatever it returns is discarded. If f came from a combinator, a
// continuation or [WithTimeout], it stops waiting for its inputs and lets go
// of its function (see each for when). Any other producer is not told: its
// later [Future.SetResult] or [Future.SetException] simply returns false. (Python's
// Future.cancel refuses once the function runs, and Java's cancel can only
// interrupt a thread; Cancel always answers the waiters at once and tells
// the function through its context, which is how Go code is stopped.)
//
// Cancel does not wait for the function to return (only for the callbacks
// it runs) and is safe to race with any other method.
func (f *Future[T]) Cancel() bool {
	f.checkNil("Cancel")
	return f.fail(context.Canceled, nil)
}

// GoContext runs fn in a new goroutine with a child of ctx and returns a
// future completed with fn's result, as Go does, with a *PanicError if fn
// panics.
//
// The child context is canceled when ctx ends, when the future is completed
// by anything other than fn (Cancel, [Future.SetResult], ...), and when fn returns;
// do not hand it to work that should outlive fn. The future is fn's outcome:
// when ctx ends, the future still waits for fn to return, as errgroup does;
// only an explicit completion such as Cancel finishes it first, and then
// fn's late result is discarded.
//
// fn is not run if the future is completed, or ctx ends, before fn's
// goroutine starts; in the second case the future fails with an error
// wrapping both [ErrNotRun] and [context.Cause] of ctx, and no traceback,
// before GoContext returns if ctx is already done. If fn calls
// [runtime.Goexit], the future fails with an error saying so.
//
// Callbacks registered on the future run on fn's goroutine once fn returns,
// or on the goroutine that completed it first. GoContext never blocks. It
// panics if ctx or fn is nil.
func GoContext[T any](ctx context.Context, fn func(ctx context.Context) (T, error)) *Future[T] {
	if ctx == nil {
		panic("future: GoContext called with a nil context")
	}
	if fn == nil {
		panic("future: GoContext called with a nil function")
	}
	return goTask(ctx, fn, nil)
}

// goTask is GoContext for a function of group g, or of none if g is nil.
func goTask[T any](ctx context.Context, fn func(context.Context) (T, error), g *Group) *Future[T] {
	t := &task[T]{}
	if t.init(ctx, ctx.Done(), fn, g, t) {
		go t.run(false)
	}
	return &t.result
}

// ErrNotRun is wrapped by the error of a future whose function was never
// run because its context ended first: a function of a [Group] forked
// after the group failed or was waited for, a [Submit] whose context ended
// while it was queued or while it waited for room in the queue
// ([Pool.SetQueueLimit]), a [GoContext] whose context had already ended. The
// same error wraps the context's cause, so errors.Is finds both:
//
//	if errors.Is(err, future.ErrNotRun) { ... } // skipped, not failed
var ErrNotRun = errors.New("future: function not run")

// notRun returns the error of a function not run because its context
// ended with cause.
func notRun(cause error) error {
	return &notRunError{cause}
}

// notRunError wraps ErrNotRun and the cause of the context's end.
type notRunError struct{ cause error }

func (e *notRunError) Error() string { return ErrNotRun.Error() + ": " + e.cause.Error() }

func (e *notRunError) Unwrap() []error { return []error{ErrNotRun, e.cause} }

// init makes t, not yet shared, the task that runs fn, a function of group
// g (nil for none), with a child of ctx (done is ctx.Done()), with hook
// listening to t's future first: t itself, or the pool task around it. It
// reports whether fn may still run: false if ctx has already ended, in
// which case the future has failed with ErrNotRun and ctx's cause, and g
// counts the task ended.
func (t *task[T]) init(ctx context.Context, done <-chan struct{}, fn func(context.Context) (T, error), g *Group, hook listener[T]) bool {
	t.group.Store(g)
	if done != nil && ctx.Err() != nil {
		// fn and ctx are not kept: the future may outlive the request.
		t.skip(context.Cause(ctx))
		t.skipped()
		return false
	}
	t.fn, t.parent = fn, ctx
	// The task listens to its own future before anyone else can, so that
	// its context is canceled before any callback runs: a callback that
	// waits for fn to return, when fn returns once its context ends, does
	// not deadlock Cancel.
	t.result.hook(hook)
	return true
}

// task is a function run with a context of its own, for GoContext (and,
// inside a poolTask, for Submit): its future and the listener that cancels
// the function's context when that future is completed, in one
// allocation.
//
// A done task drops fn, parent and cancel, so that a future kept after its
// work ended (in a cache of results, say) keeps no request alive.
type task[T any] struct {
	result Future[T]
	fn     func(context.Context) (T, error)
	parent context.Context
	// cancel is fn's context while fn may be running, and nil before and
	// after: fire, on whichever goroutine completes the future, takes it as
	// execute sets it.
	cancel atomic.Pointer[taskContext]
	// group is the group the function was forked in, if any, until the
	// function has returned or will never run. It is atomic because a
	// queued task may be failed as not run (skip) on the goroutine of its
	// context's AfterFunc while a worker that took it lets go of it.
	group atomic.Pointer[Group]
}

// run runs fn on the calling goroutine, unless the future was completed or
// the parent context ended first, and returns once the future is done. A
// pool's worker runs it with labels set: the goroutine takes the profiler
// labels of the task's context, for fn and for the callbacks that
// completing its future runs, and keeps them until its next task sets its
// own (a worker runs nothing of its own in between but taking the next
// task, and ends when there is none).
func (t *task[T]) run(labels bool) {
	if labels {
		pprof.SetGoroutineLabels(t.parent)
	}
	// Deferred, so that it also runs when a callback of the future, run by
	// this goroutine, calls runtime.Goexit.
	defer t.finish()
	switch {
	case t.result.claimed():
		// Completed before it started (Cancel, or its context's AfterFunc):
		// it never runs.
	case t.parent.Err() != nil:
		t.skip(context.Cause(t.parent))
	default:
		t.execute()
	}
}

// execute runs fn with a child context and completes the future with its
// result.
func (t *task[T]) execute() {
	ctx := &taskContext{parent: t.parent}
	t.cancel.Store(ctx)
	// A completion that fired t before the store found no context to
	// cancel; it claimed the future before it fired, so we see that here.
	// Otherwise fire, whenever the future completes, takes ctx and cancels
	// it.
	if t.result.claimed() {
		ctx.cancel()
		t.cancel.Store(nil) // fire may have come and gone
		return              // completed as fn was about to start: no need to run it
	}
	returned := false
	defer func() {
		if !returned {
			// fn called runtime.Goexit (t.FailNow in a test, say): the
			// goroutine is ending, but the future must not stay pending.
			ctx.cancel()
			t.complete(t.result.zero(), errGoexit, captureTraceback(0))
		}
	}()
	v, err, tb := callWith(t.fn, context.Context(ctx))
	returned = true
	// Cancel ctx before completing, so whoever sees the future done sees
	// ctx ended; fire's cancel of it then returns at once.
	ctx.cancel()
	t.complete(v, err, tb)
}

// complete completes the future with fn's outcome. If fn failed and
// nothing else has completed the future, it fails fn's group first, so that
// whoever sees the failure sees the group's context canceled with it (a
// reader woken between the two could otherwise fork work that would run).
// A completion racing with fn's return may then win the future after the
// group has failed: both happened at once, and fn did fail.
func (t *task[T]) complete(v T, err error, tb *Traceback) {
	if err != nil {
		t.failGroup(err)
	}
	_, d := t.result.settle(v, err, tb)
	drain(d)
}

// finish returns once the future is done, and then lets go of fn and the
// parent context, which only the run needed (fire lets go of cancel). A
// concurrent completer may have claimed the future and still be writing its
// outcome; finish waits for the instant that takes, so a pool that counts
// the task finished knows its future is done.
func (t *task[T]) finish() {
	t.result.awaitDone()
	t.fn, t.parent = nil, nil // read only by this goroutine, and by nothing after this
	t.ended()
}

// skipped lets go of fn and the parent context of a task that will never
// run, and tells its group.
func (t *task[T]) skipped() {
	t.fn, t.parent = nil, nil
	t.ended()
}

// ended tells the task's group, if any, that its function has returned or
// will never run. It is called once: when the run finishes, or when the
// task leaves its pool's queue, or is never queued, without running.
func (t *task[T]) ended() {
	if g := t.group.Swap(nil); g != nil {
		g.ended()
	}
}

// fire cancels fn's context once the future is done, whoever completed it.
// The task hooks its future (see hook) before the future is shared, so
// this runs before any other callback does.
func (t *task[T]) fire(*Future[T]) drainer {
	if ctx := t.cancel.Swap(nil); ctx != nil {
		ctx.cancel()
	}
	return nil
}

// expire fails a queued pool task whose context ended, with cause, before
// it started. If a worker starts the task meanwhile, it sees the context
// done and does not run fn.
func (t *task[T]) expire(cause error) {
	t.skip(cause)
}

// skip fails the future with an error wrapping ErrNotRun and cause: fn will
// never run, because its context ended first. Unless something else has
// completed the future, that is a failure of fn's group, recorded before
// the future is done, as complete records fn's own.
func (t *task[T]) skip(cause error) {
	err := notRun(cause)
	t.failGroup(err)
	t.result.fail(err, nil)
}

// failGroup fails fn's group, if any, with err, unless something else has
// completed the future: a forked future completed by its caller does not
// fail the group.
func (t *task[T]) failGroup(err error) {
	if t.result.claimed() {
		return
	}
	if g := t.group.Load(); g != nil {
		g.fail(err)
	}
}
