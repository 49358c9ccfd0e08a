package future

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestFlightsKeepNothingOfTheCallersThatLeft checks that a run's list of
// callers holds only those that stay: after a burst of callers of which
// all but a few left, the run links just those, in the order they came,
// and no caller that left keeps a link into the list, or the run.
func TestFlightsKeepNothingOfTheCallersThatLeft(t *testing.T) {
	var s Flights[string, int]
	release := make(chan struct{})
	defer close(release)
	fn := func(ctx context.Context) (int, error) {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return 1, nil
	}
	const burst, stay = 1024, 3
	callers := make([]*Future[int], burst)
	for i := range callers {
		callers[i] = s.Do(context.Background(), "k", fn)
	}
	s.mu.Lock()
	run := s.m["k"]
	var joined []*caller[string, int]
	for c := run.callers.head; c != nil; c = c.link.next {
		joined = append(joined, c)
	}
	s.mu.Unlock()
	if len(joined) != burst {
		t.Fatalf("the run links %d callers, want %d", len(joined), burst)
	}
	// Leave from both ends and the middle: all but callers 0, burst/2 and
	// burst-1.
	for i, f := range callers {
		if i != 0 && i != burst/2 && i != burst-1 {
			f.Cancel()
		}
	}
	s.mu.Lock()
	var linked []*Future[int]
	for c := run.callers.head; c != nil; c = c.link.next {
		linked = append(linked, &c.result)
	}
	tail := run.callers.tail
	s.mu.Unlock()
	if len(linked) != stay {
		t.Fatalf("the run links %d callers, want the %d that stayed", len(linked), stay)
	}
	for i, want := range []*Future[int]{callers[0], callers[burst/2], callers[burst-1]} {
		if linked[i] != want {
			t.Errorf("caller %d in the run's list is not the %d-th that stayed: the list is out of join order", i, i)
		}
	}
	if &tail.result != callers[burst-1] {
		t.Error("the run's tail is not the last caller that stayed")
	}
	for i, c := range joined {
		if i == 0 || i == burst/2 || i == burst-1 {
			continue
		}
		if c.link != (listLinks[caller[string, int]]{}) || c.run != nil {
			t.Fatalf("caller %d, which left, still links to the run or its callers", i)
		}
	}
	for _, f := range []*Future[int]{callers[0], callers[burst/2], callers[burst-1]} {
		f.Cancel()
	}
}

// TestFlightsCallerLeavesWithContinuations checks that a caller whose
// future has continuations chained on it still leaves the run when it is
// canceled: chaining does not displace the listener that takes it out.
func TestFlightsCallerLeavesWithContinuations(t *testing.T) {
	var s Flights[string, int]
	runCtx := make(chan context.Context, 1)
	f := s.Do(context.Background(), "k", func(ctx context.Context) (int, error) {
		runCtx <- ctx
		<-ctx.Done()
		return 0, ctx.Err()
	})
	next := ContinueWith(f, func(f *Future[int]) (int, error) { return f.Result() })
	then := Then(f, func(v int) (int, error) { return v + 1, nil })
	ctx := <-runCtx
	f.Cancel() // the only caller leaves: the run must be canceled
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the run went on after its only caller, with continuations chained, left")
	}
	for _, g := range []*Future[int]{next, then} {
		if _, err := g.Result(); err == nil {
			t.Fatal("a continuation of a canceled caller succeeded")
		}
	}
}

// lastingCtx is a context that could end but never does, and counts the
// context.AfterFunc registrations on it that were not stopped:
// context.AfterFunc calls its AfterFunc method, as it does for any context
// that is not the standard library's and has one.
type lastingCtx struct {
	context.Context // Background: no values, no cancelCtx to find
	done            chan struct{}
	live            atomic.Int32
}

func newLastingCtx() *lastingCtx {
	return &lastingCtx{Context: context.Background(), done: make(chan struct{})}
}

func (c *lastingCtx) Done() <-chan struct{} { return c.done }

func (c *lastingCtx) AfterFunc(func()) (stop func() bool) {
	c.live.Add(1)
	var once sync.Once
	return func() bool {
		stopped := false
		once.Do(func() {
			stopped = true
			c.live.Add(-1)
		})
		return stopped
	}
}

// TestFlightsAnsweredCallersStopWatching checks that a caller whose context
// could end, answered by the run, stops the AfterFunc that watched its
// context, so that a long-lived context keeps nothing of it; a caller whose
// context cannot end registers none.
func TestFlightsAnsweredCallersStopWatching(t *testing.T) {
	var s Flights[string, int]
	ctx := newLastingCtx()
	release := make(chan struct{})
	fn := func(context.Context) (int, error) {
		<-release
		return 1, nil
	}
	callers := []*Future[int]{
		s.Do(ctx, "k", fn),
		s.Do(ctx, "k", fn),
		s.Do(context.Background(), "k", fn),
	}
	if n := ctx.live.Load(); n != 2 {
		t.Fatalf("%d AfterFuncs watch the context, want 2 (one a caller whose context could end)", n)
	}
	// A caller leaves before its callbacks run: once they all have, every
	// caller has left.
	left := make(chan struct{}, len(callers))
	for _, f := range callers {
		f.AddDoneCallback(func(*Future[int]) { left <- struct{}{} })
	}
	close(release)
	for range callers {
		select {
		case <-left:
		case <-time.After(10 * time.Second):
			t.Fatal("a caller's callbacks never ran")
		}
	}
	for _, f := range callers {
		if v, err := f.Result(); v != 1 || err != nil {
			t.Fatalf("a caller got %v, %v; want 1, nil", v, err)
		}
	}
	if n := ctx.live.Load(); n != 0 {
		t.Errorf("%d AfterFuncs still watch the context after the run answered every caller, want 0", n)
	}
}

// TestFlightsWatchAfterTheAnswer checks the race in Do between watching a
// caller's context and the run answering the caller first: the caller left
// before the AfterFunc was stored, found nothing to stop, so watch must
// stop it itself.
func TestFlightsWatchAfterTheAnswer(t *testing.T) {
	w := &caller[string, int]{}
	w.run = &flight[string, int]{}
	w.run.ended.Store(true) // the run has handed its outcome over
	w.result.hookAwaited(watchedLeaver[string, int]{w})
	w.result.SetResult(1) // leaves: no AfterFunc to stop yet
	ctx := newLastingCtx()
	w.watch(ctx)
	if n := ctx.live.Load(); n != 0 {
		t.Errorf("%d AfterFuncs watch the context of a caller answered before it was watched, want 0", n)
	}
	if w.stop.stop != nil {
		t.Error("the caller keeps the stop of an AfterFunc it stopped")
	}
}

// goexitStopCtx is a context that could end, whose AfterFunc's stop calls
// runtime.Goexit, as a test fake calling t.FailNow from it would.
type goexitStopCtx struct {
	context.Context
	done chan struct{}
}

func (c *goexitStopCtx) Done() <-chan struct{} { return c.done }

func (c *goexitStopCtx) AfterFunc(func()) func() bool {
	return func() bool { runtime.Goexit(); return true }
}

// TestAnsweredCallersStopWatchingLast: the goroutine that answers a run's
// or a batch's callers stops the AfterFunc watching a caller's context only
// once every caller is done, so a context whose stop ends that goroutine
// (or blocks on another caller's future) leaves no caller unanswered.
func TestAnsweredCallersStopWatchingLast(t *testing.T) {
	tests := []struct {
		name string
		// start makes two callers of one answer, the first with ctx:
		// two callers of a Flights run, or the two keys of a full batch.
		start func(ctx context.Context) (first, second *Future[int])
	}{
		{"Flights", func(ctx context.Context) (*Future[int], *Future[int]) {
			var s Flights[string, int]
			release := make(chan struct{})
			fn := func(context.Context) (int, error) { <-release; return 1, nil }
			first := s.Do(ctx, "k", fn)
			second := s.Do(context.Background(), "k", fn)
			close(release)
			return first, second
		}},
		{"Batcher", func(ctx context.Context) (*Future[int], *Future[int]) {
			b := NewBatcher(2, time.Hour, func(_ context.Context, keys []int) (map[int]int, error) {
				return map[int]int{1: 1, 2: 2}, nil
			})
			return b.Load(ctx, 1), b.Load(context.Background(), 2)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first, second := tt.start(&goexitStopCtx{Context: context.Background(), done: make(chan struct{})})
			for i, f := range []*Future[int]{first, second} {
				select {
				case <-f.DoneChan():
				case <-time.After(10 * time.Second):
					t.Fatalf("caller %d never answered", i+1)
				}
			}
		})
	}
}
