package future_test

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
	"weak"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofutures/future"
)

// fetchCall is one call of a recording fetch: when, in time since the
// test's start (fake time in a bubble), and with which keys.
type fetchCall struct {
	at   time.Duration
	keys []int
}

// fetcher is a fetch for NewBatcher that records its calls and their
// contexts and answers each key k with 10*k. While hold is set, each call
// waits until release is closed, or its context ends (then it returns the
// context's cause).
type fetcher struct {
	t0      time.Time
	hold    bool
	release chan struct{}
	ctxs    chan context.Context

	mu    sync.Mutex
	calls []fetchCall
}

func newFetcher() *fetcher {
	return &fetcher{t0: time.Now(), release: make(chan struct{}), ctxs: make(chan context.Context, 100)}
}

func (r *fetcher) fetch(ctx context.Context, keys []int) (map[int]int, error) {
	r.mu.Lock()
	r.calls = append(r.calls, fetchCall{time.Since(r.t0), slices.Clone(keys)})
	r.mu.Unlock()
	r.ctxs <- ctx
	if r.hold {
		select {
		case <-r.release:
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	}
	m := make(map[int]int, len(keys))
	for _, k := range keys {
		m[k] = 10 * k
	}
	return m, nil
}

// seen returns the calls so far, in the order of their keys.
func (r *fetcher) seen() []fetchCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	calls := slices.Clone(r.calls)
	slices.SortFunc(calls, func(a, b fetchCall) int { return slices.Compare(a.keys, b.keys) }) // an empty call (a bug) first
	return calls
}

// oneProc runs the test on one processor, so that a batch's goroutine that
// wait 0 starts runs only once the test's goroutine blocks: the loads the
// test makes before it blocks are made "meanwhile". Tests that use it must
// not run in parallel.
func oneProc(t *testing.T) {
	old := runtime.GOMAXPROCS(1)
	t.Cleanup(func() { runtime.GOMAXPROCS(old) })
}

// TestBatcherDispatch: on fake time, a batch is dispatched exactly when it
// holds maxKeys distinct keys, or wait after its first key, and with wait
// 0 as soon as its goroutine runs, with every key loaded meanwhile; fetch
// sees each key once, in the order of first loads, and each caller gets
// its key's value.
func TestBatcherDispatch(t *testing.T) {
	oneProc(t)
	tests := []struct {
		name    string
		maxKeys int
		wait    time.Duration
		loads   []int
		want    []fetchCall
	}{
		{"full at maxKeys", 3, time.Hour, []int{1, 2, 3}, []fetchCall{{0, []int{1, 2, 3}}}},
		{"at wait", 10, 5 * ms, []int{3, 1, 2}, []fetchCall{{5 * ms, []int{3, 1, 2}}}},
		{"full twice, then at wait", 2, 5 * ms, []int{1, 2, 3, 4, 5}, []fetchCall{{0, []int{1, 2}}, {0, []int{3, 4}}, {5 * ms, []int{5}}}},
		{"duplicates join", 10, 5 * ms, []int{1, 2, 1, 2, 1}, []fetchCall{{5 * ms, []int{1, 2}}}},
		{"duplicates do not fill", 2, 5 * ms, []int{1, 1, 1, 2, 3}, []fetchCall{{0, []int{1, 2}}, {5 * ms, []int{3}}}},
		{"maxKeys 1", 1, 5 * ms, []int{1, 2, 1}, []fetchCall{{0, []int{1}}, {0, []int{2}}}},
		{"wait 0", 10, 0, []int{1, 2, 3, 2}, []fetchCall{{0, []int{1, 2, 3}}}},
		{"wait 0, full", 2, 0, []int{1, 2, 3, 4, 5}, []fetchCall{{0, []int{1, 2}}, {0, []int{3, 4}}, {0, []int{5}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newFetcher()
				b := future.NewBatcher(tt.maxKeys, tt.wait, r.fetch)
				var fs []*future.Future[int]
				for _, k := range tt.loads {
					fs = append(fs, b.Load(context.Background(), k))
				}
				if tt.wait > 0 {
					time.Sleep(tt.wait - time.Nanosecond)
					synctest.Wait()
					early := 0
					for _, c := range tt.want {
						if c.at < tt.wait {
							early++
						}
					}
					assert.Len(t, r.seen(), early, "not one nanosecond before wait")
				}
				time.Sleep(time.Hour)
				synctest.Wait()
				assert.Equal(t, tt.want, r.seen())
				for i, f := range fs {
					require.True(t, f.Done(), "load %d", i)
					v, err := f.Result()
					require.NoError(t, err)
					assert.Equal(t, 10*tt.loads[i], v)
				}
			})
		})
	}
}

// TestBatcherJoinsARunningFetch: a Load of a key whose fetch is running
// joins it; once fetch has returned, the key is free and a Load of it
// starts a new batch (nothing is cached).
func TestBatcherJoinsARunningFetch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFetcher()
		r.hold = true
		b := future.NewBatcher(2, time.Hour, r.fetch)
		first := b.Load(context.Background(), 1)
		b.Load(context.Background(), 2)
		<-r.ctxs // fetching [1 2]
		joined := b.Load(context.Background(), 1)
		fresh := b.Load(context.Background(), 3)
		close(r.release)
		synctest.Wait()
		for _, f := range []*future.Future[int]{first, joined} {
			v, err := f.Result()
			require.NoError(t, err)
			assert.Equal(t, 10, v)
		}
		assert.False(t, fresh.Done(), "3 waits in the next batch")

		again := b.Load(context.Background(), 1) // fills the batch of 3
		synctest.Wait()
		assert.Equal(t, []fetchCall{{0, []int{1, 2}}, {0, []int{3, 1}}}, r.seen())
		v, err := again.Result()
		require.NoError(t, err)
		assert.Equal(t, 10, v)
	})
}

// TestBatcherCallerLeavesAlone: a caller that leaves, by its ctx's end or
// by Cancel, before or during the fetch, gets its own failure; the other
// callers of its key and of the batch get their values.
func TestBatcherCallerLeavesAlone(t *testing.T) {
	for _, during := range []bool{false, true} {
		for _, how := range []string{"Cancel", "ctx canceled", "ctx deadline"} {
			t.Run(fmt.Sprintf("%s, during fetch %v", how, during), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					r := newFetcher()
					r.hold = true
					b := future.NewBatcher(10, 5*ms, r.fetch)
					ctx, cancel := context.WithCancelCause(context.Background())
					defer cancel(nil)
					var leaverCtx context.Context = ctx
					if how == "ctx deadline" {
						c, cancel := context.WithTimeout(context.Background(), time.Millisecond)
						defer cancel()
						if during {
							c, cancel = context.WithTimeout(context.Background(), 10*ms)
							defer cancel()
						}
						leaverCtx = c
					}
					leaver := b.Load(leaverCtx, 1)
					stayer := b.Load(context.Background(), 1)
					other := b.Load(context.Background(), 2)
					if during {
						<-r.ctxs
					}
					switch how {
					case "Cancel":
						require.True(t, leaver.Cancel())
					case "ctx canceled":
						cancel(errBoom)
					}
					synctest.Wait()
					if how == "ctx deadline" {
						time.Sleep(10 * ms)
						synctest.Wait()
					}
					require.True(t, leaver.Done())
					assert.False(t, stayer.Done())
					switch how {
					case "Cancel":
						assert.ErrorIs(t, leaver.Exception(), context.Canceled)
					case "ctx canceled":
						assert.ErrorIs(t, leaver.Exception(), errBoom)
					default:
						assert.ErrorIs(t, leaver.Exception(), context.DeadlineExceeded)
					}
					if !during {
						<-r.ctxs
					}
					close(r.release)
					synctest.Wait()
					for k, f := range map[int]*future.Future[int]{1: stayer, 2: other} {
						v, err := f.Result()
						require.NoError(t, err)
						assert.Equal(t, 10*k, v)
					}
					assert.Equal(t, []fetchCall{{5 * ms, []int{1, 2}}}, r.seen())
				})
			})
		}
	}
}

// TestBatcherKeysEveryCallerLeft: a key every caller left before the
// dispatch never reaches fetch, and a batch every key left is never
// dispatched, whatever dispatches it (maxKeys, wait, or wait 0); a later
// load of such a key starts afresh.
func TestBatcherKeysEveryCallerLeft(t *testing.T) {
	oneProc(t)
	for _, wait := range []time.Duration{0, 5 * ms} {
		t.Run(fmt.Sprint("wait ", wait), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newFetcher()
				b := future.NewBatcher(10, wait, r.fetch)
				a1 := b.Load(context.Background(), 1)
				a2 := b.Load(context.Background(), 1)
				stayer := b.Load(context.Background(), 2)
				c := b.Load(context.Background(), 3)
				a1.Cancel()
				a2.Cancel()
				c.Cancel()
				time.Sleep(time.Hour)
				synctest.Wait()
				assert.Equal(t, []fetchCall{{wait, []int{2}}}, r.seen())
				v, err := stayer.Result()
				require.NoError(t, err)
				assert.Equal(t, 20, v)

				r = newFetcher()
				b = future.NewBatcher(10, wait, r.fetch)
				for k := range 5 {
					b.Load(context.Background(), k).Cancel()
				}
				time.Sleep(time.Hour)
				synctest.Wait()
				assert.Empty(t, r.seen(), "an empty batch is not dispatched")

				again := b.Load(context.Background(), 1)
				time.Sleep(time.Hour)
				synctest.Wait()
				require.Len(t, r.seen(), 1)
				assert.Equal(t, []int{1}, r.seen()[0].keys)
				assert.Equal(t, time.Hour+wait, r.seen()[0].at, "the new batch waits from its own first key")
				v, err = again.Result()
				require.NoError(t, err)
				assert.Equal(t, 10, v)
			})
		})
	}
}

// TestBatcherKeysThatLeftDoNotFill: keys that left do not count towards
// maxKeys, and many leaving keys leave the order of the rest as it was.
func TestBatcherKeysThatLeftDoNotFill(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFetcher()
		b := future.NewBatcher(3, time.Hour, r.fetch)
		b.Load(context.Background(), 1)
		for k := 100; k < 200; k++ {
			b.Load(context.Background(), k).Cancel()
		}
		b.Load(context.Background(), 2)
		b.Load(context.Background(), 3)
		synctest.Wait()
		assert.Equal(t, []fetchCall{{0, []int{1, 2, 3}}}, r.seen())
	})
}

// TestBatcherFetchContext: fetch's context carries the values of the
// batch's first caller's ctx but not its deadline, outlives that caller,
// and ends exactly when the last caller of every key of the batch leaves,
// or when fetch returns.
func TestBatcherFetchContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		type key struct{}
		r := newFetcher()
		r.hold = true
		b := future.NewBatcher(3, time.Hour, r.fetch)
		firstCtx, cancelFirst := context.WithTimeout(context.WithValue(context.Background(), key{}, "first"), time.Minute)
		defer cancelFirst()
		secondCtx := context.WithValue(context.Background(), key{}, "second")
		f1 := b.Load(firstCtx, 1)
		f2 := b.Load(secondCtx, 2)
		f2b := b.Load(secondCtx, 2)
		f3 := b.Load(secondCtx, 3)
		ctx := <-r.ctxs
		assert.Equal(t, "first", ctx.Value(key{}))
		_, has := ctx.Deadline()
		assert.False(t, has, "no deadline")

		cancelFirst()
		synctest.Wait()
		require.True(t, f1.Done())
		require.NoError(t, ctx.Err(), "the first caller left; others remain")
		f2.Cancel()
		f3.Cancel()
		synctest.Wait()
		require.NoError(t, ctx.Err(), "key 2 still has a caller")
		f2b.Cancel()
		assert.ErrorIs(t, ctx.Err(), context.Canceled, "the last one out cancels at once")

		// A fetch that returns has its context canceled too.
		r2 := newFetcher()
		b2 := future.NewBatcher(1, 0, r2.fetch)
		f := b2.Load(context.Background(), 7)
		ctx = <-r2.ctxs
		_, err := await(t, f)
		require.NoError(t, err)
		assert.ErrorIs(t, ctx.Err(), context.Canceled)
	})
}

// TestBatcherOutcomes: what fetch returns reaches every caller of the
// batch: its error (with no traceback), a panic as *PanicError with its
// stack, runtime.Goexit as a failure, ErrNotFound for a key missing from
// its map; keys not asked for are ignored.
func TestBatcherOutcomes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fetch func(ctx context.Context, keys []int) (map[int]int, error)
		check func(t *testing.T, k int, v int, err error, tb *future.Traceback)
	}{
		{"error", func(context.Context, []int) (map[int]int, error) { return map[int]int{1: 10}, errBoom }, func(t *testing.T, k, v int, err error, tb *future.Traceback) {
			assert.ErrorIs(t, err, errBoom)
			assert.Zero(t, v)
			assert.Nil(t, tb)
		}},
		{"panic", func(context.Context, []int) (map[int]int, error) { panic("bad fetch") }, func(t *testing.T, k, v int, err error, tb *future.Traceback) {
			var pe *future.PanicError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, "bad fetch", pe.Value)
			require.NotNil(t, tb)
			assert.Contains(t, tb.Frames()[0].Function, "TestBatcherOutcomes", "the traceback starts where fetch panicked")
		}},
		{"Goexit", func(context.Context, []int) (map[int]int, error) { runtime.Goexit(); return nil, nil }, func(t *testing.T, k, v int, err error, tb *future.Traceback) {
			assert.ErrorContains(t, err, "runtime.Goexit")
		}},
		{"missing keys and extra keys", func(_ context.Context, keys []int) (map[int]int, error) {
			return map[int]int{1: 10, 99: 990, 3: 30}, nil
		}, func(t *testing.T, k, v int, err error, tb *future.Traceback) {
			if k == 2 {
				assert.ErrorIs(t, err, future.ErrNotFound)
				assert.EqualError(t, err, "future: key not found: 2")
				assert.Zero(t, v)
				return
			}
			assert.NoError(t, err)
			assert.Equal(t, 10*k, v)
		}},
		{"nil map", func(context.Context, []int) (map[int]int, error) { return nil, nil }, func(t *testing.T, k, v int, err error, tb *future.Traceback) {
			assert.ErrorIs(t, err, future.ErrNotFound)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := future.NewBatcher(3, time.Hour, tt.fetch)
			keys := []int{1, 2, 2, 3}
			var fs []*future.Future[int]
			for _, k := range keys {
				fs = append(fs, b.Load(context.Background(), k))
			}
			for i, f := range fs {
				v, err := await(t, f)
				tt.check(t, keys[i], v, err, f.Traceback())
			}
		})
	}
}

// TestBatcherGoexitInACallerCallback: a callback on one caller's future
// that calls runtime.Goexit ends the batch's goroutine as it hands out the
// values, yet every other caller, of that key and of the others, still
// gets its value, and its callbacks run.
func TestBatcherGoexitInACallerCallback(t *testing.T) {
	logs := captureLogs(t) // not parallel: the Goexit is logged
	r := newFetcher()
	b := future.NewBatcher(3, time.Hour, r.fetch)
	keys := []int{1, 2, 2, 2, 3}
	var fs []*future.Future[int]
	ran := make(chan int, len(keys))
	for i, k := range keys {
		fs = append(fs, b.Load(context.Background(), k))
		fs[i].AddDoneCallback(func(*future.Future[int]) { ran <- i })
		if i == 2 {
			fs[i].AddDoneCallback(func(*future.Future[int]) { runtime.Goexit() })
		}
	}
	for i, f := range fs {
		v, err := await(t, f)
		require.NoError(t, err, "load %d", i)
		assert.Equal(t, 10*keys[i], v, "load %d", i)
	}
	var got []int
	for range fs {
		got = append(got, receive(t, ran))
	}
	assert.Equal(t, []int{0, 1, 2, 3, 4}, got, "every caller's callbacks ran, key by key, in load order")
	assert.Eventually(t, func() bool { return strings.Contains(logs.String(), "runtime.Goexit") }, patience, time.Millisecond,
		"the Goexit is logged") // after every future is done: callbacks run once all are
}

// TestBatcherDoneContextJoinsNothing: a Load on a ctx already done fails
// at once with its cause, and neither starts nor joins a batch.
func TestBatcherDoneContextJoinsNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newFetcher()
		b := future.NewBatcher(10, 5*ms, r.fetch)
		done, cancel := context.WithCancelCause(context.Background())
		cancel(errBoom)
		f := b.Load(done, 1)
		require.True(t, f.Done())
		assert.ErrorIs(t, f.Exception(), errBoom)
		time.Sleep(time.Hour)
		synctest.Wait()
		assert.Empty(t, r.seen())
	})
}

// TestBatcherMisusePanics: misuse panics at once with a future: message.
func TestBatcherMisusePanics(t *testing.T) {
	t.Parallel()
	fetch := func(context.Context, []int) (map[int]int, error) { return nil, nil }
	b := future.NewBatcher(1, 0, fetch)
	tests := []struct {
		name string
		call func()
		want string
	}{
		{"maxKeys 0", func() { future.NewBatcher(0, 0, fetch) }, "future: NewBatcher called with maxKeys 0; it must be at least 1"},
		{"negative wait", func() { future.NewBatcher(1, -time.Second, fetch) }, "future: NewBatcher called with a negative wait -1s"},
		{"nil fetch", func() { future.NewBatcher[int, int](1, 0, nil) }, "future: NewBatcher called with a nil fetch function"},
		{"Load nil context", func() {
			//lint:ignore SA1012 the misuse under test
			b.Load(nil, 1)
		}, "future: Batcher.Load called with a nil context"},
		{"Load nil Batcher", func() { (*future.Batcher[int, int])(nil).Load(context.Background(), 1) }, "future: Load called on a nil *Batcher"},
		{"Load zero Batcher", func() { new(future.Batcher[int, int]).Load(context.Background(), 1) }, "future: Load called on a Batcher not made by NewBatcher"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.PanicsWithValue(t, tt.want, tt.call)
		})
	}
}

// TestBatcherLoadsThatLeftRetainNothing: a million loads whose callers all
// leave, joining a key whose fetch is running or a pending batch, of one
// key or of a new key each, retain under 8 bytes a load after GC, with a
// long-lived cancelable context or none. The batch still answers the caller
// that stayed.
func TestBatcherLoadsThatLeftRetainNothing(t *testing.T) {
	// Not parallel: it measures the heap.
	longLived, cancel := context.WithCancel(context.Background())
	defer cancel()
	tests := []struct {
		name     string
		fetching bool // the stayer's fetch is running; otherwise its batch is pending
		leave    func(b *future.Batcher[int, int], i int)
	}{
		{"running fetch, same key, Cancel", true, func(b *future.Batcher[int, int], _ int) {
			b.Load(context.Background(), 0).Cancel()
		}},
		{"running fetch, same key, long-lived context", true, func(b *future.Batcher[int, int], _ int) {
			b.Load(longLived, 0).Cancel()
		}},
		{"pending batch, same key, own context canceled", false, func(b *future.Batcher[int, int], _ int) {
			ctx, cancel := context.WithCancel(context.Background())
			f := b.Load(ctx, 0)
			cancel()
			<-f.DoneChan()
		}},
		{"pending batch, new keys, Cancel", false, func(b *future.Batcher[int, int], i int) {
			b.Load(context.Background(), i+1).Cancel()
		}},
		{"pending batch, new keys, long-lived context", false, func(b *future.Batcher[int, int], i int) {
			b.Load(longLived, i+1).Cancel()
		}},
		{"no stayer, new keys", false, func(b *future.Batcher[int, int], i int) {
			b.Load(longLived, -i-1).Cancel() // each load makes a batch, and undoes it
		}},
	}
	calls := manyCalls()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newFetcher()
			r.hold = true
			maxKeys := 1 << 30
			if tt.fetching {
				maxKeys = 1
			}
			b := future.NewBatcher(maxKeys, time.Hour, r.fetch)
			stayer := b.Load(context.Background(), 0)
			var runCtx context.Context
			if tt.fetching {
				runCtx = receive(t, r.ctxs)
			}
			tt.leave(b, 0) // warm up
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			for i := range calls {
				tt.leave(b, i)
			}
			runtime.GC()
			runtime.ReadMemStats(&after)
			perCall := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(calls)
			t.Logf("%d loads: %.2f bytes retained per load", calls, perCall)
			assert.Less(t, perCall, 8.0, "bytes retained per load")

			if tt.fetching {
				require.NoError(t, runCtx.Err(), "the fetch goes on for its last caller")
				close(r.release)
				v, err := await(t, stayer)
				require.NoError(t, err)
				assert.Equal(t, 0, v)
			} else {
				stayer.Cancel() // the pending batch is undone: nothing to fetch
				assert.Empty(t, r.seen())
			}
		})
	}
}

// TestBatcherRacingLoadsAndLeavers hammers a batcher (wait 0, and a short
// wait whose timer races the loads that fill a batch) with loads of a few
// keys, from many goroutines, a third of which leave at once: every load
// gets its key's value or its own cancellation, no batch has a key twice,
// and every fetch's context ends.
func TestBatcherRacingLoadsAndLeavers(t *testing.T) {
	t.Parallel()
	var fetches, ended atomic.Int32
	var dup atomic.Bool
	fetch := func(ctx context.Context, keys []int) (map[int]int, error) {
		fetches.Add(1)
		context.AfterFunc(ctx, func() { ended.Add(1) })
		seen := map[int]bool{}
		m := map[int]int{}
		for _, k := range keys {
			if seen[k] {
				dup.Store(true)
			}
			seen[k] = true
			m[k] = 10 * k
		}
		runtime.Gosched()
		return m, nil
	}
	const goroutines, loads = 8, 2000
	for _, wait := range []time.Duration{0, 50 * time.Microsecond} { // by Load alone, or racing a timer
		b := future.NewBatcher(4, wait, fetch)
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				for i := range loads {
					k := (g + i) % 7
					f := b.Load(context.Background(), k)
					if i%3 == 0 {
						f.Cancel()
					}
					v, err := await(t, f)
					if err != nil {
						assert.ErrorIs(t, err, context.Canceled)
						continue
					}
					assert.Equal(t, 10*k, v)
				}
			})
		}
		wg.Wait()
	}
	assert.False(t, dup.Load(), "a batch had a key twice")
	require.Eventually(t, func() bool { return ended.Load() == fetches.Load() }, patience, time.Millisecond,
		"every fetch's context ends")
}

// TestBatcherKeysThatAreNotMapKeys: a key whose dynamic type cannot be
// compared (a slice in an any) is misuse: Load panics at once with a
// future: message and the Batcher goes on working, where the map lookup
// used to panic with the table's lock held and deadlock every later Load.
// A key not equal to itself (NaN) joins nothing, reaches fetch, and
// manyCalls loads of it leave nothing in the table.
func TestBatcherKeysThatAreNotMapKeys(t *testing.T) {
	// Not parallel: it measures the heap.
	b := future.NewBatcher(1, 0, func(_ context.Context, keys []any) (map[any]int, error) {
		return map[any]int{"k": 7}, nil
	})
	assert.Equal(t, "future: Batcher.Load called with a key of uncomparable type []int",
		panicValue(t, func() { b.Load(context.Background(), []int{1}) }))
	assert.Equal(t, "future: Batcher.Load called with a key of uncomparable type []int",
		panicValue(t, func() { b.Load(endedWith(errBoom), []int{1}) }), "misuse, whatever the context")
	done := make(chan *future.Future[int], 1)
	go func() { done <- b.Load(context.Background(), "k") }()
	v, err := await(t, receive(t, done))
	require.NoError(t, err, "the Batcher still works")
	assert.Equal(t, 7, v)

	var fetched atomic.Int32
	nan := future.NewBatcher(1, 0, func(_ context.Context, keys []float64) (map[float64]int, error) {
		fetched.Add(1)
		return map[float64]int{keys[0]: 7}, nil // a NaN key is found in no map
	})
	_, err = await(t, nan.Load(context.Background(), math.NaN()))
	assert.ErrorIs(t, err, future.ErrNotFound)
	assert.EqualValues(t, 1, fetched.Load(), "the NaN reached fetch")
	perCall := bytesRetainedPerCall(manyCalls(), func() {
		_, _ = await(t, nan.Load(context.Background(), math.NaN()))
	})
	runtime.KeepAlive(&nan) // measured with the table alive

	// Not equal to itself, the key is never compared in full, nor hashed:
	// not even by the batch's goroutine as it looks for the key in fetch's
	// map, where a panic would end the program.
	type nanAndSlice struct {
		F float64
		A any
	}
	odd := future.NewBatcher(1, 0, func(context.Context, []nanAndSlice) (map[nanAndSlice]int, error) { return nil, nil })
	_, err = await(t, odd.Load(context.Background(), nanAndSlice{math.NaN(), []int{1}}))
	assert.ErrorIs(t, err, future.ErrNotFound)
	t.Logf("%.2f bytes retained per load of NaN", perCall)
	assert.Less(t, perCall, 8.0, "bytes retained per load of NaN")
}

// TestBatcherDoneLoadsKeepNothingAlive: a caller that left keeps nothing of
// its context while the fetch goes on; once the batch is answered, the
// callers' futures keep neither the batch's first context, nor the map
// fetch returned (a value of a key nobody asked for), nor the Batcher and
// its fetch.
func TestBatcherDoneLoadsKeepNothingAlive(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	fetching := make(chan struct{})
	fetch, fetchCollected, extraCollected := trackedFetch(fetching, release)
	b := future.NewBatcher(2, time.Hour, fetch)
	fetch = nil
	firstCtx, firstCtxCollected := trackedCtx(context.Background())
	leaverCtx, leaverCtxCollected := trackedCtx(context.Background())
	leaverCtx, cancelLeaver := context.WithCancel(leaverCtx)

	first := b.Load(firstCtx, 1)
	leaver := b.Load(leaverCtx, 2)
	stayer := b.Load(context.Background(), 2)
	b = nil
	receive(t, fetching)
	cancelLeaver()
	_, err := await(t, leaver)
	require.ErrorIs(t, err, context.Canceled)
	collected(t, leaverCtxCollected, "the context of a caller that left")
	retained(t, firstCtxCollected, "the first context of a batch being fetched")
	retained(t, fetchCollected, "the fetch of a batch being fetched")

	close(release)
	for _, f := range []*future.Future[*payload]{first, stayer} {
		v, err := await(t, f)
		require.NoError(t, err)
		require.NotNil(t, v)
	}
	collected(t, firstCtxCollected, "the batch's first context once answered")
	collected(t, extraCollected, "the map fetch returned")
	collected(t, fetchCollected, "the Batcher and its fetch, with only done futures left")
	runtime.KeepAlive(first)
	runtime.KeepAlive(leaver)
	runtime.KeepAlive(stayer)
}

// TestBatcherFirstLoadThatLeftKeepsNothingAlive: the first Load of a key
// holds the key's flight in its own allocation, so its done future must
// not keep through it the batch's first context or the Batcher: neither
// when the key left a pending batch, which is undone, nor when the first
// Load left a key another caller kept, once the batch is answered.
func TestBatcherFirstLoadThatLeftKeepsNothingAlive(t *testing.T) {
	t.Parallel()
	t.Run("the pending batch undone", func(t *testing.T) {
		t.Parallel()
		fetch, fetchCollected, _ := trackedFetch(make(chan struct{}), nil)
		b := future.NewBatcher(2, time.Hour, fetch)
		fetch = nil
		firstCtx, firstCtxCollected := trackedCtx(context.Background())
		first := b.Load(firstCtx, 1)
		b = nil
		first.Cancel()
		collected(t, firstCtxCollected, "the first context of a batch undone")
		collected(t, fetchCollected, "the Batcher and its fetch, with only the done future of its first Load left")
		runtime.KeepAlive(first)
	})
	t.Run("left a key another caller kept", func(t *testing.T) {
		t.Parallel()
		firstCtx, firstCtxCollected := trackedCtx(context.Background())
		_, first, stayer, fetchCollected, release := loadJoinedWhileFetching(t, firstCtx) // the Batcher is not kept
		first.Cancel()
		release()
		v, err := await(t, stayer)
		require.NoError(t, err)
		require.NotNil(t, v)
		collected(t, firstCtxCollected, "the batch's first context once answered")
		collected(t, fetchCollected, "the Batcher and its fetch, with only done futures left")
		runtime.KeepAlive(first)
		runtime.KeepAlive(stayer)
	})
}

// TestBatcherAnsweredLoadsLetGo: once a batch is answered, a caller's
// future is held by nothing of the Batcher's: not by a context of the
// caller's that lives on (whose watch on the future must be gone), nor by
// the future of another caller of the same key (whose flight lived in the
// first caller's allocation).
func TestBatcherAnsweredLoadsLetGo(t *testing.T) {
	t.Parallel()
	t.Run("by a context that lives on", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		b := future.NewBatcher(1, time.Hour, func(_ context.Context, keys []int) (map[int]int, error) {
			return map[int]int{keys[0]: 1}, nil
		})
		f := b.Load(ctx, 1)
		_, err := await(t, f)
		require.NoError(t, err)
		answered := weak.Make(f)
		f = nil
		gone(t, answered, "the future of an answered Load, with its context alive")
		runtime.KeepAlive(ctx)
		runtime.KeepAlive(b)
	})
	t.Run("by a later caller of its key", func(t *testing.T) {
		t.Parallel()
		b, first, stayer, _, release := loadJoinedWhileFetching(t, context.Background())
		release()
		for _, f := range []*future.Future[*payload]{first, stayer} {
			_, err := await(t, f)
			require.NoError(t, err)
		}
		answered := weak.Make(first)
		first = nil
		gone(t, answered, "the future of a key's first Load, with a later caller's future alive")
		runtime.KeepAlive(stayer)
		runtime.KeepAlive(b)
	})
}

// loadJoinedWhileFetching makes a Batcher of one key a batch, with
// trackedFetch, loads key 1 with firstCtx and, once that batch is being
// fetched, loads key 1 again as stayer, which joins it. release lets the
// fetch return; fetchCollected is closed once the Batcher and its fetch
// are collected.
func loadJoinedWhileFetching(t *testing.T, firstCtx context.Context) (b *future.Batcher[int, *payload], first, stayer *future.Future[*payload], fetchCollected <-chan struct{}, release func()) {
	t.Helper()
	released, fetching := make(chan struct{}), make(chan struct{})
	fetch, fetchCollected, _ := trackedFetch(fetching, released)
	b = future.NewBatcher(1, time.Hour, fetch)
	first = b.Load(firstCtx, 1)
	receive(t, fetching)
	stayer = b.Load(context.Background(), 1) // joins the key being fetched
	return b, first, stayer, fetchCollected, func() { close(released) }
}

// trackedFetch returns a fetch for NewBatcher that closes fetching, waits
// for release and answers each key with a new payload, adding key 99 with
// a payload of its own; and channels closed when the fetch, and that
// payload of key 99, are collected.
func trackedFetch(fetching chan<- struct{}, release <-chan struct{}) (func(context.Context, []int) (map[int]*payload, error), <-chan struct{}, <-chan struct{}) {
	p, fetchCollected := tracked()
	extra, extraCollected := tracked()
	return func(_ context.Context, keys []int) (map[int]*payload, error) {
		close(fetching)
		<-release
		runtime.KeepAlive(p) // after the wait, so that p lives while fetch runs
		m := map[int]*payload{99: extra}
		extra = nil
		for _, k := range keys {
			m[k] = new(payload)
		}
		return m, nil
	}, fetchCollected, extraCollected
}

// TestBatcherFullAsItsWaitEnds: a batch that fills at the very instant its
// wait ends (on fake time, the timer's goroutine and the Load that fills
// it race) is fetched once: by the timer, with the late key in the next
// batch, or by the filling Load, never by both.
func TestBatcherFullAsItsWaitEnds(t *testing.T) {
	t.Parallel()
	orders := map[int]int{}
	for range 200 {
		synctest.Test(t, func(t *testing.T) {
			r := newFetcher()
			b := future.NewBatcher(2, 5*ms, r.fetch)
			f1 := b.Load(context.Background(), 1)
			time.Sleep(5 * ms) // wakes with the batch's timer
			f2 := b.Load(context.Background(), 2)
			time.Sleep(time.Hour)
			synctest.Wait()
			var fetched []int
			for _, c := range r.seen() {
				fetched = append(fetched, c.keys...)
			}
			assert.Equal(t, []int{1, 2}, fetched, "each key fetched once")
			orders[len(r.seen())]++
			for k, f := range map[int]*future.Future[int]{1: f1, 2: f2} {
				require.True(t, f.Done())
				v, err := f.Result()
				require.NoError(t, err)
				assert.Equal(t, 10*k, v)
			}
		})
	}
	t.Logf("batches fetched (1: key 2 joined the batch, 2: the timer went first): %v", orders)
}
