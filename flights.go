package future

import (
	"context"
	"sync"
	"sync/atomic"
)

// Flights coalesces concurrent calls for the same key into one run of a
// function, as golang.org/x/sync/singleflight does, with futures and with
// cancellation done right: each caller gets a [Future] of its own, a caller
// whose context ends leaves without disturbing the others, and the shared
// run is canceled only when every caller has left.
//
// The zero value is ready to use. A Flights must not be copied after first
// use. Its methods are safe for concurrent use.
type Flights[K comparable, V any] struct {
	mu sync.Mutex
	// m holds the run each key's callers join, while it is in flight and
	// someone still waits for it; a run that ends, that every caller has
	// left or that Forget detached is no longer here. mu guards it, and
	// the callers of every run.
	m map[K]*flight[K, V]
}

// Do returns a future of the outcome of fn run for key, sharing a run
// already in flight for key if there is one: concurrent calls with the same
// key run fn once, and each gets a future of its own. Do never blocks (it
// waits only for a lock held for a few instructions, as singleflight does);
// fn runs on a goroutine of its own, started by the call that starts the
// run; the fn of a call that joins a run is not used.
//
// fn's context carries the values of the ctx of the call that started the
// run, but not its deadline or cancellation (as [context.WithoutCancel]):
// the run belongs to no caller in particular. That context is canceled when
// every caller's future is done (the last one out), and when fn returns.
//
// A caller's future fails with [context.Cause] of its ctx, with no
// traceback, as soon as that ctx ends, and a completion of it by anyone
// ([Future.Cancel], say) concerns it alone: the other callers keep waiting
// and the run goes on. A caller whose future is done has left the run, and
// the run keeps nothing of it. A run that every caller has left is detached
// from key at once, so a later Do starts a new run and never joins one that
// is being abandoned. If ctx is already done, Do neither starts nor joins a
// run: its future has already failed with context.Cause(ctx).
//
// When fn returns, key is free again (nothing is cached: the next Do starts
// a new run) and every caller still waiting gets fn's outcome: its value, or
// its error with the traceback the run recorded. A panic in fn reaches every
// caller as a [*PanicError] with the panic's stack as its traceback.
//
// Callbacks registered on a caller's future run as on any future: on fn's
// goroutine once fn returns (the callers' in the order they joined, unless
// some left), or on the goroutine that completed the future first: the one
// that called Cancel, or, when the caller's ctx ends, the goroutine
// [context.AfterFunc] starts. A caller's future, once done, keeps neither fn
// nor any context alive.
//
// Calling Do from fn with the same key joins the run itself, so waiting for
// that future from fn deadlocks, as with singleflight. Do panics if s, ctx
// or fn is nil.
func (s *Flights[K, V]) Do(ctx context.Context, key K, fn func(ctx context.Context) (V, error)) *Future[V] {
	if s == nil {
		panic("future: Do called on a nil *Flights")
	}
	if ctx == nil {
		panic("future: Flights.Do called with a nil context")
	}
	if fn == nil {
		panic("future: Flights.Do called with a nil function")
	}
	if ctx.Err() != nil {
		f := new(Future[V])
		f.fail(context.Cause(ctx), nil)
		return f
	}
	// The caller listens to its own future first, so that whoever
	// completes it, the caller leaves the run before any callback runs. A
	// caller of Do waits for its future, as a caller of singleflight's
	// DoChan does for its channel: make the channel now. A caller whose
	// ctx can never end (its Done is nil) needs no AfterFunc, so it is a
	// plain caller, with no room for one.
	var c *caller[K, V]
	var w *watchedCaller[K, V]
	if ctx.Done() == nil {
		c = new(caller[K, V])
		c.result.hookAwaited(leaver[K, V]{c})
	} else {
		w = new(watchedCaller[K, V])
		c = &w.caller
		c.result.hookAwaited(watchedLeaver[K, V]{w})
	}

	s.mu.Lock()
	f := s.m[key]
	start := f == nil
	if start {
		f = &flight[K, V]{s: s, key: key}
		if s.m == nil {
			s.m = make(map[K]*flight[K, V])
		}
		s.m[key] = f
	}
	c.run, c.slot = f, len(f.waiting)
	f.waiting = append(f.waiting, c)
	s.mu.Unlock()

	if start {
		runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		// Set before the run can end or lose its last caller: the run has
		// not started, and this caller cannot leave before Do returns or
		// watches its ctx.
		f.cancel = cancel
		go f.run(runCtx, fn)
	}
	if w != nil {
		w.watch(ctx)
	}
	return &c.result
}

// Forget detaches the run in flight for key, if any, so that the next
// [Flights.Do] for key starts a new run instead of joining it; use it when
// what the run reads has changed. The detached run goes on for the callers
// it has: they still get its outcome, and its context is canceled when they
// have all left. Forget never blocks and is safe for concurrent use. It
// panics if s is nil.
func (s *Flights[K, V]) Forget(key K) {
	if s == nil {
		panic("future: Forget called on a nil *Flights")
	}
	s.mu.Lock()
	delete(s.m, key)
	s.mu.Unlock()
}

// flight is one run of a function for a key and the callers waiting for
// it. The callers are in a slice guarded by the Flights' lock, as
// singleflight keeps its callers' channels: joining, leaving and the end of
// the run each take that lock once, and no lock of the run's own.
type flight[K comparable, V any] struct {
	s   *Flights[K, V]
	key K
	// waiting holds the callers that have not left, each at its slot (for
	// a caller whose ctx can end, the caller inside its watchedCaller:
	// the run needs only its result and slot); the run hands its outcome
	// to those still here when it ends. s.mu guards it. When it empties
	// the run is detached from key at once, so a run nobody waits for
	// never gains a caller.
	waiting []*caller[K, V]
	// ended is set, under s.mu, when the run has taken waiting to hand
	// over its outcome; a caller that sees it has nothing to leave.
	ended atomic.Bool
	// cancel cancels fn's context. It is set before the run can end or
	// lose its last caller, and never changes after.
	cancel context.CancelFunc
}

// run runs fn on the calling goroutine and hands its outcome to the
// callers still waiting.
func (f *flight[K, V]) run(ctx context.Context, fn func(context.Context) (V, error)) {
	returned := false
	defer func() {
		if !returned {
			// fn called runtime.Goexit: the goroutine is ending, but the
			// callers must not wait forever.
			var zero V
			f.finish(zero, errGoexit, captureTraceback(0))
		}
	}()
	v, err, tb := callWith(fn, ctx)
	returned = true
	f.finish(v, err, tb)
}

// finish ends the run with the given outcome: fn's context is canceled and
// the key freed before any caller sees the outcome, so a caller that calls
// Do again on seeing it starts a new run. Then each caller still waiting
// gets the outcome, and its callbacks run, in turn.
func (f *flight[K, V]) finish(v V, err error, tb *Traceback) {
	f.cancel()
	s := f.s
	s.mu.Lock()
	if s.m[f.key] == f {
		delete(s.m, f.key)
	}
	waiting := f.waiting
	f.waiting = nil
	f.ended.Store(true)
	s.mu.Unlock()
	for _, c := range waiting {
		c.result.complete(v, err, tb) // false for a caller leaving right now
	}
}

// drop takes c, which is leaving, off the callers waiting for the run,
// unless the run has ended; the last one out detaches the run from its key
// and cancels its context.
func (f *flight[K, V]) drop(c *caller[K, V]) {
	s := f.s
	s.mu.Lock()
	if f.ended.Load() {
		s.mu.Unlock() // the run ended as c was leaving: it has let go of c
		return
	}
	last := len(f.waiting) - 1
	moved := f.waiting[last]
	f.waiting[c.slot], moved.slot = moved, c.slot
	f.waiting[last] = nil // c's slot keeps nothing of c
	f.waiting = f.waiting[:last]
	if cap(f.waiting) > 16 && last < cap(f.waiting)/4 {
		f.waiting = append([]*caller[K, V](nil), f.waiting...) // give back what a burst of callers left
	}
	empty := last == 0
	if empty && s.m[f.key] == f {
		delete(s.m, f.key)
	}
	s.mu.Unlock()
	if empty {
		f.cancel()
	}
}

// caller is one Do call's share in a run: its future, and what it needs to
// leave the run early.
type caller[K comparable, V any] struct {
	result Future[V]
	// run is the flight the caller waits for, until it leaves; only Do
	// (before anyone else can see the caller) and leave touch it.
	run *flight[K, V]
	// slot is the caller's index in run.waiting; s.mu guards it.
	slot int
}

// leave runs once c's future is done, whoever completed it: a caller that
// leaves before the run ends takes itself off the run's callers. After it,
// the future no longer refers to the run.
func (c *caller[K, V]) leave() {
	f := c.run
	c.run = nil
	if !f.ended.Load() {
		f.drop(c)
	}
}

// leaver is the first listener on the future of a caller whose context
// cannot end.
type leaver[K comparable, V any] struct{ c *caller[K, V] }

func (l leaver[K, V]) fire(*Future[V]) drainer {
	l.c.leave()
	return nil
}

// watchedCaller is a caller whose context can end, with the
// context.AfterFunc that fails its future when it does.
type watchedCaller[K comparable, V any] struct {
	caller[K, V]
	// stop removes that context.AfterFunc (see watchContext).
	stop afterFunc
}

// watch fails the caller's future with context.Cause(ctx) when ctx ends,
// until the future is done.
func (w *watchedCaller[K, V]) watch(ctx context.Context) {
	watchContext(&w.result, &w.stop, ctx, func() { w.result.fail(context.Cause(ctx), nil) })
}

// leave is caller.leave for a caller whose context can end: that context
// no longer watches it either. After it, the future refers to neither the
// run nor the context.
func (w *watchedCaller[K, V]) leave() {
	unwatchContext(&w.result, &w.stop)
	w.caller.leave()
}

// watchedLeaver is the first listener on the future of a caller whose
// context can end.
type watchedLeaver[K comparable, V any] struct{ w *watchedCaller[K, V] }

func (l watchedLeaver[K, V]) fire(*Future[V]) drainer {
	l.w.leave()
	return nil
}
