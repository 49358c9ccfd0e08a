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
// order (errors.Join), so errors.Is and errors.As see each of them; that
// error has no traceback of its own (each input keeps its own). With no
// arguments it returns a future that has already failed with ErrNoFutures.
// Inputs already done when Any is called count in argument order.
//
// Any never blocks and starts no goroutine: the result is completed on the
// goroutine that completes the deciding input, or before Any returns if that
// input is already done. The inputs are not changed: those still pending
// when one succeeds keep running, and their outcomes are ignored. Any is
// safe for concurrent use; it panics if any element of fs is nil, before
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
		return d
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
	a.inputs = nil
	var zero T
	_, d := a.result.settle(zero, errors.Join(errs...), nil)
	return d
}

// Race returns a future with the outcome of the first of fs to complete,
// success or failure, with its traceback (JavaScript's Promise.race, Java's
// CompletableFuture.anyOf). Inputs already done when Race is called count in
// argument order, so the first of them wins. With no arguments it returns a
// future that has already failed with ErrNoFutures.
//
// Race never blocks and starts no goroutine: the result is completed on the
// goroutine that completes the first input, or before Race returns if one is
// already done. The other inputs are not changed and keep running. Race is
// safe for concurrent use; it panics if any element of fs is nil, before
// registering anything.
func Race[T any](fs ...*Future[T]) *Future[T] {
	checkInputs("Race", fs) // Race keeps no inputs, so it needs no copy
	if len(fs) == 0 {
		return Failed[T](ErrNoFutures)
	}
	result := new(Future[T])
	subscribeEach(fs, relay[T]{result}, result)
	return result
}
