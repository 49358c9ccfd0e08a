package future_test

import (
	"context"
	"testing"

	"github.com/gofutures/future/internal/workloads"
)

// BenchmarkCalls measures calls in flight (issue 24): 64 callers each
// start a call and wait for its answer, which one responder goroutine
// delivers by id, as a connection's reader does; one op is one call.
// lib=map is what net/rpc and nats.go write by hand, a map[uint64]chan T
// under a mutex with a select on ctx.Done(). Targets: round trips at 0.9x
// the map or better with no more allocations, and the timeout storm (every
// call's ctx ends before its answer) at 1.0x or better. lib=map-watched is
// the map made to keep Calls' rule that a call leaves when its ctx ends
// whether or not anyone waits: a context.AfterFunc per call whose ctx can
// end, the floor the standard library sets under any such table.
func BenchmarkCalls(b *testing.B) {
	for _, m := range []struct {
		name string
		mode workloads.CallsMode
	}{
		{"roundtrip", workloads.CallsBackground},
		{"roundtrip-ctx", workloads.CallsCancelable},
		{"timeout-storm", workloads.CallsTimeoutStorm},
	} {
		b.Run(m.name+"/lib=future", workloads.CallsFuture(m.mode))
		b.Run(m.name+"/lib=map", workloads.CallsMap(m.mode))
		if m.mode != workloads.CallsBackground {
			b.Run(m.name+"/lib=map-watched", workloads.CallsMapWatched(m.mode))
		}
	}
}

// BenchmarkAfterFunc measures what watching a ctx costs a call that must
// leave its table when its ctx ends, whoever waits for it: a
// context.AfterFunc on a live cancelable ctx, with a function that captures
// nothing, stopped at once. It is the floor under lib=map-watched in
// BenchmarkCalls, and so under Calls with such contexts.
func BenchmarkAfterFunc(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	nothing := func() {}
	b.ReportAllocs()
	for b.Loop() {
		stop := context.AfterFunc(ctx, nothing)
		stop()
	}
}
