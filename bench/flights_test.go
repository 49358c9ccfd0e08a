package bench

import (
	"context"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/sync/singleflight"

	"github.com/gofutures/future"
)

// The size of the Flights workload.
const (
	flightCallers = 1000 // concurrent callers in a round
	flightKeys    = 10   // keys they spread over
)

var flightKeyNames = func() []string {
	keys := make([]string, flightKeys)
	for i := range keys {
		keys[i] = "user:" + strconv.Itoa(i)
	}
	return keys
}()

// lookup is the shared work: next to nothing, so that what is measured is
// the coalescing.
func lookup(key int) (int, error) { return key * 2, nil }

// Flights (issue 14): 1,000 concurrent callers spread over 10 keys, each on
// a goroutine of its own (as requests are), ask for a key and wait for its
// value. A key's work waits until every caller of the round has asked, so
// that each round runs it exactly once per key, for every library alike;
// then every caller gets the value. An op is a round.
func BenchmarkFlights(b *testing.B) {
	b.Run("lib=future", func(b *testing.B) {
		var s future.Flights[string, int]
		ctx := context.Background()
		flightRounds(b, func(key int, asked func(), gate <-chan struct{}) int {
			f := s.Do(ctx, flightKeyNames[key], func(context.Context) (int, error) {
				<-gate
				return lookup(key)
			})
			asked()
			v, _ := f.Result()
			return v
		})
	})
	b.Run("lib=singleflight", func(b *testing.B) {
		var g singleflight.Group
		flightRounds(b, func(key int, asked func(), gate <-chan struct{}) int {
			ch := g.DoChan(flightKeyNames[key], func() (any, error) {
				<-gate
				return lookup(key)
			})
			asked()
			r := <-ch
			return r.Val.(int)
		})
	})
}

// flightRounds is the Flights workload's harness. call asks for key, calls
// asked once it has (the work of the round's keys starts when every caller
// has), waits for the value and returns it. It reports, beside the usual
// figures, ns and allocations per caller.
func flightRounds(b *testing.B, call func(key int, asked func(), gate <-chan struct{}) int) {
	var wg sync.WaitGroup
	perUnit(b, flightCallers, "caller", func() {
		gate := make(chan struct{})
		var pending atomic.Int32
		pending.Store(flightCallers)
		asked := func() {
			if pending.Add(-1) == 0 {
				close(gate)
			}
		}
		wg.Add(flightCallers)
		for i := range flightCallers {
			go func() {
				defer wg.Done()
				key := i % flightKeys
				if v := call(key, asked, gate); v != key*2 {
					panic("wrong value")
				}
			}()
		}
		wg.Wait()
	})
}

// perUnit runs round b.N times and reports, beside the usual figures, ns and
// allocations per unit (a Flights caller, a Batcher load), of which a round
// has n.
func perUnit(b *testing.B, n int, unit string, round func()) {
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for range b.N {
		round()
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	units := float64(b.N) * float64(n)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/units, "ns/"+unit)
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/units, "allocs/"+unit)
}
