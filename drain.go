package future

import (
	"log/slog"
	"runtime/debug"
)

// Completing a future runs its callbacks, and a callback may be a
// continuation or a Combine that completes another future, whose callbacks
// complete another, and so on. Done recursively, a chain of a million
// continuations would need a million stack frames. So internal listeners
// never run the callbacks of the future they complete: they hand it back as
// a drainer, and drain runs the handed-back futures one after another from a
// work list on the completing goroutine. The stack stays flat however long
// the chain, and each future's callbacks still run in the order they were
// added.

// listener is something waiting for a Future[T]: a user callback, a
// continuation, a Combine. fire runs once, when the future is done, with no
// lock held. If it completes another future that has callbacks of its own, it
// returns that future for the caller to drain instead of running them.
type listener[T any] interface {
	fire(f *Future[T]) drainer
}

// drainer is a done future whose callbacks have not run yet. runCallbacks
// runs them, appends to q the futures they complete that need draining in
// turn, and returns q.
type drainer interface {
	runCallbacks(q []drainer) []drainer
}

// callback adapts a user's function to listener.
type callback[T any] func(*Future[T])

func (cb callback[T]) fire(f *Future[T]) drainer {
	defer func() {
		if r := recover(); r != nil {
			slog.Error("future: callback panicked", "panic", r, "stack", string(debug.Stack()))
		}
	}()
	cb(f)
	return nil
}

// complete settles f with the given outcome and runs its callbacks and those
// of every future completed in consequence. It reports whether this call
// completed f.
func (f *Future[T]) complete(v T, err error, tb *Traceback) bool {
	won, d := f.settle(v, err, tb)
	drain(d)
	return won
}

// settle completes f unless it is already claimed, and reports whether it
// did. It wakes blocked readers but does not run callbacks: if there are any,
// it returns f for the caller to drain.
func (f *Future[T]) settle(v T, err error, tb *Traceback) (bool, drainer) {
	if f.state.Or(stateClaimed)&stateClaimed != 0 {
		return false, nil
	}
	// Write only what differs from the zero value a pending future holds:
	// while the garbage collector marks, every pointer store pays a write
	// barrier, and a success has two nil pointers to skip (W2 in
	// internal/workloads).
	if err == nil {
		f.value = v
	} else {
		f.err, f.tb = err, tb // a failed future's value stays the zero value
	}
	old := f.state.Or(stateDone)
	if old&stateChan != 0 {
		close(f.done) // written before stateChan was set, which we saw
	}
	if old&stateWaiters == 0 {
		return true, nil // no listeners: no lock needed
	}
	// Registrations hold mu while they check stateDone and add themselves,
	// so once we hold it every registration that saw f pending is complete,
	// and every later one sees stateDone and acts on its own.
	f.mu.Lock()
	hasCallbacks := f.first != nil
	f.mu.Unlock()
	if !hasCallbacks {
		return true, nil
	}
	return true, f
}

// subscribe adds l to f's listeners. If f is already done, it fires l at once
// and returns what l returned.
func (f *Future[T]) subscribe(l listener[T]) drainer {
	if f.state.Load()&stateDone == 0 {
		f.mu.Lock()
		if f.state.Or(stateWaiters)&stateDone == 0 {
			if f.first == nil {
				f.first = l
			} else {
				if f.rest == nil {
					f.rest = new([]listener[T])
				}
				*f.rest = append(*f.rest, l)
			}
			f.mu.Unlock()
			return nil
		}
		f.mu.Unlock()
	}
	return l.fire(f)
}

// runCallbacks fires f's listeners in the order they were added. It needs no
// lock: settle took mu after stateDone was set, so every listener was added
// before this runs and none will be added after.
func (f *Future[T]) runCallbacks(q []drainer) []drainer {
	first, rest := f.first, f.rest
	f.first, f.rest = nil, nil // let the listeners' captures be collected
	if d := first.fire(f); d != nil {
		q = append(q, d)
	}
	if rest == nil {
		return q
	}
	for _, l := range *rest {
		if d := l.fire(f); d != nil {
			q = append(q, d)
		}
	}
	return q
}

// drain runs the callbacks of d, then of the futures they completed, and so
// on, breadth first, until none is left. d may be nil.
func drain(d drainer) {
	if d != nil { // small enough to inline: most completions have nothing to drain
		drainAll(d)
	}
}

func drainAll(d drainer) {
	q := d.runCallbacks(nil)
	for head := 0; head < len(q); {
		d := q[head]
		q[head] = nil
		head++
		if head == len(q) {
			q, head = q[:0], 0 // reuse the array: a chain never grows it past one
		}
		q = d.runCallbacks(q)
	}
}
