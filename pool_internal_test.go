package future

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"testing"
	"time"
)

// numberedJob is a job that only carries a number, and the context it is
// pushed with, for queue tests. If expired is not nil, expire sends its
// cause there.
type numberedJob struct {
	n       int
	ctx     context.Context
	expired chan error
	q       qlinks
}

func (*numberedJob) run(bool) {}
func (j *numberedJob) expire(cause error) {
	if j.expired != nil {
		j.expired <- cause
	}
}
func (j *numberedJob) links() *qlinks           { return &j.q }
func (j *numberedJob) context() context.Context { return j.ctx }

// TestJobListIsFIFOWithRemoval drives a queue and a watch list (the same
// jobs, linked twice) through pushes, pops from the head and removals from
// anywhere, against slice models.
func TestJobListIsFIFOWithRemoval(t *testing.T) {
	var queue, watched jobList
	var model []*numberedJob
	next := 0
	check := func(step string) {
		t.Helper()
		var got, gotWatched []*numberedJob
		for l := queue.head; l != nil; l = l.queue.next {
			got = append(got, l.job.(*numberedJob))
		}
		for l := watched.tail; l != nil; l = l.watch.prev { // backwards, to check the back links
			gotWatched = append([]*numberedJob{l.job.(*numberedJob)}, gotWatched...)
		}
		if !slices.Equal(got, model) || !slices.Equal(gotWatched, model) || queue.n != len(model) || watched.n != len(model) {
			t.Fatalf("%s: queue %v (n %d), watched %v (n %d); want %v", step, got, queue.n, gotWatched, watched.n, model)
		}
	}
	push := func(k int) {
		for range k {
			j := &numberedJob{n: next}
			j.q.job = j
			next++
			queue.push(&j.q, inQueue)
			watched.push(&j.q, inWatch)
			model = append(model, j)
		}
	}
	remove := func(i int) {
		j := model[i]
		queue.remove(&j.q, inQueue)
		watched.remove(&j.q, inWatch)
		model = slices.Delete(model, i, i+1)
	}
	push(5)
	remove(0) // head
	check("remove the head")
	remove(len(model) - 1) // tail
	check("remove the tail")
	remove(1) // middle
	check("remove from the middle")
	push(3)
	for len(model) > 0 {
		remove(0)
	}
	check("emptied")
	if queue.head != nil || queue.tail != nil || watched.head != nil || watched.tail != nil {
		t.Fatal("an emptied list keeps a job")
	}
	push(2)
	check("reused")
}

// busyPoolWith returns a pool of 1 whose worker is busy, so that jobs
// pushed wait and are watched, with n jobs of ctx queued: all but the first
// come through the inbox, and are moved to the queue, under the watch, as
// a worker would move them.
func busyPoolWith(ctx context.Context, n int) (*Pool, []*numberedJob) {
	p := NewPool(1)
	p.workers, p.running = 1, 1
	jobs := make([]*numberedJob, n)
	for i := range jobs {
		jobs[i] = &numberedJob{n: i, ctx: ctx}
		p.push(jobs[i], ctx, ctx.Done())
	}
	p.mu.Lock()
	p.flush()
	p.mu.Unlock()
	return p, jobs
}

// TestWatchClosesWithItsLastJob: a watch closes, and stops its AfterFunc,
// when the last job queued under it leaves the queue, and not before.
func TestWatchClosesWithItsLastJob(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, jobs := busyPoolWith(ctx, 3)
	w := p.watches[ctx.Done()]
	if w == nil || w.jobs.n != 3 {
		t.Fatal("queued jobs are not watched")
	}
	stop := w.stop
	if !p.drop(&jobs[1].q) {
		t.Fatal("drop of a queued job returned false")
	}
	p.mu.Lock()
	behind := p.take(p.queue.head) // a worker takes jobs[0]
	p.mu.Unlock()
	if !w.open() || len(p.watches) != 1 {
		t.Fatal("the watch closed while a job was still queued under it")
	}
	if !p.drop(&jobs[2].q) {
		t.Fatal("drop of the last queued job returned false")
	}
	if w.open() || len(p.watches) != 0 || stop() {
		t.Error("the watch stayed open after its last job left")
	}
	if w.done != nil || w.stop != nil {
		t.Error("the closed watch keeps its context's channel or AfterFunc")
	}
	if p.drop(&jobs[2].q) {
		t.Error("a second drop returned true")
	}
	if p.queue.n != 0 || p.active != 1 {
		t.Errorf("queue holds %d, active %d; want 0 and 1 (the one taken)", p.queue.n, p.active)
	}
	p.mu.Lock()
	behind.mend(p) // nothing is left to mend: the jobs behind have left
	p.mu.Unlock()
}

// TestPoolWatchesOnlyJobsThatWait: a job that an idle worker is about to
// take, or whose context can never end, gets no watch; a job with a
// context that can end, queued behind busy workers at the limit, does.
func TestPoolWatchesOnlyJobsThatWait(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, tt := range []struct {
		name             string
		workers, running int
		ctx              context.Context
		watched          bool
	}{
		{"an idle worker will take it", 1, 0, ctx, false},
		{"its context never ends", 1, 1, context.Background(), false},
		{"it waits behind busy workers", 1, 1, ctx, true},
	} {
		// Workers are set by hand and none is started (the limit is
		// reached), so the queue can be inspected without a race.
		p := NewPool(1)
		p.workers, p.running = tt.workers, tt.running
		j := &numberedJob{ctx: tt.ctx}
		p.push(j, tt.ctx, tt.ctx.Done())
		if p.queue.head != &j.q {
			t.Fatalf("%s: nothing queued", tt.name)
		}
		if got := j.q.w != nil || len(p.watches) > 0; got != tt.watched {
			t.Errorf("%s: watched = %v, want %v", tt.name, got, tt.watched)
		}
		p.drop(&j.q) // closes the watch and stops its AfterFunc
	}
}

// TestPoolCountsSettle: once the work is done and the workers have exited,
// the pool's counts are back to zero, also after functions that called
// runtime.Goexit with work queued behind them and without.
func TestPoolCountsSettle(t *testing.T) {
	t.Parallel()
	p := NewPool(2)
	release := make(chan struct{})
	var fs []*Future[int]
	for i := range 8 {
		fs = append(fs, Submit(p, context.Background(), func(context.Context) (int, error) {
			<-release
			if i%3 == 0 {
				runtime.Goexit()
			}
			return i, nil
		}))
	}
	close(release)
	p.Wait()
	last := Submit(p, context.Background(), func(context.Context) (int, error) { runtime.Goexit(); return 0, nil })
	p.Wait()
	for _, f := range append(fs, last) {
		if !f.Done() {
			t.Fatal("Wait returned with a future pending")
		}
	}

	deadline := time.Now().Add(10 * time.Second)
	for {
		p.mu.Lock()
		workers, running, active := p.workers, p.running, p.active
		p.mu.Unlock()
		if running != 0 || active != 0 {
			t.Fatalf("after Wait: running %d, active %d; want 0, 0", running, active)
		}
		if workers == 0 {
			p.mu.Lock()
			open := p.in.open
			p.mu.Unlock()
			if open {
				t.Fatal("the inbox is open with no worker left")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("workers = %d long after the work was done, want 0", workers)
		}
		runtime.Gosched() // the last workers are on their way out
	}
}

// TestWorkerMendsTheBackLinksItLeft: a worker taking the head of the queue
// and of its watch writes nothing into the jobs behind it, whose back links
// still name the job it took, and clears them once that job is done, unless
// they have left their lists meanwhile; a job with such a back link can
// still leave its lists.
func TestWorkerMendsTheBackLinksItLeft(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, jobs := busyPoolWith(ctx, 4)
	w := jobs[0].q.w
	p.mu.Lock()
	defer p.mu.Unlock()
	behind := p.take(&jobs[0].q)
	if behind.queue != &jobs[1].q || behind.watch != &jobs[1].q || behind.w != w {
		t.Fatal("take did not return the jobs behind the one it took")
	}
	if jobs[1].q.queue.prev != &jobs[0].q || jobs[1].q.watch.prev != &jobs[0].q {
		t.Fatal("take wrote into the job behind the one it took")
	}
	behind.mend(p)
	if jobs[1].q.queue.prev != nil || jobs[1].q.watch.prev != nil {
		t.Fatal("mend left a back link naming the job taken")
	}

	// The next head leaves before the worker mends: it leaves its lists
	// whole, and mend has nothing left to do.
	behind = p.take(&jobs[1].q)
	p.unqueue(&jobs[2].q) // a drop, with a back link naming jobs[1]
	jobs[2].q.job = nil
	if p.queue.head != &jobs[3].q || jobs[3].q.queue.prev != nil || w.jobs.head != &jobs[3].q || jobs[3].q.watch.prev != nil {
		t.Fatal("a head leaving with a stale back link broke its lists")
	}
	behind.mend(p)
	if p.queue.n != 1 || w.jobs.n != 1 || p.queue.tail != &jobs[3].q || w.jobs.tail != &jobs[3].q {
		t.Fatal("mend changed the lists")
	}
}

// TestDropOfATakenJob: a job a worker has taken, whose queued flag the
// worker has not cleared yet, is not dropped: drop decides by the job's
// place in the queue, under the pool's lock.
func TestDropOfATakenJob(t *testing.T) {
	p := NewPool(1)
	p.workers, p.running = 1, 1
	j := &numberedJob{ctx: context.Background()}
	p.push(j, context.Background(), nil)
	p.mu.Lock()
	l := p.queue.head
	behind := p.take(l)
	behind.mend(p)
	l.job = nil
	p.running++
	p.mu.Unlock()
	if !l.queued.Load() {
		t.Fatal("setup: the queued flag is cleared only after the lock is let go")
	}
	if p.drop(l) {
		t.Fatal("drop took out a job a worker has taken")
	}
	if p.active != 1 || p.queue.n != 0 {
		t.Fatalf("active %d, queue %d; want 1 and 0", p.active, p.queue.n)
	}
}

// TestLateAfterFuncLeavesTheReusedWatchAlone: the pool's own watch, closed
// for one context and opened for another, is not expired by the first
// context's AfterFunc coming late (one that started as the watch closed,
// so that stopping it failed).
func TestLateAfterFuncLeavesTheReusedWatchAlone(t *testing.T) {
	a, cancelA := context.WithCancel(context.Background())
	defer cancelA()
	b, cancelB := context.WithCancel(context.Background())
	defer cancelB()
	p := NewPool(1)
	p.workers, p.running = 1, 1 // busy: pushed jobs wait and are watched
	first, second := &numberedJob{ctx: a}, &numberedJob{ctx: b}
	p.push(first, a, a.Done())
	if first.q.w != &p.own {
		t.Fatal("setup: the first context's watch is not the pool's own")
	}
	if !p.drop(&first.q) { // its last job leaves: the watch closes
		t.Fatal("setup: drop failed")
	}
	p.push(second, b, b.Done())
	if second.q.w != &p.own {
		t.Fatal("setup: the second context's watch is not the pool's own")
	}
	p.expire(&p.own, a.Done(), context.Canceled) // the first context's AfterFunc, late
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.own.open() || p.own.done != b.Done() || p.own.jobs.n != 1 || second.q.job == nil {
		t.Fatal("a late AfterFunc of the first context expired the watch of the second")
	}
}

// TestWatchFollowsItsNewestJob: a watch shared by contexts with one Done
// channel keeps its AfterFunc on the context of one job queued under it,
// its owner; when the owner leaves with other jobs still queued, the
// AfterFunc moves to the newest job's context, and the old one is stopped,
// so that it lets go of the context whose job has left. A job that is not
// the owner leaves without moving it.
func TestWatchFollowsItsNewestJob(t *testing.T) {
	base, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	type key struct{}
	p := NewPool(1)
	p.workers, p.running = 1, 1 // busy: pushed jobs wait and are watched
	expired := make(chan error, 4)
	n := 0
	push := func() *numberedJob {
		ctx := context.WithValue(base, key{}, n)
		j := &numberedJob{n: n, ctx: ctx, expired: expired}
		n++
		p.push(j, ctx, ctx.Done())
		return j
	}
	a, b, c := push(), push(), push()
	w := a.q.w
	if w == nil || b.q.w != w || c.q.w != w || len(p.watches) != 1 {
		t.Fatal("setup: jobs of contexts sharing a Done channel do not share a watch")
	}
	if w.owner != &a.q {
		t.Fatal("the watch is not owned by its first job")
	}
	stopA := w.stop
	p.drop(&a.q)
	if w.owner != &c.q || !w.open() {
		t.Fatal("the owner left, and the watch did not move to its newest job")
	}
	if stopA() {
		t.Fatal("the AfterFunc on the first job's context was not stopped")
	}
	stopC := w.stop
	p.drop(&b.q)
	if w.owner != &c.q {
		t.Fatal("a job that did not own the watch moved it")
	}
	d := push()
	p.mu.Lock()
	behind := p.take(&c.q) // the owner leaves for a worker
	behind.mend(p)
	p.mu.Unlock()
	if w.owner != &d.q || stopC() {
		t.Fatal("the owner left for a worker, and the watch did not move")
	}

	// The Done channel closes as the owner leaves: the AfterFunc has
	// started, and is left to expire what is still queued.
	e := push()
	cause := errors.New("the consumer stopped")
	p.mu.Lock()
	cancel(cause) // the AfterFunc's goroutine waits for p.mu
	p.unqueue(&d.q)
	d.q.job = nil
	if w.owner != nil || !w.open() {
		p.mu.Unlock()
		t.Fatal("a watch whose AfterFunc has started moved, or closed")
	}
	p.mu.Unlock()
	select {
	case err := <-expired:
		if err != cause {
			t.Fatalf("expired with %v, want the base's cause", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the job still queued was not expired")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if w.open() || len(p.watches) != 0 || e.q.w != w {
		t.Fatal("the expired watch is still open, or let go of its job before the job left")
	}
}

// TestPoolInbox: while every worker is busy, Submits whose context never
// ends go to the inbox, without the pool's lock. They keep their place in
// submission order among Submits that take the lock, a Cancel takes one
// out at once, Wait counts them, and a queue limit closes the inbox and
// moves its jobs to the queue.
func TestPoolInbox(t *testing.T) {
	t.Parallel()
	p := NewPool(1)
	started, release := make(chan struct{}), make(chan struct{})
	Submit(p, context.Background(), func(context.Context) (int, error) {
		close(started)
		<-release
		return 0, nil
	})
	select {
	case <-started: // the only worker is busy from here on
	case <-time.After(10 * time.Second):
		t.Fatal("the first function did not start")
	}
	counts := func() (queued, inbox int, open bool) {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.in.mu.Lock()
		defer p.in.mu.Unlock()
		return p.queue.n, p.in.len(), p.in.open
	}

	var ran []string // appended to by the one worker, read after Wait
	job := func(name string) func(context.Context) (int, error) {
		return func(context.Context) (int, error) {
			ran = append(ran, name)
			return 0, nil
		}
	}
	request, cancel := context.WithCancel(context.Background())
	defer cancel()
	Submit(p, context.Background(), job("a"))
	if q, in, open := counts(); q != 0 || in != 1 || !open {
		t.Fatalf("after a: %d queued, %d in the inbox, open %v; want 0, 1, true", q, in, open)
	}
	Submit(p, request, job("b")) // takes the lock: a goes to the queue first
	Submit(p, context.Background(), job("c"))
	dropped := Submit(p, context.Background(), job("dropped"))
	Submit(p, context.Background(), job("d"))
	if q, in, _ := counts(); q != 2 || in != 3 {
		t.Fatalf("after d: %d queued, %d in the inbox; want 2, 3", q, in)
	}
	if !dropped.Cancel() {
		t.Fatal("Cancel of a queued function failed")
	}
	if q, in, _ := counts(); q+in != 4 {
		t.Fatalf("after Cancel: %d queued and %d in the inbox; want 4 in all", q, in)
	}
	p.mu.Lock()
	active := p.active
	p.mu.Unlock()
	if active != 5 { // the busy function and a to d
		t.Fatalf("active = %d after Cancel, want 5", active)
	}
	Submit(p, context.Background(), job("e"))
	p.SetQueueLimit(100)
	if q, in, open := counts(); q != 5 || in != 0 || open {
		t.Fatalf("after SetQueueLimit: %d queued, %d in the inbox, open %v; want 5, 0, false", q, in, open)
	}
	close(release)
	p.Wait()
	if want := []string{"a", "b", "c", "d", "e"}; !slices.Equal(ran, want) {
		t.Fatalf("ran %v, want %v", ran, want)
	}
}

// TestPoolInboxAfterTheLastJobLeaves: when the last job counted for Wait
// leaves without a worker finishing it (a Cancel of a job that a worker,
// just started, has not taken yet), a job queued in the inbox afterwards
// still counts for Wait: the inbox does not stay open with nothing active.
func TestPoolInboxAfterTheLastJobLeaves(t *testing.T) {
	p := NewPool(1)
	p.workers = 1 // a worker started for the first job, not yet at the queue
	first, second := &numberedJob{ctx: context.Background()}, &numberedJob{ctx: context.Background()}
	p.push(first, context.Background(), nil)
	if !p.in.open {
		t.Fatal("setup: the inbox did not open with every worker alive")
	}
	if !p.drop(&first.q) {
		t.Fatal("setup: drop failed")
	}
	p.push(second, context.Background(), nil)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.active != 1 {
		t.Fatalf("active = %d with a job queued after the last one left, want 1: Wait would return at once", p.active)
	}
}

// TestPoolWaitAfterCancelOfTheLastJob: Submit, Cancel, Submit, Wait, in a
// loop, with the worker that the first Submit started racing to the queue:
// Wait returns only once the second future is done.
func TestPoolWaitAfterCancelOfTheLastJob(t *testing.T) {
	t.Parallel()
	deadline := time.Now().Add(2 * time.Second)
	for i := 0; i < 20000 && time.Now().Before(deadline); i++ {
		p := NewPool(1)
		Submit(p, context.Background(), func(context.Context) (int, error) { return 0, nil }).Cancel()
		f := Submit(p, context.Background(), func(context.Context) (int, error) { return 1, nil })
		p.Wait()
		if !f.Done() {
			t.Fatalf("round %d: Wait returned with a future pending", i)
		}
	}
}

// TestPoolInboxWatchedJobs: while every worker is busy, the jobs of a
// context that can end go to the inbox once that context's watch is the
// inbox's, and still fail at once when it ends, with the worker busy:
// whether the watch's AfterFunc finds them in the inbox, or the watch's
// only queued job left it first (canceled, or taken by the worker), which
// must neither close the watch under the jobs in the inbox nor stop later
// jobs of the context from coming through the inbox.
func TestPoolInboxWatchedJobs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// leave makes first, the watch's only queued job, leave it, or
		// not; release lets the busy function return, and firstStarted
		// is closed when first starts.
		leave func(t *testing.T, first *Future[int], release chan<- struct{}, firstStarted <-chan struct{})
	}{
		{"nothing left", func(*testing.T, *Future[int], chan<- struct{}, <-chan struct{}) {}},
		{"canceled", func(_ *testing.T, first *Future[int], _ chan<- struct{}, _ <-chan struct{}) { first.Cancel() }},
		{"taken by the worker", func(t *testing.T, _ *Future[int], release chan<- struct{}, firstStarted <-chan struct{}) {
			release <- struct{}{} // the busy function returns, and the worker takes first
			select {
			case <-firstStarted:
			case <-time.After(10 * time.Second):
				t.Fatal("the worker did not start the watch's first job")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := NewPool(1)
			release := make(chan struct{})
			hold := func(ctx context.Context) (int, error) {
				started(ctx)
				select {
				case <-release:
				case <-ctx.Done():
				}
				return 0, nil
			}
			busyStarted := make(chan struct{})
			busy := Submit(p, withStarted(context.Background(), busyStarted), hold)
			select {
			case <-busyStarted: // the only worker is busy from here on
			case <-time.After(10 * time.Second):
				t.Fatal("the first function did not start")
			}
			inbox := func() int {
				p.in.mu.Lock()
				defer p.in.mu.Unlock()
				return p.in.len()
			}
			cause := errors.New("request timed out")
			request, cancel := context.WithCancelCause(context.Background())
			fn := func(context.Context) (int, error) { return 1, nil }
			firstStarted := make(chan struct{})
			first := Submit(p, withStarted(request, firstStarted), hold) // takes the lock, and opens the watch
			rest := []*Future[int]{Submit(p, request, fn), Submit(p, request, fn)}
			if n := inbox(); n != 2 {
				t.Fatalf("%d jobs of the watched request in the inbox, want 2", n)
			}
			tt.leave(t, first, release, firstStarted)
			before := inbox()
			rest = append(rest, Submit(p, request, fn))
			if n := inbox(); n != before+1 {
				t.Fatalf("the next job of the watched request did not come through the inbox: %d there, want %d", n, before+1)
			}
			cancel(cause)
			for i, f := range rest {
				select {
				case <-f.DoneChan(): // at once, with the worker busy
				case <-time.After(10 * time.Second):
					t.Fatalf("job %d of the request not failed when its context ended", i+2)
				}
				if err := f.Exception(); !errors.Is(err, cause) {
					t.Fatalf("job %d failed with %v, want %v", i+2, err, cause)
				}
			}
			close(release)
			p.Wait()
			if !busy.IsSuccess() {
				t.Fatal("the busy function did not succeed")
			}
		})
	}
}

// len counts the jobs in the inbox. in.mu must be held.
func (in *inbox) len() (n int) {
	for l := in.head; l != nil; l = l.queue.next {
		n++
	}
	return n
}

// startedKey is the context key of the channel withStarted adds.
type startedKey struct{}

// withStarted returns ctx with ch, which started closes: a function run
// with a child of it tells that it has started.
func withStarted(ctx context.Context, ch chan struct{}) context.Context {
	return context.WithValue(ctx, startedKey{}, ch)
}

// started closes the channel of ctx's withStarted, if any.
func started(ctx context.Context) {
	if ch, ok := ctx.Value(startedKey{}).(chan struct{}); ok {
		close(ch)
	}
}
