package future

import (
	"runtime"
	"testing"
	"time"
)

// TestLosingCompletionReturnsOnceDone holds a future between a winner's
// claim and its outcome, the window a racing completion can fall into, and
// checks that a losing SetResult waits until the future is done before it
// returns false. The window is opened by hand, so the test passes or fails
// on what the loser saw, whatever the timing; a loser that did not wait is
// caught if it reaches SetResult within the main goroutine's 100 yields.
func TestLosingCompletionReturnsOnceDone(t *testing.T) {
	f := New[int]()
	f.state.Or(stateClaimed) // a winner has claimed f and not written it yet
	type outcome struct{ won, doneThen bool }
	lost := make(chan outcome, 1) // a late send after a timeout does not block
	started := make(chan struct{})
	go func() {
		close(started)
		won := f.SetResult(2)
		lost <- outcome{won, f.Done()}
	}()
	<-started
	for range 100 {
		runtime.Gosched() // give a loser that does not wait the time to return
	}
	f.value = 1 // the winner writes its outcome
	f.state.Or(stateDone)
	select {
	case o := <-lost:
		if o.won || !o.doneThen {
			t.Fatalf("the losing SetResult returned %v with Done() %v; want false, once the future is done", o.won, o.doneThen)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the losing SetResult did not return once the future was done")
	}
	if v, _ := f.Result(); v != 1 {
		t.Fatalf("Result() = %d, want the winner's 1", v)
	}
}
