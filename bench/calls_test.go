package bench

import (
	"testing"

	"github.com/gofutures/future/internal/workloads"
)

// The calls-in-flight workloads of issue 24, as BenchmarkCalls in the
// package runs them, here so that bench/spread.sh can run each contender in
// a fresh process: 64 callers each start a call and wait for its answer,
// which one responder goroutine delivers by id. One op is one call.
// lib=map is the map[uint64]chan T that net/rpc and nats.go keep by hand;
// lib=map-watched is that map made to keep Calls' rule that a call whose
// ctx ends leaves the table whether or not anyone waits for it (one
// context.AfterFunc per call whose ctx can end).

// CallsRoundtrip: every call with context.Background().
func BenchmarkCallsRoundtrip(b *testing.B) {
	b.Run("lib=future", workloads.CallsFuture(workloads.CallsBackground))
	b.Run("lib=map", workloads.CallsMap(workloads.CallsBackground))
}

// CallsRoundtripCtx: each caller's calls with a cancelable ctx of its own
// that does not end during the run.
func BenchmarkCallsRoundtripCtx(b *testing.B) {
	b.Run("lib=future", workloads.CallsFuture(workloads.CallsCancelable))
	b.Run("lib=map", workloads.CallsMap(workloads.CallsCancelable))
	b.Run("lib=map-watched", workloads.CallsMapWatched(workloads.CallsCancelable))
}

// CallsStorm: every call's ctx ends after its request is sent and before
// its answer, which comes late.
func BenchmarkCallsStorm(b *testing.B) {
	b.Run("lib=future", workloads.CallsFuture(workloads.CallsTimeoutStorm))
	b.Run("lib=map", workloads.CallsMap(workloads.CallsTimeoutStorm))
	b.Run("lib=map-watched", workloads.CallsMapWatched(workloads.CallsTimeoutStorm))
}
