package future

import (
	"context"
	"fmt"
	"sync"
)

// Pool runs submitted functions, at most a fixed number at once, in
// submission order: Go's counterpart of Python's ThreadPoolExecutor and
// Java's fixed thread pool, returning a Future for each function.
//
// A Pool starts worker goroutines on demand, at most its limit, and a worker
// exits as soon as nothing is queued, so an idle pool holds no goroutine and
// needs no Close. Queued functions wait in a queue, not in goroutines.
//
// A function running in the pool may Submit more work, but should not wait
// for it: with every worker waiting on queued work, nothing runs (the same
// holds for Python's executors). Cancel what nobody waits for, and give
// each request's work that request's context, so that work nobody wants is
// dropped from the queue instead of run.
//
// Make a Pool with NewPool; the zero value is not usable. A Pool must not be
// copied after first use. Submit and Wait are safe for concurrent use. A
// function running in the pool may call Submit, but must not call Wait (see
// Wait).
type Pool struct {
	mu      sync.Mutex
	idle    sync.Cond // broadcast when active drops to zero; L is &mu
	limit   int
	workers int // worker goroutines alive
	running int // jobs that workers are running
	active  int // jobs queued or running
	queue   jobQueue
	// watches holds a watch for each context, keyed by its Done channel,
	// that has queued jobs waiting behind busy workers.
	watches map[<-chan struct{}]*watch
}

// job is a queued function: a *task[T] of any T. expire fails it with the
// cause of its context's end.
type job interface {
	run()
	expire(cause error)
}

// NewPool returns a pool that runs at most limit functions at once. It
// panics if limit is less than 1.
func NewPool(limit int) *Pool {
	if limit < 1 {
		panic(fmt.Sprintf("future: NewPool called with limit %d; the limit must be at least 1", limit))
	}
	p := &Pool{limit: limit}
	p.idle.L = &p.mu
	return p
}

// Submit queues fn to run in p with a child of ctx and returns a future
// completed with fn's result. It never blocks: it does not wait for a free
// worker.
//
// Queued functions start in submission order, at most p's limit at a time,
// each on one of p's worker goroutines and run as by GoContext: fn's context
// is canceled when ctx ends, when the future is completed by anything other
// than fn (such as Cancel), and when fn returns; a panic in fn fails the
// future with a *PanicError and does not harm the pool; callbacks on the
// future run on the worker once fn returns, and they and the continuations
// they trigger hold the worker's slot until they return: keep them short.
//
// A queued function whose future is completed (for instance by Cancel)
// before it starts never runs. A queued function whose ctx ends before it
// starts never runs either, and its future fails at once with
// context.Cause(ctx), without a traceback, even while every worker is busy
// (its callbacks then run on a goroutine started by context.AfterFunc, or
// on the worker that was about to start it);
// if ctx is already done, Submit queues nothing and returns that failed
// future. A function that calls runtime.Goexit fails its future with an
// error saying so, and another worker takes its place.
//
// Submit panics if p, ctx or fn is nil, or if p was not made by NewPool.
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
	if p.limit < 1 {
		panic("future: Submit called on a Pool not made by NewPool")
	}
	done := ctx.Done() // nil if ctx can never end
	t, ok := newTask(ctx, done, fn)
	if ok {
		p.push(t, ctx, done)
	}
	return &t.result
}

// queued is a job in a pool's queue, with the watch that fails it if its
// context ends first (nil if there is none).
type queued struct {
	job job
	w   *watch
}

// push queues j, whose context is ctx, starting a worker if j would wait
// and fewer than limit are alive.
func (p *Pool) push(j job, ctx context.Context, done <-chan struct{}) {
	p.mu.Lock()
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
	var w *watch
	if waits && !start && done != nil {
		w = p.watch(ctx, done)
		w.add(j)
	}
	p.queue.push(queued{j, w})
	p.active++
	p.mu.Unlock()
	if start {
		go p.work()
	}
}

// work runs queued jobs until the queue is empty, then exits.
func (p *Pool) work() {
	running := false
	defer func() {
		if running {
			// A job's function called runtime.Goexit, which is ending this
			// goroutine; the job's future is done. Count the job and this
			// worker out, and start a replacement if work is waiting.
			p.mu.Lock()
			p.running--
			p.finish()
			p.workers--
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
		q, ok := p.queue.pop()
		if !ok {
			p.workers--
			p.mu.Unlock()
			return
		}
		if q.w != nil {
			p.unwatch(q.w)
		}
		p.running++
		p.mu.Unlock()
		running = true
		q.job.run() // returns once the job's future is done
		running = false
		p.mu.Lock()
		p.running--
		p.finish()
	}
}

// finish counts a job out of active, waking Wait when none is left. p.mu
// must be held.
func (p *Pool) finish() {
	p.active--
	if p.active == 0 {
		p.idle.Broadcast()
	}
}

// Wait blocks until no function is queued or running in p, including
// functions submitted while it waits. When it returns, every future that
// Submit returned before then is done. Calling Wait from a function running
// in p deadlocks, as it waits for that function; so does calling it from a
// callback or continuation of a future that p's function completes, which
// runs on the same worker. Wait panics if p is nil.
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

// A watch fails the queued jobs of one context when it ends, even while
// every worker is busy. One context.AfterFunc per context, rather than per
// job, serves a request that fans out into many jobs: its jobs are queued in
// order, so they also leave the watch in order, and the watch keeps them in
// a FIFO of its own. The watch is closed, and its AfterFunc stopped, when
// its last job starts or when the context ends.
type watch struct {
	done   <-chan struct{} // the context's Done channel: the key in Pool.watches
	stop   func() bool     // stops the AfterFunc
	jobs   []job           // jobs[head:] are still queued, in queue order
	head   int
	closed bool
}

// watch returns the open watch for ctx, making one if there is none. p.mu
// must be held.
func (p *Pool) watch(ctx context.Context, done <-chan struct{}) *watch {
	w := p.watches[done]
	if w == nil {
		if p.watches == nil {
			p.watches = make(map[<-chan struct{}]*watch)
		}
		w = &watch{done: done}
		// If ctx ends now, the AfterFunc's goroutine waits for p.mu.
		w.stop = context.AfterFunc(ctx, func() { p.expire(w, context.Cause(ctx)) })
		p.watches[done] = w
	}
	return w
}

// add appends j to w's jobs, reusing the space of jobs that have started.
func (w *watch) add(j job) {
	if len(w.jobs) == cap(w.jobs) && w.head >= len(w.jobs)/2 {
		n := copy(w.jobs, w.jobs[w.head:])
		clear(w.jobs[n:])
		w.jobs, w.head = w.jobs[:n], 0
	}
	w.jobs = append(w.jobs, j)
}

// unwatch records that the oldest queued job of w has started, and closes w
// if it was the last. p.mu must be held.
func (p *Pool) unwatch(w *watch) {
	if w.closed {
		return // expire owns jobs now
	}
	w.jobs[w.head] = nil
	w.head++
	if w.head == len(w.jobs) {
		w.closed = true
		delete(p.watches, w.done)
		w.stop()
	}
}

// expire runs when w's context ends, with its cause: it closes w and fails
// the jobs still queued under it. They stay in the queue until a worker
// skips them.
func (p *Pool) expire(w *watch, cause error) {
	p.mu.Lock()
	if w.closed {
		p.mu.Unlock()
		return
	}
	w.closed = true
	delete(p.watches, w.done)
	queued := w.jobs[w.head:] // no longer written: w is closed
	p.mu.Unlock()
	// Outside the lock: failing a job runs its callbacks.
	for _, j := range queued {
		j.expire(cause)
	}
}

// jobQueue is a FIFO ring buffer of queued jobs; its length is zero or a
// power of two.
type jobQueue struct {
	buf  []queued
	head int
	n    int
}

// keepQueue is the largest buffer, in jobs, that an empty queue keeps for
// reuse; a larger one, grown by a burst, is released.
const keepQueue = 4096

func (q *jobQueue) push(j queued) {
	if q.n == len(q.buf) {
		buf := make([]queued, max(16, 2*len(q.buf)))
		n := copy(buf, q.buf[q.head:])
		copy(buf[n:], q.buf[:q.head])
		q.buf, q.head = buf, 0
	}
	q.buf[(q.head+q.n)&(len(q.buf)-1)] = j
	q.n++
}

// pop removes and returns the oldest job; ok is false if the queue is empty.
func (q *jobQueue) pop() (j queued, ok bool) {
	if q.n == 0 {
		return queued{}, false
	}
	j = q.buf[q.head]
	q.buf[q.head] = queued{}
	q.head = (q.head + 1) & (len(q.buf) - 1)
	q.n--
	if q.n == 0 {
		q.head = 0
		if len(q.buf) > keepQueue {
			q.buf = nil
		}
	}
	return j, true
}
