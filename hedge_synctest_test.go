package future_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofutures/future"
)

// Hedge's timing, on the fake clock of a synctest bubble: every time below
// is exact, and time.Sleep only moves the clock (synctest.Wait is what
// orders the test after the goroutines it started).

// timedReplica is one attempt in a timing test: it answers, or fails with
// err, after latency, unless its context ends first; a negative latency
// never answers.
type timedReplica struct {
	latency time.Duration
	err     error
}

// timedReplicas is a function for Hedge, run inside a bubble, that records
// when each attempt started and which saw its context end, in fake time
// since the start of the test.
type timedReplicas struct {
	t0 time.Time
	rs []timedReplica

	mu       sync.Mutex
	started  map[int]time.Duration
	canceled map[int]time.Duration
}

func newTimedReplicas(rs ...timedReplica) *timedReplicas {
	return &timedReplicas{t0: time.Now(), rs: rs, started: map[int]time.Duration{}, canceled: map[int]time.Duration{}}
}

func (r *timedReplicas) fn(ctx context.Context, attempt int) (string, error) {
	r.mu.Lock()
	r.started[attempt] = time.Since(r.t0)
	r.mu.Unlock()
	rep := r.rs[attempt]
	var answer <-chan time.Time
	if rep.latency >= 0 {
		answer = time.After(rep.latency)
	}
	select {
	case <-answer:
		if rep.err != nil {
			return "", rep.err
		}
		return "attempt " + string(rune('0'+attempt)), nil
	case <-ctx.Done():
		r.mu.Lock()
		r.canceled[attempt] = time.Since(r.t0)
		r.mu.Unlock()
		return "", context.Cause(ctx)
	}
}

func (r *timedReplicas) seen() (started, canceled map[int]time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	started, canceled = map[int]time.Duration{}, map[int]time.Duration{}
	for k, v := range r.started {
		started[k] = v
	}
	for k, v := range r.canceled {
		canceled[k] = v
	}
	return started, canceled
}

const ms = time.Millisecond

// timeoutCtx returns a context that ends after timeout, or never for a
// timeout of 0, canceled when the test ends.
func timeoutCtx(t *testing.T, timeout time.Duration) context.Context {
	if timeout == 0 {
		return context.Background()
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	return ctx
}

const never = -1

// TestHedgeStartsTheNextAfterTheDelay: while every attempt is outstanding,
// the next starts exactly delay after the last one did, never beyond
// attempts.
func TestHedgeStartsTheNextAfterTheDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newTimedReplicas(timedReplica{latency: never}, timedReplica{latency: never}, timedReplica{latency: never})
		f := future.Hedge(context.Background(), 100*ms, 3, r.fn)
		synctest.Wait()
		started, _ := r.seen()
		assert.Equal(t, map[int]time.Duration{0: 0}, started, "attempt 0 starts at once")

		time.Sleep(100*ms - time.Nanosecond)
		synctest.Wait()
		started, _ = r.seen()
		assert.Len(t, started, 1, "attempt 1 waits for the delay")

		time.Sleep(time.Nanosecond)
		synctest.Wait()
		started, _ = r.seen()
		assert.Equal(t, map[int]time.Duration{0: 0, 1: 100 * ms}, started)

		time.Sleep(time.Hour)
		synctest.Wait()
		started, canceled := r.seen()
		assert.Equal(t, map[int]time.Duration{0: 0, 1: 100 * ms, 2: 200 * ms}, started, "3 attempts in all")
		assert.Empty(t, canceled)
		assert.False(t, f.Done())

		require.True(t, f.Cancel())
		synctest.Wait()
		_, canceled = r.seen()
		assert.Len(t, canceled, 3, "Cancel stops every attempt")
	})
}

// TestHedgeTimeline runs hedges to their end on fake time and checks when
// each attempt started, which ones saw their context end and when, and
// when and how the future completed.
func TestHedgeTimeline(t *testing.T) {
	type times = map[int]time.Duration
	tests := []struct {
		name     string
		timeout  time.Duration // of ctx; 0 for none
		delay    time.Duration
		replicas []timedReplica // one per attempt
		wantV    string
		wantErr  string
		wantAt   time.Duration // when the future is done
		started  times
		canceled times
	}{{
		// When every started attempt has failed the next starts at once,
		// and the one after it a full delay later; the first success
		// cancels the others.
		name:  "a failure starts the next at once",
		delay: 100 * ms,
		replicas: []timedReplica{
			{latency: 10 * ms, err: errE0}, {latency: never}, {latency: 5 * ms}, {latency: 0},
		},
		wantV: "attempt 2", wantAt: 115 * ms,
		started:  times{0: 0, 1: 10 * ms, 2: 110 * ms},
		canceled: times{1: 115 * ms},
	}, {
		// A hedge that answers first wins over slower attempts, which see
		// their context end at that instant; no attempt starts after it.
		name:     "the first success wins",
		delay:    10 * ms,
		replicas: []timedReplica{{latency: never}, {latency: 100 * ms}, {latency: 5 * ms}, {latency: 0}},
		wantV:    "attempt 2", wantAt: 25 * ms,
		started:  times{0: 0, 1: 10 * ms, 2: 20 * ms},
		canceled: times{0: 25 * ms, 1: 25 * ms},
	}, {
		// The future fails only once every started attempt has returned,
		// with their errors in start order, not in the order they failed;
		// attempt 1's failure left attempt 0 running, so attempt 2 waited
		// for the delay.
		name:  "all fail",
		delay: 10 * ms,
		replicas: []timedReplica{
			{latency: 50 * ms, err: errE0}, {latency: 5 * ms, err: errE1}, {latency: 1 * ms, err: errE2},
		},
		wantErr: "future: hedge: 3 attempts failed: attempt 0: e0; attempt 1: e1; attempt 2: e2", wantAt: 50 * ms,
		started:  times{0: 0, 1: 10 * ms, 2: 20 * ms},
		canceled: times{},
	}, {
		// When ctx ends, the attempts running see it and no new one
		// starts; the future fails as they return.
		name:     "ctx ends",
		timeout:  25 * ms,
		delay:    10 * ms,
		replicas: []timedReplica{{latency: never}, {latency: never}, {latency: never}, {latency: 0}},
		wantErr: "future: hedge: 3 attempts failed: attempt 0: context deadline exceeded; " +
			"attempt 1: context deadline exceeded; attempt 2: context deadline exceeded",
		wantAt:   25 * ms,
		started:  times{0: 0, 1: 10 * ms, 2: 20 * ms},
		canceled: times{0: 25 * ms, 1: 25 * ms, 2: 25 * ms},
	}, {
		name:     "no delay: every attempt at once",
		replicas: []timedReplica{{latency: 30 * ms}, {latency: 20 * ms}, {latency: 10 * ms}},
		wantV:    "attempt 2", wantAt: 10 * ms,
		started:  times{0: 0, 1: 0, 2: 0},
		canceled: times{0: 10 * ms, 1: 10 * ms},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				ctx := timeoutCtx(t, tt.timeout)
				r := newTimedReplicas(tt.replicas...)
				v, err := future.Hedge(ctx, tt.delay, len(tt.replicas), r.fn).Result()
				assert.Equal(t, tt.wantAt, time.Since(r.t0), "done at") // the clock stands still while this goroutine runs
				if tt.wantErr == "" {
					require.NoError(t, err)
					assert.Equal(t, tt.wantV, v)
				} else {
					require.EqualError(t, err, tt.wantErr)
				}

				time.Sleep(time.Hour)
				synctest.Wait()
				started, canceled := r.seen()
				assert.Equal(t, tt.started, started, "attempts started")
				assert.Equal(t, tt.canceled, canceled, "attempts canceled")
			})
		})
	}
}

// TestHedgeFailureAtTheDelayStartsOneAttempt: when the only attempt fails
// at the very instant its delay passes, the timer and the failure both want
// to start the next attempt; exactly one does, and the attempt after it
// still waits a full delay. (Which of the two runs first at that instant is
// up to the scheduler: each hedge below gives it another chance to go
// either way.)
func TestHedgeFailureAtTheDelayStartsOneAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const hedges = 50
		rs := make([]*timedReplicas, hedges)
		fs := make([]*future.Future[string], hedges)
		for i := range hedges {
			rs[i] = newTimedReplicas(timedReplica{latency: 100 * ms, err: errE0}, timedReplica{latency: never}, timedReplica{latency: never})
			fs[i] = future.Hedge(context.Background(), 100*ms, 3, rs[i].fn)
		}
		time.Sleep(150 * ms)
		synctest.Wait()
		for i, r := range rs {
			started, _ := r.seen()
			require.Equal(t, map[int]time.Duration{0: 0, 1: 100 * ms}, started, "hedge %d", i)
		}
		time.Sleep(50 * ms)
		synctest.Wait()
		for i, r := range rs {
			started, _ := r.seen()
			require.Equal(t, map[int]time.Duration{0: 0, 1: 100 * ms, 2: 200 * ms}, started, "hedge %d", i)
			fs[i].Cancel()
		}
	})
}

// respond is an attempt that answers v, or fails with err, after latency,
// unless its context ends first.
func respond(latency time.Duration, v string, err error) replica {
	return func(ctx context.Context) (string, error) {
		select {
		case <-time.After(latency):
			return v, err
		case <-ctx.Done():
			return "", context.Cause(ctx)
		}
	}
}

// TestHedgeErrorSaysWhichAttemptFailedHow: a failed Hedge's error is one
// line naming each started attempt and its error, in start order, and
// errors.Is and errors.As find every attempt's error through it.
func TestHedgeErrorSaysWhichAttemptFailedHow(t *testing.T) {
	errWrapped := fmt.Errorf("replica 1: %w", errE1)
	tests := []struct {
		name     string
		timeout  time.Duration // of ctx; 0 for none
		attempts int
		replicas []replica // one per attempt that starts
		want     string
		each     []error // what errors.Is finds in each attempt's error, in start order; nil: nothing to find
		panicked bool
	}{{
		name:     "one attempt",
		attempts: 1,
		replicas: []replica{failWith(errE0)},
		want:     "future: hedge: 1 attempt failed: attempt 0: e0",
		each:     []error{errE0},
	}, {
		name:     "each attempt its own way",
		attempts: 4,
		replicas: []replica{
			failWith(errE0),
			failWith(errWrapped),
			func(context.Context) (string, error) { panic(errE2) },
			func(context.Context) (string, error) { runtime.Goexit(); return "", nil },
		},
		want: "future: hedge: 4 attempts failed: attempt 0: e0; attempt 1: replica 1: e1; " +
			"attempt 2: future: panic: e2; attempt 3: future: function called runtime.Goexit",
		each:     []error{errE0, errE1, errE2, nil},
		panicked: true,
	}, {
		// Attempt 1 fails first, but attempt 0 is named first; attempt 2
		// never starts, so it is not named.
		name:     "ctx ends after 2 of 3 started",
		timeout:  time.Hour + 30*ms,
		attempts: 3,
		replicas: []replica{stall, respond(20*ms, "", errE1)},
		want:     "future: hedge: 2 attempts failed: attempt 0: context deadline exceeded; attempt 1: e1",
		each:     []error{context.DeadlineExceeded, errE1},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				ctx := timeoutCtx(t, tt.timeout)
				r := &replicas{rs: tt.replicas}
				_, err := future.Hedge(ctx, time.Hour, tt.attempts, r.fn).Result()
				require.EqualError(t, err, tt.want)
				assert.NotContains(t, err.Error(), "\n")

				var joined interface{ Unwrap() []error }
				require.ErrorAs(t, err, &joined, "the attempts' errors, for errors.Is and errors.As")
				errs := joined.Unwrap()
				require.Len(t, errs, len(tt.each), "one error per attempt started")
				for i, want := range tt.each {
					if want != nil {
						assert.ErrorIs(t, errs[i], want, "attempt %d", i)
						assert.ErrorIs(t, err, want, "attempt %d, through the hedge's error", i)
					}
				}
				var pe *future.PanicError
				assert.Equal(t, tt.panicked, errors.As(err, &pe), "errors.As finds the *PanicError")
			})
		})
	}
}

// TestHedgeAttemptContextsEndWithTheFuture: the attempts' context is
// canceled once the future is done, before its callbacks run, whatever
// completed it: the winner's too, once its function has returned with its
// context still live.
func TestHedgeAttemptContextsEndWithTheFuture(t *testing.T) {
	tests := []struct {
		name     string
		replicas []replica
		cancelAt time.Duration // when the test cancels the future; 0: never
		wantErr  bool
		liveAt   []bool // whether each attempt's context was live when its function returned
	}{{
		name:     "the first success, the winner's too",
		replicas: []replica{stall, respond(5*ms, "from replica 1", nil)},
		liveAt:   []bool{false, true},
	}, {
		name:     "the last failure",
		replicas: []replica{respond(20*ms, "", errE0), respond(5*ms, "", errE1)},
		wantErr:  true,
		liveAt:   []bool{true, true},
	}, {
		name:     "Cancel",
		replicas: []replica{stall, stall},
		cancelAt: 15 * ms,
		wantErr:  true,
		liveAt:   []bool{false, false},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				var mu sync.Mutex
				ctxs := make([]context.Context, len(tt.replicas))
				liveAt := make([]bool, len(tt.replicas))
				fn := func(ctx context.Context, attempt int) (string, error) {
					mu.Lock()
					ctxs[attempt] = ctx
					mu.Unlock()
					v, err := tt.replicas[attempt](ctx)
					mu.Lock()
					liveAt[attempt] = ctx.Err() == nil
					mu.Unlock()
					return v, err
				}
				f := future.Hedge(context.Background(), 10*ms, len(tt.replicas), fn)
				ended := make([]bool, len(tt.replicas))
				f.AddDoneCallback(func(*future.Future[string]) {
					mu.Lock()
					defer mu.Unlock()
					for i, ctx := range ctxs {
						ended[i] = ctx != nil && ctx.Err() != nil
					}
				})
				if tt.cancelAt > 0 {
					time.Sleep(tt.cancelAt)
					require.True(t, f.Cancel())
				}
				_, err := f.Result()
				assert.Equal(t, tt.wantErr, err != nil, "failed")
				synctest.Wait() // every attempt has returned
				mu.Lock()
				defer mu.Unlock()
				assert.Equal(t, []bool{true, true}, ended, "every attempt's context ended when the callback ran")
				assert.Equal(t, tt.liveAt, liveAt, "contexts live as the functions returned")
			})
		})
	}
}
