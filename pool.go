package future

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
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
	active  int // jobs queued or running
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
	p.mu.Lock()
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
	l := j.links()
	l.job = j
	l.queued.Store(true)
	p.queue.push(l, inQueue)
	if waits && !start && done != nil {
		l.w = p.watch(ctx, done, l)
		l.w.jobs.push(l, inWatch)
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

// take takes l, the head of the queue, out of it and out of its watch, of
// which it is the head too, for a worker to run it, and returns the jobs
// behind it. Unlike unqueue, take writes nothing into those jobs: another
// core may have just written them, and this runs under p.mu, which every
// worker and submitter waits for. Their back links still name l until the
// worker mends them once l's future is done. p.mu must be held.
func (p *Pool) take(l *qlinks) jobsBehind {
	b := jobsBehind{queue: p.queue.popHead(l, inQueue)}
	if w := l.w; w != nil {
		b.watch, b.w = w.jobs.popHead(l, inWatch), w
		l.w = nil
		p.left(w, l)
	}
	p.signalRoom()
	return b
}

// jobsBehind are the jobs that were behind a job that a worker took: in the
// queue and in the job's watch, w, if it had one. While the worker runs the
// job, the back links of those still at the head of their lists name it,
// which keeps nothing alive that the worker does not; the worker mends them
// as it counts the job finished, before it lets go of the job.
type jobsBehind struct {
	queue, watch *qlinks
	w            *watch
}

// mend clears the back links that take left naming the worker's job, of
// those jobs still at the head of their lists: a head's back link is nil,
// and one that has left its list has none. p.mu must be held.
func (b *jobsBehind) mend(p *Pool) {
	if l := b.queue; l != nil && p.queue.head == l {
		l.queue.prev = nil
	}
	if l := b.watch; l != nil && l.w == b.w && b.w.jobs.head == l {
		l.watch.prev = nil
	}
	*b = jobsBehind{}
}

// unqueue takes l out of the queue and out of its watch, if it is watched.
// p.mu must be held.
func (p *Pool) unqueue(l *qlinks) {
	p.queue.remove(l, inQueue)
	if w := l.w; w != nil {
		w.jobs.remove(l, inWatch)
		l.w = nil
		p.left(w, l)
	}
	p.signalRoom()
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
// Submit waiting for a worker to be free. p.mu must be held.
func (p *Pool) finish() {
	p.active--
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

// A watch fails the queued jobs of one Done channel when it is closed, even
// while every worker is busy. One context.AfterFunc per Done channel, rather
// than per job, serves a request that fans out into many jobs, and requests
// whose contexts share a Done channel (context.WithValue over one base, as
// a message consumer makes for each message). The watch is closed, and its
// AfterFunc stopped, when its last job leaves the queue or when the channel
// is closed; a closed watch keeps nothing of any context, and the pool's own
// watch is free again once no job is linked to it.
//
// context.AfterFunc keeps the context it was given until stopped (the
// context package links it to its parent), and so does the function it
// runs, which asks that context for its cause. An open watch therefore
// keeps the context of one job queued under it, its owner: when the owner
// leaves with other jobs still queued, the AfterFunc moves to the newest
// one's context (see rewatch), so that no context is kept whose work has
// left the queue.
type watch struct {
	// done is the Done channel, the key in Pool.watches, while the watch is
	// open, and nil once it has closed (and in the pool's own watch before
	// its first use).
	done  <-chan struct{}
	stop  func() bool // stops the AfterFunc; nil once closed
	owner *qlinks     // the queued job whose context the AfterFunc watches, if any
	jobs  jobList     // the queued jobs, linked through their watch links
}

// open reports whether w watches a context now.
func (w *watch) open() bool { return w.done != nil }

// watch returns the open watch for ctx, whose Done channel is done, making
// one owned by l, a job of ctx, if there is none. p.mu must be held.
func (p *Pool) watch(ctx context.Context, done <-chan struct{}, l *qlinks) *watch {
	if w := p.lastWatch; w != nil && w.done == done {
		return w // a request's functions come in runs: skip the map
	}
	w := p.watches[done]
	if w == nil {
		if p.watches == nil {
			p.watches = make(map[<-chan struct{}]*watch)
		}
		w = &p.own
		if w.open() || w.jobs.n > 0 {
			w = new(watch) // the pool's own is in use, or its jobs are still leaving it after it closed
		}
		*w = watch{done: done}
		p.follow(w, ctx, l)
		p.watches[done] = w
	}
	p.lastWatch = w
	return w
}

// unwatch closes w and forgets it, and returns the function that stops its
// AfterFunc. p.mu must be held.
func (p *Pool) unwatch(w *watch) (stop func() bool) {
	delete(p.watches, w.done)
	if p.lastWatch == w {
		p.lastWatch = nil
	}
	stop = w.stop
	w.done, w.stop, w.owner = nil, nil, nil
	return stop
}

// follow sets the AfterFunc of w, an open watch, on ctx, the context of l,
// a job queued under it, which becomes w's owner. If ctx ends now, the
// AfterFunc's goroutine waits for p.mu. p.mu must be held.
func (p *Pool) follow(w *watch, ctx context.Context, l *qlinks) {
	done := w.done
	w.owner = l
	w.stop = context.AfterFunc(ctx, func() { p.expire(w, done, context.Cause(ctx)) })
}

// left closes w, and stops its AfterFunc, if l, a job that has just left
// it, was its last; if l owned w, it moves w's AfterFunc to the newest job
// still queued under it. p.mu must be held.
func (p *Pool) left(w *watch, l *qlinks) {
	switch {
	case !w.open():
	case w.jobs.n == 0:
		p.unwatch(w)()
	case w.owner == l:
		p.rewatch(w)
	}
}

// rewatch moves the AfterFunc of w, whose owner has left it, to the
// context of the newest job queued under it: that job leaves last, unless
// canceled, so a request's jobs queued in a run move it at most once. If
// the AfterFunc has started, the channel is closed and the AfterFunc is on
// its way to expire w: it is left alone, and w has no owner. p.mu must be
// held.
func (p *Pool) rewatch(w *watch) {
	w.owner = nil
	if !w.stop() {
		return
	}
	l := w.jobs.tail
	p.follow(w, l.job.context(), l)
}

// expire runs when the context whose Done channel is done ends, with its
// cause: unless w has closed since (and perhaps, the pool's own, opened for
// another context), it closes w and fails the jobs still queued under it,
// which takes each out of the queue.
func (p *Pool) expire(w *watch, done <-chan struct{}, cause error) {
	p.mu.Lock()
	if w.done != done { // closed since, or (the pool's own) reopened for another context
		p.mu.Unlock()
		return
	}
	p.unwatch(w) // no need to stop the AfterFunc: it is what runs this
	var queued []job
	for l := w.jobs.head; l != nil; l = l.watch.next {
		queued = append(queued, l.job)
	}
	p.mu.Unlock()
	// Outside the lock: failing a job runs its callbacks, and its listener
	// takes it out of the queue.
	expireFrom(queued, cause)
}

// expireFrom fails jobs in turn with cause. If a callback calls
// runtime.Goexit, the deferred call fails the rest before the goroutine
// ends.
func expireFrom(jobs []job, cause error) {
	i := 0
	defer func() {
		if i < len(jobs) {
			expireFrom(jobs[i+1:], cause)
		}
	}()
	for ; i < len(jobs); i++ {
		jobs[i].expire(cause)
	}
}

// qlinks is a job's place in its pool's queue and, while it waits behind
// busy workers, in its context's watch. p.mu guards every field but queued.
// queued is set under p.mu as the job is queued, and cleared once it has
// left the queue: a job's listener reads it without p.mu, and takes p.mu
// only for a job that may still be queued, which job then tells.
type qlinks struct {
	job    job // the job itself while queued, and nil once it has left
	queue  links
	watch  links
	w      *watch
	queued atomic.Bool
}

// links are a job's neighbours in one jobList.
type links struct{ prev, next *qlinks }

// inQueue and inWatch pick the links of a pool's queue and of a watch.
func inQueue(l *qlinks) *links { return &l.queue }
func inWatch(l *qlinks) *links { return &l.watch }

// jobList is a doubly linked FIFO of jobs, linked through the links that at
// picks: a pool's queue or a watch's jobs. Any job can leave it in O(1), so
// a job done before it starts leaves nothing behind. Every job's back
// link names the job before it, but a head's, which is nil, or, while a
// worker runs the job that was the head before it, that job.
type jobList struct {
	head, tail *qlinks
	n          int
}

func (q *jobList) push(l *qlinks, at func(*qlinks) *links) {
	*at(l) = links{prev: q.tail}
	if q.tail == nil {
		q.head = l
	} else {
		at(q.tail).next = l
	}
	q.tail = l
	q.n++
}

func (q *jobList) remove(l *qlinks, at func(*qlinks) *links) {
	ln := at(l)
	prev := ln.prev
	if q.head == l {
		prev = nil // its back link may still name a job a worker took (see popHead)
		q.head = ln.next
	} else {
		at(prev).next = ln.next
	}
	if ln.next == nil {
		q.tail = prev
	} else {
		at(ln.next).prev = prev
	}
	*ln = links{}
	q.n--
}

// popHead takes l, the head, out of the list and returns the new head,
// whose back link it leaves naming l: the caller clears it later (see
// Pool.take).
func (q *jobList) popHead(l *qlinks, at func(*qlinks) *links) (next *qlinks) {
	ln := at(l)
	next = ln.next
	q.head = next
	if next == nil {
		q.tail = nil
	}
	*ln = links{}
	q.n--
	return next
}
