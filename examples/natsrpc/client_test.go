package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofutures/future"
)

// patience bounds every wait: generous, so a loaded machine never fails a
// correct test, yet a hang fails.
const patience = 20 * time.Second

// serve starts an embedded server for the test and returns it and its URL.
func serve(t testing.TB) (*server.Server, string) {
	t.Helper()
	srv, err := startServer(0)
	require.NoError(t, err)
	t.Cleanup(srv.Shutdown)
	return srv, srv.ClientURL()
}

// responder subscribes handle to subject, in the queue group "workers", on
// a connection of its own.
func responder(t testing.TB, url, subject string, handle nats.MsgHandler) {
	t.Helper()
	nc, err := nats.Connect(url, nats.MaxReconnects(0))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	sub, err := nc.QueueSubscribe(subject, "workers", handle)
	require.NoError(t, err)
	require.NoError(t, sub.SetPendingLimits(-1, -1))
	require.NoError(t, nc.Flush())
}

func dial(t testing.TB, url string, opts ...nats.Option) *Client {
	t.Helper()
	c, err := Dial(url, opts...)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// await returns f's outcome, failing the test if f is not done in time.
func await[T any](t testing.TB, f *future.Future[T]) (T, error) {
	t.Helper()
	select {
	case <-f.DoneChan():
	case <-time.After(patience):
		require.FailNow(t, "call not done in time")
	}
	return f.Result()
}

// eventually waits until cond holds, failing the test if it does not in
// time (for counts that another process's messages move).
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(patience); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			require.FailNow(t, what+" not in time")
		}
	}
}

// TestOutOfOrder: 10,000 concurrent calls to responders that answer after
// random delays, so out of order: every caller gets its own answer.
func TestOutOfOrder(t *testing.T) {
	t.Parallel()
	_, url := serve(t)
	for range 2 { // two responders in a queue group share the requests
		responder(t, url, "echo", func(m *nats.Msg) {
			time.AfterFunc(time.Duration(rand.IntN(20_000))*time.Microsecond, func() { _ = m.Respond(m.Data) })
		})
	}
	c := dial(t, url)
	const n = 10_000
	calls := make([]*future.Future[*nats.Msg], n)
	var wg sync.WaitGroup
	for g := range 8 { // eight callers start the calls at once
		wg.Go(func() {
			for i := g; i < n; i += 8 {
				calls[i] = c.Request(context.Background(), "echo", []byte(strconv.Itoa(i)))
			}
		})
	}
	wg.Wait()
	for i, f := range calls {
		m, err := await(t, f)
		require.NoError(t, err)
		require.Equal(t, strconv.Itoa(i), string(m.Data), "call %d got another call's answer", i)
	}
	assert.Zero(t, c.InFlight())
	assert.Zero(t, c.Late())
}

// TestDeadlines: callers whose deadlines pass before their answers fail
// with context.DeadlineExceeded and leave the table; the answers, when
// they come, are counted as late.
func TestDeadlines(t *testing.T) {
	t.Parallel()
	_, url := serve(t)
	const n = 500
	var mu sync.Mutex
	var held []*nats.Msg
	all := make(chan struct{})
	responder(t, url, "slow", func(m *nats.Msg) {
		mu.Lock()
		defer mu.Unlock()
		if held = append(held, m); len(held) == n {
			close(all)
		}
	})
	c := dial(t, url)
	// The answers are held until every deadline has passed; the deadline
	// leaves time to send every request first, even on a loaded machine
	// with the race detector on.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	calls := make([]*future.Future[*nats.Msg], n)
	for i := range calls {
		calls[i] = c.Request(ctx, "slow", []byte(strconv.Itoa(i)))
	}
	for _, f := range calls {
		_, err := await(t, f)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.NotErrorIs(t, err, future.ErrNotRun, "sent")
	}
	assert.Zero(t, c.InFlight(), "the table holds nothing")
	select {
	case <-all:
	case <-time.After(patience):
		t.Fatal("the requests did not reach the responder")
	}
	mu.Lock()
	for _, m := range held {
		require.NoError(t, m.Respond(m.Data)) // every answer late
	}
	mu.Unlock()
	eventually(t, "every late answer counted", func() bool { return c.Late() == n })
	assert.Zero(t, c.InFlight())
}

// TestServerShutdown: the server shut down with calls in flight. Every
// call of the Calls client fails at once with future.ErrClosed and the
// connection's error, long before its deadline; nats.go's own
// RequestWithContext, on a connection with the same options, is measured
// beside it.
func TestServerShutdown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []nats.Option
	}{
		{"reconnecting (nats.go's default)", nil},
		{"no reconnect", []nats.Option{nats.MaxReconnects(0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, url := serve(t)
			const n = 1000
			// nats.go's calls may wait for their deadline: it bounds the
			// test's time. Ours have a deadline they never reach, so
			// that failing with ErrClosed, not DeadlineExceeded, proves
			// that none waited for it, however loaded the machine.
			const deadline = 3 * time.Second
			var received atomic.Int32
			arrived := make(chan struct{})
			responder(t, url, "never", func(*nats.Msg) {
				if received.Add(1) == 2*n {
					close(arrived)
				}
			})
			ours := dial(t, url, tt.opts...)
			theirs, err := nats.Connect(url, tt.opts...)
			require.NoError(t, err)
			t.Cleanup(theirs.Close)

			ourCtx, cancelOurs := context.WithTimeout(context.Background(), 20*deadline)
			defer cancelOurs()
			calls := make([]*future.Future[*nats.Msg], n)
			for i := range calls {
				calls[i] = ours.Request(ourCtx, "never", nil)
			}
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			type outcome struct {
				err error
				at  time.Time
			}
			theirDone := make(chan outcome, n)
			for range n {
				go func() {
					_, err := theirs.RequestWithContext(ctx, "never", nil)
					theirDone <- outcome{err, time.Now()}
				}()
			}
			select {
			case <-arrived:
			case <-ctx.Done(): // so slow a machine that nats.go's calls ended first: ours are still in flight
			case <-time.After(patience):
				t.Fatal("the requests did not reach the responder")
			}

			killed := time.Now()
			srv.Shutdown()
			var ourLast time.Time
			var first error
			for _, f := range calls {
				_, err := await(t, f)
				if now := time.Now(); now.After(ourLast) {
					ourLast = now
				}
				require.ErrorIs(t, err, future.ErrClosed)
				require.NotErrorIs(t, err, context.DeadlineExceeded)
				if first == nil {
					first = err
				}
				require.Equal(t, first, err, "every call fails with the one connection error")
			}
			oursTook := ourLast.Sub(killed)
			assert.Less(t, oursTook, patience, "no call waited for its deadline")
			assert.Zero(t, ours.InFlight())

			var theirLast time.Time
			kinds := map[string]int{}
			for range n {
				o := <-theirDone
				if o.at.After(theirLast) {
					theirLast = o.at
				}
				kinds[o.err.Error()]++
			}
			t.Logf("server shut down with %d calls in flight on each client, deadline %v (ours %v):", n, deadline, 20*deadline)
			t.Logf("  future.Calls client: all failed within %v, with %q", oursTook.Round(10*time.Microsecond), first)
			t.Logf("  nats.go RequestWithContext: all failed within %v, with %v", theirLast.Sub(killed).Round(10*time.Microsecond), kinds)
		})
	}
}

// TestSetLimit: with a limit, never more calls in flight than it; callers
// blocked behind it go in the order they came as calls leave, and one whose
// ctx ends while it waits is not sent (future.ErrNotRun).
func TestSetLimit(t *testing.T) {
	t.Parallel()
	_, url := serve(t)
	const limit = 4
	var mu sync.Mutex
	var held []*nats.Msg
	var order []string
	maxHeld := 0
	got := make(chan struct{}, 100)
	responder(t, url, "held", func(m *nats.Msg) {
		mu.Lock()
		held = append(held, m)
		order = append(order, string(m.Data))
		maxHeld = max(maxHeld, len(held))
		mu.Unlock()
		got <- struct{}{}
	})
	c := dial(t, url)
	c.SetLimit(limit)
	calls := make([]*future.Future[*nats.Msg], 10)
	for i := range limit {
		calls[i] = c.Request(context.Background(), "held", []byte(strconv.Itoa(i)))
		receiveOne(t, got)
	}
	gone, leave := context.WithCancel(context.Background())
	results := make(chan int, 10)
	for i := limit; i < len(calls); i++ {
		ctx := context.Background()
		if i == 6 {
			ctx = gone
		}
		id := startBlocked(t, func() {
			calls[i] = c.Request(ctx, "held", []byte(strconv.Itoa(i)))
			results <- i
		})
		waitBlocked(t, id, "awaitRoom")
	}
	leave()
	require.Equal(t, 6, <-results)
	_, err := calls[6].Result()
	require.ErrorIs(t, err, future.ErrNotRun, "never sent")
	require.ErrorIs(t, err, context.Canceled)

	for answered := 0; answered < 9; answered++ {
		mu.Lock()
		m := held[0]
		held = held[1:]
		mu.Unlock()
		require.NoError(t, m.Respond(m.Data))
		if answered < 5 {
			receiveOne(t, got) // the next caller in line has sent its request
		}
	}
	for range len(calls) - limit - 1 {
		select {
		case <-results: // calls[i] is written
		case <-time.After(patience):
			t.Fatal("a caller blocked by the limit never went")
		}
	}
	for i, f := range calls {
		if i == 6 {
			continue
		}
		m, err := await(t, f)
		require.NoError(t, err)
		assert.Equal(t, strconv.Itoa(i), string(m.Data))
	}
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []string{"0", "1", "2", "3", "4", "5", "7", "8", "9"}, order, "sent in the order the callers came")
	assert.LessOrEqual(t, maxHeld, limit)
}

func receiveOne(t *testing.T, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(patience):
		t.Fatal("nothing received in time")
	}
}

// startBlocked runs f on a goroutine of its own and returns its id.
func startBlocked(t *testing.T, f func()) string {
	ids := make(chan string, 1)
	go func() {
		ids <- goroutineID()
		f()
	}()
	return <-ids
}

func goroutineID() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	id, _, _ := strings.Cut(strings.TrimPrefix(string(buf), "goroutine "), " ")
	return id
}

// waitBlocked waits until goroutine id is parked in a function whose name
// contains where: the runtime says where it waits, no sleep guesses.
func waitBlocked(t *testing.T, id, where string) {
	t.Helper()
	buf := make([]byte, 1<<20)
	eventually(t, fmt.Sprintf("goroutine %s blocked in %s", id, where), func() bool {
		n := runtime.Stack(buf, true)
		for _, g := range strings.Split(string(buf[:n]), "\n\n") {
			if state, ok := strings.CutPrefix(g, "goroutine "+id+" ["); ok {
				return !strings.HasPrefix(state, "running") && !strings.HasPrefix(state, "runnable") && strings.Contains(g, where)
			}
		}
		return false
	})
}

var errSink error

// BenchmarkNATS measures calls per second of 64 concurrent callers over
// one connection, on one embedded server, with a responder echoing 128
// bytes: the Calls client beside nats.go's own RequestWithContext, with the
// callers' contexts as
//   - ctx=caller: each caller's calls under a deadline context of its own
//     (a request's), which a Calls call watches with context.AfterFunc
//     and RequestWithContext by selecting on its Done channel;
//   - ctx=shared: every call under one context with a deadline;
//   - ctx=background: context.Background().
func BenchmarkNATS(b *testing.B) {
	_, url := serve(b)
	responder(b, url, "echo", func(m *nats.Msg) { _ = m.Respond(m.Data) })
	payload := make([]byte, 128)
	shared, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	run := func(b *testing.B, ctxs string, call func(ctx context.Context) error) {
		b.ReportAllocs()
		b.SetParallelism(32) // 64 callers on 2 processors
		b.RunParallel(func(pb *testing.PB) {
			ctx := context.Background()
			switch ctxs {
			case "shared":
				ctx = shared
			case "caller":
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, time.Hour)
				defer cancel()
			}
			for pb.Next() {
				if err := call(ctx); err != nil {
					errSink = err
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	}
	for _, ctxs := range []string{"caller", "shared", "background"} {
		b.Run("ctx="+ctxs+"/lib=calls", func(b *testing.B) {
			c := dial(b, url)
			run(b, ctxs, func(ctx context.Context) error {
				_, err := c.Request(ctx, "echo", payload).Result()
				return err
			})
		})
		b.Run("ctx="+ctxs+"/lib=nats-request", func(b *testing.B) {
			nc, err := nats.Connect(url)
			require.NoError(b, err)
			defer nc.Close()
			run(b, ctxs, func(ctx context.Context) error {
				_, err := nc.RequestWithContext(ctx, "echo", payload)
				return err
			})
		})
	}
}
