package bench

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gofutures/future"
)

// Tail at scale, reproduced: the simulation behind results/tail.md. A
// backend answers in 10 ms with probability 0.99 and in 1 s otherwise, each
// call independently; requests ask it for one key, or fan out to 100 keys
// and wait for all of them, without hedging and with future.Hedge. It runs
// in a synctest bubble, on fake time: every latency is exact, and the same
// on every machine and every run (the backend's draws come from a seeded
// generator, one stream per request, key and attempt, so the order in which
// goroutines run changes nothing).
//
// The test checks that results/tail.md is what the simulation gives;
// TAIL_WRITE=1 writes it instead:
//
//	TAIL_WRITE=1 go test -run '^TestTailAtScale$' .

const (
	tailRequests    = 10_000
	tailFanOut      = 100
	tailFast        = 10 * time.Millisecond
	tailSlow        = time.Second
	tailSlowChance  = 0.01
	tailSeed        = 2013 // the year of the paper
	tailConcurrency = 50   // requests in flight at once; the backend has no queue, so this changes no latency
	tailFile        = "results/tail.md"
)

// tailLatency is the backend's latency for attempt a at key k of request r.
func tailLatency(r, k, a int) time.Duration {
	rng := rand.New(rand.NewPCG(tailSeed, uint64(r)<<32|uint64(k)<<8|uint64(a)))
	if rng.Float64() < tailSlowChance {
		return tailSlow
	}
	return tailFast
}

// tailBackend waits for the latency of one call, or until ctx ends.
func tailBackend(ctx context.Context, latency time.Duration) (struct{}, error) {
	t := time.NewTimer(latency)
	defer t.Stop()
	select {
	case <-t.C:
		return struct{}{}, nil
	case <-ctx.Done():
		return struct{}{}, ctx.Err()
	}
}

// tailRun is one row of the table: the latencies of every request, and the
// backend calls made.
type tailRun struct {
	keys, attempts int
	latencies      []time.Duration
	calls          int64
}

// simulate runs tailRequests requests of keys keys each, with Hedge(delay,
// attempts) or, if attempts is 0, with one call per key, and returns their
// latencies in fake time. It must run in a bubble.
func simulate(keys int, delay time.Duration, attempts int) tailRun {
	var calls atomic.Int64
	run := tailRun{keys: keys, attempts: attempts, latencies: make([]time.Duration, tailRequests)}
	var wg sync.WaitGroup
	sem := make(chan struct{}, tailConcurrency)
	for r := range tailRequests {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			ctx := context.Background()
			start := time.Now()
			parts := make([]*future.Future[struct{}], keys)
			for k := range parts {
				if attempts == 0 {
					parts[k] = future.GoContext(ctx, func(ctx context.Context) (struct{}, error) {
						calls.Add(1)
						return tailBackend(ctx, tailLatency(r, k, 0))
					})
					continue
				}
				parts[k] = future.Hedge(ctx, delay, attempts, func(ctx context.Context, a int) (struct{}, error) {
					calls.Add(1)
					return tailBackend(ctx, tailLatency(r, k, a))
				})
			}
			if _, err := future.All(parts...).Result(); err != nil {
				panic(err)
			}
			run.latencies[r] = time.Since(start) // the clock stands still while this goroutine runs
		}()
	}
	wg.Wait()
	run.calls = calls.Load()
	slices.Sort(run.latencies)
	return run
}

// percentile is the nearest-rank percentile p (0 to 100) of sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}

// thousands formats n with commas between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func formatMs(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', -1, 64) + " ms"
}

func TestTailAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates about 3 million backend calls")
	}
	// p95 of one backend call, from an unhedged one-key run.
	runs := make([]tailRun, 5)
	synctest.Test(t, func(*testing.T) { runs[0] = simulate(1, 0, 0) })
	p95 := percentile(runs[0].latencies, 95)
	// Dean and Barroso hedge once a request has been outstanding for more
	// than the 95th-percentile latency. Every fast call in this model takes
	// exactly the p95, so a hedge due at the p95 itself would fire at the
	// same fake instant as the reply, and which went first would be up to
	// the scheduler: the delay is the p95 plus a microsecond.
	delay := p95 + time.Microsecond
	synctest.Test(t, func(*testing.T) { runs[1] = simulate(1, delay, 2) })
	synctest.Test(t, func(*testing.T) { runs[2] = simulate(tailFanOut, 0, 0) })
	synctest.Test(t, func(*testing.T) { runs[3] = simulate(tailFanOut, delay, 2) })
	synctest.Test(t, func(*testing.T) { runs[4] = simulate(tailFanOut, delay, 3) })

	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("<!-- Written by TestTailAtScale (bench/tail_test.go); do not edit by hand. -->\n")
	p("Backend: %s with probability %.2f, %s otherwise, each call independently (seed %d).\n",
		formatMs(tailFast), 1-tailSlowChance, formatMs(tailSlow), tailSeed)
	p("%s requests per row, on fake time (`testing/synctest`). Hedging: `future.Hedge(ctx, %s, attempts, call)`,\n",
		thousands(tailRequests), formatMs(delay))
	p("the p95 of one call (%s) plus 1 µs. Percentiles are nearest-rank over the requests.\n\n", formatMs(p95))
	p("| request | hedging | p50 | p99 | p99.9 | requests ≥ %s | extra calls |\n|---|---|--:|--:|--:|--:|--:|\n", formatMs(tailSlow))
	for _, run := range runs {
		what := "one key"
		if run.keys > 1 {
			what = fmt.Sprintf("fan-out to %d keys, waits for all", run.keys)
		}
		hedging := "none"
		if run.attempts > 0 {
			hedging = fmt.Sprintf("Hedge, %d attempts", run.attempts)
		}
		base := int64(tailRequests * run.keys)
		slow := len(run.latencies) - sort.Search(len(run.latencies), func(i int) bool { return run.latencies[i] >= tailSlow })
		p("| %s | %s | %s | %s | %s | %.2f%% | %.2f%% |\n", what, hedging,
			formatMs(percentile(run.latencies, 50)), formatMs(percentile(run.latencies, 99)),
			formatMs(percentile(run.latencies, 99.9)), 100*float64(slow)/float64(len(run.latencies)),
			100*float64(run.calls-base)/float64(base))
	}
	got := b.String()
	t.Logf("\n%s", got)

	if os.Getenv("TAIL_WRITE") != "" {
		if err := os.WriteFile(tailFile, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(tailFile)
	if err != nil {
		t.Fatalf("%v (TAIL_WRITE=1 writes it)", err)
	}
	if string(want) != got {
		t.Errorf("%s is not what the simulation gives (TAIL_WRITE=1 rewrites it); got:\n%s", tailFile, got)
	}
}
