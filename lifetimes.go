package future

import "slices"

// OnDone is [Future.AddDoneCallback] with a way back: it registers cb exactly as
// AddDoneCallback does (in the same order as other callbacks, on the same
// goroutine, with the same panic handling) and returns a function that
// removes it, like the stop function of [context.AfterFunc].
//
// stop removes cb if f is still pending and reports whether it did; once it
// returns true, cb will never run and f keeps no reference to it. Once f is
// done, stop returns false: cb has run or is about to run on the goroutine
// that completed f. Exactly one of "cb ran" and "stop returned true" holds,
// however stop races with the completion. stop may be called any number of
// times, from any goroutine; only the first call that removes cb returns
// true. stop keeps no reference to cb.
//
// On a done future cb runs at once on the calling goroutine, before OnDone
// returns, and stop returns false. OnDone never blocks (beyond running cb on
// a done future) and is safe for concurrent use. It panics if cb is nil.
func (f *Future[T]) OnDone(cb func(*Future[T])) (stop func() bool) {
	f.checkNil("OnDone")
	if cb == nil {
		panic("future: OnDone called with a nil callback")
	}
	id, ok := f.register(callback[T](cb), false)
	if !ok {
		callback[T](cb).fire(f)
		return stopDone
	}
	return func() bool { return f.remove(id) }
}

// stopDone is the stop function of a callback that ran at once.
func stopDone() bool { return false }

// listeners holds a future's listeners after the first, in the order they
// were added, each with the id its registration got; ids grow with the
// position, so a removal finds its slot by binary search. A removed listener
// leaves a tombstone (a nil l) that firing skips, and the slots are
// compacted once half of them are tombstones, much as context drops a
// canceled child from its parent: a future that outlives many requests
// holds only what is still registered on it, and removal costs amortized
// O(log n).
type listeners[T any] struct {
	slots []slot[T]
	next  uint64 // the id of the next listener added; the first slot's is 0
	dead  int    // tombstones in slots
}

type slot[T any] struct {
	l  listener[T] // nil once removed
	id uint64
}

// keepSlots is the largest capacity, in slots, that an emptied list keeps
// for reuse; a larger one, grown by a burst of registrations, is released.
const keepSlots = 64

// add appends l and returns its id. Before the slots would grow, it sweeps
// listeners that no longer matter and, if that leaves a quarter of the
// slots dead, compacts instead of growing: a list whose listeners come and
// go reuses its space, and each slot is compacted away O(1) times.
func (ls *listeners[T]) add(l listener[T]) uint64 {
	if len(ls.slots) == cap(ls.slots) && len(ls.slots) > 0 {
		ls.sweep()
		if 4*ls.dead >= len(ls.slots) {
			ls.compact()
		}
	}
	id := ls.next
	ls.next++
	ls.slots = append(ls.slots, slot[T]{l, id})
	return id
}

// removeID removes the listener registered with id, if it is still there.
func (ls *listeners[T]) removeID(id uint64) bool {
	i, found := slices.BinarySearchFunc(ls.slots, id, func(s slot[T], id uint64) int {
		switch {
		case s.id < id:
			return -1
		case s.id > id:
			return 1
		}
		return 0
	})
	if !found || ls.slots[i].l == nil {
		return false
	}
	ls.removeAt(i)
	return true
}

// removeListener removes the latest registration of l. l must be of a
// comparable type (a pointer, or a struct of pointers), so that comparing it
// with the listeners can never panic. The search is linear, from the newest
// listener back: a removal usually comes from a request that registered
// recently.
func (ls *listeners[T]) removeListener(l listener[T]) bool {
	for i := len(ls.slots) - 1; i >= 0; i-- {
		if ls.slots[i].l == l {
			ls.removeAt(i)
			return true
		}
	}
	return false
}

// removeAt turns slot i into a tombstone. Tombstones at the end go at once;
// the others once they are half the slots.
func (ls *listeners[T]) removeAt(i int) {
	ls.slots[i].l = nil
	ls.dead++
	n := len(ls.slots)
	for n > 0 && ls.slots[n-1].l == nil {
		n--
		ls.dead--
	}
	ls.slots = ls.slots[:n]
	if ls.dead > 0 && 2*ls.dead >= n {
		ls.compact()
	} else if n == 0 && cap(ls.slots) > keepSlots {
		ls.slots = nil
	}
}

// compact drops the tombstones, keeping the listeners in order, and gives
// back memory that a burst of registrations left unused.
func (ls *listeners[T]) compact() {
	kept := ls.slots[:0]
	for _, s := range ls.slots {
		if s.l != nil {
			kept = append(kept, s)
		}
	}
	clear(ls.slots[len(kept):]) // let the removed listeners be collected
	ls.slots, ls.dead = kept, 0
	if cap(kept) > keepSlots && len(kept) < cap(kept)/4 {
		ls.slots = slices.Clone(kept)
	}
}

// sweepable is a listener that can tell, cheaply, that it no longer
// matters: a continuation whose result someone else completed. swept
// reports that, and then lets go of what the listener holds; it is called
// with the source's mu held while the source is pending, so the listener's
// fire can no longer run.
type sweepable interface {
	swept() bool
}

// sweep turns the listeners that report themselves swept into tombstones.
// add calls it before the slots would grow: a long-lived future then holds
// no more than twice its live listeners, whoever forgot to take theirs back
// (Java's CompletableFuture.cleanStack does the same for its dead
// completions).
func (ls *listeners[T]) sweep() {
	for i, s := range ls.slots {
		if sw, ok := s.l.(sweepable); ok && sw.swept() {
			ls.slots[i].l = nil
			ls.dead++
		}
	}
}

// register adds l to f's listeners and returns the id of the registration;
// ok is false, and nothing is added, if f is already done. The first
// registration takes the inline slot, with id 0; the slot is never filled
// again, so ids are never reused and a stale removal cannot take another
// registration.
//
// A continuation's result may hold its continuation's hook in the inline
// slot (see link). The next link of a chain (link set) displaces it, so that
// a chain pays nothing for it; any other registration leaves it there,
// as if it were the first registration, and goes after it. A listener that
// its future's maker installed (see hook) is never displaced.
func (f *Future[T]) register(l listener[T], link bool) (id uint64, ok bool) {
	s := f.state.Load()
	if s&stateDone != 0 {
		return 0, false
	}
	f.mu.Lock()
	// stateWaiters is set only while stateDone is clear: a completer that
	// sets stateDone after this sees it and takes mu before it looks at the
	// listeners (so from here on they are ours to read and write); one that
	// set it before is seen here, and l is fired by the caller instead.
	for !f.state.CompareAndSwap(s, s|stateWaiters) {
		if s = f.state.Load(); s&stateDone != 0 {
			f.mu.Unlock()
			return 0, false
		}
	}
	if s&(stateWaiters|stateHooked) == 0 && (f.first == nil || link) {
		f.first = l
	} else {
		if f.rest == nil {
			f.rest = &listeners[T]{next: 1}
		} else if len(f.rest.slots) == cap(f.rest.slots) {
			f.sweepFirst() // the list is about to be swept; the inline slot too
		}
		id = f.rest.add(l)
	}
	f.mu.Unlock()
	return id, true
}

// sweepFirst empties the inline slot if it holds a continuation that no
// longer matters (see sweepable). f.mu is held and f is pending.
func (f *Future[T]) sweepFirst() {
	if sw, ok := f.first.(sweepable); ok && sw.swept() {
		f.first = nil
	}
}

// subscribe adds l to f's listeners. If f is already done, it fires l at once
// and returns what l returned.
func (f *Future[T]) subscribe(l listener[T]) drainer {
	if _, ok := f.register(l, false); ok {
		return nil
	}
	return l.fire(f)
}

// remove removes the registration with the given id if f is still pending,
// and reports whether it did.
func (f *Future[T]) remove(id uint64) bool {
	return f.removeWith(func() bool {
		if id == 0 {
			removed := f.first != nil
			f.first = nil
			return removed
		}
		return f.rest != nil && f.rest.removeID(id)
	})
}

// unsubscribe removes the latest registration of l from f's listeners if f
// is still pending, and reports whether it did. l must be of a comparable
// type.
func (f *Future[T]) unsubscribe(l listener[T]) bool {
	return f.removeWith(func() bool {
		if f.rest != nil && f.rest.removeListener(l) {
			return true
		}
		if f.state.Load()&stateWaiters != 0 && f.first == l {
			f.first = nil
			return true
		}
		return false
	})
}

// removeWith runs remove with f.mu held if f is pending, and returns what it
// returned; false if f is done.
func (f *Future[T]) removeWith(remove func() bool) bool {
	if f.state.Load()&stateDone != 0 {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	// Once stateDone is set the completer reads the listeners without mu;
	// settle locks mu after setting it, so checking it here, under mu, is
	// what keeps removal away from a run in progress.
	if f.state.Load()&stateDone != 0 {
		return false
	}
	return remove()
}

// detachFrom removes l from each of inputs still pending. Combinators call
// it once their result is done, whoever completed it, so that inputs that
// outlive them keep nothing of theirs.
func detachFrom[T any](inputs []*Future[T], l listener[T]) {
	for _, in := range inputs {
		in.unsubscribe(l)
	}
}

// detacher is a combinator or continuation that can take its listeners back
// from the futures it waits for.
type detacher interface{ detach() }

// onResult is the first listener on a combinator's result: whoever
// completes the result, it detaches what waits for inputs that no longer
// matter.
type onResult[R any, D detacher] struct{ d D }

func (h onResult[R, D]) fire(*Future[R]) drainer {
	h.d.detach()
	return nil
}

// hookResult makes d detach once result is done. result must be fresh.
func hookResult[R any, D detacher](result *Future[R], d D) {
	result.hook(onResult[R, D]{d})
}

// hook installs l as the first listener of f, which must be fresh (not yet
// shared with another goroutine): whoever completes f, l fires before any
// listener registered later. It costs a store, where a registration costs a
// lock, and settle needs no lock to find it when nothing else registered.
func (f *Future[T]) hook(l listener[T]) {
	f.first = l
	f.state.Store(stateHooked)
}

// hookAwaited is hook for a future that its maker expects to be waited for:
// it also makes the done channel now, where f is made, instead of making
// it later, under the lock, in the first wait.
func (f *Future[T]) hookAwaited(l listener[T]) {
	f.first = l
	f.done = make(chan struct{})
	f.state.Store(stateHooked | stateChan)
}
