package future

import (
	"context"
	"iter"
)

// AsCompleted returns an iterator over fs that yields each input's argument
// index and the input itself, in the order they complete (Python's
// concurrent.futures.as_completed), each exactly once, so the loop body can
// read each future without blocking:
//
//	for i, f := range future.AsCompleted(ctx, fetches...) {
//		page, err := f.Result() // done: does not block
//		...
//	}
//	if err := ctx.Err(); err != nil { ... } // stopped early by ctx
//
// Inputs already done when iteration starts are yielded in argument order,
// the others in the order they complete. Iteration stops when every input
// has been yielded, when the loop breaks, or when ctx is done; once ctx is
// done nothing more is yielded, so check ctx.Err() after the loop to tell
// the cases apart.
//
// The loop blocks between yields, waiting for the next input to complete or
// for ctx; the body runs on the ranging goroutine. No goroutine is started
// and none is left behind, whichever way iteration stops: each input gets a
// listener that, when the input completes, stores its index in a channel
// with room for all of them, which the loop reads. When iteration stops
// early, the listeners leave the inputs still pending, so an input that
// outlives the loop keeps nothing of it.
//
// Each range over the returned iterator is independent and starts from the
// beginning; ranging over it from several goroutines at once is safe.
// Nothing is registered until iteration starts. AsCompleted panics, when it
// is called, if ctx or an element of fs is nil.
func AsCompleted[T any](ctx context.Context, fs ...*Future[T]) iter.Seq2[int, *Future[T]] {
	if ctx == nil {
		panic("future: AsCompleted called with a nil context")
	}
	inputs := copyInputs("AsCompleted", fs)
	return func(yield func(int, *Future[T]) bool) {
		if len(inputs) == 0 || ctx.Err() != nil {
			return
		}
		done := make(chan int, len(inputs))
		notifiers := make([]notifier[T], len(inputs)) // one allocation for all
		for i, f := range inputs {
			notifiers[i] = notifier[T]{done: done, index: i}
			drain(f.subscribe(&notifiers[i]))
		}
		defer func() {
			for i, f := range inputs {
				f.unsubscribe(&notifiers[i]) // a done input: a load, nothing to do
			}
		}()
		for range inputs {
			var i int
			select {
			case i = <-done:
			case <-ctx.Done():
				return
			}
			// select picks at random when both are ready; once ctx is done
			// we yield nothing more, so that promise holds either way.
			if ctx.Err() != nil || !yield(i, inputs[i]) {
				return
			}
		}
	}
}

// notifier is AsCompleted's listener on one input: it reports the input's
// index on done. Each notifier fires once and done has room for all of them,
// so the send never blocks, even when nobody reads any more.
type notifier[T any] struct {
	done  chan<- int
	index int
}

func (n *notifier[T]) fire(*Future[T]) drainer {
	n.done <- n.index
	return nil
}
