package future

import (
	"errors"
	"sync/atomic"
)

// ErrNoFutures is the error of Any and Race called with no futures: with
// nothing to wait for there is no first outcome to report.
var ErrNoFutures = errors.New("future: no futures")

// Any returns a future that succeeds with the value of the first of fs to
// succeed (JavaScript's Promise.any). If every input fails, it fails once the
// last one does, with an error that joins the inputs' errors in argument
// order ([errors.Join]), so errors.Is and errors.As see each of them; that
// error has no traceback of its own (each input keeps its own). With no
// arguments it returns a future that has already failed with [ErrNoFutures].
// Inputs already done when Any is called count in argument order.
//
// Any never blocks and starts no goroutine: the result is completed on the
// goroutine that completes the deciding input, or before Any returns if that
// input is already done. The inputs are not changed: those still pending
// when one succeeds keep running, and their outcomes are ignored. Once the
// result is done, whoever completed it (Cancel included), Any leaves the
// inputs still pending, so an input that outlives it keeps nothing of it.
// Any is safe for concurrent use; it panics if any element of fs is nil, before
// registering anything.
func Any[T any](fs ...*Future[T]) *Future[T] {
	inputs := copyInputs("Any", fs)
	if len(inputs) == 0 {
		return Failed[T](ErrNoFutures)
	}
	a := &anyListener[T]{inputs: inputs}
	a.pending.Store(int64(len(inputs)))
	subscribeEach(inputs, a, &a.result)
	return &a.result
}

// anyListener is the single listener that Any registers on every input.
type anyListener[T any] struct {
	result  Future[T]
	inputs  []*Future[T]
	pending atomic.Int64 // inputs that have not failed
}

func (a *anyListener[T]) fire(f *Future[T]) drainer {
	if f.err() == nil {
		_, d := a.result.settle(f.value, nil, nil)
		return d // the result's hook detaches a from the other inputs
	}
	if a.pending.Add(-1) != 0 {
		return nil
	}
	// Every input failed, so every one is done and its error readable; the
	// slice of errors is only made on this path.
	errs := make([]error, len(a.inputs))
	for i, in := range a.inputs {
		errs[i] = in.err()
	}
	var zero T
	won, d := a.result.settle(zero, errors.Join(errs...), nil)
	if won {
		a.inputs = nil // every input is done: nothing to detach
	}
	return d
}

// detach removes a from the inputs still pending, once the result is done.
// The inputs stay readable: a fire that saw every input fail may be reading
// their errors on another goroutine.
func (a *anyListener[T]) detach() {
	detachFrom(a.inputs, listener[T](a))
}

// Race returns a future with the outcome of the first of fs to complete,
// success or failure, with its traceback (JavaScript's Promise.race, Java's
// CompletableFuture.anyOf). Inputs already done when Race is called count in
// argument order, so the first of them wins. With no arguments it returns a
// future that has already failed with [ErrNoFutures].
//
// Race never blocks and starts no goroutine: the result is completed on the
// goroutine that completes the first input, or before Race returns if one is
// already done. The other inputs are not changed and keep running; once
// the result is done, whoever completed it (Cancel included), Race leaves
// those still pending, so an input that outlives it keeps nothing of it.
// Race is safe for concurrent use; it panics if any element of fs is nil, before
// registering anything.
func Race[T any](fs ...*Future[T]) *Future[T] {
	inputs := copyInputs("Race", fs)
	if len(inputs) == 0 {
		return Failed[T](ErrNoFutures)
	}
	r := &racer[T]{inputs: inputs}
	subscribeEach(inputs, r, &r.result)
	return &r.result
}

// racer is the single listener that Race registers on every input.
type racer[T any] struct {
	result Future[T]
	inputs []*Future[T]
}

func (r *racer[T]) fire(f *Future[T]) drainer {
	_, d := r.result.settle(f.value, f.err(), f.tb())
	return d // the result's hook detaches r from the other inputs
}

// detach removes r from the inputs still pending, once the result is done,
// and lets go of them: fire never reads them, and the hook runs once.
func (r *racer[T]) detach() {
	detachFrom(r.inputs, listener[T](r))
	r.inputs = nil
}
