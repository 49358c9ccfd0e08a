package future

import "sync/atomic"

// All returns a future that succeeds with the values of fs in argument order
// once every one of them has succeeded, or fails as soon as any of them
// fails, with that input's error and traceback, without waiting for the
// rest (JavaScript's Promise.all). It is the fail-fast sibling of [Combine].
// Inputs already done when All is called count in argument order; with no
// arguments it returns a future that has already succeeded with an empty,
// non-nil slice.
//
// All never blocks and starts no goroutine: the result is completed on the
// goroutine that completes the deciding input, or before All returns if that
// input is already done. The inputs are not changed: those still pending
// when All fails keep running, and their outcomes are ignored. Once the
// result is done, whoever completed it (Cancel included), All leaves the
// inputs still pending, so an input that outlives it keeps nothing of it.
// The same future may appear more than once. All is safe for concurrent use; it
// panics if any element of fs is nil, before registering anything.
func All[T any](fs ...*Future[T]) *Future[[]T] {
	return combine("All", fs, true)
}

// Outcome is one future's final state: its value if it succeeded, or the
// error it failed with (and the zero value). [AllSettled] reports one per
// input.
type Outcome[T any] struct {
	Value T
	Err   error
}

// AllSettled returns a future that completes once every one of fs is done,
// with their outcomes in argument order, whether they succeeded or failed
// (JavaScript's Promise.allSettled). It never fails. With no arguments it
// returns a future that has already succeeded with an empty, non-nil slice.
//
// AllSettled never blocks and starts no goroutine: the result is completed
// on the goroutine that completes the last input, or before AllSettled
// returns if all are already done. If the result is completed by someone
// else first (Cancel), AllSettled leaves the inputs still pending. The same
// future may appear more than once. AllSettled is safe for concurrent use; it panics if any element of
// fs is nil, before registering anything.
func AllSettled[T any](fs ...*Future[T]) *Future[[]Outcome[T]] {
	inputs := copyInputs("AllSettled", fs)
	if len(inputs) == 0 {
		return Completed([]Outcome[T]{})
	}
	s := &settler[T]{inputs: inputs}
	s.pending.Store(int64(len(inputs)))
	subscribeEach(inputs, s, &s.result)
	return &s.result
}

// settler is the single listener that AllSettled registers on every input.
type settler[T any] struct {
	result  Future[[]Outcome[T]]
	inputs  []*Future[T]
	pending atomic.Int64 // inputs not yet done
}

func (s *settler[T]) fire(*Future[T]) drainer {
	if s.pending.Add(-1) != 0 {
		return nil
	}
	outcomes := make([]Outcome[T], len(s.inputs))
	for i, in := range s.inputs {
		outcomes[i] = Outcome[T]{Value: in.value, Err: in.err()}
	}
	won, d := s.result.settle(outcomes, nil, nil)
	if won {
		s.inputs = nil // every input is done: nothing to detach
	}
	return d
}

// detach removes s from the inputs still pending, once someone else has
// completed the result.
func (s *settler[T]) detach() {
	detachFrom(s.inputs, listener[T](s))
}
