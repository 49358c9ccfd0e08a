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
	// joined is whether the last call that looked its key up found a
	// flight to join. The next call bets that it joins too, and allocates
	// its caller without room for a flight (see newCaller): a lost bet
	// costs a flight allocated under mu, or, the other way, room left
	// unused. Written under mu, when it changes; read before mu is taken.
	joined atomic.Bool
}

// flightFor returns the flight that a caller of key joins, and whether
// the caller starts it: if none is in flight, own becomes key's flight,
// or a new flight if own is nil. t.mu must be held, and key must have
// passed checkKey.
func (t *table[K, V]) flightFor(key K, own *flight[K, V]) (f *flight[K, V], started bool) {
	f = t.get(key)
	if joined := f != nil; joined != t.joined.Load() {
		t.joined.Store(joined)
	}
	if f != nil {
		return f, false
	}
	if own == nil {
		own = new(flight[K, V])
	}
	own.t.Store(t)
	own.key = key
	t.put(key, own)
	return own, true
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
// the run keeps nothing of it, but for the caller that started the run:
// the run lives in that caller's allocation (so that a new key costs one
// allocation), and keeps its done future, with its outcome, reachable
// until fn returns. A run that every caller has left is detached
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
	c, own, watched := newCaller[K, V](ctx, true, !s.joined.Load())
	s.mu.Lock()
	f, start := s.flightFor(key, own)
	f.join(c)
	s.mu.Unlock()

	if start {
		runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		// Set before the run can end or lose its last caller: the run has
		// not started, and this caller cannot leave before Do returns or
		// watches its ctx.
		f.cancel = cancel
		go f.run(&s.table, cancel, runCtx, fn)
	}
	if watched {
		c.watch(ctx)
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
// a key of a Batcher's batch. It lives in the allocation of its first
// caller (see newCaller), so that a new key costs one allocation, not two,
// made before the table's lock is taken. The callers are a list linked
// through them and guarded by the table's lock, as singleflight keeps its
// callers' channels: joining, leaving and the answer each take that lock
// once, and no lock of the flight's own; none of them allocates.
//
// Since the flight outlives its use in its first caller's future, which
// its user may keep, it lets go of the table, the batch, the run's context
// and the key once it has ended or every caller has left (see release): a
// done future keeps none of them alive.
type flight[K comparable, V any] struct {
	// t is the table the flight is in, until the flight has ended or every
	// caller has left; then nil. A caller that is leaving loads it before
	// it takes the lock, so it is atomic; it is written under t.mu, or,
	// once ended is set, by the goroutine answering the callers.
	t   atomic.Pointer[table[K, V]]
	key K
	// callers are the callers that have not left, in the order they
	// joined; they get the outcome when it comes. t.mu guards the list,
	// and the callers' links, until ended is set; from then on they are
	// the answerer's alone. When the list empties the flight is detached
	// from key at once, so a flight nobody waits for never gains a caller.
	callers list[caller[K, V], *caller[K, V]]
	// ended is set, under t.mu, when the outcome has come and the callers
	// are being answered; a caller that sees it has nothing to leave.
	ended atomic.Bool
	// cancel cancels a Flights run's context: the last caller out calls
	// it. It is set before the run can end or lose its last caller, and
	// cleared, under t.mu, by release.
	cancel context.CancelFunc
	// batch is the batch of a Batcher's key, and nil for a Flights run
	// (and once released); slot is the key's index in batch.keys while the
	// batch is not yet fetching. t.mu guards both.
	batch *batch[K, V]
	slot  int
}

// join adds c to the end of f's callers. t.mu must be held.
func (f *flight[K, V]) join(c *caller[K, V]) {
	c.run = f
	f.callers.push(c)
}

// release lets go of everything f refers to but its callers, once it has
// ended or every caller has left: f may live on in its first caller's
// done future. t.mu must be held, or ended set.
func (f *flight[K, V]) release() {
	var zero K
	f.t.Store(nil)
	f.key, f.cancel, f.batch = zero, nil, nil
}

// run runs fn on the calling goroutine and hands its outcome to the
// callers still waiting. t is f's table and cancel cancels ctx: run keeps
// them itself, since f lets go of them when its last caller leaves.
func (f *flight[K, V]) run(t *table[K, V], cancel context.CancelFunc, ctx context.Context, fn func(context.Context) (V, error)) {
	returned := false
	defer func() {
		if !returned {
			// fn called runtime.Goexit: the goroutine is ending, but the
			// callers must not wait forever.
			var zero V
			f.finish(t, cancel, zero, errGoexit, captureTraceback(0))
		}
	}()
	v, err, tb := callWith(fn, ctx)
	returned = true
	f.finish(t, cancel, v, err, tb)
}

// finish ends the run with the given outcome: fn's context is canceled and
// the key freed before any caller sees the outcome, so a caller that calls
// Do again on seeing it starts a new run. Then each caller still waiting
// gets the outcome, and its callbacks run, in turn, even if one of them
// calls runtime.Goexit.
func (f *flight[K, V]) finish(t *table[K, V], cancel context.CancelFunc, v V, err error, tb *Traceback) {
	cancel()
	t.mu.Lock()
	t.detach(f)
	callers := f.callers.head
	f.callers = list[caller[K, V], *caller[K, V]]{}
	f.ended.Store(true)
	f.release()
	t.mu.Unlock()
	answer(callers, v, err, tb)
}

// answer hands the outcome to the callers listed from head: settleCallers
// makes every caller's future done and wakes its readers, then
// runCallbacks runs their callbacks, caller by caller. The callers' links
// must be the answerer's alone (the flight has ended).
func answer[K comparable, V any](head *caller[K, V], v V, err error, tb *Traceback) {
	runCallbacks(settleCallers(head, v, err, tb))
}

// settleCallers completes the future of each caller listed from head with
// the outcome without running its callbacks (a caller leaving right now
// has completed its own), and returns the list of the callers it
// completed whose callbacks are still to run, in the same order: the
// others are taken off it, and keep no link. It runs no user code. Every
// caller is done before any callback runs, so a reader woken by one future
// that goes on to read another of the same answer finds it done instead of
// blocking again. A caller whose context cannot end and whose only
// listener is its own leaver (see newCaller), as most such are, leaves
// here, and costs no pass through runCallbacks: that leaver runs no user
// code. One whose context can end goes through runCallbacks, since its
// leaver stops the context's AfterFunc, which may call the context's own
// methods, and they must not run before every caller is done.
func settleCallers[K comparable, V any](head *caller[K, V], v V, err error, tb *Traceback) *caller[K, V] {
	var first, last *caller[K, V]
	for c := head; c != nil; {
		next := c.link.next
		c.link = listLinks[caller[K, V]]{}
		if won, d := c.result.settle(v, err, tb); won && d != nil {
			// rest is nil if no listener but the leaver (first) was ever
			// added; none can be now that the future is done, and settle
			// has seen every one added before (it took the future's lock
			// if any was), so first and rest are read without the lock.
			if l, plain := c.result.first.(leaver[K, V]); plain && c.result.rest == nil {
				l.c.leave()
				c = next
				continue
			}
			if last == nil {
				first = c
			} else {
				last.link.next = c
			}
			last = c
		}
		c = next
	}
	return first
}

// runCallbacks runs the callbacks of the callers listed from head, which
// settleCallers returned, in turn, the rest too if a callback calls
// runtime.Goexit (as t.FailNow does; see each). Each caller's link is cut
// before its callbacks run, so that no done future keeps another alive.
func runCallbacks[K comparable, V any](head *caller[K, V]) {
	if head == nil {
		return // none listed: most keys of a batch, once their callers left in settleCallers
	}
	n := 0
	for c := head; c != nil; c = c.link.next {
		n++
	}
	c := head
	each(n, func(int) {
		done := c
		c, done.link.next = done.link.next, nil
		drain(&done.result)
	})
}

// drop takes c, which is leaving, off the callers waiting for f, unless
// f's outcome has come; the last one out detaches f from its key and
// cancels a Flights run's context, or takes the key out of its batch.
func (f *flight[K, V]) drop(c *caller[K, V]) {
	t := f.t.Load()
	if t == nil {
		return // released: f has let go of c
	}
	t.mu.Lock()
	if f.ended.Load() {
		t.mu.Unlock() // the outcome came as c was leaving: f has let go of c
		return
	}
	f.callers.remove(c)
	var then func() // what the last one out does once the lock is let go
	if f.callers.head == nil {
		t.detach(f)
		if f.batch == nil {
			then = f.cancel
		} else {
			then = f.batch.left(f)
		}
		f.release()
	}
	t.mu.Unlock()
	if then != nil {
		then()
	}
}

// caller is one Do or Load call's share in a flight: its future, and what
// it needs to leave the flight early.
type caller[K comparable, V any] struct {
	result Future[V]
	// run is the flight the caller waits for, until it leaves; only Do or
	// Load (before anyone else can see the caller) and leave touch it.
	run *flight[K, V]
	// link links the caller in run's list of callers; run's t.mu guards
	// it until run has ended, its answerer after.
	link listLinks[caller[K, V]]
	// stop removes the context.AfterFunc that fails the future of a caller
	// whose context can end (see watchContext); nil for one whose context
	// cannot.
	stop afterFunc
}

func (c *caller[K, V]) listLinks() *listLinks[caller[K, V]] { return &c.link }

// leadCaller is a caller with room for the flight it may start: Load and
// Do allocate one before they take the table's lock, unless they bet that
// the caller joins a flight (see table.joined), and a caller that finds
// its key's flight leaves the room unused.
type leadCaller[K comparable, V any] struct {
	caller[K, V]
	own flight[K, V]
}

// newCaller makes the share of a caller with ctx in a flight: with lead,
// in a leadCaller whose room for a flight is own; without, own is nil. The
// caller listens to its own future first, so that whoever completes it,
// the caller leaves before any callback runs. If ctx can end (its Done is
// not nil), watched is true and the caller must call watch(ctx) once it
// has joined. With awaited, the future's done channel is made now, for a
// caller that will wait for its future as a caller of singleflight's
// DoChan does for its channel; otherwise a reader makes it if it must
// block.
func newCaller[K comparable, V any](ctx context.Context, awaited, lead bool) (c *caller[K, V], own *flight[K, V], watched bool) {
	if lead {
		lc := new(leadCaller[K, V])
		c, own = &lc.caller, &lc.own
	} else {
		c = new(caller[K, V])
	}
	var l listener[V] = leaver[K, V]{c}
	if watched = ctx.Done() != nil; watched {
		l = watchedLeaver[K, V]{c}
	}
	if awaited {
		c.result.hookAwaited(l)
	} else {
		c.result.hook(l)
	}
	return c, own, watched
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

// watch fails the caller's future with context.Cause(ctx) when ctx ends,
// until the future is done.
func (c *caller[K, V]) watch(ctx context.Context) {
	watchContext(&c.result, &c.stop, ctx, func() { c.result.fail(context.Cause(ctx), nil) })
}

// watchedLeaver is the first listener on the future of a caller whose
// context can end: that context no longer watches it either, and after it
// the future refers to neither the run nor the context.
type watchedLeaver[K comparable, V any] struct{ c *caller[K, V] }

func (l watchedLeaver[K, V]) fire(*Future[V]) drainer {
	unwatchContext(&l.c.result, &l.c.stop)
	l.c.leave()
	return nil
}
