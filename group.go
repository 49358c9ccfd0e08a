package future

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// A Group is one request's work as one unit: functions forked with [Fork]
// run with a shared context, each returns its own typed [Future], the first
// failure cancels the rest, and [Group.Wait] returns once every function
// has returned. It is errgroup.WithContext with typed results, on a shared
// [Pool] or on goroutines of its own.
//
// A Group's functions run on a pool, sharing the pool's limit with
// everything else on it, or each on a goroutine of its own if it has no
// pool. The first function to fail (by returning an error, panicking or
// calling [runtime.Goexit]) cancels the group's context with its error as the
// cause ([context.Cause]); functions that have not started by then never
// run, and their futures fail with an error wrapping both [ErrNotRun] and
// that cause. A function that never runs because the group's context ended
// (its parent's deadline or cancellation, a sibling's failure) is a failure
// of the group too: [Group.Wait] reports the first failure, which is then
// that not-run error if nothing failed before it. A forked future completed
// by something other than its function ([Future.Cancel], [Future.SetResult])
// does not fail the group.
//
// The zero Group is ready to use: its context is context.Background's
// child, and its functions run on goroutines of their own. A Group must not
// be copied after first use. Its methods, and [Fork], are safe for concurrent
// use.
type Group struct {
	noCopy noCopy

	// running counts, below groupWaited, the functions forked that have
	// neither returned nor been dropped without running. Fork adds to it
	// without a lock; Wait, under mu, sets groupWaited in the same atomic
	// step that finds the count zero, so every Fork either counted before
	// that, and Wait waits for it, or sees groupWaited, and runs nothing. A
	// function's end subtracts, and takes mu only to wake Wait when the
	// count reaches zero.
	running atomic.Int64
	// ready is set, under mu, once ctx, cancel and idle.L are; Fork reads
	// them without mu once it sees it.
	ready  atomic.Bool
	mu     sync.Mutex
	idle   sync.Cond // broadcast when the count in running drops to zero; L is &mu
	ctx    context.Context
	cancel context.CancelCauseFunc
	pool   *Pool
	err    error // the first failure
}

// groupWaited is the bit of Group.running that Wait sets when it finds no
// function running.
const groupWaited = int64(1) << 62

// NewGroup returns a group whose context is a child of ctx and whose
// functions run on p, or each on a goroutine of its own if p is nil. It
// never blocks and panics if ctx is nil.
func NewGroup(ctx context.Context, p *Pool) *Group {
	if ctx == nil {
		panic("future: NewGroup called with a nil context")
	}
	if p != nil {
		p.check("NewGroup")
	}
	g := &Group{pool: p}
	g.init(ctx)
	return g
}

// init gives g its context, a child of parent, unless it has one. g.mu must
// be held, or g not yet shared.
func (g *Group) init(parent context.Context) {
	if g.ctx == nil {
		g.ctx, g.cancel = context.WithCancelCause(parent)
		g.idle.L = &g.mu
		g.ready.Store(true)
	}
}

// Context returns the group's context, the parent of the context each of
// its functions runs with. It is canceled, with the failure as its cause,
// when a function fails, by Wait before it returns, and when the parent
// context ends. Context never blocks. It panics if g is nil.
func (g *Group) Context() context.Context {
	if g == nil {
		panic("future: Context called on a nil *Group")
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.init(context.Background())
	return g.ctx
}

// Fork runs fn as part of g and returns fn's future: on g's pool as
// [Submit] would, or on a new goroutine as [GoContext] would, with a child
// of g's context. fn's context is canceled when g's context ends, when the
// future is completed by anything other than fn, and when fn returns.
//
// If fn fails (an error, a panic, [runtime.Goexit]) and its future was not
// completed by anything else first, g's context is canceled with fn's error
// as the cause before the future is done, so whoever sees the failure sees
// g's context ended. If g's context has already ended, or ends before fn
// starts, fn never runs and its future fails with an error wrapping both
// [ErrNotRun] and [context.Cause] of g's context; that too is a failure of
// g, which Wait reports unless another came first. A Fork after Wait has
// returned runs nothing and changes nothing Wait returns: its future fails
// at once with an error wrapping [ErrNotRun] that says the group was
// already waited for (and wrapping Wait's error, if it was not nil).
//
// Fork blocks only as [Submit] does, when g's pool has a queue limit
// ([Pool.SetQueueLimit]) and its queue is full; beyond that it may wait for
// g's lock, held for a few instructions at a time, to set up a zero Group,
// to wake Wait, and after Wait has ended g. It is safe for concurrent use,
// from inside g's functions too (on a pool with a queue limit, see
// [Pool.SetQueueLimit] first). It panics if g or fn is nil.
func Fork[T any](g *Group, fn func(ctx context.Context) (T, error)) *Future[T] {
	if g == nil {
		panic("future: Fork called with a nil *Group")
	}
	if fn == nil {
		panic("future: Fork called with a nil function")
	}
	if !g.ready.Load() { // the zero Group, first used
		g.mu.Lock()
		g.init(context.Background())
		g.mu.Unlock()
	}
	if g.running.Add(1)&groupWaited != 0 {
		// Wait has ended g: fn never runs. ended, not a bare subtraction,
		// so that a second Wait that saw this Fork counted is woken.
		g.ended()
		f := new(Future[T])
		f.fail(g.forkedAfterWait(), nil)
		return f
	}
	ctx, p := g.ctx, g.pool
	if p != nil {
		return submitTask(p, ctx, fn, g)
	}
	return goTask(ctx, fn, g)
}

// errWaited is the cause of the error of a function forked in a group after
// its Wait returned.
var errWaited = errors.New("future: Fork called after the group's Wait returned")

// forkedAfterWait returns the error of a function forked after Wait ended
// g: it was not run, because g was waited for, and, if g failed, that
// failure too, so that errors.Is finds it. It does not wrap the
// context.Canceled that a successful Wait leaves as the cause of g's
// context, which a caller would take for its client's going away. g.err is
// final once Wait has ended g.
func (g *Group) forkedAfterWait() error {
	if g.err == nil {
		return notRun(errWaited)
	}
	return notRun(fmt.Errorf("%w: %w", errWaited, g.err))
}

// fail records err as g's failure, if it is the first, and cancels g's
// context with it as the cause. Once Wait has ended g, what it returned is
// final: fail changes nothing.
func (g *Group) fail(err error) {
	g.mu.Lock()
	first := g.err == nil && g.running.Load()&groupWaited == 0
	if first {
		g.err = err
	}
	g.mu.Unlock()
	if first {
		g.cancel(err)
	}
}

// ended counts one of g's functions out: it has returned, or will never
// run.
func (g *Group) ended() {
	if g.running.Add(-1)&^groupWaited == 0 {
		g.mu.Lock()
		g.idle.Broadcast()
		g.mu.Unlock()
	}
}

// Wait blocks until every function forked in g has returned, or been
// dropped without running, including functions forked while it waits: not
// merely until their futures are done (a future completed by Cancel, say,
// is done before its function returns), so no goroutine of the group
// outlives Wait. It then cancels g's context, as errgroup's Wait does, and
// returns the first failure, or nil; later calls return the same. A
// function that never ran because g's context ended first (its parent's
// deadline, say) is a failure: Wait returns nil only if every function ran
// to success or had its future completed by something else, such as
// [Future.Cancel]. So after a nil Wait every forked future holds its
// function's result, or was completed by its caller.
//
// Wait from inside one of g's functions, or from a callback that such a
// function's completion runs, deadlocks: it waits for that function. Wait
// is safe for concurrent use. It panics if g is nil.
func (g *Group) Wait() error {
	if g == nil {
		panic("future: Wait called on a nil *Group")
	}
	g.mu.Lock()
	g.init(context.Background())
	for {
		n := g.running.Load()
		if n&^groupWaited != 0 {
			g.idle.Wait()
			continue
		}
		// None running: end the group, unless a Fork has just counted one.
		if n&groupWaited != 0 || g.running.CompareAndSwap(n, n|groupWaited) {
			break
		}
	}
	// Canceled before mu is released: a Fork that saw groupWaited waits for
	// mu, and then finds the context ended.
	err := g.err
	g.cancel(err) // with a nil err, the cause is context.Canceled
	g.mu.Unlock()
	return err
}
