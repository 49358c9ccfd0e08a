package future

import (
	"context"
	"fmt"
	"sync"
)

// Pool runs submitted functions, at most a fixed number at once, in
// submission order: Go's counterpart of Python's ThreadPoolExecutor and
// Java's fixed thread pool, returning a [Future] for each function.
//
// A Pool starts worker goroutines on demand, at most its limit, and a worker
// exits as soon as nothing is queued, so an idle pool holds no goroutine and
// needs no Close. Queued functions wait in a queue, not in goroutines. A
// function whose future is done before it starts (by [Future.Cancel], or
// because its context ended) leaves the queue at once, with nothing of it
// kept.
//
// A function running in the pool may [Submit] more work, but should not wait
// for it: with every worker waiting on queued work, nothing runs (the same
// holds for Python's executors). Cancel what nobody waits for, and give
// each request's work that request's context, so that work nobody wants is
// dropped from the queue instead of run. To group one request's work, with
// its first failure canceling the rest, use a [Group] on the pool.
//
// In a [testing/synctest] bubble, use a Pool made inside that bubble, not
// a Pool shared with code outside it (a package-level pool, or one that
// other tests use). A worker belongs to the bubble of the Submit that
// started it, or to none, and runs whatever function reaches the head of
// the queue, whoever submitted it: a worker started outside the bubble runs
// the bubble's functions outside it, in real time, and the first time such
// a function or the pool touches a channel of the bubble, such as the Done
// channel of a context made in it, the runtime ends the whole test binary
// with "fatal error: receive on synctest channel from outside bubble" (or
// "close of synctest channel from outside bubble"); a function that touches
// none may instead leave the bubble waiting on real time, or forever. Go
// gives a package no way to tell which bubble a goroutine is in, so the
// pool cannot notice. Let the code under test take its Pool as a parameter
// or field, and have the test make one inside the bubble and pass it in:
//
//	synctest.Test(t, func(t *testing.T) {
//		svc := &Service{pool: future.NewPool(4)} // not the package-level pool
//		...
//	})
//
// Make a Pool with [NewPool]; the zero value is not usable. A Pool must not
// be copied after first use. Its methods are safe for concurrent use. A
// function running in the pool may call Submit, but must not call
// [Pool.Wait] (see Wait).
type Pool struct {
	mu      sync.Mutex
	idle    sync.Cond // broadcast when active drops to zero; L is &mu
	limit   int
	workers int // worker goroutines alive
	running int // jobs that workers are running
	active  int // jobs queued or running, not counting the inbox's (see inbox)
	queue   jobList
	// watches holds a watch for each context, keyed by its Done channel,
	// that has queued jobs waiting behind busy workers; lastWatch is the
	// open watch used last, if any. own is a watch kept inside the pool,
	// for one context at a time: the common case, one request's functions
	// waiting behind busy workers, then touches no memory under p.mu but
	// the pool's and the jobs'.
	watches   map[<-chan struct{}]*watch
	lastWatch *watch
	own       watch
	// queueLimit bounds how many jobs may wait for a worker (see
	// SetQueueLimit); negative: no bound. room, made by a Submit that
	// waits for room, is closed and cleared when a job leaves the queue.
	queueLimit int
	room       chan struct{}
	// in holds the jobs a Submit queued without p.mu (see inbox). The
	// submitter writes it at every such Submit, the holders of p.mu only
	// when they move the jobs to the queue: the padding keeps the fields
	// above, which the workers write under p.mu, and the next object off
	// its cache lines.
	_  [64]byte
	in inbox
	_  [64]byte
}

// job is a queued function: a *poolTask[T] of any T.
type job interface {
	// run runs the function, unless its future is already done, and
	// returns once the future is done.
	run(labels bool)
	// expire fails the job, whose context ended with cause before it
	// started.
	expire(cause error)
	// links returns the job's place in the queue.
	links() *qlinks
	// context returns the job's context; only while it is queued.
	context() context.Context
}

// NewPool returns a pool that runs at most limit functions at once, with no
// bound on its queue (see [Pool.SetQueueLimit]). It panics if limit is less
// than 1.
func NewPool(limit int) *Pool {
	if limit < 1 {
		panic(fmt.Sprintf("future: NewPool called with limit %d; the limit must be at least 1", limit))
	}
	p := &Pool{limit: limit, queueLimit: -1}
	p.idle.L = &p.mu
	return p
}

// SetQueueLimit bounds how many functions may wait in p's queue for a
// worker. When the queue is full, [Submit] blocks until there is room or
// its context ends; in the second case it queues nothing, and the future it
// returns fails with an error wrapping both [ErrNotRun] and
// [context.Cause] of the context. With n == 0, [Submit] blocks until a worker
// can start the function at once, which is what errgroup's SetLimit does;
// with n < 0 (the default) the queue is unbounded and Submit never blocks.
//
// The limit applies to Submit calls that start after SetQueueLimit returns;
// functions already queued stay queued. With a limit, a function running in
// p that submits more work to p may block in Submit, and if every worker
// does, nothing runs: submit from inside p only when the queue cannot fill,
// or give such work a pool of its own. SetQueueLimit never blocks and is
// safe for concurrent use. It panics if p is nil or was not made by
// [NewPool].
func (p *Pool) SetQueueLimit(n int) {
	p.check("SetQueueLimit")
	p.mu.Lock()
	p.queueLimit = n
	if n >= 0 {
		p.closeInbox() // limited Submits count the queue under p.mu
	}
	p.signalRoom() // a larger limit may make room for Submits waiting now
	p.mu.Unlock()
}

// Submit queues fn to run in p with a child of ctx and returns a future
// completed with fn's result. Unless a queue limit is set (see
// [Pool.SetQueueLimit]), it never blocks: it does not wait for a free
// worker.
//
// Queued functions start in submission order, at most p's limit at a time,
// each on one of p's worker goroutines and run as by [GoContext]: fn's
// context is canceled when ctx ends, when the future is completed by
// anything other than fn (such as [Future.Cancel]), and when fn returns; a
// panic in fn fails the future with a [*PanicError] and does not harm the
// pool; callbacks on the future run on the worker once fn returns, and they
// and the continuations they trigger hold the worker's slot until they
// return: keep them short. The worker runs fn with the profiler labels of
// ctx ([runtime/pprof.SetGoroutineLabels]), so a CPU profile attributes the
// work to the request that submitted it, whichever request started the
// worker.
//
// A queued function whose future is completed (for instance by Cancel)
// before it starts never runs, and leaves the queue at once. A queued
// function whose ctx ends before it starts never runs either, and its
// future fails at once, even while every worker is busy, with an error
// wrapping both [ErrNotRun] and [context.Cause] of ctx, without a
// traceback; its callbacks then run on a goroutine started by
// [context.AfterFunc], or on the worker that was about to start it. If ctx
// is already done, Submit queues nothing and returns that failed future. A
// function that calls [runtime.Goexit] fails its future with an error saying
// so, and another worker takes its place.
//
// Submit starts no goroutine per queued function: functions that wait
// behind busy workers are watched with one [context.AfterFunc] per Done
// channel, shared by contexts that share one (which, for a context type of
// its own that context.AfterFunc cannot hook into, waits in a goroutine of
// its own while that channel has work queued).
//
// Submit panics if p, ctx or fn is nil, or if p was not made by [NewPool].
func Submit[T any](p *Pool, ctx context.Context, fn func(ctx context.Context) (T, error)) *Future[T] {
	if p == nil {
		panic("future: Submit called with a nil *Pool")
	}
	if ctx == nil {
		panic("future: Submit called with a nil context")
	}
	if fn == nil {
		panic("future: Submit called with a nil function")
	}
	p.check("Submit")
	return submitTask(p, ctx, fn, nil)
}

// submitTask is Submit for a function of group g, or of none if g is nil.
func submitTask[T any](p *Pool, ctx context.Context, fn func(context.Context) (T, error), g *Group) *Future[T] {
	done := ctx.Done() // nil if ctx can never end
	t := &poolTask[T]{pool: p}
	if t.init(ctx, done, fn, g, t) && !p.push(t, ctx, done) {
		t.skipped()
	}
	return &t.result
}

// poolTask is a task queued in a pool: the task, and its place in the
// pool's queue. A queued task whose future is done leaves the queue at
// once.
type poolTask[T any] struct {
	task[T]
	pool *Pool
	q    qlinks
}

func (t *poolTask[T]) links() *qlinks { return &t.q }

// context returns the task's context, which a queued task holds (see
// task.skipped).
func (t *poolTask[T]) context() context.Context { return t.parent }

// fire does what the task's fire does and, for a task that has not
// started, takes it out of its pool's queue, dropping fn and the context it
// no longer needs.
func (t *poolTask[T]) fire(f *Future[T]) drainer {
	t.task.fire(f)
	if t.q.queued.Load() && t.pool.drop(&t.q) {
		t.skipped() // no worker will run it now
	}
	return nil
}

// check panics if p was not made by NewPool; name is the caller's.
func (p *Pool) check(name string) {
	if p == nil {
		panic("future: " + name + " called on a nil *Pool")
	}
	if p.limit < 1 {
		panic("future: " + name + " called on a Pool not made by NewPool")
	}
}

// waits reports whether a job queued now would wait for a worker: every
// idle worker is about to take a job from the queue ahead of it, and no
// new worker may start. p.mu must be held.
func (p *Pool) waits() bool {
	return p.queue.n >= p.workers-p.running && p.workers == p.limit
}

// push queues j, whose context is ctx, starting a worker if j would
// otherwise wait and fewer than limit are alive, and reports whether it
// did. With a queue limit, it first waits for room; if ctx ends meanwhile,
// it fails j instead.
func (p *Pool) push(j job, ctx context.Context, done <-chan struct{}) bool {
	if p.in.add(j, done) {
		return true // every worker is alive, and j cannot expire or its context's watch is open
	}
	p.mu.Lock()
	p.flush() // the jobs queued before j go first
	for p.queueLimit >= 0 && p.waits() && p.queue.n-(p.workers-p.running) >= p.queueLimit {
		if p.room == nil {
			p.room = make(chan struct{})
		}
		room := p.room
		p.mu.Unlock()
		select {
		case <-room:
		case <-done:
			j.expire(context.Cause(ctx))
			return false
		}
		p.mu.Lock()
	}
	// Each worker not running a function is about to take a job from the
	// head of the queue, without waiting for user code. A job further back
	// gets a new worker if the limit allows; otherwise it waits for
	// functions ahead to return, however long that takes, so it is watched,
	// to fail at once if its context ends.
	waits := p.queue.n >= p.workers-p.running
	start := waits && p.workers < p.limit
	if start {
		p.workers++
	}
	if !p.in.open && p.workers == p.limit && p.queueLimit < 0 {
		p.in.setOpen(true)
	}
	l := j.links()
	l.job = j
	l.queued.Store(true)
	p.queue.push(l, inQueue)
	if waits && !start && done != nil {
		l.w = p.watch(ctx, done, l)
		l.w.jobs.push(l, inWatch)
		p.followIn(l.w) // the next jobs of j's context may skip p.mu
	}
	p.active++
	p.mu.Unlock()
	if start {
		go p.work()
	}
	return true
}

// work runs queued jobs until the queue is empty, then exits.
func (p *Pool) work() {
	running := false
	var behind jobsBehind // the jobs whose back links name the job running
	defer func() {
		if running {
			// A job's function called runtime.Goexit, which is ending this
			// goroutine; the job's future is done. Count the job and this
			// worker out, and start a replacement if work is waiting.
			p.mu.Lock()
			p.running--
			p.finish()
			behind.mend(p)
			p.workers-- // finish signalled room for a new worker
			p.closeInbox()
			start := p.queue.n > 0
			if start {
				p.workers++
			}
			p.mu.Unlock()
			if start {
				go p.work()
			}
		}
	}()
	p.mu.Lock()
	for {
		l := p.queue.head
		if l == nil {
			p.refill()
			l = p.queue.head
		}
		if l == nil {
			p.workers--
			p.signalRoom()
			p.mu.Unlock()
			return
		}
		behind = p.take(l)
		j := l.job
		l.job = nil
		p.running++
		p.mu.Unlock()
		l.queued.Store(false) // out of the lock: the job's line may be another core's
		running = true
		j.run(true) // returns once the job's future is done
		running = false
		p.mu.Lock()
		p.running--
		p.finish()
		behind.mend(p)
	}
}

// drop takes a job whose future was completed before it started out of the
// queue, so that it no longer counts for Wait and nothing of it stays
// behind, and reports whether it did.
func (p *Pool) drop(l *qlinks) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if l.job == nil {
		return false // a worker has taken it
	}
	p.flush() // l may be in the inbox
	p.unqueue(l)
	l.job = nil
	l.queued.Store(false)
	p.finish()
	return true
}

// signalRoom wakes the Submits waiting for room in the queue, if any. p.mu
// must be held.
func (p *Pool) signalRoom() {
	if p.room != nil {
		close(p.room)
		p.room = nil
	}
}

// finish counts a job out of active, waking Wait when none is left, and a
// Submit waiting for a worker to be free. When none is left, it first moves
// the inbox's jobs to the queue, or closes the inbox if it is empty: a job
// can leave without a worker finishing it (a Cancel), and an inbox left open
// with nothing active would take jobs that Wait does not count (see inbox).
// p.mu must be held.
func (p *Pool) finish() {
	p.active--
	if p.active == 0 {
		p.refill()
	}
	if p.active == 0 {
		p.idle.Broadcast()
	}
	p.signalRoom()
}

// Wait blocks until no function is queued or running in p, including
// functions submitted while it waits. When it returns, every future that
// [Submit] returned before then is done. A function dropped from the queue
// because its future was done before it started no longer counts.
//
// Wait waits for the whole pool, whoever submitted to it; to wait for one
// request's functions only, use a [Group]. Calling Wait from a function
// running in p deadlocks, as it waits for that function; so does calling
// it from a callback or continuation of a future that p's function
// completes, which runs on the same worker. Wait panics if p is nil.
func (p *Pool) Wait() {
	if p == nil {
		panic("future: Wait called on a nil *Pool")
	}
	p.mu.Lock()
	for p.active > 0 {
		p.idle.Wait()
	}
	p.mu.Unlock()
}
