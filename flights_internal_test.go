package future

import (
	"context"
	"testing"
	"time"
)

// TestFlightsGiveBackWhatABurstOfCallersLeft checks that a run's list of
// callers shrinks as they leave: after a burst of callers of which all but
// a few left, the run does not keep the room the burst needed.
func TestFlightsGiveBackWhatABurstOfCallersLeft(t *testing.T) {
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
	grown := cap(run.waiting)
	s.mu.Unlock()
	if grown < burst {
		t.Fatalf("the run holds room for %d callers, want at least %d", grown, burst)
	}
	for _, f := range callers[stay:] {
		f.Cancel()
	}
	s.mu.Lock()
	n, c := len(run.waiting), cap(run.waiting)
	s.mu.Unlock()
	if n != stay {
		t.Fatalf("%d callers wait, want %d", n, stay)
	}
	if c > 64 {
		t.Errorf("after %d of %d callers left, the run keeps room for %d; want it given back (at most 64)", burst-stay, burst, c)
	}
	for _, f := range callers[:stay] {
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
