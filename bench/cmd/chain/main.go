// Command chain is W6: it builds a chain of continuations on a pending
// future with one library, completes the head under
// debug.SetMaxStack(64 MiB), and prints "ok <links> <duration>". A library
// whose completion recurses once per link overflows the stack, which kills
// the process: run.sh runs each library in a process of its own and records
// that as the outcome.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"time"

	"github.com/gofutures/future/bench"
	"github.com/gofutures/future/internal/workloads"
)

func main() {
	lib := flag.String("lib", "future", "the library: future, recursive or mo")
	n := flag.Int("n", 1_000_000, "the number of links")
	flag.Parse()
	debug.SetMaxStack(64 << 20)

	var run func(n int) int
	switch *lib {
	case "future":
		run = chainFuture
	case "recursive":
		run = chainRecursive
	case "mo":
		run = chainMo
	default:
		fmt.Fprintf(os.Stderr, "chain: unknown library %q\n", *lib)
		os.Exit(2)
	}
	start := time.Now()
	got := run(*n)
	elapsed := time.Since(start)
	if got != *n {
		fmt.Fprintf(os.Stderr, "chain: %s: the tail is %d, want %d\n", *lib, got, *n)
		os.Exit(1)
	}
	fmt.Printf("ok %d %s\n", *n, elapsed.Round(time.Millisecond))
}

// Each run builds n links that add one, completes the head with 0 and
// returns the tail's value.

func chainFuture(n int) int {
	head, tail := workloads.ChainFuture(n)
	head.SetResult(0)
	v, _ := tail.Result()
	return v
}

func chainRecursive(n int) int {
	head, tail := workloads.ChainRecursive(n)
	head.Set(0, nil)
	v, _ := tail.Peek()
	return v
}

func chainMo(n int) int {
	head, tail := bench.ChainMo(n)
	head.Resolve(0)
	v, _ := tail.Collect()
	return v
}
