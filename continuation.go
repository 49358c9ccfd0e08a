package future

import (
	"errors"
	"reflect"
	"sync/atomic"
)

// Clear errors for a flattening that finds no future to flatten.
var (
	errNilFuture = errors.New("future: ContinueWithFuture function returned a nil future and a nil error")
	errNilInner  = errors.New("future: Flatten's outer future succeeded with a nil future")
	// As Promises/A+ 2.3.1 has it: a future that waits for itself would
	// never complete.
	errSelfFuture = errors.New("future: ContinueWithFuture function returned the continuation's own future")
)

// ContinueWith returns a future completed with the result of fn(f), which
// runs once f is done, whether it succeeded or failed (fn decides what a
// failure means; Hazelcast's continue_with). fn runs on the goroutine that
// completes f, or on the calling goroutine, before ContinueWith returns, if f
// is already done. Extra arguments, which Python passes to continue_with, are
// captured by the closure in Go.
//
// If fn returns an error, the returned future fails with it, without a
// traceback, unless that error is f's own: then f's traceback goes with it.
// If fn panics, the future fails with a *PanicError carrying the panic's
// stack; if fn calls [runtime.Goexit] (as t.FailNow does), it fails with an
// error saying so, and the callbacks still due on the ending goroutine run
// before it ends.
//
// If the returned future is completed by someone else first (Cancel,
// [Future.SetResult], [Future.SetException]), fn is not run, and a pending f lets go of the
// continuation and fn at once. (If a ContinueWith, Then or [Recover] was
// chained on the returned future before that, f lets go of them the next
// time its list of callbacks would grow instead, so that a chain pays
// nothing for this.)
//
// ContinueWith never blocks and starts no goroutine; completing a chain of
// any length uses a constant amount of stack. It is safe for concurrent use
// and panics if f or fn is nil.
func ContinueWith[T, U any](f *Future[T], fn func(*Future[T]) (U, error)) *Future[U] {
	if f == nil {
		panic("future: ContinueWith called with a nil future")
	}
	if fn == nil {
		panic("future: ContinueWith called with a nil function")
	}
	return continueWith[T, U](f, whenDone[T, U](fn))
}

// continueWith registers a link that completes its result with step's
// outcome once f is done.
func continueWith[T, U any, S step[T, U]](f *Future[T], step S) *Future[U] {
	c := &link[T, U, S]{src: f, step: step}
	c.result.first = (*linkHook[T, U, S])(c) // the result is not published yet
	if _, ok := f.register(c, true); !ok {
		drain(c.fire(f))
	}
	return &c.result
}

// link is the listener and the result of ContinueWith, Then and Recover in
// one allocation; they differ only in their step. The step is a type
// parameter, not an interface, so that src fits in the same size class.
type link[T, U any, S step[T, U]] struct {
	result Future[U]
	// src is the future the link listens to, for the result's hook. The
	// hook clears it when it fires, and fire when it completed the result
	// itself (the hook then fires later, on the same goroutine). A result
	// completed by someone else after the next link displaced its hook keeps
	// its done source until it is itself collected.
	src  *Future[T]
	step S
}

// step computes a link's outcome from its done source. The steps are named
// func types.
type step[T, U any] interface {
	run(src *Future[T]) (U, error, *Traceback)
}

func (c *link[T, U, S]) fire(f *Future[T]) drainer {
	step := c.step
	var none S
	c.step = none // fire runs once; let fn's captures be collected
	if c.result.claimed() {
		return nil // completed by someone else: fn is not run
	}
	returned := false
	defer c.result.failIfGoexit(&returned)
	v, err, tb := step.run(f)
	returned = true
	won, d := c.result.settle(v, err, tb)
	if won {
		c.src = nil // see src
	}
	return d
}

// swept reports whether c's result was completed by someone else, and then
// drops the step (fn and its captures), which fire would not run.
func (c *link[T, U, S]) swept() bool {
	if !c.result.claimed() {
		return false
	}
	var none S
	c.step = none
	return true
}

// linkHook is a link seen as the hook in its result's inline slot: the
// result's first listener, unless the next link of a chain displaces it
// (see register). If the result is completed by someone else, the hook
// takes the link back from its source, if still pending, and drops the
// step. It costs a chain nothing; a displaced hook leaves the link to its
// source's sweep.
type linkHook[T, U any, S step[T, U]] link[T, U, S]

func (h *linkHook[T, U, S]) fire(*Future[U]) drainer {
	c := (*link[T, U, S])(h)
	src := c.src
	c.src = nil // the result no longer keeps its source alive
	if src != nil && src.unsubscribe(c) {
		var none S
		c.step = none // fire will never run now
	}
	return nil
}

// whenDone is ContinueWith's step: fn sees the whole source, whatever its
// outcome.
type whenDone[T, U any] func(*Future[T]) (U, error)

func (fn whenDone[T, U]) run(src *Future[T]) (U, error, *Traceback) {
	v, err, tb := callWith(fn, src)
	return v, err, inheritTraceback(err, tb, src)
}

// inheritTraceback returns tb, or src's traceback when err is src's own error
// passed on without a traceback of its own: a failure handed down a chain
// keeps the stack where it happened.
func inheritTraceback[T any](err error, tb *Traceback, src *Future[T]) *Traceback {
	if tb == nil && err != nil && src.err() != nil && sameError(err, src.err()) {
		return src.tb()
	}
	return tb
}

// ContinueWithFuture is [ContinueWith] for a fn that itself returns a future:
// the returned future completes with that future's outcome (and traceback)
// once it is done, which is how Hazelcast's continue_with treats a function
// returning a Future. If fn returns an error (whether or not it also returns
// a future, which is then ignored), a nil future with a nil error, or the
// returned future itself (which would wait for itself forever), the
// returned future fails at once. fn runs, panics are treated, and a
// completion by someone else lets go of f (or of fn's future) and fn, as in
// ContinueWith; nested flattening of any depth uses constant stack. It is
// safe for concurrent use and panics if f or fn is nil.
func ContinueWithFuture[T, U any](f *Future[T], fn func(*Future[T]) (*Future[U], error)) *Future[U] {
	if f == nil {
		panic("future: ContinueWithFuture called with a nil future")
	}
	if fn == nil {
		panic("future: ContinueWithFuture called with a nil function")
	}
	c := &flatContinuation[T, U]{src: f, fn: fn}
	hookResult(&c.result, c)
	drain(f.subscribe(c))
	return &c.result
}

// flatContinuation is ContinueWithFuture's listener and its result.
type flatContinuation[T, U any] struct {
	result Future[U]
	src    *Future[T]
	fn     func(*Future[T]) (*Future[U], error)
	inner  atomic.Pointer[Future[U]] // the future fn returned, once it has
}

// detach takes c back from the future it waits for, once its result is
// done: from its source before fn ran (dropping fn), or from the inner
// future after. fire checks the result again once it has subscribed to the
// inner future, for a detach that came before that.
func (c *flatContinuation[T, U]) detach() {
	if c.src.unsubscribe(c) {
		c.fn = nil
	} else if inner := c.inner.Load(); inner != nil {
		inner.unsubscribe(relay[U]{&c.result})
	}
	c.src = nil // the hook runs once, and only it reads src
	c.inner.Store(nil)
}

func (c *flatContinuation[T, U]) fire(f *Future[T]) drainer {
	fn := c.fn
	c.fn = nil
	if c.result.claimed() {
		return nil // completed by someone else: fn is not run
	}
	returned := false
	defer c.result.failIfGoexit(&returned)
	inner, err, tb := callWith(fn, f)
	returned = true
	switch {
	case err != nil:
	case inner == nil:
		err = errNilFuture
	case inner == &c.result:
		err = errSelfFuture
	}
	if err != nil {
		var zero U
		_, d := c.result.settle(zero, err, inheritTraceback(err, tb, f))
		return d
	}
	c.inner.Store(inner)
	r := relay[U]{&c.result}
	d := inner.subscribe(r)
	if d == nil && c.result.Done() {
		inner.unsubscribe(r) // completed by someone else, maybe before detach could see inner
		c.inner.Store(nil)
	}
	return d
}

// relay copies the outcome of the future it listens to into dst.
type relay[T any] struct{ dst *Future[T] }

func (r relay[T]) fire(src *Future[T]) drainer {
	_, d := r.dst.settle(src.value, src.err(), src.tb())
	return d
}

// Flatten returns a future with the outcome of the inner future that ff
// yields, once both are done. If ff fails, the result fails with ff's error
// and traceback; if ff yields a nil future, it fails with an error saying so.
// Flatten never blocks and starts no goroutine; flattening chains of any
// depth uses constant stack. It is safe for concurrent use and panics if ff
// is nil.
func Flatten[T any](ff *Future[*Future[T]]) *Future[T] {
	if ff == nil {
		panic("future: Flatten called with a nil future")
	}
	return ContinueWithFuture(ff, func(ff *Future[*Future[T]]) (*Future[T], error) {
		inner, err := ff.Result()
		if err == nil && inner == nil {
			err = errNilInner
		}
		return inner, err
	})
}

// sameError reports whether a and b are the same error value, without
// panicking on error types that are not comparable.
func sameError(a, b error) bool {
	// A comparable type can still hold an uncomparable value (a struct with
	// an interface field holding a slice), so ask the value, not the type.
	return reflect.TypeOf(a) == reflect.TypeOf(b) && reflect.ValueOf(a).Comparable() && a == b
}
