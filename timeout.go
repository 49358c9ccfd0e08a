package future

import (
	"context"
	"sync/atomic"
	"time"
)

// WithTimeout returns a future with f's outcome (value, or error and
// traceback) if f completes within d, and otherwise one that fails when d
// has passed, with an error for which errors.Is(err, [context.DeadlineExceeded])
// holds. f itself is not changed: it keeps running and can still complete
// and be read. As with [context.WithTimeout], a d of zero or less has already
// expired: the result fails at once unless f is already done, in which case
// it has f's outcome.
//
// WithTimeout never blocks and starts no goroutine while it waits: it sets
// one timer ([time.AfterFunc]). Once the result is done, whichever side
// finished it or Cancel, the timer is stopped and the result's listener
// leaves f, so a long-lived f keeps nothing of it. A result that is dropped
// while neither side has finished is kept, with its timer, until d has
// passed, as a context from [context.WithTimeout] is until its deadline:
// Cancel it to let go at once. The result's callbacks run on the goroutine
// that completes f or, if the timeout comes first, on the timer's
// goroutine.
//
// Inside a [testing/synctest] bubble the timer runs on the bubble's fake
// clock, and, as with context.WithTimeout, it belongs to the bubble: f must
// then be completed from inside the bubble too, since stopping the timer
// from outside is a fatal error. WithTimeout is safe for concurrent use; it
// panics if f is nil.
func WithTimeout[T any](f *Future[T], d time.Duration) *Future[T] {
	if f == nil {
		panic("future: WithTimeout called with a nil future")
	}
	return &withTimeout(f, d).result
}

func withTimeout[T any](f *Future[T], d time.Duration) *timeoutListener[T] {
	w := new(timeoutListener[T])
	if !f.Done() {
		if d <= 0 {
			w.expire(d)
			return w
		}
		w.src = f
		hookResult(&w.result, w) // the result is fresh: nothing completes it before the timer
		w.timer.Store(time.AfterFunc(d, func() { w.expire(d) }))
	}
	drain(f.subscribe(w))
	if w.result.Done() {
		f.unsubscribe(w) // the timer fired before w was registered, and the hook found nothing to take back
	}
	return w
}

// timeoutListener is WithTimeout's listener on f and its result.
type timeoutListener[T any] struct {
	result Future[T]
	src    *Future[T] // f while it may be pending, for detach
	// timer is nil if f was done, or d had passed, at the start, and until
	// it is set, which may be after it fired.
	timer atomic.Pointer[time.Timer]
}

// detach stops the timer and takes w back from f once the result is done,
// whichever side finished it (or Cancel): neither the timer nor f keeps w.
func (w *timeoutListener[T]) detach() {
	w.stopTimer()
	w.src.unsubscribe(w)
	w.src = nil // the hook runs once, and only it reads src
}

// stopTimer stops the timer, if it is set: one that is not set yet has
// fired already.
func (w *timeoutListener[T]) stopTimer() {
	if t := w.timer.Load(); t != nil {
		t.Stop()
	}
}

func (w *timeoutListener[T]) fire(f *Future[T]) drainer {
	w.stopTimer()
	_, d := w.result.settle(f.value, f.err(), f.tb())
	return d
}

// expire fails the result, unless f got there first.
func (w *timeoutListener[T]) expire(d time.Duration) {
	var zero T
	w.result.complete(zero, &timeoutError{d}, nil)
}

// timeoutError is the error of a WithTimeout future whose input was not done
// in time. It is context.DeadlineExceeded with the duration in its message.
type timeoutError struct{ d time.Duration }

func (e *timeoutError) Error() string {
	return "future: timed out after " + e.d.String() + ": " + context.DeadlineExceeded.Error()
}

// Unwrap returns [context.DeadlineExceeded], for errors.Is.
func (e *timeoutError) Unwrap() error { return context.DeadlineExceeded }

// Timeout reports true, as [context.DeadlineExceeded] and net errors do.
func (e *timeoutError) Timeout() bool { return true }
