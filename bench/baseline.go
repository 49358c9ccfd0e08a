// Package bench compares github.com/gofutures/future with a raw one-shot
// channel (the floor), hand-rolled baselines and other Go libraries. It is a
// module of its own so that the peers never enter the library's go.sum.
//
// Each workload is one _test.go file with one Benchmark function whose
// sub-benchmarks are named lib=NAME after the library that runs it: baseline
// (the floor, or the hand-rolled code the workload replaces), future,
// errgroup, conc, mo and workiva, each where it has the operation. Adding a
// workload is adding a file; run.sh runs them all, summarises them with
// benchstat -col /lib, and cmd/report writes RESULTS.md and chart.svg.
package bench

import "sync"

// OneShot is the floor: the least a goroutine-safe, write-once value can be,
// a channel closed after the value is written.
type OneShot[T any] struct {
	done chan struct{}
	v    T
}

// NewOneShot returns a pending OneShot.
func NewOneShot[T any]() *OneShot[T] { return &OneShot[T]{done: make(chan struct{})} }

// Set stores v and wakes every Get. It must be called at most once.
func (o *OneShot[T]) Set(v T) { o.v = v; close(o.done) }

// Get blocks until Set and returns its value.
func (o *OneShot[T]) Get() T { <-o.done; return o.v }

// MiniFuture is the minimal future a careful engineer writes in an
// afternoon: a mutex, a callback slice, and completion that calls the
// callbacks directly. A chain of its continuations therefore completes by
// recursion, a few stack frames per link: W6 shows where that ends.
type MiniFuture[T any] struct {
	mu   sync.Mutex
	done bool
	v    T
	err  error
	cbs  []func(T, error)
}

// Set completes f and runs its callbacks; later calls do nothing.
func (f *MiniFuture[T]) Set(v T, err error) {
	f.mu.Lock()
	if f.done {
		f.mu.Unlock()
		return
	}
	f.v, f.err, f.done = v, err, true
	cbs := f.cbs
	f.cbs = nil
	f.mu.Unlock()
	for _, cb := range cbs {
		cb(v, err)
	}
}

// OnDone runs cb with f's outcome once f is done.
func (f *MiniFuture[T]) OnDone(cb func(T, error)) {
	f.mu.Lock()
	if !f.done {
		f.cbs = append(f.cbs, cb)
		f.mu.Unlock()
		return
	}
	f.mu.Unlock()
	cb(f.v, f.err)
}

// Peek returns f's outcome; the caller knows f is done.
func (f *MiniFuture[T]) Peek() (T, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.v, f.err
}

// MiniThen returns a future completed with fn of f's outcome.
func MiniThen[T, U any](f *MiniFuture[T], fn func(T, error) (U, error)) *MiniFuture[U] {
	g := new(MiniFuture[U])
	f.OnDone(func(v T, err error) { g.Set(fn(v, err)) })
	return g
}
