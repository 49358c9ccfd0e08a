package future

import (
	"testing"
	"time"
)

// The timer is stopped as soon as the input completes, not left to fire.
func TestWithTimeoutStopsItsTimer(t *testing.T) {
	t.Parallel()
	f := New[int]()
	w := withTimeout(f, time.Hour)
	if w.timer.Load() == nil {
		t.Fatal("no timer set for a pending input")
	}
	f.SetResult(1)
	if w.timer.Load().Stop() {
		t.Error("the timer was still running after the input completed")
	}
	if v, err := w.result.Result(); v != 1 || err != nil {
		t.Errorf("result = %v, %v; want 1, <nil>", v, err)
	}
	if done := withTimeout(Completed(2), time.Hour); done.timer.Load() != nil {
		t.Error("a timer was set for an input already done")
	}
}

// A duration that has already passed fails the result on the caller's
// goroutine, with no timer at all (not one that fires at once).
func TestWithTimeoutPastDurationSetsNoTimer(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Duration{0, -time.Second} {
		w := withTimeout(New[int](), d)
		if w.timer.Load() != nil {
			t.Errorf("d = %v: a timer was set", d)
		}
		if !w.result.Done() {
			t.Errorf("d = %v: the result is not done when WithTimeout returns", d)
		}
	}
}
