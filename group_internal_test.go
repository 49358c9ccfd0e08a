package future

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestForkAfterWaitWaitsForTheCancel: a Fork that finds the group ended by
// Wait (groupWaited set), while Wait still holds the group's lock and has
// not canceled its context, waits for the lock, so its function never runs.
func TestForkAfterWaitWaitsForTheCancel(t *testing.T) {
	for _, p := range []*Pool{nil, NewPool(1)} {
		g := NewGroup(context.Background(), p)
		g.mu.Lock()
		g.running.Store(groupWaited) // as Wait's compare-and-swap leaves it
		ran := make(chan struct{}, 1)
		res := make(chan *Future[int], 1)
		go func() {
			res <- Fork(g, func(context.Context) (int, error) { ran <- struct{}{}; return 0, nil })
		}()
		// Wait until the Fork is blocked on the group's lock, as a
		// goroutine dump shows it; a Fork that returns first fails.
		deadline := time.Now().Add(10 * time.Second)
		for !blockedIn("future.Fork[", "sync.(*Mutex).Lock") {
			select {
			case <-res:
				t.Fatal("Fork returned while Wait held the lock, before it canceled the context")
			default:
			}
			if time.Now().After(deadline) {
				t.Fatal("Fork never blocked on the group's lock")
			}
			runtime.Gosched()
		}
		g.cancel(nil)
		g.mu.Unlock()
		f := <-res
		if _, err := f.Result(); !errors.Is(err, ErrNotRun) {
			t.Fatalf("Fork after Wait: %v, want ErrNotRun", err)
		}
		select {
		case <-ran:
			t.Fatal("the function of a Fork after Wait ran")
		default:
		}
		if g.running.Load() != groupWaited {
			t.Fatal("the count of running functions did not return to zero")
		}
	}
}

// blockedIn reports whether some goroutine's stack shows both fn and
// blocker, as a goroutine blocked in fn on blocker's lock does.
func blockedIn(fn, blocker string) bool {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf)) // the dump was cut short
	}
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, fn) && strings.Contains(g, blocker) {
			return true
		}
	}
	return false
}

// groupWaiter runs g.Wait and sends its result: a named function, so that
// blockedIn finds its goroutine and no other test's.
func groupWaiter(g *Group, errc chan<- error) { errc <- g.Wait() }

// waitUntilWaiting returns once the goroutine running groupWaiter is inside
// the group's condition wait, failing the test if it returns first or never
// gets there.
func waitUntilWaiting(t *testing.T, errc <-chan error) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !blockedIn("future.groupWaiter", "sync.(*Cond).Wait") {
		select {
		case err := <-errc:
			t.Fatalf("Wait returned (%v) with a function running", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("Wait never waited for the function running")
		}
		runtime.Gosched()
	}
}

// receiveErr waits for Wait's result, failing the test if none comes in
// time.
func receiveErr(t *testing.T, errc <-chan error) error {
	t.Helper()
	select {
	case err := <-errc:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Wait did not return once no function was running")
		return nil
	}
}

// TestWaitMarksTheGroupWaited: Wait, finding no function running, sets
// groupWaited in the count (the step that makes a Fork after it wait for
// the cancel, see TestForkAfterWaitWaitsForTheCancel), also when it first
// had to wait for a function to return, and a later Wait leaves it set.
func TestWaitMarksTheGroupWaited(t *testing.T) {
	for _, p := range []*Pool{nil, NewPool(1)} {
		idle := NewGroup(context.Background(), p)
		if err := idle.Wait(); err != nil {
			t.Fatalf("Wait on an idle group: %v", err)
		}
		if n := idle.running.Load(); n != groupWaited {
			t.Fatalf("after Wait on an idle group the count is %#x, want groupWaited", n)
		}

		g := NewGroup(context.Background(), p)
		release := make(chan struct{})
		f := Fork(g, func(context.Context) (int, error) { <-release; return 1, nil })
		errc := make(chan error, 1)
		go groupWaiter(g, errc)
		waitUntilWaiting(t, errc)
		close(release)
		if err := receiveErr(t, errc); err != nil {
			t.Fatalf("Wait: %v", err)
		}
		if v, err := f.Result(); v != 1 || err != nil {
			t.Fatalf("Fork's future: %v, %v; want 1, nil", v, err)
		}
		if n := g.running.Load(); n != groupWaited {
			t.Fatalf("after Wait that waited for a function the count is %#x, want groupWaited", n)
		}
		if err := g.Wait(); err != nil || g.running.Load() != groupWaited {
			t.Fatalf("a second Wait: %v, count %#x; want nil, groupWaited", err, g.running.Load())
		}
	}
}

// TestLateForkWakesASecondWait: after Wait has ended g, a Fork counts
// itself before it finds g's context canceled and counts itself out; a
// second Wait that finds that Fork counted waits, and the Fork's end, which
// brings the count back to groupWaited alone, wakes it.
func TestLateForkWakesASecondWait(t *testing.T) {
	g := NewGroup(context.Background(), nil)
	if err := g.Wait(); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	g.running.Add(1) // a Fork after Wait, between its count and its end
	errc := make(chan error, 1)
	go groupWaiter(g, errc)
	waitUntilWaiting(t, errc)
	g.ended() // the late Fork's function will never run
	if err := receiveErr(t, errc); err != nil {
		t.Fatalf("the second Wait: %v", err)
	}
	if n := g.running.Load(); n != groupWaited {
		t.Fatalf("count %#x, want groupWaited", n)
	}
}
