// Command service plays one request of a web service that prices a
// shopping cart: a Pool keeps at most 8 backend lookups in flight, the
// request's deadline stops the work nobody will wait for, Cancel drops the
// items the shopper removed, ContinueWith and Combine build the receipt for
// the items that made it, and the program prints how many lookups ran, how
// many were canceled, and the peak concurrency it saw.
//
//	go run ./examples/service
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/gofutures/future"
)

const (
	items    = 80                     // lookups in the cart
	limit    = 8                      // at most this many in flight
	deadline = 300 * time.Millisecond // the request's budget
)

// gauge counts the lookups running now and the most seen at once.
type gauge struct{ now, peak atomic.Int32 }

func (g *gauge) enter() {
	n := g.now.Add(1)
	for p := g.peak.Load(); n > p && !g.peak.CompareAndSwap(p, n); p = g.peak.Load() {
	}
}

func (g *gauge) leave() { g.now.Add(-1) }

// lookupPrice stands in for a pricing backend: 20 to 80 ms per item, cut
// short if ctx ends.
func lookupPrice(ctx context.Context, item int) (float64, error) {
	latency := time.Duration(20+item*37%61) * time.Millisecond
	timer := time.NewTimer(latency)
	defer timer.Stop()
	select {
	case <-timer.C:
		return 1 + float64(item%9)*0.5, nil
	case <-ctx.Done():
		return 0, context.Cause(ctx)
	}
}

func main() {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()

	pool := future.NewPool(limit)
	var inFlight gauge
	var started atomic.Int32
	prices := make([]*future.Future[float64], items)
	for i := range prices {
		prices[i] = future.Submit(pool, ctx, func(ctx context.Context) (float64, error) {
			started.Add(1)
			inFlight.enter()
			defer inFlight.leave()
			return lookupPrice(ctx, i)
		})
	}
	fmt.Printf("request: %d price lookups, at most %d at once, deadline %v\n", items, limit, deadline)

	// The shopper removes the last four items: their lookups are still
	// queued, and never run.
	removed := 0
	for _, f := range prices[items-4:] {
		if f.Cancel() {
			removed++
		}
	}

	// The receipt for the first ten items: a line per item, gathered in
	// order. These lookups start first, so they beat the deadline.
	lines := make([]*future.Future[string], 10)
	for i := range lines {
		lines[i] = future.ContinueWith(prices[i], func(f *future.Future[float64]) (string, error) {
			p, err := f.Result()
			return fmt.Sprintf("item %2d  %5.2f", i, p), err
		})
	}
	receipt, err := future.Combine(lines...).ResultContext(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "service: receipt:", err)
		os.Exit(1)
	}
	fmt.Println("receipt for the first ten items:")
	for _, line := range receipt {
		fmt.Println("  " + line)
	}

	pool.Wait() // every lookup has finished or been dropped
	var priced, byDeadline, byShopper int
	for _, f := range prices {
		switch err := f.Exception(); {
		case err == nil:
			priced++
		case errors.Is(err, context.DeadlineExceeded):
			byDeadline++
		case errors.Is(err, context.Canceled):
			byShopper++
		default:
			fmt.Fprintln(os.Stderr, "service: unexpected:", err)
		}
	}
	ran := int(started.Load())
	cutShort := ran - priced // started, then the deadline passed
	fmt.Printf("after %v:\n", time.Since(start).Round(10*time.Millisecond))
	fmt.Printf("  ran:      %2d (%d priced, %d cut short by the deadline)\n", ran, priced, cutShort)
	fmt.Printf("  canceled: %2d before they ran (%d dropped from the queue by the deadline, %d removed by the shopper)\n",
		items-ran, byDeadline-cutShort, byShopper)
	fmt.Printf("  peak concurrency: %d (limit %d)\n", inFlight.peak.Load(), limit)
}
