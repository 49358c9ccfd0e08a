package future

// The pool's queue machinery: the list every queued job is in, the
// per-context watches that fail a queued job at once when its context
// ends, and the links that put a job in both in O(1). Everything here runs
// under Pool.mu unless it says otherwise.

import (
	"context"
	"sync"
	"sync/atomic"
)

// take takes l, the head of the queue, out of it and out of its watch, of
// which it is the head too, for a worker to run it, and returns the jobs
// behind it. Unlike unqueue, take writes nothing into those jobs (unless l
// was the last job queued under its watch while more of the watch's jobs
// wait in the inbox: then left moves them behind it): another core may
// have just written them, and this runs under p.mu, which every worker and
// submitter waits for. Their back links still name l until the worker
// mends them once l's future is done. p.mu must be held.
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

// A watch fails the queued jobs of one Done channel when it is closed, even
// while every worker is busy. One context.AfterFunc per Done channel, rather
// than per job, serves a request that fans out into many jobs, and requests
// whose contexts share a Done channel (context.WithValue over one base, as
// a message consumer makes for each message). The watch is closed, and its
// AfterFunc stopped, when its last job leaves the queue and none of its
// jobs waits in the inbox, or when the channel is closed; a closed watch
// keeps nothing of any context, and the pool's own watch is free again
// once no job is linked to it.
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
	if p.in.watch == w {
		p.followIn(nil) // w's jobs in the inbox join it before it closes
	}
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
// it, was its last and none of w's jobs waits in the inbox (those it moves
// under w, behind l); if l owned w, it moves w's AfterFunc to the newest job
// still queued under it. p.mu must be held.
func (p *Pool) left(w *watch, l *qlinks) {
	if !w.open() {
		return
	}
	if w.jobs.n == 0 && p.in.watch == w {
		// w's jobs in the inbox join it, and it stays open; if there are
		// none, the inbox lets go of w before another can come.
		p.enqueue(p.in.takeWatched())
	}
	switch {
	case w.jobs.n == 0:
		p.unwatch(w)()
	case w.owner == l:
		p.rewatch(w)
	}
}

// rewatch moves the AfterFunc of w, whose owner has left it, to the
// context of the newest job queued under it: that job leaves last, unless
// canceled, so a request's jobs queued in a run move it at most once, or
// once more each time its jobs queued under p.mu run out while more of
// them wait in the inbox (which moves them under it). If
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

// expireFrom fails jobs in turn with cause, the rest too if a callback
// calls runtime.Goexit (see each).
func expireFrom(jobs []job, cause error) {
	each(len(jobs), func(i int) { jobs[i].expire(cause) })
}

// qlinks is a job's place in its pool's queue and, while it waits behind
// busy workers, in its context's watch. p.mu guards every field but queued,
// except that in.mu guards job, queue and w while the job is in the inbox
// (where w is the watch the job will join as it leaves it, not yet one
// whose jobs list it).
// queued is set as the job is queued (under p.mu, or under in.mu for the
// inbox), and cleared once it has left the queue: a job's listener reads it
// without p.mu, and takes p.mu only for a job that may still be queued,
// which job then tells.
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

// An inbox holds the jobs that Submit queued without taking p.mu, in
// submission order, until a worker (or anything else that needs the whole
// queue under p.mu) moves them to the queue's tail. It is open only while
// all of the pool's limit of workers are alive, no queue limit is set and
// some job is queued or running: then a job can start no worker and waits
// for no room, and if its context can never end it needs no watch, or if
// its context's watch is the inbox's (below) it joins that watch as it
// leaves the inbox, so Submit has nothing to decide under p.mu.
//
// Without it, a submitter with a worker running beside it on another core
// took p.mu for every job right after that worker had, and wrote the links
// of the job the worker was about to take: every Submit waited for cache
// lines from the other core. In an instrumented copy of the pool on a
// 2-core machine (issue 26), the Submits of a batch of 1,000 tiny jobs
// that ran on two cores took 306 to 570 us, against 140 to 216 us for a
// batch on one core, and how many batches ran on two varied by process;
// with the inbox, they took 240 to 380 us: less, not as little.
//
// in.mu guards head, tail and open, and the job and queue links of the
// jobs in the inbox; open changes only with p.mu held too, so under p.mu it
// can be read without in.mu. A job in the inbox is not yet counted in
// Pool.active, but Wait needs no look at the inbox: the inbox is open only
// while active is above 0 whenever p.mu is let go. It opens in a Submit
// that queues (and counts) a job, and whatever counts the last active job
// out, a worker that finished it or a Cancel that dropped it, moves the
// inbox to the queue, or closes it if it is empty, in the same hold of p.mu
// (finish).
//
// A job whose context can end comes through the inbox too, if its
// context's Done channel is that of watch, the open watch of the latest
// job that had to be watched (a request's jobs come in runs): it joins
// watch's jobs as it leaves the inbox, and until then watch cannot close,
// because whatever closes a watch first moves the inbox's jobs out if the
// watch is the inbox's (see Pool.followIn), in the same hold of in.mu that
// lets go of it. So a job that is in the inbox when its context ends is
// failed at once by the watch's AfterFunc, which moves it out first, as if
// it had been queued under p.mu.
type inbox struct {
	mu         sync.Mutex
	open       bool
	head, tail *qlinks // linked through their queue links' next
	// watch is the watch whose jobs may come through the inbox, nil if
	// none, and watchDone its Done channel. They change only with p.mu
	// held too, and every job in the inbox whose context can end belongs
	// to watch: watched counts those.
	watch     *watch
	watchDone <-chan struct{}
	watched   int
}

// add queues j, whose context's Done channel is done, in the inbox and
// reports whether it did: not if the inbox is closed, nor if done is not
// nil and not the inbox's watch's.
func (in *inbox) add(j job, done <-chan struct{}) bool {
	l := j.links()
	in.mu.Lock()
	if !in.open || done != nil && done != in.watchDone {
		in.mu.Unlock()
		return false
	}
	l.job = j
	l.queued.Store(true)
	l.queue = links{}
	l.w = nil
	if done != nil {
		l.w = in.watch // joins it as it leaves the inbox (see enqueue)
		in.watched++
	}
	if in.tail == nil {
		in.head = l
	} else {
		in.tail.queue.next = l
	}
	in.tail = l
	in.mu.Unlock()
	return true
}

// setOpen opens or closes the inbox. p.mu must be held.
func (in *inbox) setOpen(open bool) {
	in.mu.Lock()
	in.open = open
	in.mu.Unlock()
}

// takeAll empties the inbox and returns its jobs. It closes the inbox if
// close is closeAll, or closeEmpty and the inbox was empty. p.mu must be
// held.
func (in *inbox) takeAll(close int) *qlinks {
	in.mu.Lock()
	l := in.empty()
	if close == closeAll || close == closeEmpty && l == nil {
		in.open = false
	}
	in.mu.Unlock()
	return l
}

// follow makes w the watch whose jobs may come through the inbox (nil:
// none), and empties the inbox, returning its jobs. p.mu must be held.
func (in *inbox) follow(w *watch) *qlinks {
	in.mu.Lock()
	l := in.empty()
	in.watch, in.watchDone = w, nil
	if w != nil {
		in.watchDone = w.done
	}
	in.mu.Unlock()
	return l
}

// takeWatched empties the inbox and returns its jobs, and, if none of them
// is a job of the inbox's watch, stops following that watch, in the same
// hold of in.mu: the watch's last queued job has left it (see Pool.left),
// and it closes unless some of its jobs were in the inbox. p.mu must be
// held.
func (in *inbox) takeWatched() *qlinks {
	in.mu.Lock()
	if in.watched == 0 {
		in.watch, in.watchDone = nil, nil
	}
	l := in.empty()
	in.mu.Unlock()
	return l
}

// empty empties the inbox and returns its jobs. in.mu must be held.
func (in *inbox) empty() *qlinks {
	l := in.head
	in.head, in.tail, in.watched = nil, nil, 0
	return l
}

// What takeAll closes.
const (
	keepOpen = iota
	closeEmpty
	closeAll
)

// flush moves the inbox's jobs to the queue's tail. p.mu must be held.
func (p *Pool) flush() {
	if p.in.open {
		p.enqueue(p.in.takeAll(keepOpen))
	}
}

// refill moves the inbox's jobs to the queue's tail for a worker that
// found the queue empty, or for finish when no job is left active; if there
// are none, the worker is about to leave (or may never come back to the
// queue), and refill closes the inbox, so that Submit takes p.mu again,
// counts its job and starts a worker if it must. p.mu must be held.
func (p *Pool) refill() {
	if p.in.open {
		p.enqueue(p.in.takeAll(closeEmpty))
	}
}

// closeInbox closes the inbox and moves its jobs to the queue's tail: a
// queue limit is set, or a worker's function called runtime.Goexit, which
// leaves fewer workers than the limit. p.mu must be held.
func (p *Pool) closeInbox() {
	if p.in.open {
		p.enqueue(p.in.takeAll(closeAll))
	}
}

// followIn makes w, an open watch or nil, the one whose jobs may come
// through the inbox, first moving the inbox's jobs to the queue, so that
// the jobs of the watch it followed until now join that watch. p.mu must
// be held.
func (p *Pool) followIn(w *watch) {
	if p.in.watch != w {
		p.enqueue(p.in.follow(w))
	}
}

// enqueue pushes the jobs linked from l, which were in the inbox, on the
// queue's tail, each under its watch if it has one, and counts them
// active. p.mu must be held.
func (p *Pool) enqueue(l *qlinks) {
	for l != nil {
		next := l.queue.next
		p.queue.push(l, inQueue)
		if l.w != nil {
			l.w.jobs.push(l, inWatch)
		}
		p.active++
		l = next
	}
}
