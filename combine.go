package future

import "sync/atomic"

// Combine returns a future that completes once every one of fs is done,
// whatever their outcomes, as Hazelcast's combine_futures does. If all
// succeeded, it succeeds with their values in argument order. If any failed,
// it fails with the error (and traceback) of the first failure it observed:
// inputs already done when Combine is called are observed in argument order,
// the others as they complete (for inputs completing at the same moment on
// different goroutines, whichever is observed first). With no arguments it
// returns a future that has already succeeded with an empty, non-nil slice.
//
// Combine never blocks and starts no goroutine: the result is completed on
// the goroutine that completes the last input, or before Combine returns if
// all are already done. If the result is completed by someone else first
// (Cancel), Combine leaves the inputs still pending. The same future may
// appear more than once. Combine is safe for concurrent use; it panics if any element of fs is nil.
func Combine[T any](fs ...*Future[T]) *Future[[]T] {
	return combine("Combine", fs, false)
}

// combine is Combine, or All if failFast is set; name is the caller's, for
// the panic message.
func combine[T any](name string, fs []*Future[T], failFast bool) *Future[[]T] {
	inputs := copyInputs(name, fs)
	if len(inputs) == 0 {
		return Completed([]T{})
	}
	c := &combiner[T]{inputs: inputs, failFast: failFast}
	c.pending.Store(int64(len(inputs)))
	subscribeEach(inputs, c, &c.result)
	return &c.result
}

// combiner is the single listener that Combine and All register on every
// input.
type combiner[T any] struct {
	result   Future[[]T]
	inputs   []*Future[T]
	failFast bool                      // All: settle on the first failure
	pending  atomic.Int64              // inputs not yet done
	failed   atomic.Pointer[Future[T]] // the first input to fail
}

func (c *combiner[T]) fire(f *Future[T]) drainer {
	if f.err() != nil {
		if c.failFast {
			// pending is not decremented, so it never reaches zero and
			// the inputs still to come change nothing: none reads inputs
			// again, and the winner detaches from those still pending and
			// lets them go.
			won, d := c.result.settle(nil, f.err(), f.tb())
			if won {
				c.detach()
				c.inputs = nil
			}
			return d
		}
		c.failed.CompareAndSwap(nil, f)
	}
	if c.pending.Add(-1) != 0 {
		return nil
	}
	// Every input is done: each fire decremented pending after seeing its
	// input done, and this one saw all those decrements.
	var won bool
	var d drainer
	if bad := c.failed.Load(); bad != nil {
		won, d = c.result.settle(nil, bad.err(), bad.tb())
	} else {
		values := make([]T, len(c.inputs))
		for i, in := range c.inputs {
			values[i] = in.value
		}
		won, d = c.result.settle(values, nil, nil)
	}
	if won {
		c.inputs = nil // every input is done: nothing to detach
	}
	return d
}

// detach removes c from the inputs still pending. The result's hook calls
// it when someone else completed the result; the fail-fast winner calls it
// before it lets go of the inputs, so the hook then finds none.
func (c *combiner[T]) detach() {
	detachFrom(c.inputs, listener[T](c))
}

// checkInputs panics if an element of fs is nil; name is the caller's, for
// the message. Callers check before they subscribe anything, so a panic
// leaves every input as it was.
func checkInputs[T any](name string, fs []*Future[T]) {
	for _, f := range fs {
		if f == nil {
			panic("future: " + name + " called with a nil future")
		}
	}
}

// copyInputs checks fs and returns a copy of it, which the caller may reuse.
func copyInputs[T any](name string, fs []*Future[T]) []*Future[T] {
	checkInputs(name, fs)
	return append([]*Future[T](nil), fs...)
}

// subscribeEach hooks l to result, so that l leaves the inputs once result
// is done, whoever completes it; then it registers l on every input in turn,
// draining as a public entry point must. It stops early once result is done
// (an input already done decided it), so no listener is left on inputs that
// cannot matter. result must be fresh.
//
// The hook may run before l is registered on an input, so once the result
// is done, the registration just made is taken back here.
func subscribeEach[T, R any, L interface {
	listener[T]
	detacher
}](inputs []*Future[T], l L, result *Future[R]) {
	hookResult(result, l)
	for _, f := range inputs {
		if result.Done() {
			return
		}
		drain(f.subscribe(l))
		if result.Done() {
			f.unsubscribe(l)
		}
	}
}
