package workloads

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gofutures/future"
)

// The calls-in-flight workloads of issue 24: CallsCallers goroutines each
// start a call, which sends its id down a wire to one responder goroutine,
// and wait for its answer, which the responder delivers by id, as a
// connection's reader does. One op is one call. The baseline is the table
// net/rpc and nats.go keep by hand: a map[uint64]chan T under a mutex, the
// caller selecting on its channel and its ctx's Done, and deleting its
// entry when its ctx ends first.
const CallsCallers = 64

// CallsMode says what contexts the callers use.
type CallsMode int

const (
	// CallsBackground: every call with context.Background().
	CallsBackground CallsMode = iota
	// CallsCancelable: each caller's calls with a cancelable context of
	// that caller's (a request's), which does not end during the run.
	CallsCancelable
	// CallsTimeoutStorm: each call with a context of its own that ends
	// after the request is sent and before its answer comes: the caller
	// hands the responder the call's id once the call has ended, so every
	// answer is late, and every call must leave its table.
	CallsTimeoutStorm
)

// caller is what a calling goroutine keeps: its ids, its wire, and its
// send function, made once so that a call allocates no closure for it (a
// client writes its request from the caller's own buffer).
type caller struct {
	wire chan<- uint64
	id   uint64
	send func() error
}

func newCaller(wire chan<- uint64, base *atomic.Uint64, mode CallsMode) *caller {
	c := &caller{wire: wire, id: base.Add(1 << 32)}
	c.send = c.write
	if mode == CallsTimeoutStorm {
		c.send = c.buffer
	}
	return c
}

// buffer is the send of the timeout storm: the request goes out, but its
// answer comes only once the call has ended.
func (c *caller) buffer() error { return nil }

func (c *caller) write() error {
	c.wire <- c.id
	return nil
}

// callsRun runs b.N calls from CallsCallers goroutines; call makes one
// call with ctx through c (c.id is the call's id) and answer runs on the
// responder for each id sent.
func callsRun(b *testing.B, mode CallsMode, call func(ctx context.Context, c *caller, cancel context.CancelFunc) error, answer func(id uint64), inFlight func() int) {
	wire := make(chan uint64, CallsCallers)
	responderDone := make(chan struct{})
	go func() {
		defer close(responderDone)
		for id := range wire {
			answer(id)
		}
	}()
	var base atomic.Uint64
	b.ReportAllocs()
	b.SetParallelism((CallsCallers + 1) / 2) // GOMAXPROCS 2 on the bench machine: 64 callers
	b.RunParallel(func(pb *testing.PB) {
		c := newCaller(wire, &base, mode)
		ctx, cancelCaller := context.WithCancel(context.Background())
		defer cancelCaller()
		if mode == CallsBackground {
			ctx = context.Background()
		}
		var err error
		for pb.Next() {
			c.id++
			if mode == CallsTimeoutStorm {
				callCtx, cancel := context.WithCancel(context.Background())
				err = call(callCtx, c, cancel)
				cancel()
				if !errors.Is(err, context.Canceled) {
					b.Errorf("a call of the storm ended with %v, want context.Canceled", err)
				}
				c.wire <- c.id // the late answer
				continue
			}
			err = call(ctx, c, nil)
			if err != nil {
				b.Errorf("a call failed: %v", err)
			}
		}
	})
	close(wire)
	<-responderDone
	if n := inFlight(); n != 0 {
		b.Errorf("%d calls left in the table", n)
	}
}

// CallsFuture runs the calls on a future.Calls.
func CallsFuture(mode CallsMode) func(*testing.B) {
	return func(b *testing.B) {
		var table future.Calls[uint64, int]
		callsRun(b, mode, func(ctx context.Context, c *caller, cancel context.CancelFunc) error {
			f := table.Start(ctx, c.id, c.send)
			if cancel != nil {
				cancel() // the storm: ctx ends before the answer
			}
			v, err := f.Result()
			Sink.Int += v
			return err
		}, func(id uint64) { table.Complete(id, int(id)) }, table.Len)
	}
}

// CallsMap runs the calls on the hand-rolled table.
func CallsMap(mode CallsMode) func(*testing.B) { return callsMap(mode, false) }

// CallsMapWatched runs the calls on the hand-rolled table made to keep the
// rule Calls keeps: a call whose ctx ends leaves the table whether or not
// its caller is still waiting, with no goroutine per call. Each call whose
// ctx can end registers a context.AfterFunc that deletes its entry, and
// stops it once answered: the least any table pays for that rule with the
// standard library, and so the floor under Calls with such contexts.
func CallsMapWatched(mode CallsMode) func(*testing.B) { return callsMap(mode, true) }

func callsMap(mode CallsMode, watched bool) func(*testing.B) {
	return func(b *testing.B) {
		var (
			mu      sync.Mutex
			pending = make(map[uint64]chan int)
		)
		callsRun(b, mode, func(ctx context.Context, c *caller, cancel context.CancelFunc) error {
			id := c.id
			ch := make(chan int, 1)
			mu.Lock()
			pending[id] = ch
			mu.Unlock()
			if watched && ctx.Done() != nil {
				stop := context.AfterFunc(ctx, func() {
					mu.Lock()
					if pending[id] == ch {
						delete(pending, id)
					}
					mu.Unlock()
				})
				defer stop()
			}
			if err := c.send(); err != nil {
				mu.Lock()
				delete(pending, id)
				mu.Unlock()
				return err
			}
			if cancel != nil {
				cancel()
			}
			select {
			case v := <-ch:
				Sink.Int += v
				return nil
			case <-ctx.Done():
				mu.Lock()
				delete(pending, id)
				mu.Unlock()
				return ctx.Err()
			}
		}, func(id uint64) {
			mu.Lock()
			ch, ok := pending[id]
			delete(pending, id)
			mu.Unlock()
			if ok {
				ch <- int(id)
			}
		}, func() int {
			mu.Lock()
			defer mu.Unlock()
			return len(pending)
		})
	}
}
