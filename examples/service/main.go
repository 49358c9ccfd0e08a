// Command service plays two requests of a web service that prices shopping
// carts, arriving together at one shared Pool of 8 workers. Each request
// fans its 50 price lookups out as a Group: request A's backend fails on
// one item, which cancels A's other lookups at once (running ones see their
// context end, queued ones never run and fail with ErrNotRun), while
// request B's lookups, on the same pool, run to the end. The program prints
// what ran, what was skipped, how long each request's Wait took, and the
// peak concurrency on the pool.
//
//	go run ./examples/service
package main

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/gofutures/future"
)

const (
	items    = 50              // lookups in each cart
	limit    = 8               // the pool runs at most this many, for every request
	deadline = 2 * time.Second // each request's budget
	broken   = 12              // request A's backend fails on this item
)

// gauge counts the lookups running now and the most seen at once.
type gauge struct{ now, peak atomic.Int32 }

func (g *gauge) enter() {
	n := g.now.Add(1)
	for p := g.peak.Load(); n > p && !g.peak.CompareAndSwap(p, n); p = g.peak.Load() {
	}
}

func (g *gauge) leave() { g.now.Add(-1) }

var onPool gauge // every lookup of every request

// lookupPrice stands in for a pricing backend: 20 to 80 ms per item, cut
// short if ctx ends. A broken item fails after 5 ms.
func lookupPrice(ctx context.Context, item int, broken bool) (float64, error) {
	latency := time.Duration(20+item*37%61) * time.Millisecond
	if broken {
		latency = 5 * time.Millisecond
	}
	timer := time.NewTimer(latency)
	defer timer.Stop()
	select {
	case <-timer.C:
		if broken {
			return 0, fmt.Errorf("item %d: backend 500", item)
		}
		return 1 + float64(item%9)*0.5, nil
	case <-ctx.Done():
		return 0, context.Cause(ctx)
	}
}

// request is one request's cart being priced.
type request struct {
	name    string
	broken  int // the item whose backend fails, or -1
	start   time.Time
	cancel  context.CancelFunc
	g       *future.Group
	prices  []*future.Future[float64]
	started atomic.Int32 // lookups that ran
}

// priceCart starts pricing a cart as one Group on the shared pool, and
// returns at once: the lookups wait in the pool's queue.
func priceCart(pool *future.Pool, name string, brokenItem int) *request {
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	r := &request{name: name, broken: brokenItem, start: time.Now(), cancel: cancel, g: future.NewGroup(ctx, pool)}
	r.prices = make([]*future.Future[float64], items)
	for i := range r.prices {
		r.prices[i] = future.Fork(r.g, func(ctx context.Context) (float64, error) {
			r.started.Add(1)
			onPool.enter()
			defer onPool.leave()
			return lookupPrice(ctx, i, i == brokenItem)
		})
	}
	return r
}

// report waits for the request's lookups, and only for them, and prints
// what became of them; then how many of the other requests' lookups were
// still pending when its Wait returned.
func (r *request) report(others ...*request) {
	defer r.cancel()
	err := r.g.Wait() // every lookup of this request has returned
	took := time.Since(r.start).Round(10 * time.Millisecond)
	pending := make([]int, len(others))
	for i, o := range others {
		for _, f := range o.prices {
			if !f.Done() {
				pending[i]++
			}
		}
	}

	var priced, failed, cutShort, skipped int
	var total float64
	var skippedErr error
	for i, f := range r.prices {
		p, err := f.Result() // done: Wait has returned
		switch {
		case err == nil:
			priced++
			total += p
		case errors.Is(err, future.ErrNotRun):
			skipped++
			skippedErr = err
		case i == r.broken:
			failed++
		default:
			cutShort++ // it saw its context end, with the failure as the cause
		}
	}
	fmt.Printf("request %s: Wait returned after about %v: %v\n", r.name, took, err)
	fmt.Printf("  ran:     %2d (%d priced, %d failed, %d cut short by the failure)\n", r.started.Load(), priced, failed, cutShort)
	if skipped > 0 {
		fmt.Printf("  skipped: %2d never ran: %v\n", skipped, skippedErr)
	}
	if err == nil {
		fmt.Printf("  total:   %.2f\n", total)
	}
	for i, o := range others {
		fmt.Printf("  request %s's lookups still queued or running then: %d of %d\n", o.name, pending[i], items)
	}
}

func main() {
	pool := future.NewPool(limit) // one per service, shared by every request
	pool.SetQueueLimit(4 * items) // backpressure: beyond this, Fork waits for room
	fmt.Printf("two requests, %d price lookups each, on one pool of %d workers\n", items, limit)

	a := priceCart(pool, "A", broken)
	b := priceCart(pool, "B", -1) // queued behind A's lookups
	a.report(b)
	b.report()
	fmt.Printf("peak concurrency on the pool: %d (limit %d)\n", onPool.peak.Load(), limit)
}
