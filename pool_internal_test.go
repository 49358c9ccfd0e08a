package future

import (
	"context"
	"runtime"
	"slices"
	"testing"
	"time"
)

// numberedJob is a job that only carries a number, for queue tests.
type numberedJob int

func (numberedJob) run()         {}
func (numberedJob) expire(error) {}

// TestJobQueueIsFIFO drives the ring buffer through growth while wrapped
// around, and through release of a large buffer, against a slice model.
func TestJobQueueIsFIFO(t *testing.T) {
	var q jobQueue
	var model []numberedJob
	next := numberedJob(0)
	push := func(k int) {
		for range k {
			q.push(queued{job: next})
			model = append(model, next)
			next++
		}
	}
	pop := func(k int) {
		for range k {
			got, ok := q.pop()
			if len(model) == 0 {
				if ok {
					t.Fatalf("pop from an empty queue returned %v", got.job)
				}
				return
			}
			if !ok || got.job != model[0] {
				t.Fatalf("pop = %v, %v; want %v", got.job, ok, model[0])
			}
			model = model[1:]
		}
	}
	for _, step := range []struct{ push, pop int }{
		{10, 7}, {12, 3}, {30, 25}, {100, 0}, {0, 50}, {9000, 9000}, {5, 100}, {17, 16}, {40, 41},
	} {
		push(step.push)
		pop(step.pop)
		if q.n != len(model) {
			t.Fatalf("queue holds %d jobs, want %d", q.n, len(model))
		}
	}
	if len(q.buf) > keepQueue {
		t.Errorf("an empty queue kept a buffer of %d", len(q.buf))
	}
}

// TestJobQueueKeepsAModestBuffer: an emptied queue keeps a buffer of up to
// keepQueue jobs for reuse and releases only a larger one.
func TestJobQueueKeepsAModestBuffer(t *testing.T) {
	var q jobQueue
	for range keepQueue {
		q.push(queued{job: numberedJob(0)})
	}
	for range keepQueue {
		q.pop()
	}
	if len(q.buf) != keepQueue {
		t.Errorf("an emptied queue of %d jobs kept a buffer of %d, want %d", keepQueue, len(q.buf), keepQueue)
	}
}

// TestWatchReusesStartedSpace drives a watch's FIFO through add and unwatch:
// add moves jobs only when the slice is full (so each job is copied O(1)
// times, amortised), and then reuses the space of started jobs instead of
// growing once at least half of them have started.
func TestWatchReusesStartedSpace(t *testing.T) {
	p := NewPool(1)
	done := make(chan struct{})
	stopped := false
	w := &watch{done: done, stop: func() bool { stopped = true; return true }, jobs: make([]job, 0, 8)}
	p.watches = map[<-chan struct{}]*watch{done: w}
	var model []job
	next := numberedJob(0)
	add := func(k int) {
		for range k {
			w.add(next)
			model = append(model, next)
			next++
		}
	}
	start := func(k int) {
		for range k {
			p.unwatch(w)
			model = model[1:]
		}
	}
	check := func(step string, head, capacity int) {
		t.Helper()
		if w.head != head || cap(w.jobs) != capacity {
			t.Errorf("%s: head %d, cap %d; want head %d, cap %d", step, w.head, cap(w.jobs), head, capacity)
		}
		if got := w.jobs[w.head:]; !slices.Equal(got, model) {
			t.Errorf("%s: queued jobs %v, want %v", step, got, model)
		}
	}

	add(6)
	start(3)
	add(1) // room left: nothing moves, though half have started
	check("add with room", 3, 8)
	add(1) // now full
	start(1)
	add(1) // full, exactly half started: compact instead of growing
	check("add when full", 0, 8)

	// The watch closes when its last queued job starts, not before.
	start(len(model) - 1)
	if w.closed || p.watches[done] != w || stopped {
		t.Fatal("the watch closed while a job was still queued under it")
	}
	start(1)
	if !w.closed || len(p.watches) != 0 || !stopped {
		t.Error("the watch stayed open after its last job started")
	}
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
		p.push(numberedJob(0), tt.ctx, tt.ctx.Done())
		q, ok := p.queue.pop()
		if !ok {
			t.Fatalf("%s: nothing queued", tt.name)
		}
		if got := q.w != nil || len(p.watches) > 0; got != tt.watched {
			t.Errorf("%s: watched = %v, want %v", tt.name, got, tt.watched)
		}
		if q.w != nil {
			p.unwatch(q.w) // closes it and stops its AfterFunc
		}
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
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("workers = %d long after the work was done, want 0", workers)
		}
		runtime.Gosched() // the last workers are on their way out
	}
}
