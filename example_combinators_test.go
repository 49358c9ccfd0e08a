package future_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gofutures/future"
)

// All gathers the parts of a page; the page fails as soon as any part does,
// without waiting for the others.
func ExampleAll() {
	header, body, footer := future.New[string](), future.New[string](), future.New[string]()
	page := future.All(header, body, footer)

	footer.SetResult("<footer>")
	header.SetResult("<header>")
	body.SetResult("<main>")
	fmt.Println(page.Result())

	profile, feed := future.New[string](), future.New[string]()
	dashboard := future.All(profile, feed)
	feed.SetException(errors.New("feed service unavailable"))
	fmt.Println(dashboard.Done(), dashboard.Exception()) // profile is still loading
	// Output:
	// [<header> <main> <footer>] <nil>
	// true feed service unavailable
}

// AllSettled reports every outcome, successes and failures alike, in
// argument order.
func ExampleAllSettled() {
	hosts := []string{"db-1", "db-2", "db-3"}
	pings := []*future.Future[time.Duration]{
		future.Completed(3 * time.Millisecond),
		future.Failed[time.Duration](errors.New("connection refused")),
		future.Completed(5 * time.Millisecond),
	}

	outcomes, _ := future.AllSettled(pings...).Result()
	for i, o := range outcomes {
		if o.Err != nil {
			fmt.Printf("%s: down (%v)\n", hosts[i], o.Err)
		} else {
			fmt.Printf("%s: up, %v\n", hosts[i], o.Value)
		}
	}
	// Output:
	// db-1: up, 3ms
	// db-2: down (connection refused)
	// db-3: up, 5ms
}

// Any takes the first replica that answers successfully; failures only
// matter if every replica fails.
func ExampleAny() {
	primary, replica := future.New[string](), future.New[string]()
	answer := future.Any(primary, replica)

	primary.SetException(errors.New("primary: timeout"))
	replica.SetResult("row 42 from replica")
	fmt.Println(answer.Result())

	_, err := future.Any(
		future.Failed[string](errors.New("eu: 503")),
		future.Failed[string](errors.New("us: 503")),
	).Result()
	fmt.Println(err)
	// Output:
	// row 42 from replica <nil>
	// eu: 503
	// us: 503
}

// Race settles with whichever input completes first, success or failure.
func ExampleRace() {
	lookup := future.New[string]()
	userAbort := future.New[string]()
	first := future.Race(lookup, userAbort)

	userAbort.SetException(errors.New("request aborted by user"))
	lookup.SetResult("too late")
	_, err := first.Result()
	fmt.Println(err)
	// Output: request aborted by user
}

// AsCompleted hands out results as they arrive; ctx bounds how long to wait
// for stragglers.
func ExampleAsCompleted() {
	mirrors := []string{"eu", "us", "ap"}
	downloads := []*future.Future[int]{
		future.Completed(1200), // cached
		future.New[int](),      // hangs
		future.Completed(1350), // cached
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	got := 0
	for i, d := range future.AsCompleted(ctx, downloads...) {
		kb, _ := d.Result() // done: does not block
		fmt.Printf("%s: %d KiB\n", mirrors[i], kb)
		got++
	}
	if err := ctx.Err(); err != nil {
		fmt.Printf("gave up on %d mirror(s): %v\n", len(downloads)-got, err)
	}
	// Output:
	// eu: 1200 KiB
	// ap: 1350 KiB
	// gave up on 1 mirror(s): context deadline exceeded
}

// Then transforms a successful result; a failure skips the function and
// passes through unchanged.
func ExampleThen() {
	double := func(n int) (int, error) { return 2 * n, nil }

	good, bad := future.New[string](), future.New[string]()
	fromGood := future.Then(future.Then(good, strconv.Atoi), double)
	fromBad := future.Then(future.Then(bad, strconv.Atoi), double)

	good.SetResult("21")
	bad.SetResult("n/a")
	fmt.Println(fromGood.Result())
	fmt.Println(fromBad.Result()) // double never ran
	// Output:
	// 42 <nil>
	// 0 strconv.Atoi: parsing "n/a": invalid syntax
}

// Recover turns a failure into a fallback value; a success passes through.
func ExampleRecover() {
	fetch := func(ok bool) *future.Future[string] {
		if ok {
			return future.Completed("fresh price list")
		}
		return future.Failed[string](errors.New("pricing service down"))
	}
	withFallback := func(f *future.Future[string]) *future.Future[string] {
		return future.Recover(f, func(err error) (string, error) {
			return "cached price list (" + err.Error() + ")", nil
		})
	}

	fmt.Println(withFallback(fetch(true)).Result())
	fmt.Println(withFallback(fetch(false)).Result())
	// Output:
	// fresh price list <nil>
	// cached price list (pricing service down) <nil>
}

// WithTimeout bounds how long a caller waits for a future, without touching
// the future itself.
func ExampleWithTimeout() {
	report := future.New[string]() // nobody is producing it yet

	_, err := future.WithTimeout(report, 10*time.Millisecond).Result()
	fmt.Println(errors.Is(err, context.DeadlineExceeded))
	fmt.Println(err)

	report.SetResult("quarterly report") // the original is unaffected
	fmt.Println(future.WithTimeout(report, time.Second).Result())
	// Output:
	// true
	// future: timed out after 10ms: context deadline exceeded
	// quarterly report <nil>
}
