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
// all are already done. The same future may appear more than once. Combine
// panics if any element of fs is nil.
func Combine[T any](fs ...*Future[T]) *Future[[]T] {
	for _, f := range fs {
		if f == nil {
			panic("future: Combine called with a nil future")
		}
	}
	if len(fs) == 0 {
		return Completed([]T{})
	}
	inputs := append([]*Future[T](nil), fs...)
	c := &combiner[T]{inputs: inputs}
	c.pending.Store(int64(len(inputs)))
	for _, f := range inputs {
		drain(f.subscribe(c))
	}
	return &c.result
}

// combiner is the single listener that Combine registers on every input.
type combiner[T any] struct {
	result  Future[[]T]
	inputs  []*Future[T]
	pending atomic.Int64              // inputs not yet done
	failed  atomic.Pointer[Future[T]] // the first input to fail
}

func (c *combiner[T]) fire(f *Future[T]) drainer {
	if f.err != nil {
		c.failed.CompareAndSwap(nil, f)
	}
	if c.pending.Add(-1) != 0 {
		return nil
	}
	// Every input is done: each fire decremented pending after seeing its
	// input done, and this one saw all those decrements.
	var d drainer
	if bad := c.failed.Load(); bad != nil {
		_, d = c.result.settle(nil, bad.err, bad.tb)
	} else {
		values := make([]T, len(c.inputs))
		for i, in := range c.inputs {
			values[i] = in.value
		}
		_, d = c.result.settle(values, nil, nil)
	}
	c.inputs = nil
	return d
}
