package future_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/gofutures/future"
)

// Three requests ask for the same user while it loads: the database is
// asked once. One request is abandoned by its client; the others still get
// the user, and the load goes on until the last of them stops waiting.
func ExampleFlights() {
	var users future.Flights[int, string]
	var queries atomic.Int32
	slow := make(chan struct{})
	loadUser := func(ctx context.Context) (string, error) {
		queries.Add(1)
		select {
		case <-slow: // the query takes a while
			return "Ada Lovelace", nil
		case <-ctx.Done(): // every request gave up
			return "", ctx.Err()
		}
	}

	a := users.Do(context.Background(), 42, loadUser)
	b := users.Do(context.Background(), 42, loadUser) // joins a's load
	client, disconnect := context.WithCancel(context.Background())
	c := users.Do(client, 42, loadUser) // joins it too

	disconnect() // c's client goes away
	_, err := c.Result()
	fmt.Println("c:", err)

	close(slow)
	for _, f := range []*future.Future[string]{a, b} {
		name, err := f.Result()
		fmt.Println(name, err)
	}
	fmt.Println("queries:", queries.Load())
	// Output:
	// c: context canceled
	// Ada Lovelace <nil>
	// Ada Lovelace <nil>
	// queries: 1
}

// A run that every caller has left is canceled, and the next caller starts
// a new one rather than joining it.
func ExampleFlights_Do() {
	var reports future.Flights[string, string]
	var runs atomic.Int32
	started := make(chan struct{}, 2)
	build := func(ctx context.Context) (string, error) {
		run := runs.Add(1)
		started <- struct{}{}
		if run == 1 {
			<-ctx.Done() // a slow build, abandoned
			return "", ctx.Err()
		}
		return fmt.Sprintf("report from run %d", run), nil
	}

	first := reports.Do(context.Background(), "weekly", build)
	<-started
	first.Cancel() // the only caller leaves: the build is canceled

	second := reports.Do(context.Background(), "weekly", build)
	<-started
	fmt.Println(first.Result())
	fmt.Println(second.Result())
	// Output:
	// context canceled
	// report from run 2 <nil>
}

// A lookup hedged after 10ms: replica 0 is stuck (in a garbage collection
// pause, say), so a second request goes to replica 1, whose answer wins;
// the stuck request is then canceled.
func ExampleHedge() {
	stuck := make(chan error, 1)
	lookup := func(ctx context.Context, attempt int) (string, error) {
		if attempt == 0 {
			<-ctx.Done() // replica 0 answers only when told to stop
			stuck <- context.Cause(ctx)
			return "", ctx.Err()
		}
		return fmt.Sprintf("row from replica %d", attempt), nil
	}

	row, err := future.Hedge(context.Background(), 10*time.Millisecond, 2, lookup).Result()
	fmt.Println(row, err)
	fmt.Println("replica 0:", <-stuck)
	// Output:
	// row from replica 1 <nil>
	// replica 0: context canceled
}

// When every attempt fails, the error says which attempt failed how, in
// the order they started, and errors.Is finds each one; a failure starts
// the next attempt at once, without waiting for the delay.
func ExampleHedge_failures() {
	errDown := errors.New("replica down")
	errBusy := errors.New("replica overloaded")
	lookup := func(ctx context.Context, attempt int) (string, error) {
		if attempt == 1 {
			return "", errBusy
		}
		return "", errDown
	}

	_, err := future.Hedge(context.Background(), time.Minute, 3, lookup).Result()
	fmt.Println(err)
	fmt.Println(errors.Is(err, errDown), errors.Is(err, errBusy))
	// Output:
	// future: hedge: 3 attempts failed: attempt 0: replica down; attempt 1: replica overloaded; attempt 2: replica down
	// true true
}
