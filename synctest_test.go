package future_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofutures/future"
)

// The tests here use testing/synctest (Go 1.25). A future at a bubble's
// edge behaves as a channel made where its done channel was made: some
// misuses are fatal errors that end the whole test binary, which no recover
// catches, so each case runs in a child process of the test binary.

// inChild runs the test body in a child process of the test binary and
// returns what it printed and whether it succeeded. In the child, which
// FUTURE_SYNCTEST_CHILD marks, it runs body instead.
func inChild(t *testing.T, body func(t *testing.T)) (output string, ok bool) {
	t.Helper()
	if os.Getenv("FUTURE_SYNCTEST_CHILD") == t.Name() {
		body(t)
		return "", true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*patience)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v")
	cmd.Env = append(os.Environ(), "FUTURE_SYNCTEST_CHILD="+t.Name())
	out, err := cmd.CombinedOutput()
	require.NoError(t, ctx.Err(), "the child process did not finish in time:\n%s", out)
	return string(out), err == nil
}

// childPasses runs body in a child process and fails the test if the child
// fails.
func childPasses(t *testing.T, body func(t *testing.T)) {
	t.Helper()
	if out, ok := inChild(t, body); !ok {
		t.Fatalf("the child process failed:\n%s", out)
	}
}

// TestSynctestOutsideFutureAcrossTheEdge: a future made outside a bubble,
// whose done channel was made there too, can be polled, awaited with
// Result, ResultContext and a receive from DoneChan inside a bubble, and
// completed outside it: no fatal error, and no deadlock report while the
// bubble waits for the outside.
func TestSynctestOutsideFutureAcrossTheEdge(t *testing.T) {
	childPasses(t, func(t *testing.T) {
		tests := []struct {
			name string
			wait func(f *future.Future[int]) (int, error)
		}{
			{"Result", (*future.Future[int]).Result},
			{"ResultContext", func(f *future.Future[int]) (int, error) { return f.ResultContext(context.Background()) }},
			{"DoneChan", func(f *future.Future[int]) (int, error) { <-f.DoneChan(); return f.Result() }},
			{"polled", func(f *future.Future[int]) (int, error) {
				for !f.Done() {
					time.Sleep(time.Millisecond) // fake time: the poll loop never blocks for real
				}
				return f.Result()
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f := future.New[int]()
				f.DoneChan() // made outside the bubble, where f is made
				inBubble := make(chan struct{})
				go func() {
					<-inBubble
					f.SetResult(7) // completed from outside the bubble
				}()
				synctest.Test(t, func(t *testing.T) {
					close(inBubble)
					v, err := tt.wait(f)
					require.NoError(t, err)
					assert.Equal(t, 7, v)
				})
			})
		}
	})
}

// TestSynctestOutsideFuturePolledInside: polling never makes a channel, so
// a future made outside can be polled inside a bubble and completed outside
// with no preparation.
func TestSynctestOutsideFuturePolledInside(t *testing.T) {
	childPasses(t, func(t *testing.T) {
		f := future.New[int]()
		done := make(chan struct{})
		synctest.Test(t, func(t *testing.T) {
			assert.False(t, f.Done())
			assert.False(t, f.IsSuccess())
			close(done)
		})
		<-done
		f.SetResult(1)
		assert.True(t, f.IsSuccess())
	})
}

// TestSynctestDoneChannelBelongsToItsMaker documents the one rule at the
// edge: a future's done channel is made lazily by the first goroutine that
// has to wait for it, as a context's Done channel is, and inside a bubble
// the channel belongs to the bubble. A future made outside and first waited
// for inside is then, for the bubble, a future made inside: its readers are
// durably blocked, so the bubble reports a deadlock while nothing else in it
// can run, and completing the future from outside is the fatal error of any
// bubble's channel closed from outside. Calling DoneChan where the future is
// made avoids both, as TestSynctestOutsideFutureAcrossTheEdge shows.
func TestSynctestDoneChannelBelongsToItsMaker(t *testing.T) {
	t.Run("deadlock reported", func(t *testing.T) {
		out, ok := inChild(t, func(t *testing.T) {
			f := future.New[int]() // completed by nobody: the bubble waits for the outside
			synctest.Test(t, func(t *testing.T) { f.Result() })
		})
		require.False(t, ok, "the child process succeeded:\n%s", out)
		assert.Contains(t, out, "deadlock: all goroutines in bubble are blocked")
	})
	t.Run("completed from outside", func(t *testing.T) {
		out, ok := inChild(t, func(t *testing.T) {
			f := future.New[int]()
			var busy sync.Mutex // held outside: a goroutine of the bubble waiting for it is not durably blocked
			busy.Lock()
			made := make(chan struct{})
			go func() {
				<-made
				f.SetResult(1) // fatal: the done channel belongs to the bubble
				busy.Unlock()
			}()
			synctest.Test(t, func(t *testing.T) {
				go func() { busy.Lock() }() // keeps the bubble from reporting a deadlock
				f.DoneChan()                // the first wait makes the channel, inside the bubble
				close(made)
				f.Result()
			})
		})
		require.False(t, ok, "the child process succeeded:\n%s", out)
		assert.Contains(t, out, "close of synctest channel from outside bubble")
	})
}

// TestSynctestInsideABubble: readers of a future made inside a bubble are
// durably blocked, so the bubble's fake clock advances and timeouts fire at
// exactly their time.
func TestSynctestInsideABubble(t *testing.T) {
	childPasses(t, func(t *testing.T) {
		t.Run("Result blocks durably", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := future.New[int]()
				var got atomic.Int64
				go func() {
					v, _ := f.Result()
					got.Store(int64(v))
				}()
				synctest.Wait() // returns only once the reader is durably blocked in Result
				assert.Zero(t, got.Load())
				f.SetResult(5)
				synctest.Wait()
				assert.Equal(t, int64(5), got.Load())
			})
		})
		t.Run("WithTimeout", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				_, err := future.WithTimeout(future.New[int](), 5*time.Second).Result()
				assert.ErrorIs(t, err, context.DeadlineExceeded)
				assert.Equal(t, 5*time.Second, time.Since(start))
			})
		})
		t.Run("ResultContext deadline", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				defer cancel()
				_, err := future.New[int]().ResultContext(ctx)
				assert.ErrorIs(t, err, context.DeadlineExceeded)
				assert.Equal(t, 3*time.Second, time.Since(start))
			})
		})
		t.Run("Pool", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				p := future.NewPool(2)
				var fs []*future.Future[time.Duration]
				for range 5 {
					fs = append(fs, future.Submit(p, context.Background(), func(context.Context) (time.Duration, error) {
						time.Sleep(time.Second)
						return time.Since(start), nil
					}))
				}
				// Five one-second functions, two at a time: they end at 1s,
				// 1s, 2s, 2s and 3s of fake time.
				want := []time.Duration{time.Second, time.Second, 2 * time.Second, 2 * time.Second, 3 * time.Second}
				for i, f := range fs {
					v, err := f.Result()
					require.NoError(t, err)
					assert.Equal(t, want[i], v, "function %d", i)
				}
				p.Wait()
				assert.Equal(t, 3*time.Second, time.Since(start))
			})
		})
		t.Run("Pool function's context ends at its deadline", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := future.NewPool(1)
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				defer cancel()
				busy := future.Submit(p, ctx, func(ctx context.Context) (int, error) {
					<-ctx.Done()
					return 0, context.Cause(ctx)
				})
				queued := future.Submit(p, ctx, func(context.Context) (int, error) { return 1, nil })
				_, err := queued.Result()
				assert.ErrorIs(t, err, future.ErrNotRun)
				assert.ErrorIs(t, err, context.DeadlineExceeded)
				_, err = busy.Result()
				assert.True(t, errors.Is(err, context.DeadlineExceeded))
			})
		})
	})
}

// TestSynctestPoolMadeOutsideTheBubble documents what the Pool's doc says:
// a worker started outside a bubble, on a pool shared with code outside it
// (a package-level pool, say), takes the bubble's function from the queue
// and runs it outside the bubble, where its context's Done channel, a
// channel of the bubble, is a fatal error. A pool made inside the bubble
// and passed in, the fix, runs the same code on fake time.
func TestSynctestPoolMadeOutsideTheBubble(t *testing.T) {
	// waitFor is the code under test: on its pool, it waits for its
	// context to end.
	waitFor := func(p *future.Pool, ctx context.Context) *future.Future[int] {
		return future.Submit(p, ctx, func(ctx context.Context) (int, error) {
			<-ctx.Done()
			return 0, context.Cause(ctx)
		})
	}
	t.Run("shared pool", func(t *testing.T) {
		out, ok := inChild(t, func(t *testing.T) {
			shared := future.NewPool(1) // a package-level pool, say
			var busy sync.Mutex         // held outside: a goroutine of the bubble waiting for it is not durably blocked
			busy.Lock()
			release := make(chan struct{})
			// Another test's work: its worker, started outside the bubble,
			// takes the bubble's function next.
			future.Submit(shared, context.Background(), func(context.Context) (int, error) {
				<-release
				return 0, nil
			})
			synctest.Test(t, func(t *testing.T) {
				go func() { busy.Lock() }() // keeps the bubble from reporting a deadlock
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				f := waitFor(shared, ctx) // queued behind the other test's work
				close(release)
				_, _ = f.Result() // fatal: the worker runs the function outside the bubble
			})
		})
		require.False(t, ok, "the child process succeeded:\n%s", out)
		assert.Contains(t, out, "fatal error: receive on synctest channel from outside bubble")
	})
	t.Run("pool made in the bubble", func(t *testing.T) {
		childPasses(t, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
				defer cancel()
				_, err := waitFor(future.NewPool(1), ctx).Result()
				assert.ErrorIs(t, err, context.DeadlineExceeded)
				assert.Equal(t, time.Hour, time.Since(start), "an hour of fake time")
			})
		})
	})
}

// TestSynctestChildProcessesRun makes sure the child-process machinery runs
// the bodies at all: a body that fails must fail its child.
func TestSynctestChildProcessesRun(t *testing.T) {
	out, ok := inChild(t, func(t *testing.T) {
		t.Log("the body ran")
		t.Fail()
	})
	if os.Getenv("FUTURE_SYNCTEST_CHILD") == t.Name() {
		return
	}
	assert.False(t, ok, "a failing body passed")
	assert.True(t, strings.Contains(out, "the body ran"), "the body did not run:\n%s", out)
}
