package future

import (
	"context"
	"testing"
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
