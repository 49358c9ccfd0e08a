package future

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
)

// Future is the result of an asynchronous computation: a value of type T or
// an error, available once the future is done.
//
// A Future has two sides. The producer completes it once, with [Future.SetResult],
// [Future.SetException] or [Future.SetExceptionWithTraceback]; the first completion wins and
// later ones return false. Consumers read it any number of times, from any
// number of goroutines: Result, [Future.ResultContext], Exception and Traceback block
// until it is done; IsSuccess, Done, Running and [Future.DoneChan] never block; and
// [Future.AddDoneCallback] arranges for a function to run when it is done.
//
// The zero value is a pending future ready to use. A Future must not be
// copied after first use. All methods are safe for concurrent use; called
// on a nil *Future, each panics with a message that starts "future: ".
type Future[T any] struct {
	noCopy noCopy

	// state holds the stateClaimed, stateDone, stateWaiters and stateChan
	// bits. It is the lock-free fast path: readers of a done future and
	// completers of a future nobody waits for never touch mu, and the
	// completer of a future whose readers block but registered no listeners
	// does not either.
	state atomic.Uint32

	// mu guards first and rest until the future is done, and serialises the
	// making of done. Registration sets stateWaiters while holding mu, so a
	// completer that sees the bit knows it must take mu before it looks at
	// the listeners.
	mu sync.Mutex
	// done is made lazily, only when someone must block. It is written once,
	// under mu, before stateChan is set, and read only after stateChan is
	// observed.
	done chan struct{}
	// first holds the first listener inline, so the common case of a single
	// callback or continuation allocates no slice; rest holds the others,
	// behind a pointer so that a future without them stays small. Both may
	// hold removed listeners' tombstones: a nil first, nil slots in rest.
	first listener[T]
	rest  *listeners[T]

	// value and failure are written once, by the goroutine that set
	// stateClaimed, before it sets stateDone; they are read only after
	// stateDone is observed. A failure's error and traceback sit behind a
	// pointer, which a success leaves nil: a Future[int] is then 64 bytes,
	// not 80, and the garbage collector scans less in the common case.
	value   T
	failure *failure
}

// failure is the outcome of a failed future.
type failure struct {
	err error
	tb  *Traceback
}

// err returns f's error, nil if it succeeded. f must be done.
func (f *Future[T]) err() error {
	if f.failure == nil {
		return nil
	}
	return f.failure.err
}

// tb returns f's traceback, nil if it succeeded or none was recorded. f must
// be done.
func (f *Future[T]) tb() *Traceback {
	if f.failure == nil {
		return nil
	}
	return f.failure.tb
}

// The bits of Future.state. A future moves from 0 through stateClaimed (a
// completer has won and is writing the outcome) to stateClaimed|stateDone.
// stateWaiters records that listeners were registered and may be set at any
// time. stateChan records that done was made; it is set only while stateDone
// is clear, so either the completer that sets stateDone sees it and closes
// the channel, or the reader that made the channel sees stateDone and never
// publishes it. stateWaiters is never set once stateDone is: a future that
// completed with it clear had no listener but what its maker left in its
// inline slot, written before the future was shared: a continuation's hook
// (see link), or, with stateHooked set, the listener of its task or
// combinator, which no registration displaces.
const (
	stateClaimed uint32 = 1 << iota
	stateDone
	stateWaiters
	stateChan
	stateHooked
)

// noCopy makes go vet's copylocks check report copies of a Future.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}

// closedChan is the done channel of futures that were already done when
// DoneChan was first called, so that call need not make one.
var closedChan = func() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}()

// New returns a pending future. It is equivalent to new(Future[T]).
func New[T any]() *Future[T] {
	return new(Future[T])
}

// Completed returns a future that has already succeeded with v, like
// Hazelcast's ImmediateFuture. Its [Future.SetResult] and [Future.SetException] return false.
func Completed[T any](v T) *Future[T] {
	f := new(Future[T])
	f.value = v
	f.state.Store(stateClaimed | stateDone)
	return f
}

// Failed returns a future that has already failed with err, like Hazelcast's
// ImmediateExceptionFuture. Its traceback is the stack of the caller of
// Failed. Failed panics if err is nil.
func Failed[T any](err error) *Future[T] {
	if err == nil {
		panic("future: Failed called with a nil error")
	}
	f := new(Future[T])
	f.failure = &failure{err, captureTraceback(1)}
	f.state.Store(stateClaimed | stateDone)
	return f
}

// Go runs fn in a new goroutine and returns a future completed with its
// result: fn's value on a nil error, otherwise fn's error, recorded without
// a traceback. If fn panics, the future fails with a *PanicError whose
// traceback is the stack of the panic, and the panic goes no further; if fn
// calls [runtime.Goexit], the future fails with an error saying so. Callbacks
// registered on the future run on fn's goroutine once fn returns, unless
// another completion (Cancel, [Future.SetResult]) wins first: then they run on that
// goroutine, and fn keeps running with its result discarded (use [GoContext]
// for work that should stop). Go never blocks. It panics if fn is nil.
func Go[T any](fn func() (T, error)) *Future[T] {
	if fn == nil {
		panic("future: Go called with a nil function")
	}
	f := new(Future[T])
	go f.run(fn)
	return f
}

func (f *Future[T]) run(fn func() (T, error)) {
	returned := false
	defer f.failIfGoexit(&returned)
	v, err, tb := call(fn)
	returned = true
	f.complete(v, err, tb)
}

// errGoexit fails a future whose function called runtime.Goexit.
var errGoexit = errors.New("future: function called runtime.Goexit")

// failIfGoexit, deferred around a user function that computes f, fails f
// with errGoexit if the function never returned, which with panics
// recovered means it called runtime.Goexit (as t.FailNow does). The
// goroutine is ending, but deferred calls still run on it, so f's callbacks
// run here, before it goes.
func (f *Future[T]) failIfGoexit(returned *bool) {
	if !*returned {
		f.fail(errGoexit, captureTraceback(1))
	}
}

// SetResult completes f successfully with v and reports whether this call
// completed it. If another completion won, it changes nothing and returns
// false once f is done (the winner may still be running f's callbacks), so
// Done reports true after any completion call returns. Blocked readers are
// woken; callbacks and continuations registered on f, and those of the
// futures they complete, run on the calling goroutine before SetResult
// returns. It does not wait for readers. It is safe to race with any other
// method.
func (f *Future[T]) SetResult(v T) bool {
	f.checkNil("SetResult")
	return f.complete(v, nil, nil)
}

// SetException completes f with the failure err, recording the caller's stack
// as its traceback, and reports whether this call completed it; otherwise it
// changes nothing and returns false. Waking readers and running callbacks
// work as in [Future.SetResult]. SetException panics if err is nil, leaving f as it
// was.
func (f *Future[T]) SetException(err error) bool {
	f.checkNil("SetException")
	if err == nil {
		panic("future: SetException called with a nil error")
	}
	if f.claimed() {
		f.awaitDone()
		return false // don't pay for a stack that would be thrown away
	}
	return f.fail(err, captureTraceback(1))
}

// SetExceptionWithTraceback is [Future.SetException] with the traceback given by the
// caller (nil for none) instead of the caller's stack; use it to pass on a
// failure together with the stack where it first happened. It panics if err
// is nil, leaving f as it was.
func (f *Future[T]) SetExceptionWithTraceback(err error, tb *Traceback) bool {
	f.checkNil("SetExceptionWithTraceback")
	if err == nil {
		panic("future: SetExceptionWithTraceback called with a nil error")
	}
	return f.fail(err, tb)
}

func (f *Future[T]) fail(err error, tb *Traceback) bool {
	return f.complete(f.zero(), err, tb)
}

// checkNil panics with a message naming method, the caller, if f is nil,
// so that a nil *Future is reported as the misuse it is rather than as a
// nil dereference somewhere inside the package.
func (f *Future[T]) checkNil(method string) {
	if f == nil {
		panic("future: " + method + " called on a nil *Future")
	}
}

// zero returns the zero value of T, the value of a failed future.
func (*Future[T]) zero() (zero T) { return zero }

// awaitDone returns once f is done. A completion that lost calls it, so
// that Done is true by the time it returns false: the winner only has its
// outcome left to write, which runs no user code, so the wait is short and
// cannot deadlock. It yields instead of waiting on the done channel, which
// it would have to make, and which a loser inside a testing/synctest bubble
// would bind to that bubble.
func (f *Future[T]) awaitDone() {
	for f.state.Load()&stateDone == 0 {
		runtime.Gosched()
	}
}

// claimed reports whether a completion of f has won, whether or not it has
// finished writing the outcome.
func (f *Future[T]) claimed() bool {
	return f.state.Load()&stateClaimed != 0
}

// Result blocks until f is done and returns its value and a nil error, or,
// if f failed, the zero value and the error. A reader that finds f pending,
// with no done channel made yet (by an earlier reader or DoneChan), yields
// the processor once ([runtime.Gosched]), which often lets the goroutine
// about to complete f finish first, and blocks only if f is still pending.
func (f *Future[T]) Result() (T, error) {
	f.checkNil("Result")
	if !f.yieldUntilDone() {
		<-f.DoneChan()
	}
	return f.value, f.err()
}

// yieldUntilDone reports whether f is done, yielding the processor once
// (at most) first if it is not. A reader often arrives just before its
// completer runs: a goroutine just started by Go or Submit, or one this reader has
// itself just readied, waiting in this processor's run queue. If that
// completer finishes during the yield, the reader returns without making
// the done channel, parking and being woken (bench/RESULTS.md: W2 and Go,
// and W2 before and after). It does not yield once the channel exists:
// then another reader is parked on it already, or f's maker made it for
// callers it expected to wait (Flights), and a reader that must wait anyway
// would only pay a trip through the run queue (W5's 1,000 waiters and a
// Flights round were measurably slower when every reader yielded). The
// cost of the yield: the reader goes to the global run queue, so under load
// a future completed during the yield wakes its reader a little later than
// a parked reader would be woken (into the completer's processor's next
// slot); unlike sync.Mutex's spin, it does not first check that the
// processor is otherwise idle, which the runtime does not expose.
func (f *Future[T]) yieldUntilDone() bool {
	s := f.state.Load()
	if s&stateDone != 0 {
		return true
	}
	if s&stateChan != 0 {
		return false
	}
	runtime.Gosched()
	return f.state.Load()&stateDone != 0
}

// ResultContext is Result bounded by ctx: it returns ctx.Err() if ctx ends
// before f is done. f itself is not changed and can still complete and be
// read later. A future that is already done answers even if ctx is done.
// Like Result, it may yield the processor once before it blocks.
// ResultContext registers nothing that outlives the call. It panics if ctx
// is nil.
func (f *Future[T]) ResultContext(ctx context.Context) (T, error) {
	f.checkNil("ResultContext")
	if ctx == nil {
		panic("future: ResultContext called with a nil context")
	}
	if !f.yieldUntilDone() {
		select {
		case <-f.DoneChan():
		case <-ctx.Done():
			if !f.Done() {
				var zero T
				return zero, ctx.Err()
			}
		}
	}
	return f.value, f.err()
}

// Exception blocks until f is done and returns its error, nil if it
// succeeded.
func (f *Future[T]) Exception() error {
	f.checkNil("Exception")
	_, err := f.Result()
	return err
}

// Traceback blocks until f is done and returns the stack recorded with its
// failure; nil if f succeeded or no traceback was recorded.
func (f *Future[T]) Traceback() *Traceback {
	f.checkNil("Traceback")
	f.Result()
	return f.tb()
}

// IsSuccess reports whether f is done and succeeded. It never blocks.
func (f *Future[T]) IsSuccess() bool {
	f.checkNil("IsSuccess")
	return f.state.Load()&stateDone != 0 && f.err() == nil
}

// Done reports whether f is done, successfully or not. It never blocks.
func (f *Future[T]) Done() bool {
	f.checkNil("Done")
	return f.state.Load()&stateDone != 0
}

// Running reports whether f is still pending; it is !f.Done(), as in
// Hazelcast. Unlike Python's concurrent.futures, it does not mean that a
// function is executing: a future queued by [Submit], or made by New, is
// Running. It never blocks.
func (f *Future[T]) Running() bool {
	f.checkNil("Running")
	return !f.Done()
}

// DoneChan returns a channel that is closed when f is done, for use in a
// select statement. Every call returns the same channel. It never blocks.
//
// The channel is made by the first call that needs it (DoneChan, or a
// blocking read of a pending f), as a context's Done channel is. Inside a
// [testing/synctest] bubble the channel then belongs to the bubble: call
// DoneChan where f is made if a bubble will wait for f while code outside
// it completes f (see the package documentation).
func (f *Future[T]) DoneChan() <-chan struct{} {
	f.checkNil("DoneChan")
	s := f.state.Load()
	if s&stateChan != 0 {
		return f.done // written before stateChan was set
	}
	if s&stateDone != 0 {
		return closedChan // no channel was made, and none ever will be
	}
	return f.makeDoneChan()
}

// makeDoneChan makes and publishes f's done channel, or returns closedChan
// if f is done first. mu makes readers that race here agree on one channel.
// Publishing is a compare-and-swap that sets stateChan only while stateDone
// is clear, which is what lets the completer close the channel without
// taking mu: the hand-off to a blocked reader (W2 in internal/workloads)
// pays no lock on the completer's side.
func (f *Future[T]) makeDoneChan() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.state.Load()
	if s&stateChan != 0 {
		return f.done // another reader made it while we waited for mu
	}
	ch := make(chan struct{})
	f.done = ch
	for s&stateDone == 0 {
		if f.state.CompareAndSwap(s, s|stateChan) {
			return ch
		}
		s = f.state.Load() // a completer or a registration changed state
	}
	f.done = nil // never published, so nobody reads it
	return closedChan
}

// AddDoneCallback arranges for cb(f) to run once f is done.
//
// If f is pending, cb is queued: when f completes, the queued callbacks run
// in the order they were added, each exactly once, on the goroutine that
// completed f, after f's outcome is visible and with no lock held. Queued
// continuations count too: one added before cb has run before cb does, and
// if that run completed the continuation's own future, that future's
// callbacks have run as well (a [Combine] still waiting for other inputs, or a
// flattened future still waiting for its inner one, completes later). If f is
// already done, cb runs at once on the calling goroutine, before
// AddDoneCallback returns (so it may run before callbacks that were queued
// earlier and are still being run by the completing goroutine).
//
// A callback may read f, add callbacks and complete other futures. A panic in
// cb is recovered and logged with its stack through log/slog; the other
// callbacks still run and the goroutine that completed f is not affected. A
// callback that calls [runtime.Goexit] (as t.FailNow does) is logged too and
// ends the goroutine, but only after the other callbacks have run.
// To take a callback back before it runs, use [Future.OnDone]. AddDoneCallback
// panics if cb is nil.
func (f *Future[T]) AddDoneCallback(cb func(*Future[T])) {
	f.checkNil("AddDoneCallback")
	if cb == nil {
		panic("future: AddDoneCallback called with a nil callback")
	}
	drain(f.subscribe(callback[T](cb)))
}
