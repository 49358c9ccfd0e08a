package future_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gofutures/future"
)

// Cancel gives up on a result nobody needs any more: the future fails with
// context.Canceled at once, and a function started by GoContext or Submit
// sees its context end.
func ExampleFuture_Cancel() {
	started, stopped := make(chan struct{}), make(chan error)
	search := future.GoContext(context.Background(), func(ctx context.Context) ([]string, error) {
		close(started)
		<-ctx.Done() // a long search that checks for cancellation
		stopped <- ctx.Err()
		return nil, ctx.Err()
	})

	<-started // (canceled before it starts, the search would never run)
	fmt.Println(search.Cancel())
	fmt.Println(search.Exception())
	fmt.Println("the search saw:", <-stopped)
	fmt.Println(search.Cancel())
	// Output:
	// true
	// context canceled
	// the search saw: context canceled
	// false
}

// GoContext ties work to a request's context: here a deadline stops a slow
// report, whose future carries the reason.
func ExampleGoContext() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()

	report := future.GoContext(ctx, func(ctx context.Context) (string, error) {
		slow := time.NewTimer(time.Minute) // the full report takes too long
		defer slow.Stop()
		select {
		case <-slow.C:
			return "full report", nil
		case <-ctx.Done():
			return "", fmt.Errorf("report: %w", context.Cause(ctx))
		}
	})

	_, err := report.Result()
	fmt.Println(err)
	fmt.Println(errors.Is(err, context.DeadlineExceeded))
	// Output:
	// report: context deadline exceeded
	// true
}

// priceOf stands in for a call to a pricing service.
func priceOf(ctx context.Context, sku string) (float64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return float64(len(sku)) * 1.25, nil
}

// Submit fans requests out through a pool that keeps at most three in
// flight; Combine gathers the answers in order.
func ExampleSubmit() {
	pool := future.NewPool(3)
	ctx := context.Background()
	var inFlight, peak atomic.Int32

	skus := []string{"tea", "coffee", "cocoa", "matcha", "chai", "rooibos", "mate"}
	prices := make([]*future.Future[float64], len(skus))
	for i, sku := range skus {
		prices[i] = future.Submit(pool, ctx, func(ctx context.Context) (float64, error) {
			n := inFlight.Add(1)
			defer inFlight.Add(-1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			return priceOf(ctx, sku)
		})
	}

	all, err := future.Combine(prices...).Result()
	fmt.Println(all, err)
	fmt.Println("at most 3 in flight:", peak.Load() <= 3)
	// Output:
	// [3.75 7.5 6.25 7.5 5 8.75 5] <nil>
	// at most 3 in flight: true
}

// A Pool bounds how much work runs at once; Wait returns when all of it is
// done. An idle pool holds no goroutines and needs no Close. Here the
// functions report through a shared counter, so their futures are not kept;
// ExampleSubmit gathers the futures instead.
func ExamplePool() {
	pool := future.NewPool(2)
	var words atomic.Int64
	docs := []string{
		"a future is a value that will exist later",
		"a pool runs at most its limit at once",
		"wait returns when the pool is idle",
	}
	for _, doc := range docs {
		future.Submit(pool, context.Background(), func(context.Context) (int, error) {
			n := len(strings.Fields(doc))
			words.Add(int64(n))
			return n, nil
		})
	}
	pool.Wait()
	fmt.Println(words.Load(), "words counted")
	// Output: 25 words counted
}
