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
// a drainer, and drain runs the handed-back futures' callbacks from a work
// list on the completing goroutine. The stack stays flat however long the
// chain, and callbacks run in the same order as recursion would run them.

// listener is something waiting for a Future[T]: a user callback, a
// continuation, a Combine. fire runs once, when the future is done, with no
// lock held. If it completes another future that has callbacks of its own, it
// returns that future for the caller to drain instead of running them.
type listener[T any] interface {
	fire(f *Future[T]) drainer
}

// drainer is a done future whose listeners have not all fired yet.
type drainer interface {
	fireListener(i int) (next drainer, last bool)
}

// callback adapts a user's function to listener.
type callback[T any] func(*Future[T])

func (cb callback[T]) fire(f *Future[T]) drainer {
	returned := false
	defer func() {
		if r := recover(); r != nil {
			slog.Error("future: callback panicked", "panic", r, "stack", string(debug.Stack()))
		} else if !returned {
			// The goroutine is ending; drainFrom's deferred call runs the
			// remaining callbacks before it does.
			slog.Error("future: callback called runtime.Goexit", "stack", string(debug.Stack()))
		}
	}()
	cb(f)
	returned = true
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
		f.awaitDone()
		return false, nil
	}
	// Write only what differs from the zero value a pending future holds:
	// while the garbage collector marks, every pointer store pays a write
	// barrier, and a success has two nil pointers to skip (W2 in
	// internal/workloads).
	if err == nil {
		f.value = v
	} else {
		f.failure = &failure{err, tb} // a failed future's value stays the zero value
	}
	old := f.state.Or(stateDone)
	if old&stateChan != 0 {
		close(f.done) // written before stateChan was set, which we saw
	}
	if old&stateWaiters == 0 {
		// No registration came before stateDone, and none can come after
		// (see register), so first is still what the creator left there:
		// nothing, or a continuation's hook.
		if f.first == nil {
			return true, nil // no listeners: no lock needed
		}
		return true, f
	}
	// Registrations hold mu while they check stateDone and add themselves,
	// so once we hold it every registration that saw f pending is complete,
	// and every later one sees stateDone and acts on its own.
	f.mu.Lock()
	live := f.first != nil || f.rest != nil && len(f.rest.slots) > 0 // the last slot is never a tombstone
	f.mu.Unlock()
	if !live {
		return true, nil
	}
	return true, f
}

// fireListener fires f's listener number i, counting from 0 in the order
// they were added, and returns what it returned and whether it was the last.
// It needs no lock: settle took mu after stateDone was set, so every listener
// was added before this runs, and none is added or removed after.
func (f *Future[T]) fireListener(i int) (next drainer, last bool) {
	l, n := f.first, 0
	if f.rest != nil {
		n = len(f.rest.slots)
	}
	if i > 0 {
		l = nil
		if i <= n {
			l = f.rest.slots[i-1].l
		}
	}
	last = i >= n
	if last {
		f.first, f.rest = nil, nil // let the listeners' captures be collected
	}
	if l == nil {
		return nil, last // removed, or a Goexit cut the run short after the last
	}
	return l.fire(f), last
}

// drain fires the listeners of d in order, depth first: when a listener
// completes another future, that future's listeners fire, and so on
// downstream, before d's next listener does. That is the order nested calls
// would give (and Hazelcast's recursive completion gives), kept on a stack
// in the heap instead of the goroutine's. A future whose last listener
// completes another is not kept on that stack, so a chain never grows it.
// d may be nil.
func drain(d drainer) {
	if d != nil {
		drainFrom(d, 0, nil)
	}
}

// drainFrom is drain resumed at d's listener i, with stack still to finish.
func drainFrom(d drainer, i int, stack []resume) {
	defer func() {
		if d == nil {
			return // finished
		}
		if r := recover(); r != nil {
			panic(r) // listeners contain user panics: this is a bug of ours
		}
		// User code in listener i called runtime.Goexit (t.FailNow, say).
		// The goroutine is ending, but the deferred calls still run on it:
		// the listener has failed its future, so fire the rest from here,
		// each exactly once, before the goroutine goes.
		drainFrom(d, i+1, stack)
	}()
	for d != nil {
		next, last := d.fireListener(i)
		i++
		switch {
		case next != nil && !last:
			stack = append(stack, resume{d, i})
			d, i = next, 0
		case next != nil:
			d, i = next, 0 // d is finished: no need to come back to it
		case last:
			d = nil
			if n := len(stack); n > 0 {
				d, i = stack[n-1].d, stack[n-1].next
				stack[n-1] = resume{}
				stack = stack[:n-1]
			}
		}
	}
}

// resume is a future on drain's stack, with the index of its next listener.
type resume struct {
	d    drainer
	next int
}

// each calls fn(i) for every i from 0 to n-1, in order, on the calling
// goroutine. If fn calls runtime.Goexit (a callback calling t.FailNow,
// say), the deferred call goes on with the rest before the goroutine
// ends, so that one callback's Goexit leaves no other future, job or
// caller unanswered: completers that answer many at once (a Flights run's
// callers, a batch's keys, a Pool's expired jobs, a closed Calls' calls)
// loop through it.
func each(n int, fn func(i int)) {
	eachFrom(0, n, fn)
}

func eachFrom(i, n int, fn func(i int)) {
	defer func() {
		if i < n {
			eachFrom(i+1, n, fn) // fn(i) called runtime.Goexit
		}
	}()
	for ; i < n; i++ {
		fn(i)
	}
}
