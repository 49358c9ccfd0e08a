package future

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// Calls is the table of calls in flight to a remote peer over one
// connection, on futures: what every client of a multiplexed protocol keeps
// by hand (net/rpc's pending map, nats.go's response map, the Hazelcast
// client's invocation service). A caller starts a call under a correlation
// id with [Calls.Start], which registers it and then sends the request; the
// connection's reader goroutine completes it with [Calls.Complete] (or
// [Calls.Fail]) when the response with that id arrives; [Calls.Close] fails
// whatever is still in flight when the connection ends.
//
// A call leaves the table as soon as it ends, whichever way: its response,
// an error response, the end of its context, Close, or any completion of its
// future ([Future.Cancel]). From then on the table keeps nothing of it, its
// context included, and a late response for its id is reported, not
// delivered (Complete returns false). A call whose request was never sent
// fails with an error wrapping [ErrNotRun], so a caller can tell "not sent,
// safe to retry" from "sent, outcome unknown".
//
// Calls starts no goroutine and no timer of its own: a call whose context
// can end is watched with one [context.AfterFunc] (which, if the context
// ends first, fails the call on the goroutine it starts), and one whose
// context cannot end costs a map entry and its future.
//
// Complete and Fail run the call's callbacks and continuations on the
// goroutine that calls them, which is usually the connection's reader: a
// callback that blocks holds up every response behind it. Keep callbacks
// short, or move work off the reader: have the caller wait for the future
// (Result), or hand the work to a goroutine or a [Pool]:
//
//	f := calls.Start(ctx, id, send)
//	f.AddDoneCallback(func(f *future.Future[Response]) {
//		future.Submit(pool, ctx, func(ctx context.Context) (Row, error) {
//			return store(ctx, f) // slow: runs on the pool, not on the reader
//		})
//	})
//
// The zero value is ready to use. Use one Calls per connection: Close is
// for the connection's end, and a closed Calls stays closed. A Calls must
// not be copied after first use. Its methods are safe for concurrent use.
type Calls[K comparable, T any] struct {
	noCopy noCopy

	mu sync.Mutex
	// m holds the calls in flight by id. A call leaves it, under mu, at
	// the moment it ends, and whoever takes it out is the one that
	// completes it (unless its future was completed from outside, which
	// is what took it out).
	m map[K]*inflight[K, T]
	// peak is the most calls m has held since it was made: once m empties
	// after a burst, it is dropped, since a Go map never shrinks.
	peak int
	// closed is the error of Close, which wraps ErrClosed; nil while
	// open.
	closed error
	// limit bounds len(m)+admitted, when positive (see SetLimit); waiting
	// holds the Starts blocked by it, in arrival order, and admitted
	// counts those given room that have not yet taken it.
	limit    int
	admitted int
	waiting  waiters
	seq      uint32 // the seq of the next call started
}

// ErrClosed is wrapped by the error of a call failed by [Calls.Close],
// together with the error given to Close, and of a [Calls.Start] on a
// closed table (which also wraps [ErrNotRun]):
//
//	if errors.Is(err, future.ErrClosed) { ... } // the connection ended
var ErrClosed = errors.New("future: calls closed")

// closedError is Close's error: ErrClosed and the reason, which may be nil.
type closedError struct{ reason error }

func (e *closedError) Error() string {
	if e.reason == nil {
		return ErrClosed.Error()
	}
	return ErrClosed.Error() + ": " + e.reason.Error()
}

func (e *closedError) Unwrap() []error {
	if e.reason == nil {
		return []error{ErrClosed}
	}
	return []error{ErrClosed, e.reason}
}

// inflight is one call in flight: its future, and what it needs to leave the
// table whoever completes it.
type inflight[K comparable, T any] struct {
	result Future[T]
	calls  *Calls[K, T]
	id     K
	// state holds callLeft and callWatched.
	state atomic.Uint32
	// seq numbers the call in the order calls were started (calls.mu
	// guards the count), for Close to fail them in that order.
	seq uint32
	// watch is the AfterFunc that fails the call when its ctx ends, if
	// that ctx can end, until the call ends.
	watch afterFunc
}

// The bits of inflight.state. callWatched is set before the call is
// shared, if its ctx can end. callLeft is set, under calls.mu, when the
// call leaves the table; the call's listener reads it without the lock, so
// that a call taken out by Complete, which sets it before completing the
// future, costs the listener no lock.
const (
	callLeft uint32 = 1 << iota
	callWatched
)

// left reports whether cl has left the table.
func (cl *inflight[K, T]) left() bool { return cl.state.Load()&callLeft != 0 }

// Start registers a call under id, then calls send on the calling goroutine
// to send the request, and returns the call's future. Registering first
// means that a response can never arrive before its call is in the table.
//
// The future completes with the first of: [Calls.Complete] for id (the
// response), [Calls.Fail] for id (an error response), the end of ctx (with
// [context.Cause] of ctx), [Calls.Close], or a completion of the future
// itself ([Future.Cancel], [Future.SetResult]). Whichever it is, the call
// leaves the table at once, before any callback of the future runs, and the
// table keeps nothing of it. (When the future itself is completed, a
// goroutine waiting in Result may wake just before the call has left; it
// has by the time Cancel or SetResult returns. Ended any other way, it has
// left before any waiter wakes.) If send returns an error, the call fails with
// it; if send panics, with a [*PanicError] (the panic goes no further).
//
// If the table is closed, or ctx is already done, send is not called and
// the future has failed, before Start returns, with an error wrapping
// [ErrNotRun] and the reason: the error of Close (which wraps [ErrClosed]),
// or context.Cause(ctx).
//
// Start blocks while send runs, and, under a limit (see [Calls.SetLimit]),
// until the call has room: in arrival order, until a call leaves, ctx ends
// (then send is not called, as above) or the table is closed. A ctx that can
// end is watched with [context.AfterFunc] until the call ends; when it ends
// first, the call's callbacks run on the goroutine AfterFunc starts. A ctx
// that cannot end (its Done is nil) registers nothing.
//
// Start panics if c, ctx or send is nil, and if a call with id is already
// in flight (ids are the client's own: reusing one in flight is a bug),
// leaving the table unchanged.
func (c *Calls[K, T]) Start(ctx context.Context, id K, send func() error) *Future[T] {
	if c == nil {
		panic("future: Start called on a nil *Calls")
	}
	if ctx == nil {
		panic("future: Calls.Start called with a nil context")
	}
	if send == nil {
		panic("future: Calls.Start called with a nil send function")
	}
	done := ctx.Done() // nil if ctx can never end
	if done != nil && ctx.Err() != nil {
		return failedNotRun[T](context.Cause(ctx))
	}
	cl := &inflight[K, T]{calls: c, id: id}
	if done != nil {
		cl.state.Store(callWatched)
	}
	// The call listens to its own future before anyone else can, so that
	// whoever completes it, it leaves the table before any callback runs.
	cl.result.hook(cl)

	c.mu.Lock()
	if c.limit > 0 && (c.waiting.head != nil || len(c.m)+c.admitted >= c.limit) {
		if err := c.awaitRoom(ctx, done); err != nil {
			c.mu.Unlock()
			return failedNotRun[T](err)
		}
	} else if c.closed != nil {
		err := c.closed
		c.mu.Unlock()
		return failedNotRun[T](err)
	}
	if _, dup := c.m[id]; dup {
		c.grant() // room that awaitRoom took goes to the next in line
		c.mu.Unlock()
		panic(fmt.Sprintf("future: Calls.Start called with id %v, which is already in flight", id))
	}
	if c.m == nil {
		c.m = make(map[K]*inflight[K, T])
	}
	c.m[id] = cl
	cl.seq = c.seq
	c.seq++
	if n := len(c.m); n > c.peak {
		c.peak = n
	}
	c.mu.Unlock()

	if done != nil {
		watchContext(&cl.result, &cl.watch, ctx, func() { cl.end(context.Cause(ctx), nil) })
	}
	cl.send(send)
	return &cl.result
}

// failedNotRun returns a future failed because its request was not sent,
// for the given reason.
func failedNotRun[T any](reason error) *Future[T] {
	f := new(Future[T])
	f.fail(notRun(reason), nil)
	return f
}

// awaitRoom waits, in arrival order, until the table has room for one more
// call under its limit, and takes it. It returns nil with the room taken, or
// the reason the call may not be sent: the table's Close error, or the
// cause of ctx, which ended first. c.mu is held on entry and on return, and
// let go of while it waits.
func (c *Calls[K, T]) awaitRoom(ctx context.Context, done <-chan struct{}) error {
	if c.closed != nil {
		return c.closed
	}
	w := &waiter{ready: make(chan struct{})}
	c.waiting.push(w)
	c.mu.Unlock()
	select {
	case <-w.ready:
	case <-done:
	}
	c.mu.Lock()
	switch {
	case w.granted:
		c.admitted-- // the room is this call's now, or goes back
	case w.queued:
		c.waiting.remove(w)
	}
	if c.closed != nil {
		return c.closed
	}
	if done != nil && ctx.Err() != nil {
		c.grant() // room given to this call goes to the next in line
		return context.Cause(ctx)
	}
	return nil
}

// grant gives the Starts waiting at the head of the line the room the
// limit leaves. c.mu must be held.
func (c *Calls[K, T]) grant() {
	for w := c.waiting.head; w != nil && (c.limit < 1 || len(c.m)+c.admitted < c.limit); w = c.waiting.head {
		c.waiting.remove(w)
		w.granted = true
		c.admitted++
		close(w.ready)
	}
}

// send calls the user's send function and fails the call if it returns an
// error, panics, or calls runtime.Goexit.
func (cl *inflight[K, T]) send(send func() error) {
	returned := false
	defer func() {
		if !returned {
			cl.end(errGoexit, captureTraceback(0))
		}
	}()
	_, err, tb := callWith(sendOnce, send)
	returned = true
	if err != nil {
		cl.end(err, tb)
	}
}

// sendOnce calls send; callWith runs it with panics recovered.
func sendOnce(send func() error) (struct{}, error) { return struct{}{}, send() }

// end fails the call with err unless it has already left the table.
func (cl *inflight[K, T]) end(err error, tb *Traceback) {
	if cl.calls.take(cl) {
		cl.result.fail(err, tb)
	}
}

// fire runs first when the call's future is done, whoever completed it: the
// call leaves the table, if it has not yet, and its ctx no longer watches it.
func (cl *inflight[K, T]) fire(*Future[T]) drainer {
	if cl.state.Load()&callWatched != 0 {
		unwatchContext(&cl.result, &cl.watch)
	}
	if !cl.left() {
		cl.calls.take(cl)
	}
	return nil
}

// take takes cl out of the table and reports whether it did: false if it
// had already left.
func (c *Calls[K, T]) take(cl *inflight[K, T]) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl.left() {
		return false
	}
	c.remove(cl)
	return true
}

// remove takes cl, which is in the table, out of it. c.mu must be held.
func (c *Calls[K, T]) remove(cl *inflight[K, T]) {
	delete(c.m, cl.id)
	cl.state.Or(callLeft)
	if len(c.m) == 0 && c.peak > keepCalls {
		c.m, c.peak = nil, 0 // give back what a burst of calls grew
	}
	if c.waiting.head != nil {
		c.grant()
	}
}

// keepCalls is the most calls in flight at once after which an emptied
// table keeps its map.
const keepCalls = 1024

// Complete completes the call in flight under id with the response v, and
// reports whether it did: false if no call is in flight under id (a late
// response, for a call that has already ended, or an unknown id), or if the
// call's future was being completed otherwise at that moment. The call
// leaves the table before its future is done.
//
// The call's callbacks and continuations, and those of the futures they
// complete, run on the calling goroutine before Complete returns: on a
// connection's reader, a callback that blocks holds up every response
// behind it. Complete never blocks otherwise (it waits only for the
// table's lock, held for a few instructions at a time). It panics if c is
// nil.
func (c *Calls[K, T]) Complete(id K, v T) bool {
	if c == nil {
		panic("future: Complete called on a nil *Calls")
	}
	cl := c.takeID(id)
	return cl != nil && cl.result.complete(v, nil, nil)
}

// Fail fails the call in flight under id with err, an error response, as
// [Calls.Complete] completes it, with no traceback (the failure is the
// peer's). It reports whether it completed the call, runs callbacks as
// Complete does, and panics if c or err is nil.
func (c *Calls[K, T]) Fail(id K, err error) bool {
	if c == nil {
		panic("future: Fail called on a nil *Calls")
	}
	if err == nil {
		panic("future: Calls.Fail called with a nil error")
	}
	cl := c.takeID(id)
	return cl != nil && cl.result.fail(err, nil)
}

// takeID takes the call in flight under id out of the table and returns
// it, or returns nil if there is none.
func (c *Calls[K, T]) takeID(id K) *inflight[K, T] {
	c.mu.Lock()
	cl := c.m[id]
	if cl != nil {
		c.remove(cl)
	}
	c.mu.Unlock()
	return cl
}

// Close fails every call in flight with an error wrapping both [ErrClosed]
// and err (which may be nil: then the error is ErrClosed's), and returns how
// many calls it failed. From then on [Calls.Start] fails at once without
// calling send, and Starts blocked by the limit return so (see Start). A
// second Close changes nothing and returns 0.
//
// Every call in flight is failed before any of their callbacks runs; then
// the callbacks run on the calling goroutine, call after call in the order
// the calls were started, before Close returns. Close is typically called
// by the connection's reader when the connection breaks, with the
// connection's error. It panics if c is nil.
func (c *Calls[K, T]) Close(err error) int {
	if c == nil {
		panic("future: Close called on a nil *Calls")
	}
	c.mu.Lock()
	if c.closed != nil {
		c.mu.Unlock()
		return 0
	}
	closed := &closedError{err}
	c.closed = closed
	inFlight := make([]*inflight[K, T], 0, len(c.m))
	for _, cl := range c.m {
		cl.state.Or(callLeft)
		inFlight = append(inFlight, cl)
	}
	// Oldest first: seq wraps, but no call in flight is 2³² calls old.
	slices.SortFunc(inFlight, func(a, b *inflight[K, T]) int { return cmp.Compare(c.seq-b.seq, c.seq-a.seq) })
	c.m, c.peak = nil, 0
	for w := c.waiting.head; w != nil; w = c.waiting.head {
		c.waiting.remove(w)
		close(w.ready)
	}
	c.mu.Unlock()
	return failAll(inFlight, closed)
}

// failAll fails calls with err, and then runs their callbacks, call after
// call; it returns how many it failed. Every call is failed before any
// callback runs, so that a callback cannot complete a call that Close has
// taken out of the table but not yet failed.
func failAll[K comparable, T any](calls []*inflight[K, T], err error) (n int) {
	runs := make([]drainer, 0, len(calls))
	for _, cl := range calls {
		won, d := cl.result.settle(cl.result.zero(), err, nil)
		if won {
			n++
		}
		if d != nil {
			runs = append(runs, d)
		}
	}
	drainEach(runs)
	return n
}

// drainEach drains each of runs in turn, the rest too if a callback calls
// runtime.Goexit (see each).
func drainEach(runs []drainer) {
	each(len(runs), func(i int) { drain(runs[i]) })
}

// Len returns how many calls are in flight: started, and neither answered
// nor ended otherwise. It never blocks beyond the table's lock, and panics
// if c is nil.
func (c *Calls[K, T]) Len() int {
	if c == nil {
		panic("future: Len called on a nil *Calls")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// SetLimit bounds how many calls may be in flight at once to n, as a
// server's maximum of concurrent requests does: with n calls in flight,
// [Calls.Start] blocks, in arrival order, until one leaves, its ctx ends or
// the table is closed. n < 1 removes the bound (the default). The limit
// applies to Start calls that begin after SetLimit returns; a larger limit,
// or none, also lets Starts already blocked go ahead, in order, as far as
// it allows, and calls already in flight stay. SetLimit never blocks and
// panics if c is nil.
func (c *Calls[K, T]) SetLimit(n int) {
	if c == nil {
		panic("future: SetLimit called on a nil *Calls")
	}
	c.mu.Lock()
	c.limit = n
	c.grant()
	c.mu.Unlock()
}

// waiter is a Start blocked by the limit. The table's mu guards its fields.
type waiter struct {
	ready   chan struct{} // closed when the waiter is given room, or the table closes
	link    listLinks[waiter]
	queued  bool // in the table's line
	granted bool // given room, which it must take or pass on
}

func (w *waiter) listLinks() *listLinks[waiter] { return &w.link }

// waiters is a FIFO of blocked Starts; any of them can leave it in O(1)
// when its ctx ends.
type waiters struct{ list[waiter, *waiter] }

func (q *waiters) push(w *waiter) {
	q.list.push(w)
	w.queued = true
}

func (q *waiters) remove(w *waiter) {
	q.list.remove(w)
	w.queued = false
}
