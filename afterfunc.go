package future

import "context"

// afterFunc is the stop function of the context.AfterFunc that watches a
// future until it is done (a Flights caller, a call in flight), guarded by
// that future's mu: the watcher sets it as the future's first listener may
// be taking it.
type afterFunc struct{ stop func() bool }

// watchContext runs fn when ctx ends, unless f is done first: once f is
// done, unwatchContext (which f's first listener calls) stops the
// AfterFunc, so that a long-lived ctx keeps nothing of f.
func watchContext[T any](f *Future[T], a *afterFunc, ctx context.Context, fn func()) {
	stop := context.AfterFunc(ctx, fn)
	f.mu.Lock()
	a.stop = stop
	f.mu.Unlock()
	// If f was completed before stop was stored, its listener found no stop
	// to call, and a long-lived ctx would keep the AfterFunc, and through it
	// f, until it ends: stop it here. A second stop is harmless.
	if f.claimed() {
		unwatchContext(f, a)
	}
}

// unwatchContext stops the AfterFunc that watchContext set up for f, if it
// has been set up and not yet stopped.
func unwatchContext[T any](f *Future[T], a *afterFunc) {
	f.mu.Lock()
	stop := a.stop
	a.stop = nil
	f.mu.Unlock()
	if stop != nil {
		stop()
	}
}
