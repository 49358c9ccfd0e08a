package future

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Hedge runs fn as a hedged request ("The Tail at Scale", Dean and Barroso,
// 2013) and returns a future of the first success. Attempt 0 starts at
// once; while no attempt has succeeded, the next one starts when delay has
// passed since the last one started, or at once when every attempt started
// so far has failed, up to attempts in all. A delay of about the 95th
// percentile of fn's latency buys a much shorter tail for a few percent more
// calls. fn gets the attempt's number, from 0, so that it can pick a
// replica.
//
// Every attempt runs on a goroutine of its own. The attempts share one
// context, a child of ctx, which is canceled when ctx ends and once the
// future is done, whatever completed it, before the callbacks registered on
// the future while it was pending run. The first success completes the
// future with its value, so it cancels the attempts still running, whose
// outcomes are discarded, and the winner's context too, just after its
// function has returned: as with [GoContext] and errgroup, an attempt's
// context is not for work that outlives its function, so fn must finish
// whatever needs it (such as reading an HTTP response's body) before it
// returns.
//
// If no attempt succeeds, the future fails once every started attempt has
// returned, with an error that says which attempt failed how, in start
// order, on one line (if each attempt's error reads as one line):
//
//	future: hedge: 2 attempts failed: attempt 0: connection refused; attempt 1: context deadline exceeded
//
// Its Unwrap method returns the attempts' errors in start order, as the
// error of [errors.Join] does, so [errors.Is] and [errors.As] find each one.
// The future's traceback is that of the first attempt, in start order, that
// recorded one: a panic in fn fails its attempt with a [*PanicError], as in
// [Go].
//
// When ctx ends, no new attempt starts, and the attempts running see their
// context end; the future waits for them to return, as [GoContext] does. If
// ctx is already done, no attempt starts and the future has already failed
// with [context.Cause] of ctx. [Future.Cancel] on the future, or any other
// completion of it, cancels the attempts' context and stops the timer.
//
// Hedge never blocks. It starts no goroutine but the attempts', and keeps one
// timer ([time.AfterFunc]) while another attempt may start. Callbacks
// registered on the future run on the goroutine of the attempt that
// completes it (the winner, or the last to fail) or on the goroutine that
// completed it first, such as the caller of Cancel. Once the future is done,
// it keeps neither fn nor ctx alive. Hedge is safe for concurrent use. It
// panics, with a message starting "future: ", if ctx or fn is nil, attempts
// is less than 1 or delay is negative.
func Hedge[T any](ctx context.Context, delay time.Duration, attempts int, fn func(ctx context.Context, attempt int) (T, error)) *Future[T] {
	switch {
	case ctx == nil:
		panic("future: Hedge called with a nil context")
	case fn == nil:
		panic("future: Hedge called with a nil function")
	case attempts < 1:
		panic("future: Hedge called with attempts " + strconv.Itoa(attempts) + "; there must be at least 1")
	case delay < 0:
		panic("future: Hedge called with a negative delay, " + delay.String())
	}
	h := &hedge[T]{delay: delay, attempts: attempts, fn: fn}
	if ctx.Err() != nil {
		h.result.fail(context.Cause(ctx), nil)
		return &h.result
	}
	h.ctx, h.cancel = context.WithCancel(ctx)
	// The hedge listens to its result first, so that the attempts' context
	// ends before any callback registered while it is pending runs.
	h.result.hook(hedgeDone[T]{h})
	h.mu.Lock()
	h.start()
	h.mu.Unlock()
	return &h.result
}

// hedge is the state of one Hedge call.
type hedge[T any] struct {
	result   Future[T]
	delay    time.Duration
	attempts int

	mu sync.Mutex
	// fn starts the attempts; nil once no attempt may start (all started,
	// or the result done).
	fn func(context.Context, int) (T, error)
	// ctx is the attempts' context and cancel cancels it; both are dropped
	// once the result is done.
	ctx    context.Context
	cancel context.CancelFunc
	// timer starts the next attempt once delay has passed; nil when none
	// is due. A timer that fires as an earlier failure starts the attempt
	// it was for must not start another: gen, which every start and the
	// end of the hedge advance, tells it that it is stale.
	timer *time.Timer
	gen   uint64
	// started and failed count the attempts; failures holds each one's
	// error and traceback, in start order.
	started, failed int
	failures        []failure
}

// mayStart reports whether another attempt may start now. h.mu is held.
func (h *hedge[T]) mayStart() bool {
	return h.fn != nil && h.ctx.Err() == nil && !h.result.claimed()
}

// start starts the next attempt, and arms the timer for the one after, if
// any. h.mu is held, and mayStart has returned true.
func (h *hedge[T]) start() {
	fn, i := h.fn, h.started
	h.started++
	h.failures = append(h.failures, failure{})
	h.disarm()
	if h.started == h.attempts {
		h.fn = nil // the last attempt: only its goroutine needs fn now
	} else {
		gen := h.gen
		h.timer = time.AfterFunc(h.delay, func() { h.due(gen) })
	}
	go h.attempt(h.ctx, fn, i)
}

// disarm stops the timer, if any, and makes a run of it that has already
// begun stale. h.mu is held.
func (h *hedge[T]) disarm() {
	h.gen++
	if h.timer != nil {
		h.timer.Stop()
		h.timer = nil
	}
}

// due starts the next attempt when the delay after the last one has
// passed, unless the timer was stale or no attempt may start.
func (h *hedge[T]) due(gen uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if gen == h.gen && h.mayStart() {
		h.start()
	}
}

// attempt runs attempt i on the calling goroutine.
func (h *hedge[T]) attempt(ctx context.Context, fn func(context.Context, int) (T, error), i int) {
	returned := false
	defer func() {
		if !returned {
			// fn called runtime.Goexit: the goroutine is ending, but the
			// attempt must count as failed.
			h.fail(i, errGoexit, captureTraceback(0))
		}
	}()
	v, err, tb := callWith(func(ctx context.Context) (T, error) { return fn(ctx, i) }, ctx)
	returned = true
	if err != nil {
		h.fail(i, err, tb)
		return
	}
	h.result.complete(v, nil, nil) // the first success wins; hedgeDone cancels the rest
}

// fail records the failure of attempt i. When every started attempt has
// failed, it starts the next at once or, if none may start, fails the
// result with their errors.
func (h *hedge[T]) fail(i int, err error, tb *Traceback) {
	h.mu.Lock()
	h.failed++
	if h.failures != nil { // nil once the result is done
		h.failures[i] = failure{err, tb}
	}
	if h.failed < h.started {
		h.mu.Unlock() // another attempt is still running
		return
	}
	if h.mayStart() {
		h.start()
		h.mu.Unlock()
		return
	}
	failures := h.failures
	h.mu.Unlock()
	if failures == nil {
		return // the result is done already
	}
	errs := make([]error, len(failures))
	var first *Traceback
	for i, f := range failures {
		errs[i] = f.err
		if first == nil {
			first = f.tb
		}
	}
	var zero T
	h.result.complete(zero, &hedgeError{errs}, first)
}

// hedgeError is the error of a Hedge whose every attempt failed: errs holds
// the attempts' errors, in start order, none nil. Unlike errors.Join's error,
// which puts one error a line, it reads as one line that says which attempt
// failed how.
type hedgeError struct{ errs []error }

func (e *hedgeError) Error() string {
	var b strings.Builder
	b.WriteString("future: hedge: ")
	b.WriteString(strconv.Itoa(len(e.errs)))
	if len(e.errs) == 1 {
		b.WriteString(" attempt failed")
	} else {
		b.WriteString(" attempts failed")
	}
	for i, err := range e.errs {
		if i == 0 {
			b.WriteString(": attempt ")
		} else {
			b.WriteString("; attempt ")
		}
		b.WriteString(strconv.Itoa(i))
		b.WriteString(": ")
		b.WriteString(err.Error())
	}
	return b.String()
}

// Unwrap returns the attempts' errors, in start order, for errors.Is and
// errors.As.
func (e *hedgeError) Unwrap() []error { return e.errs }

// hedgeDone is the first listener on a hedge's result: whoever completed
// it, no attempt starts after it, those running see their context end, and
// the hedge lets go of fn and ctx.
type hedgeDone[T any] struct{ h *hedge[T] }

func (d hedgeDone[T]) fire(*Future[T]) drainer {
	h := d.h
	h.mu.Lock()
	h.disarm()
	cancel := h.cancel
	h.fn, h.ctx, h.cancel, h.failures = nil, nil, nil, nil
	h.mu.Unlock()
	cancel()
	return nil
}
