package future_test

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofutures/future"
)

// The stress tests release many goroutines at once on a few shared futures:
// racing completions, callback registrations, reads, continuations and
// Combine. The schedule is up to the machine; what they assert holds for
// every schedule, so they pass or fail deterministically.

type stressConfig struct {
	rounds     int
	heads      int // shared futures per round
	racers     int // completers per head
	registrars int // goroutines adding callbacks
	callbacks  int // callbacks each registrar adds, spread over the heads
	continuers int // goroutines adding continuations and Combines
	readers    int // goroutines polling and reading
}

func TestStress(t *testing.T) {
	t.Parallel()
	ops := runStress(t, stressConfig{rounds: 150, heads: 4, racers: 3, registrars: 4, callbacks: 12, continuers: 3, readers: 2})
	t.Logf("%d operations", ops)
}

func TestStressHeavy(t *testing.T) {
	if !full || testing.Short() {
		t.Skip("heavy stress test: set FUTURE_FULL=1 (as .ci/run does), without -short")
	}
	t.Parallel()
	ops := runStress(t, stressConfig{rounds: 500, heads: 8, racers: 6, registrars: 8, callbacks: 40, continuers: 6, readers: 4})
	t.Logf("%d operations", ops)
}

// runStress runs cfg.rounds rounds and returns how many API calls they made.
func runStress(t *testing.T, cfg stressConfig) int64 {
	var ops atomic.Int64
	for round := range cfg.rounds {
		stressRound(t, cfg, &ops)
		if t.Failed() {
			t.Fatalf("failed in round %d", round)
		}
	}
	return ops.Load()
}

// stressCallback records what happened to one callback.
type stressCallback struct {
	registrar int
	seq       int    // its place in its registrar's sequence
	regGoid   uint64 // the registrar's goroutine
	runs      atomic.Int32
	runGoid   uint64 // the goroutine it ran on
	v         int
	err       error
}

type stressWin struct {
	goid uint64
	v    int
	err  error
	tb   *future.Traceback
}

type stressRead struct {
	head int
	v    int
	err  error
}

func stressRound(t *testing.T, cfg stressConfig, ops *atomic.Int64) {
	heads := make([]*future.Future[int], cfg.heads)
	for i := range heads {
		heads[i] = future.New[int]()
	}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()

	start := make(chan struct{})
	var wg sync.WaitGroup
	spawn := func(fn func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			fn()
		}()
	}

	// Racing completions: each head is completed by cfg.racers goroutines
	// at once, with a value, an error, or an error and a given traceback.
	wins := make([]chan stressWin, cfg.heads)
	for h, f := range heads {
		wins[h] = make(chan stressWin, cfg.racers)
		for r := range cfg.racers {
			spawn(func() {
				me := goid()
				err := &boomError{fmt.Sprintf("head %d racer %d", h, r)}
				tb := future.CaptureTraceback(0)
				var won bool
				switch r % 3 {
				case 0:
					won = f.SetResult(100*h + r)
				case 1:
					won = f.SetException(err)
					tb = nil // recorded by SetException; compared below
				default:
					won = f.SetExceptionWithTraceback(err, tb)
				}
				ops.Add(1)
				if won {
					w := stressWin{goid: me, err: err, tb: tb}
					if r%3 == 0 {
						w.v, w.err, w.tb = 100*h+r, nil, nil
					}
					wins[h] <- w
				}
			})
		}
	}

	// Callback registrations, each registrar spreading its callbacks over
	// the heads, and logging, per head, the order they ran in.
	var logMu sync.Mutex
	logs := make([][]*stressCallback, cfg.heads)
	all := make([][]*stressCallback, cfg.registrars) // by registrar, in registration order
	for g := range cfg.registrars {
		spawn(func() {
			me := goid()
			for i := range cfg.callbacks {
				h := (g + i) % cfg.heads
				c := &stressCallback{registrar: g, seq: i, regGoid: me}
				all[g] = append(all[g], c)
				heads[h].AddDoneCallback(func(f *future.Future[int]) {
					c.runs.Add(1)
					c.runGoid = goid()
					c.v, c.err = f.Result()
					logMu.Lock()
					logs[h] = append(logs[h], c)
					logMu.Unlock()
				})
				ops.Add(1)
			}
		})
	}

	// Continuations and Combines registered while the heads complete.
	type cont struct {
		head int
		runs *atomic.Int32
		f    *future.Future[int]
	}
	type flat struct {
		inner int
		f     *future.Future[int]
	}
	type comb struct {
		idx []int
		f   *future.Future[[]int]
	}
	conts := make([][]cont, cfg.continuers)
	flats := make([][]flat, cfg.continuers)
	combs := make([][]comb, cfg.continuers)
	for g := range cfg.continuers {
		spawn(func() {
			for h := range cfg.heads {
				runs := new(atomic.Int32)
				c := future.ContinueWith(heads[h], func(f *future.Future[int]) (int, error) {
					runs.Add(1)
					v, err := f.Result()
					return 2 * v, err
				})
				conts[g] = append(conts[g], cont{h, runs, c})
				inner := (h + g + 1) % cfg.heads
				fl := future.ContinueWithFuture(heads[h], func(*future.Future[int]) (*future.Future[int], error) {
					return heads[inner], nil
				})
				flats[g] = append(flats[g], flat{inner, fl})
				ops.Add(2)
			}
			idx := []int{g % cfg.heads, (g + 1) % cfg.heads, g % cfg.heads}
			in := make([]*future.Future[int], len(idx))
			for i, h := range idx {
				in[i] = heads[h]
			}
			combs[g] = append(combs[g], comb{idx, future.Combine(in...)})
			allIdx := make([]int, cfg.heads)
			for i := range allIdx {
				allIdx[i] = i
			}
			combs[g] = append(combs[g], comb{allIdx, future.Combine(heads...)})
			ops.Add(2)
		})
	}

	// Readers: non-blocking reads and reads under a canceled context. Once a
	// reader sees a head done, it must stay done with the same outcome.
	reads := make([][]stressRead, cfg.readers)
	for g := range cfg.readers {
		spawn(func() {
			seen := make([]bool, cfg.heads)
			for i := range 4 * cfg.heads {
				h := i % cfg.heads
				f := heads[h]
				done := f.Done()
				ops.Add(1)
				if seen[h] && !done {
					t.Errorf("head %d: Done went from true to false", h)
				}
				seen[h] = seen[h] || done
				v, err := f.ResultContext(canceled)
				ops.Add(1)
				if err == context.Canceled {
					continue
				}
				seen[h] = true
				reads[g] = append(reads[g], stressRead{h, v, err})
				assert.Equal(t, err == nil, f.IsSuccess(), "head %d: IsSuccess disagrees with the outcome read", h)
				ops.Add(1)
			}
		})
	}

	close(start)
	waitGroup(t, &wg)

	// Exactly one winner per head, and the head holds its outcome.
	final := make([]stressWin, cfg.heads)
	for h, f := range heads {
		require.Len(t, wins[h], 1, "head %d: exactly one completion wins", h)
		w := <-wins[h]
		v, err := f.Result()
		require.Equal(t, w.v, v, "head %d", h)
		require.Equal(t, w.err, err, "head %d", h)
		if w.err != nil && w.tb == nil {
			w.tb = f.Traceback() // SetException's own
			require.NotNil(t, w.tb)
		}
		require.Same(t, w.tb, f.Traceback(), "head %d", h)
		final[h] = w
	}

	// Every callback ran exactly once, saw the final outcome, and ran either
	// at once on its registrar or on the winning completer.
	for _, cs := range all {
		for _, c := range cs {
			h := (c.registrar + c.seq) % cfg.heads
			require.Equal(t, int32(1), c.runs.Load(), "registrar %d callback %d runs", c.registrar, c.seq)
			assert.Equal(t, final[h].v, c.v)
			assert.Equal(t, final[h].err, c.err)
			if c.runGoid != c.regGoid {
				assert.Equal(t, final[h].goid, c.runGoid, "a queued callback runs on the completing goroutine")
			}
		}
	}
	// Per head and registrar: the callbacks queued before completion ran in
	// registration order; so did the ones that ran at once; and every queued
	// one was registered before every one that ran at once.
	for h, log := range logs {
		for g := range cfg.registrars {
			lastQueued, lastNow, firstNow := -1, -1, cfg.callbacks
			for _, c := range log {
				if c.registrar != g {
					continue
				}
				if c.runGoid == c.regGoid {
					assert.Greater(t, c.seq, lastNow, "head %d registrar %d: callbacks run at once out of order", h, g)
					lastNow, firstNow = c.seq, min(firstNow, c.seq)
				} else {
					assert.Greater(t, c.seq, lastQueued, "head %d registrar %d: queued callbacks out of order", h, g)
					lastQueued = c.seq
				}
			}
			assert.Less(t, lastQueued, firstNow, "head %d registrar %d: a callback queued after one ran at once", h, g)
		}
	}

	for g := range cfg.continuers {
		for _, c := range conts[g] {
			v, err := await(t, c.f)
			assert.Equal(t, int32(1), c.runs.Load(), "a continuation runs exactly once")
			w := final[c.head]
			assert.Equal(t, w.err, err)
			if w.err == nil {
				assert.Equal(t, 2*w.v, v)
			} else {
				assert.Same(t, w.tb, c.f.Traceback(), "a passed-on error keeps its traceback")
			}
		}
		for _, fl := range flats[g] {
			v, err := await(t, fl.f)
			w := final[fl.inner]
			assert.Equal(t, w.v, v)
			assert.Equal(t, w.err, err)
			assert.Same(t, w.tb, fl.f.Traceback())
		}
		for _, c := range combs[g] {
			vs, err := await(t, c.f)
			var failed []int
			for _, h := range c.idx {
				if final[h].err != nil {
					failed = append(failed, h)
				}
			}
			if len(failed) == 0 {
				require.NoError(t, err)
				want := make([]int, len(c.idx))
				for i, h := range c.idx {
					want[i] = final[h].v
				}
				assert.Equal(t, want, vs, "values in argument order")
				continue
			}
			// Which failure completes first is the schedule's choice; it
			// must be one of them, with its traceback.
			assert.Nil(t, vs)
			found := false
			for _, h := range failed {
				if final[h].err == err {
					found = true
					assert.Same(t, final[h].tb, c.f.Traceback())
				}
			}
			assert.True(t, found, "Combine failed with %v, not an input's error", err)
		}
	}

	for _, rs := range reads {
		for _, r := range rs {
			assert.Equal(t, final[r.head].v, r.v)
			assert.Equal(t, final[r.head].err, r.err)
		}
	}
}

// waitGroup waits for wg, failing the test if it takes longer than patience.
func waitGroup(t testing.TB, wg *sync.WaitGroup) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	receive(t, done)
}

// goid returns the calling goroutine's id, so the stress test can tell which
// goroutine ran a callback. Tests only: it parses runtime.Stack.
func goid() uint64 {
	var buf [64]byte
	s := string(buf[:runtime.Stack(buf[:], false)])
	s = strings.TrimPrefix(s, "goroutine ")
	id, err := strconv.ParseUint(s[:strings.IndexByte(s, ' ')], 10, 64)
	if err != nil {
		panic("goid: " + err.Error())
	}
	return id
}
