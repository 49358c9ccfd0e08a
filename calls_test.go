package future_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofutures/future"
)

// sent is a send function that does nothing and counts its calls.
type sent struct{ n atomic.Int32 }

func (s *sent) send() error { s.n.Add(1); return nil }

func (s *sent) calls() int { return int(s.n.Load()) }

// TestCallsEndings: every way a call ends, what its future says, what Len
// says afterwards, and that a late response or error response is reported
// as late.
func TestCallsEndings(t *testing.T) {
	t.Parallel()
	errConn := errors.New("connection reset")
	tests := []struct {
		name string
		// send is the call's send function (nil: one that succeeds).
		send func() error
		// end ends the call, started under id 7 with ctx's cancel.
		end func(c *future.Calls[int, string], f *future.Future[string], cancel context.CancelFunc)
		// check checks the call's outcome.
		check func(t *testing.T, v string, err error)
	}{
		{"response", nil,
			func(c *future.Calls[int, string], _ *future.Future[string], _ context.CancelFunc) {
				assert.True(t, c.Complete(7, "pong"))
			},
			func(t *testing.T, v string, err error) {
				require.NoError(t, err)
				assert.Equal(t, "pong", v)
			}},
		{"error response", nil,
			func(c *future.Calls[int, string], _ *future.Future[string], _ context.CancelFunc) {
				assert.True(t, c.Fail(7, errBoom))
			},
			func(t *testing.T, _ string, err error) { assert.ErrorIs(t, err, errBoom) }},
		{"ctx", nil,
			func(_ *future.Calls[int, string], f *future.Future[string], cancel context.CancelFunc) {
				cancel()
				receive(t, f.DoneChan())
			},
			func(t *testing.T, _ string, err error) { assert.ErrorIs(t, err, context.Canceled) }},
		{"Close", nil,
			func(c *future.Calls[int, string], _ *future.Future[string], _ context.CancelFunc) {
				assert.Equal(t, 1, c.Close(errConn))
			},
			func(t *testing.T, _ string, err error) {
				assert.ErrorIs(t, err, future.ErrClosed)
				assert.ErrorIs(t, err, errConn)
				assert.EqualError(t, err, "future: calls closed: connection reset")
			}},
		{"Cancel", nil,
			func(_ *future.Calls[int, string], f *future.Future[string], _ context.CancelFunc) {
				assert.True(t, f.Cancel())
			},
			func(t *testing.T, _ string, err error) { assert.ErrorIs(t, err, context.Canceled) }},
		{"SetResult", nil,
			func(_ *future.Calls[int, string], f *future.Future[string], _ context.CancelFunc) {
				assert.True(t, f.SetResult("cached"))
			},
			func(t *testing.T, v string, err error) {
				require.NoError(t, err)
				assert.Equal(t, "cached", v)
			}},
		{"send error", func() error { return errConn }, nil,
			func(t *testing.T, _ string, err error) { assert.ErrorIs(t, err, errConn) }},
		{"send panic", func() error { panic("write on a closed pipe") }, nil,
			func(t *testing.T, _ string, err error) {
				var pe *future.PanicError
				require.ErrorAs(t, err, &pe)
				assert.Equal(t, "write on a closed pipe", pe.Value)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var c future.Calls[int, string]
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var s sent
			send := tt.send
			if send == nil {
				send = s.send
			}
			f := c.Start(ctx, 7, send)
			if tt.end != nil {
				assert.Equal(t, 1, c.Len(), "in flight")
				tt.end(&c, f, cancel)
			}
			require.True(t, f.Done(), "the call has ended")
			assert.Equal(t, 0, c.Len(), "the call has left the table")
			v, err := f.Result()
			tt.check(t, v, err)
			if tt.name == "send panic" {
				assert.Contains(t, f.Traceback().String(), "calls_test.go", "the panic's stack")
			}
			assert.NotErrorIs(t, err, future.ErrNotRun, "send was called")
			assert.False(t, c.Complete(7, "late"), "a late response")
			assert.False(t, c.Fail(7, errBoom), "a late error response")
			v2, err2 := f.Result()
			assert.Equal(t, v, v2, "a late response changes nothing")
			assert.Equal(t, err, err2, "a late response changes nothing")
			// The id is free again (unless the table is closed).
			g := c.Start(context.Background(), 7, s.send)
			if errors.Is(err, future.ErrClosed) {
				assert.ErrorIs(t, g.Exception(), future.ErrNotRun)
			} else {
				assert.Equal(t, 1, c.Len())
				require.True(t, c.Complete(7, "again"))
				v, err = g.Result()
				require.NoError(t, err)
				assert.Equal(t, "again", v)
			}
		})
	}
}

// TestCallsLeaveBeforeCallbacks: whoever ends a call, it has left the table
// before the future's callbacks run, and by the time the call that ended it
// returns.
func TestCallsLeaveBeforeCallbacks(t *testing.T) {
	t.Parallel()
	var c future.Calls[string, int]
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ends := map[string]func(f *future.Future[int]){
		"Complete": func(*future.Future[int]) { c.Complete("Complete", 1) },
		"Fail":     func(*future.Future[int]) { c.Fail("Fail", errBoom) },
		"Cancel":   func(f *future.Future[int]) { f.Cancel() },
		"ctx":      func(*future.Future[int]) { cancel() },
	}
	for id, end := range ends {
		var s sent
		c2 := ctx
		if id != "ctx" {
			c2 = context.Background()
		}
		f := c.Start(c2, id, s.send)
		lens := make(chan int, 1)
		f.AddDoneCallback(func(*future.Future[int]) { lens <- c.Len() })
		end(f)
		assert.Equal(t, 0, receive(t, lens), id)
		_, _ = await(t, f)
		assert.Equal(t, 0, c.Len(), id)
	}
}

// TestCallsNotSent: a Start on a closed table or on a done ctx never calls
// send, and its future says why, wrapping ErrNotRun.
func TestCallsNotSent(t *testing.T) {
	t.Parallel()
	errDown := errors.New("server going away")
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	withCause, cancel3 := context.WithCancelCause(context.Background())
	cancel3(errDown)
	tests := []struct {
		name   string
		ctx    context.Context
		close  bool
		reason []error
		msg    string
	}{
		{"closed table", context.Background(), true, []error{future.ErrClosed, errDown},
			"future: function not run: future: calls closed: server going away"},
		{"canceled ctx", canceled, false, []error{context.Canceled}, ""},
		{"expired ctx", expired, false, []error{context.DeadlineExceeded}, ""},
		{"ctx canceled with a cause", withCause, false, []error{errDown}, ""},
		{"closed table and done ctx", canceled, true, []error{context.Canceled}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var c future.Calls[int, int]
			if tt.close {
				assert.Zero(t, c.Close(errDown), "nothing in flight")
			}
			var s sent
			f := c.Start(tt.ctx, 1, s.send)
			require.True(t, f.Done(), "failed before Start returned")
			err := f.Exception()
			assert.ErrorIs(t, err, future.ErrNotRun)
			for _, r := range tt.reason {
				assert.ErrorIs(t, err, r)
			}
			if tt.msg != "" {
				assert.EqualError(t, err, tt.msg)
			}
			assert.Zero(t, s.calls(), "send was called")
			assert.Zero(t, c.Len())
			assert.False(t, c.Complete(1, 1))
		})
	}
}

func TestCallsClose(t *testing.T) {
	t.Parallel()
	var c future.Calls[int, int]
	var s sent
	fs := make([]*future.Future[int], 5)
	for i := range fs {
		fs[i] = c.Start(context.Background(), i, s.send)
	}
	var closedOrder []int
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i].AddDoneCallback(func(*future.Future[int]) { closedOrder = append(closedOrder, i) })
	}
	require.True(t, c.Complete(0, 0))
	fs[1].Cancel()
	closedOrder = nil
	assert.Equal(t, 3, c.Close(nil), "the calls in flight")
	assert.Zero(t, c.Len())
	for _, f := range fs[2:] {
		err := f.Exception()
		assert.ErrorIs(t, err, future.ErrClosed)
		assert.NotErrorIs(t, err, future.ErrNotRun, "sent")
		assert.EqualError(t, err, "future: calls closed")
	}
	assert.Zero(t, c.Close(errBoom), "a second Close")
	assert.Equal(t, []int{2, 3, 4}, closedOrder, "Close fails the calls in the order they started")
	assert.ErrorIs(t, fs[2].Exception(), future.ErrClosed)
	assert.NotErrorIs(t, fs[2].Exception(), errBoom, "a second Close changes nothing")
	assert.False(t, c.Complete(3, 3))
	f := c.Start(context.Background(), 9, s.send)
	assert.ErrorIs(t, f.Exception(), future.ErrNotRun)
	assert.Equal(t, 5, s.calls())
}

// TestCallsDuplicateID: starting a call under an id in flight panics and
// changes nothing: the call in flight is still there and answers.
func TestCallsDuplicateID(t *testing.T) {
	t.Parallel()
	var c future.Calls[string, int]
	c.SetLimit(1)
	var s sent
	f := c.Start(context.Background(), "a", s.send)
	c.SetLimit(0) // under a limit, the duplicate's room goes back (checked below)
	assert.PanicsWithValue(t, "future: Calls.Start called with id a, which is already in flight", func() {
		c.Start(context.Background(), "a", s.send)
	})
	assert.Equal(t, 1, s.calls(), "send of the duplicate was called")
	assert.Equal(t, 1, c.Len())
	require.True(t, c.Complete("a", 5))
	v, err := f.Result()
	require.NoError(t, err)
	assert.Equal(t, 5, v)

	// A duplicate that waited for room panics once it has it, and passes
	// the room on to the next Start in line.
	c.SetLimit(2)
	f = c.Start(context.Background(), "b", s.send)
	g := c.Start(context.Background(), "c", s.send)
	panicked := make(chan any, 1)
	dupID, _ := background(func() {
		defer func() { panicked <- recover() }()
		c.Start(context.Background(), "b", s.send)
	})
	parked(t, dupID, "awaitRoom")
	next := make(chan *future.Future[int], 1)
	nextID, _ := background(func() { next <- c.Start(context.Background(), "d", s.send) })
	parked(t, nextID, "awaitRoom")
	require.True(t, c.Complete("c", 2)) // room for the duplicate, first in line
	assert.Equal(t, "future: Calls.Start called with id b, which is already in flight", receive(t, panicked))
	h := receive(t, next) // the duplicate's room went to the next in line
	assert.Equal(t, 2, c.Len())
	assert.Equal(t, 4, s.calls(), "send of the duplicate was called")
	require.True(t, c.Complete("b", 1))
	require.True(t, c.Complete("d", 3))
	_, _ = await(t, f)
	_, _ = await(t, g)
	_, _ = await(t, h)
}

func TestCallsMisuse(t *testing.T) {
	t.Parallel()
	var nilCalls *future.Calls[int, int]
	var c future.Calls[int, int]
	var s sent
	tests := []struct {
		name, msg string
		fn        func()
	}{
		{"nil Calls Start", "future: Start called on a nil *Calls", func() { nilCalls.Start(context.Background(), 1, s.send) }},
		{"nil Calls Complete", "future: Complete called on a nil *Calls", func() { nilCalls.Complete(1, 1) }},
		{"nil Calls Fail", "future: Fail called on a nil *Calls", func() { nilCalls.Fail(1, errBoom) }},
		{"nil Calls Close", "future: Close called on a nil *Calls", func() { nilCalls.Close(nil) }},
		{"nil Calls Len", "future: Len called on a nil *Calls", func() { nilCalls.Len() }},
		{"nil Calls SetLimit", "future: SetLimit called on a nil *Calls", func() { nilCalls.SetLimit(1) }},
		{"nil ctx", "future: Calls.Start called with a nil context", func() {
			//lint:ignore SA1012 the misuse under test
			c.Start(nil, 1, s.send)
		}},
		{"nil send", "future: Calls.Start called with a nil send function", func() { c.Start(context.Background(), 1, nil) }},
		{"nil error", "future: Calls.Fail called with a nil error", func() { c.Fail(1, nil) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.PanicsWithValue(t, tt.msg, tt.fn)
		})
	}
	assert.Zero(t, s.calls())
	assert.Zero(t, c.Len())
}

// TestCallsCallbackRunsOnTheCompleter: Complete and Fail run the call's
// callbacks on the goroutine that calls them, the connection's reader,
// before they return.
func TestCallsCallbackRunsOnTheCompleter(t *testing.T) {
	t.Parallel()
	var c future.Calls[int, int]
	var s sent
	ids := make(chan string, 2)
	for i := range 2 {
		c.Start(context.Background(), i, s.send).AddDoneCallback(func(*future.Future[int]) { ids <- goroutineID() })
	}
	reader, done := background(func() {
		c.Complete(0, 1)
		c.Fail(1, errBoom)
	})
	receive(t, done)
	assert.Equal(t, reader, receive(t, ids))
	assert.Equal(t, reader, receive(t, ids))
}

// TestCallsCloseRacesStartAndComplete: callers start calls while a reader
// answers them and the connection is closed: every call ends exactly once,
// as answered, failed by Close, or not sent, and Complete and Close count
// exactly the calls they ended.
func TestCallsCloseRacesStartAndComplete(t *testing.T) {
	t.Parallel()
	for round := range 20 {
		var c future.Calls[int, int]
		const callers, each = 8, 50
		wire := make(chan int, callers*each)
		var answered atomic.Int32
		readerDone := make(chan struct{})
		go func() {
			defer close(readerDone)
			for id := range wire {
				if c.Complete(id, id) {
					answered.Add(1)
				}
			}
		}()
		var wg sync.WaitGroup
		fs := make([][]*future.Future[int], callers)
		var sends atomic.Int32
		for g := range callers {
			fs[g] = make([]*future.Future[int], each)
			wg.Go(func() {
				for i := range each {
					id := g*each + i
					fs[g][i] = c.Start(context.Background(), id, func() error {
						sends.Add(1)
						wire <- id
						return nil
					})
				}
			})
		}
		closed := make(chan int, 1)
		go func() { closed <- c.Close(fmt.Errorf("round %d: conn lost", round)) }()
		wg.Wait()
		close(wire)
		receive(t, readerDone)
		failed := receive(t, closed)

		var ok, byClose, notSent int
		for _, row := range fs {
			for _, f := range row {
				v, err := await(t, f)
				switch {
				case err == nil:
					ok++
					assert.Positive(t, v+1)
				case errors.Is(err, future.ErrNotRun):
					require.ErrorIs(t, err, future.ErrClosed)
					notSent++
				default:
					require.ErrorIs(t, err, future.ErrClosed)
					byClose++
				}
			}
		}
		assert.Equal(t, callers*each, ok+byClose+notSent)
		assert.Equal(t, int(answered.Load()), ok, "Complete returned true exactly for the calls answered")
		assert.Equal(t, failed, byClose, "Close counted exactly the calls it failed")
		assert.Equal(t, int(sends.Load()), ok+byClose, "every call sent was answered or failed by Close")
		assert.Zero(t, c.Len())
	}
}

// TestCallsSetLimit: never more than the limit in flight; Starts blocked
// behind it go, in arrival order, as calls leave; one whose ctx ends while
// it waits is not sent and fails with ErrNotRun; Close releases the rest.
func TestCallsSetLimit(t *testing.T) {
	t.Parallel()
	var c future.Calls[int, int]
	c.SetLimit(2)
	var order []int
	var mu sync.Mutex
	maxInFlight := 0
	sendOf := func(id int) func() error {
		return func() error {
			mu.Lock()
			defer mu.Unlock()
			order = append(order, id)
			maxInFlight = max(maxInFlight, c.Len())
			return nil
		}
	}
	a := c.Start(context.Background(), 0, sendOf(0))
	b := c.Start(context.Background(), 1, sendOf(1))

	// Three Starts block behind the limit, in this order; the middle one's
	// ctx will end while it waits.
	ctx, cancel := context.WithCancel(context.Background())
	results := make([]chan *future.Future[int], 5)
	starts := make([]<-chan struct{}, 5)
	for id := 2; id < 5; id++ {
		results[id] = make(chan *future.Future[int], 1)
		ctxOf := context.Background()
		if id == 3 {
			ctxOf = ctx
		}
		gid, done := background(func() { results[id] <- c.Start(ctxOf, id, sendOf(id)) })
		starts[id] = done
		parked(t, gid, "awaitRoom")
	}
	assert.Equal(t, 2, c.Len())

	cancel()
	notSent := receive(t, results[3])
	assert.ErrorIs(t, notSent.Exception(), future.ErrNotRun)
	assert.ErrorIs(t, notSent.Exception(), context.Canceled)
	select {
	case <-starts[2]:
		t.Fatal("a Start went ahead of the limit")
	default:
	}

	require.True(t, c.Complete(0, 0))
	first := receive(t, results[2])
	assert.Equal(t, 2, c.Len())
	require.True(t, c.Fail(1, errBoom))
	second := receive(t, results[4])
	_, _ = await(t, a)
	_, _ = await(t, b)

	mu.Lock()
	assert.Equal(t, []int{0, 1, 2, 4}, order, "sent in arrival order, the one whose ctx ended not at all")
	assert.LessOrEqual(t, maxInFlight, 2)
	mu.Unlock()

	// Close releases Starts blocked by the limit, unsent.
	gid, done := background(func() {
		f := c.Start(context.Background(), 5, sendOf(5))
		assert.ErrorIs(t, f.Exception(), future.ErrNotRun)
		assert.ErrorIs(t, f.Exception(), future.ErrClosed)
	})
	parked(t, gid, "awaitRoom")
	assert.Equal(t, 2, c.Close(errBoom))
	receive(t, done)
	assert.ErrorIs(t, first.Exception(), future.ErrClosed)
	assert.ErrorIs(t, second.Exception(), future.ErrClosed)
	mu.Lock()
	assert.Equal(t, []int{0, 1, 2, 4}, order)
	mu.Unlock()
}

// TestCallsSetLimitRoomOfAWaiterWhoseCtxEnded: a Start given room just as
// its ctx ends is not sent, and passes the room on to the next in line.
func TestCallsSetLimitRoomOfAWaiterWhoseCtxEnded(t *testing.T) {
	t.Parallel()
	var c future.Calls[int, int]
	var s sent
	c.SetLimit(1)
	first := c.Start(context.Background(), 0, s.send)
	ctx := &endingCtx{Context: context.Background(), done: make(chan struct{})}
	leaver := make(chan *future.Future[int], 1)
	leaverID, _ := background(func() { leaver <- c.Start(ctx, 1, s.send) })
	parked(t, leaverID, "awaitRoom")
	next := make(chan *future.Future[int], 1)
	nextID, _ := background(func() { next <- c.Start(context.Background(), 2, s.send) })
	parked(t, nextID, "awaitRoom")
	// The ctx ends at the moment the room comes: the waiter, woken by the
	// room, finds its ctx ended.
	ctx.ended.Store(true)
	require.True(t, c.Complete(0, 0))
	err := receive(t, leaver).Exception()
	assert.ErrorIs(t, err, future.ErrNotRun)
	assert.ErrorIs(t, err, context.Canceled)
	f := receive(t, next) // the room went on to the next in line
	assert.Equal(t, 1, c.Len())
	assert.Equal(t, 2, s.calls())
	require.True(t, c.Complete(2, 2))
	_, _ = await(t, first)
	_, _ = await(t, f)
}

// endingCtx is a context whose end a test decides: once ended is set, Err
// reports it canceled, though Done, which nothing then reads, stays open.
type endingCtx struct {
	context.Context
	ended atomic.Bool
	done  chan struct{}
}

func (c *endingCtx) Done() <-chan struct{} { return c.done }

func (c *endingCtx) Err() error {
	if c.ended.Load() {
		return context.Canceled
	}
	return nil
}

// TestCallsSetLimitRaised: raising the limit, or removing it, lets blocked
// Starts go, in order.
func TestCallsSetLimitRaised(t *testing.T) {
	t.Parallel()
	for _, n := range []int{3, 0, -1} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			t.Parallel()
			var c future.Calls[int, int]
			var s sent
			c.SetLimit(1)
			c.Start(context.Background(), 0, s.send)
			var dones []<-chan struct{}
			for id := 1; id <= 2; id++ {
				gid, done := background(func() { c.Start(context.Background(), id, s.send) })
				parked(t, gid, "awaitRoom")
				dones = append(dones, done)
			}
			c.SetLimit(n)
			for _, d := range dones {
				receive(t, d)
			}
			assert.Equal(t, 3, c.Len())
			assert.Equal(t, 3, c.Close(nil))
		})
	}
}

// TestCallsSendSeesItsCallInTheTable: the call is registered before send
// runs, so a response that arrives while send still runs finds it.
func TestCallsSendSeesItsCallInTheTable(t *testing.T) {
	t.Parallel()
	var c future.Calls[int, string]
	f := c.Start(context.Background(), 1, func() error {
		assert.Equal(t, 1, c.Len())
		assert.True(t, c.Complete(1, "fast"), "the response came before send returned")
		return nil
	})
	v, err := f.Result()
	require.NoError(t, err)
	assert.Equal(t, "fast", v)

	// A send that fails after its response arrived changes nothing.
	f = c.Start(context.Background(), 2, func() error {
		c.Complete(2, "fast")
		return errBoom
	})
	v, err = f.Result()
	require.NoError(t, err)
	assert.Equal(t, "fast", v)
}

// TestCallsDoneCallKeepsNothingOfItsContext: once a call ends, neither the
// table nor its future keeps its ctx, whose values a request hangs there.
func TestCallsDoneCallKeepsNothingOfItsContext(t *testing.T) {
	t.Parallel()
	ends := map[string]func(c *future.Calls[int, int], f *future.Future[int]){
		"Complete": func(c *future.Calls[int, int], _ *future.Future[int]) { c.Complete(1, 1) },
		"Cancel":   func(_ *future.Calls[int, int], f *future.Future[int]) { f.Cancel() },
		"Close":    func(c *future.Calls[int, int], _ *future.Future[int]) { c.Close(nil) },
	}
	for name, end := range ends {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var c future.Calls[int, int]
			long, cancel := context.WithCancel(context.Background()) // a long-lived ctx
			defer cancel()
			ctx, gone := trackedCtx(long)
			var s sent
			f := c.Start(ctx, 1, s.send)
			ctx = nil
			retained(t, gone, "the ctx of a call in flight")
			end(&c, f)
			collected(t, gone, "the ctx of an ended call")
			runtime.KeepAlive(f)
			runtime.KeepAlive(&c)
		})
	}
}

// TestCallsTimedOutRetainNothing: a million calls whose ctx ends before
// their answer leave under 8 bytes each behind, after GC, and the table
// then holds nothing.
func TestCallsTimedOutRetainNothing(t *testing.T) {
	// Not parallel: it measures the heap.
	tests := []struct {
		name string
		// batch starts n calls with ids from next and returns once each
		// has ended by its ctx.
		batch func(c *future.Calls[uint64, int], next uint64, n int)
	}{
		{"each call its own ctx, canceled", func(c *future.Calls[uint64, int], next uint64, n int) {
			for i := range uint64(n) {
				ctx, cancel := context.WithCancel(context.Background())
				f := c.Start(ctx, next+i, noSend)
				cancel()
				<-f.DoneChan()
			}
		}},
		{"a batch under one deadline", func(c *future.Calls[uint64, int], next uint64, n int) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
			defer cancel()
			var last *future.Future[int]
			for i := range uint64(n) {
				last = c.Start(ctx, next+i, noSend)
			}
			<-ctx.Done()
			<-last.DoneChan()
			for c.Len() > 0 { // the AfterFuncs run one goroutine each
				runtime.Gosched()
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c future.Calls[uint64, int]
			const batch = 200 // small: the goroutines of a batch that times out at once stay allocated for reuse
			// Warm up: the table's map, and the goroutines that the
			// AfterFuncs of a batch whose deadline passes run at once,
			// whose descriptors the runtime keeps for reuse.
			const warmup = 5
			for i := range uint64(warmup) {
				tt.batch(&c, i*batch, batch)
			}
			calls := manyCalls()
			next := uint64(warmup * batch)
			perCall := bytesRetainedPerCall(calls/batch, func() {
				tt.batch(&c, next, batch)
				next += batch
			}) / batch
			t.Logf("%d calls: %.2f bytes retained per call", calls, perCall)
			assert.Less(t, perCall, 8.0, "bytes retained per call")
			assert.Zero(t, c.Len())
			assert.False(t, c.Complete(next-1, 0), "a late answer")
			runtime.KeepAlive(&c)
		})
	}
}

func noSend() error { return nil }
