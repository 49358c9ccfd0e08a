package future

import (
	"context"
	"fmt"
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
//
// In a [testing/synctest] bubble, use a Flights of the bubble's own, not
// one shared with code outside it: a run's goroutine belongs to the bubble
// of the Do that started it, or to none, so a Do in the bubble that joins a
// run started outside it waits for the outside, and the bubble reports a
// deadlock (or the runtime a fatal error), as for any future completed
// outside its bubble.
type Flights[K comparable, V any] struct {
	// table holds the run each key's callers join, while it is in flight
	// and someone still waits for it; a run that ends, that every caller
	// has left or that Forget detached is no longer there.
	table[K, V]
}

// table is the lock and the map of keys in flight that Flights and Batcher
// share: m holds, for each key, the callers a new caller of that key joins
// (a Flights run, or a key of a Batcher's batch), until they are answered,
// all have left, or Forget detached them. mu guards m and the callers of
// every flight in it.
type table[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]*flight[K, V]
}

// checkKey panics with a future: message naming method if key cannot be
// compared: a key of an interface type, or holding one, whose dynamic type
// is a slice, map or function. It is called before t.mu is taken, since a
// map of such keys panics, and a panic with the lock held would deadlock
// every later caller.
func checkKey[K comparable](key K, method string) {
	defer func() {
		if r := recover(); r != nil {
			panic(fmt.Sprintf("future: %s called with a key of uncomparable type %T", method, key))
		}
	}()
	_ = key == key
}

// get returns the flight that key's callers join, or nil. A key not equal
// to itself (a NaN, or a value holding one) is in no map, as in Go's own:
// it joins nothing. t.mu must be held, and key must have passed checkKey.
func (t *table[K, V]) get(key K) *flight[K, V] {
	if key != key {
		return nil
	}
	return t.m[key]
}

// put makes f the flight that key's callers join, unless key is not equal
// to itself: such a key could never be found, or deleted, again. t.mu must
// be held.
func (t *table[K, V]) put(key K, f *flight[K, V]) {
	if key != key {
		return
	}
	if t.m == nil {
		t.m = make(map[K]*flight[K, V])
	}
	t.m[key] = f
}

// detach makes f a flight no new caller joins, if it is still key's. t.mu
// must be held.
func (t *table[K, V]) detach(f *flight[K, V]) {
	if f.key == f.key && t.m[f.key] == f {
		delete(t.m, f.key)
	}
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
// or fn is nil, or if key cannot be compared (an interface holding a slice,
// say), as a map would. A key not equal to itself (a NaN) joins no run, as
// it would find no entry in a map.
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
	checkKey(key, "Flights.Do")
	if ctx.Err() != nil {
		f := new(Future[V])
		f.fail(context.Cause(ctx), nil)
		return f
	}
	c, w := newCaller[K, V](ctx, true)
	s.mu.Lock()
	f := s.get(key)
	start := f == nil
	if start {
		f = &flight[K, V]{t: &s.table, key: key}
		s.put(key, f)
	}
	f.join(c)
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
// panics if s is nil or if key cannot be compared.
func (s *Flights[K, V]) Forget(key K) {
	if s == nil {
		panic("future: Forget called on a nil *Flights")
	}
	checkKey(key, "Flights.Forget")
	s.mu.Lock()
	if key == key {
		delete(s.m, key)
	}
	s.mu.Unlock()
}

// flight is the callers waiting for one key's outcome: a Flights run, or
// a key of a Batcher's batch. The callers are in a slice guarded by the
// table's lock, as singleflight keeps its callers' channels: joining,
// leaving and the answer each take that lock once, and no lock of the
// flight's own.
type flight[K comparable, V any] struct {
	t   *table[K, V]
	key K
	// waiting holds the callers that have not left, each at its slot (for
	// a caller whose ctx can end, the caller inside its watchedCaller:
	// the flight needs only its result and slot); they get the outcome
	// when it comes. t.mu guards it. When it empties the flight is
	// detached from key at once, so a flight nobody waits for never gains
	// a caller.
	waiting []*caller[K, V]
	// one is where waiting starts, so that a key or run with one caller
	// (most of a batch's keys) makes no slice.
	one [1]*caller[K, V]
	// ended is set, under t.mu, when the outcome has come and waiting is
	// being answered; a caller that sees it has nothing to leave.
	ended atomic.Bool
	// cancel cancels a Flights run's context: the last caller out calls
	// it. It is set before the run can end or lose its last caller, and
	// never changes after.
	cancel context.CancelFunc
	// batch is the batch of a Batcher's key, and nil for a Flights run;
	// slot is the key's index in batch.keys while the batch is not yet
	// fetching. t.mu guards slot.
	batch *batch[K, V]
	slot  int
}

// join adds c to f's callers. t.mu must be held.
func (f *flight[K, V]) join(c *caller[K, V]) {
	if f.waiting == nil {
		f.waiting = f.one[:0]
	}
	c.run, c.slot = f, len(f.waiting)
	f.waiting = append(f.waiting, c)
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
// gets the outcome, and its callbacks run, in turn, even if one of them
// calls runtime.Goexit.
func (f *flight[K, V]) finish(v V, err error, tb *Traceback) {
	f.cancel()
	t := f.t
	t.mu.Lock()
	t.detach(f)
	waiting := f.waiting
	f.waiting = nil
	f.ended.Store(true)
	t.mu.Unlock()
	answer(waiting, v, err, tb)
}

// answer hands the outcome to callers: settleCallers makes every caller's future
// done and wakes its readers, then runCallbacks runs their callbacks, caller
// by caller.
func answer[K comparable, V any](callers []*caller[K, V], v V, err error, tb *Traceback) {
	settleCallers(callers, v, err, tb)
	runCallbacks(callers)
}

// settleCallers completes each caller's future with the outcome without running
// its callbacks (a caller leaving right now has completed its own), and
// marks, by a slot of -1, the callers whose callbacks are not to run here.
// It runs no user code. Every caller is done before any callback runs, so a
// reader woken by one future that goes on to read another of the same
// answer finds it done instead of blocking again.
func settleCallers[K comparable, V any](callers []*caller[K, V], v V, err error, tb *Traceback) {
	for _, c := range callers {
		if won, d := c.result.settle(v, err, tb); !won || d == nil {
			c.slot = -1
		}
	}
}

// runCallbacks runs the callbacks of the callers that settleCallers completed, in
// turn, the rest too if a callback calls runtime.Goexit (as t.FailNow does;
// see each).
func runCallbacks[K comparable, V any](callers []*caller[K, V]) {
	each(len(callers), func(i int) {
		if c := callers[i]; c.slot >= 0 {
			drain(&c.result)
		}
	})
}

// drop takes c, which is leaving, off the callers waiting for f, unless
// f's outcome has come; the last one out detaches f from its key and
// cancels a Flights run's context, or takes the key out of its batch.
func (f *flight[K, V]) drop(c *caller[K, V]) {
	t := f.t
	t.mu.Lock()
	if f.ended.Load() {
		t.mu.Unlock() // the outcome came as c was leaving: f has let go of c
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
	var then func() // what the last one out does once the lock is let go
	if last == 0 {
		t.detach(f)
		if f.batch == nil {
			then = f.cancel
		} else {
			then = f.batch.left(f)
		}
	}
	t.mu.Unlock()
	if then != nil {
		then()
	}
}

// caller is one Do call's share in a run: its future, and what it needs to
// leave the run early.
type caller[K comparable, V any] struct {
	result Future[V]
	// run is the flight the caller waits for, until it leaves; only Do
	// (before anyone else can see the caller) and leave touch it.
	run *flight[K, V]
	// slot is the caller's index in run.waiting; the table's mu guards
	// it.
	slot int
}

// newCaller makes the share of a caller with ctx in a flight: a plain
// caller if ctx can never end (its Done is nil), with no room for an
// AfterFunc; otherwise a watchedCaller, returned as w too, on which the
// caller must call watch(ctx) once it has joined. The caller listens to its
// own future first, so that whoever completes it, the caller leaves before
// any callback runs. With awaited, the future's done channel is made now,
// for a caller that will wait for its future as a caller of singleflight's
// DoChan does for its channel; otherwise a reader makes it if it must
// block.
func newCaller[K comparable, V any](ctx context.Context, awaited bool) (c *caller[K, V], w *watchedCaller[K, V]) {
	var l listener[V]
	if ctx.Done() == nil {
		c = new(caller[K, V])
		l = leaver[K, V]{c}
	} else {
		w = new(watchedCaller[K, V])
		c = &w.caller
		l = watchedLeaver[K, V]{w}
	}
	if awaited {
		c.result.hookAwaited(l)
	} else {
		c.result.hook(l)
	}
	return c, w
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
