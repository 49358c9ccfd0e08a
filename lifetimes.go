package future

// OnDone is AddDoneCallback with a way back: it registers cb exactly as
// AddDoneCallback does (in the same order as other callbacks, on the same
// goroutine, with the same panic handling) and returns a function that
// removes it.
//
// stop removes cb if f is still pending and reports whether it did; once it
// returns true, cb will never run and f keeps no reference to it. Once f is
// done, stop returns false: cb has run or is about to run on the goroutine
// that completed f. Exactly one of "cb ran" and "stop returned true" holds,
// however stop races with the completion, as for the stop function of
// context.AfterFunc. stop may be called any number of times, from any
// goroutine; only the first call that removes cb returns true.
//
// On a done future cb runs at once on the calling goroutine, before OnDone
// returns, and stop returns false. OnDone never blocks (beyond running cb on
// a done future) and is safe for concurrent use. It panics if cb is nil.
func (f *Future[T]) OnDone(cb func(*Future[T])) (stop func() bool) {
	if cb == nil {
		panic("future: OnDone called with a nil callback")
	}
	if f.Done() {
		callback[T](cb).fire(f)
		return stopDone
	}
	n := &stoppable[T]{f: f, cb: cb}
	drain(f.subscribe(n))
	return n.stop
}

// stopDone is the stop function of a callback that ran at once.
func stopDone() bool { return false }

// stoppable is the listener of OnDone: a callback that can be removed. It
// is a pointer, so that removal can find it among f's listeners.
type stoppable[T any] struct {
	f  *Future[T]
	cb func(*Future[T])
}

func (n *stoppable[T]) fire(f *Future[T]) drainer {
	cb := n.cb
	n.cb = nil // a kept stop function must not keep cb's captures; stop, now false, never reads cb
	return callback[T](cb).fire(f)
}

func (n *stoppable[T]) stop() bool {
	if !n.f.unsubscribe(n) {
		return false
	}
	n.cb = nil // a stop that returned true promises cb is gone
	return true
}

// unsubscribe removes one registration of l from f's listeners, the latest
// one, if f is still pending, and reports whether it did. l must be of a
// comparable type (a pointer, or a struct of pointers), so that comparing it
// with the listeners can never panic.
//
// The listeners stay in the order they were added, and a list that empties
// gives back its memory: a future that outlives many requests keeps only
// what is still registered on it. The search is linear, from the newest
// listener back; a removal comes from a request that registered recently,
// and a future with thousands of listeners is rare.
func (f *Future[T]) unsubscribe(l listener[T]) bool {
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
	var rest []listener[T]
	if f.rest != nil {
		rest = *f.rest
	}
	i := len(rest) - 1
	for ; i >= 0 && rest[i] != l; i-- {
	}
	switch {
	case i >= 0:
		rest = append(rest[:i], rest[i+1:]...)
	case f.first == l:
		if len(rest) == 0 {
			f.first = nil
			return true
		}
		f.first = rest[0]
		rest = append(rest[:0], rest[1:]...)
	default:
		return false
	}
	f.setRest(rest)
	return true
}

// setRest stores rest, shrunk by one, as f's other listeners, clearing the
// slot it gave up and giving back memory it no longer needs. f.mu is held.
func (f *Future[T]) setRest(rest []listener[T]) {
	full := rest[:len(rest)+1]
	full[len(rest)] = nil // let the removed listener be collected
	switch {
	case len(rest) == 0:
		f.rest = nil
	case cap(rest) > 16 && len(rest) < cap(rest)/4:
		*f.rest = append([]listener[T](nil), rest...)
	default:
		*f.rest = rest
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

// sweep drops f's other listeners that report themselves swept. subscribe
// calls it, under mu, when the slice of listeners is full, before it would
// grow: a long-lived future then holds no more than twice its live
// listeners, at no cost to registrations in between (Java's
// CompletableFuture.cleanStack does the same for its dead completions).
// Continuations sweep this way instead of hooking their results, which
// would cost a chain two allocations and a lock per link.
func (f *Future[T]) sweep() {
	rest := *f.rest
	kept := rest[:0]
	for _, l := range rest {
		if s, ok := l.(sweepable); !ok || !s.swept() {
			kept = append(kept, l)
		}
	}
	clear(rest[len(kept):]) // let the swept listeners be collected
	*f.rest = kept
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

// onResult is the first listener on a combinator's or continuation's
// result: whoever completes the result, it detaches what waits for inputs
// that no longer matter.
type onResult[R any, D detacher] struct{ d D }

func (h onResult[R, D]) fire(*Future[R]) drainer {
	h.d.detach()
	return nil
}

// hookResult makes d detach once result is done. result must be fresh, so
// this only queues the hook, ahead of every other listener.
func hookResult[R any, D detacher](result *Future[R], d D) {
	result.subscribe(onResult[R, D]{d})
}
