package future_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gofutures/future"
)

// A producer goroutine completes the future; the consumer blocks in Result.
func ExampleNew() {
	price := future.New[float64]()

	go func() {
		// ... look the price up somewhere slow ...
		price.SetResult(19.99)
	}()

	p, err := price.Result()
	fmt.Println(p, err)
	// Output: 19.99 <nil>
}

// Go runs a function in its own goroutine and returns its outcome as a
// future.
func ExampleGo() {
	const doc = "the quick brown fox jumps over the lazy dog"
	words := future.Go(func() (int, error) {
		return len(strings.Fields(doc)), nil
	})

	n, err := words.Result()
	fmt.Println(n, err)
	// Output: 9 <nil>
}

// A panic in the function becomes the future's error, with the panic's stack
// as its traceback.
func ExampleGo_panic() {
	parsed := future.Go(func() (int, error) {
		var fields []string
		return len(fields[3]), nil // index out of range
	})

	_, err := parsed.Result()
	var pe *future.PanicError
	fmt.Println(errors.As(err, &pe))
	fmt.Println(err)
	// Output:
	// true
	// future: panic: runtime error: index out of range [3] with length 0
}

// Callbacks run once the future is done, on the goroutine that completed it,
// in the order they were added.
func ExampleFuture_AddDoneCallback() {
	order := future.New[string]()

	order.AddDoneCallback(func(f *future.Future[string]) {
		id, _ := f.Result()
		fmt.Println("send confirmation for", id)
	})
	order.AddDoneCallback(func(f *future.Future[string]) {
		id, _ := f.Result()
		fmt.Println("update stock for", id)
	})

	order.SetResult("order-1138") // runs both callbacks before returning
	// Output:
	// send confirmation for order-1138
	// update stock for order-1138
}

// A failure records the stack of the code that failed, as Python's
// traceback does.
func ExampleFuture_Traceback() {
	config := future.New[string]()
	loadConfig(config)

	fmt.Println(config.Exception())
	innermost := config.Traceback().Frames()[0].Function
	fmt.Println(innermost[strings.LastIndex(innermost, ".")+1:])
	// Output:
	// open app.yaml: permission denied
	// loadConfig
}

func loadConfig(f *future.Future[string]) {
	f.SetException(errors.New("open app.yaml: permission denied"))
}

// ResultContext bounds the wait without touching the future: a caller that
// gives up leaves it for others to read later.
func ExampleFuture_ResultContext() {
	report := future.New[string]()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	_, err := report.ResultContext(ctx)
	fmt.Println(err)

	report.SetResult("quarterly report")
	r, err := report.ResultContext(context.Background())
	fmt.Println(r, err)
	// Output:
	// context deadline exceeded
	// quarterly report <nil>
}

// DoneChan lets a future take part in a select.
func ExampleFuture_DoneChan() {
	build := future.Go(func() (string, error) { return "build #42 passed", nil })

	select {
	case <-build.DoneChan():
		msg, _ := build.Result()
		fmt.Println(msg)
	case <-time.After(10 * time.Second):
		fmt.Println("still building")
	}
	// Output: build #42 passed
}

// ContinueWith transforms a future's outcome once it is known; the
// continuation decides what a failure means.
func ExampleContinueWith() {
	celsius := future.New[float64]()

	fahrenheit := future.ContinueWith(celsius, func(f *future.Future[float64]) (float64, error) {
		c, err := f.Result()
		if err != nil {
			return 0, fmt.Errorf("no reading: %w", err)
		}
		return c*9/5 + 32, nil
	})

	celsius.SetResult(21.5)
	fmt.Println(fahrenheit.Result())
	// Output: 70.7 <nil>
}

// ContinueWithFuture chains an asynchronous step: the function returns a
// future, and the result completes when that one does.
func ExampleContinueWithFuture() {
	lookupUserID := func(name string) *future.Future[int] {
		return future.Go(func() (int, error) { return len(name) * 100, nil })
	}
	loadOrders := func(userID int) *future.Future[[]string] {
		return future.Go(func() ([]string, error) {
			return []string{fmt.Sprintf("order-%d-a", userID), fmt.Sprintf("order-%d-b", userID)}, nil
		})
	}

	orders := future.ContinueWithFuture(lookupUserID("ada"), func(f *future.Future[int]) (*future.Future[[]string], error) {
		id, err := f.Result()
		if err != nil {
			return nil, err
		}
		return loadOrders(id), nil
	})

	fmt.Println(orders.Result())
	// Output: [order-300-a order-300-b] <nil>
}

// Flatten unwraps a future of a future.
func ExampleFlatten() {
	replica := future.New[string]()
	chosen := future.Completed(replica) // a *Future[*Future[string]]

	answer := future.Flatten(chosen)
	replica.SetResult("answer from replica 2")
	fmt.Println(answer.Result())
	// Output: answer from replica 2 <nil>
}

// Combine waits for every input, then yields their values in argument order,
// whatever order they finished in.
func ExampleCombine() {
	sizes := []*future.Future[int]{future.New[int](), future.New[int](), future.New[int]()}
	total := future.Combine(sizes...)

	sizes[2].SetResult(300)
	sizes[0].SetResult(100)
	sizes[1].SetResult(200)

	fmt.Println(total.Result())
	// Output: [100 200 300] <nil>
}

// If any input fails, Combine still waits for all of them, then fails with
// the first error.
func ExampleCombine_failure() {
	a, b, c := future.New[string](), future.New[string](), future.New[string]()
	all := future.Combine(a, b, c)

	b.SetException(errors.New("shard 2 unavailable"))
	c.SetException(errors.New("shard 3 unavailable"))
	fmt.Println(all.Done())
	a.SetResult("shard 1 rows")

	_, err := all.Result()
	fmt.Println(all.Done(), err)
	// Output:
	// false
	// true shard 2 unavailable
}

// Completed and Failed make futures whose outcome is already known, such as
// a cache hit or a rejected request.
func ExampleCompleted() {
	cached := future.Completed("cached page")
	fmt.Println(cached.Done(), cached.IsSuccess())
	fmt.Println(cached.SetResult("fresh page")) // already done: changes nothing
	fmt.Println(cached.Result())
	// Output:
	// true true
	// false
	// cached page <nil>
}

// A request rejected before any work starts is a future that has already
// failed; its traceback is where Failed was called.
func ExampleFailed() {
	rejected := future.Failed[string](errors.New("rate limit exceeded"))
	fmt.Println(rejected.Done(), rejected.IsSuccess())
	fmt.Println(rejected.Exception())
	// Output:
	// true false
	// rate limit exceeded
}
