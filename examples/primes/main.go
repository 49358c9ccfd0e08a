// Command primes counts the primes in several ranges concurrently with the
// future package: Go starts one computation per range, ContinueWith turns
// each count into a report line, AddDoneCallback logs progress as ranges
// finish, Combine gathers the reports in order, and ResultContext bounds the
// whole job with a deadline.
//
//	go run ./examples/primes
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

// span is a half-open range of integers [lo, hi).
type span struct{ lo, hi int }

var errBadSpan = errors.New("empty range")

// countPrimes counts the primes in s by trial division: real CPU work.
func countPrimes(s span) (int, error) {
	if s.hi <= s.lo {
		return 0, fmt.Errorf("[%d, %d): %w", s.lo, s.hi, errBadSpan)
	}
	n := 0
	for v := max(s.lo, 2); v < s.hi; v++ {
		prime := true
		for d := 2; d*d <= v; d++ {
			if v%d == 0 {
				prime = false
				break
			}
		}
		if prime {
			n++
		}
	}
	return n, nil
}

func main() {
	spans := []span{
		{0, 1_000_000},
		{1_000_000, 2_000_000},
		{2_000_000, 3_000_000},
		{3_000_000, 4_000_000},
		{4_000_000, 5_000_000},
	}
	start := time.Now()
	var finished atomic.Int32

	reports := make([]*future.Future[string], len(spans))
	for i, s := range spans {
		count := future.Go(func() (int, error) { return countPrimes(s) })
		count.AddDoneCallback(func(f *future.Future[int]) {
			n := finished.Add(1)
			fmt.Printf("  range %d done after %v (%d of %d finished)\n", i+1, time.Since(start).Round(time.Millisecond), n, len(spans))
		})
		reports[i] = future.ContinueWith(count, func(f *future.Future[int]) (string, error) {
			n, err := f.Result()
			if err != nil {
				return "", err
			}
			density := float64(n) / float64(s.hi-s.lo) * 100
			return fmt.Sprintf("[%9d, %9d): %6d primes (%.2f%%)", s.lo, s.hi, n, density), nil
		})
	}

	fmt.Printf("counting primes in %d ranges concurrently...\n", len(spans))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	lines, err := future.Combine(reports...).ResultContext(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "primes:", err)
		os.Exit(1)
	}
	for _, line := range lines {
		fmt.Println(line)
	}

	// A failing input: Combine waits for every input, then reports the
	// first error.
	bad := future.Combine(
		future.Go(func() (int, error) { return countPrimes(span{10, 20}) }),
		future.Go(func() (int, error) { return countPrimes(span{20, 10}) }),
	)
	_, err = bad.ResultContext(ctx)
	fmt.Printf("a bad range fails the batch: %v (errors.Is errBadSpan: %v)\n", err, errors.Is(err, errBadSpan))
	fmt.Printf("all done in %v\n", time.Since(start).Round(time.Millisecond))
}
