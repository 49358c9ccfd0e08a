package future_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gofutures/future"
)

// productPage is what a shop's handler renders for one product.
type productPage struct {
	price   float64
	stock   int
	reviews []string
}

// stockOf stands in for the warehouse service.
func stockOf(_ context.Context, sku string) (int, error) {
	if sku == "mug" {
		return 0, fmt.Errorf("stock of %s: discontinued", sku)
	}
	return len(sku) * 4, nil
}

// reviewsOf stands in for the review service, which takes a minute for a
// product with many reviews unless the request gives up first.
func reviewsOf(ctx context.Context, sku string) ([]string, error) {
	if sku == "mug" {
		slow := time.NewTimer(time.Minute)
		defer slow.Stop()
		select {
		case <-slow.C:
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	}
	return []string{"fragrant", "strong"}, nil
}

// loadProductPage makes the three backend calls of one request at once, on
// the pool the whole service shares, and returns when all have returned:
// the first failure cancels the others.
func loadProductPage(ctx context.Context, pool *future.Pool, sku string) (productPage, error) {
	g := future.NewGroup(ctx, pool)
	price := future.Fork(g, func(ctx context.Context) (float64, error) { return priceOf(ctx, sku) })
	stock := future.Fork(g, func(ctx context.Context) (int, error) { return stockOf(ctx, sku) })
	reviews := future.Fork(g, func(ctx context.Context) ([]string, error) { return reviewsOf(ctx, sku) })
	if err := g.Wait(); err != nil {
		return productPage{}, err
	}
	// Wait has returned nil: every future succeeded, and reading it does
	// not block.
	p, _ := price.Result()
	n, _ := stock.Result()
	r, _ := reviews.Result()
	return productPage{price: p, stock: n, reviews: r}, nil
}

// A Group is one request's work as one unit: its calls run on a pool shared
// with every other request, each returns a typed future, the first failure
// cancels the rest, and Wait returns once all of them have returned.
func ExampleGroup() {
	pool := future.NewPool(8) // made once at start-up, shared by every request
	ctx := context.Background()

	page, err := loadProductPage(ctx, pool, "tea")
	fmt.Printf("tea: %.2f, %d in stock, reviews %v, error %v\n", page.price, page.stock, page.reviews, err)

	start := time.Now()
	_, err = loadProductPage(ctx, pool, "mug")
	fmt.Println("mug:", err)
	fmt.Println("waited for the minute-long reviews:", time.Since(start) >= time.Minute)
	// Output:
	// tea: 3.75, 12 in stock, reviews [fragrant strong], error <nil>
	// mug: stock of mug: discontinued
	// waited for the minute-long reviews: false
}

// Without a pool, each function of a group runs on a goroutine of its own,
// as with errgroup; the futures keep each function's typed result.
func ExampleNewGroup() {
	chapters := []string{
		"It was a bright cold day in April",
		"and the clocks were striking thirteen",
	}
	g := future.NewGroup(context.Background(), nil)
	counts := make([]*future.Future[int], len(chapters))
	for i, text := range chapters {
		counts[i] = future.Fork(g, func(ctx context.Context) (int, error) {
			if err := ctx.Err(); err != nil {
				return 0, err // another chapter failed: stop early
			}
			return len(strings.Fields(text)), nil
		})
	}
	if err := g.Wait(); err != nil {
		fmt.Println(err)
		return
	}
	for i, f := range counts {
		n, _ := f.Result()
		fmt.Printf("chapter %d: %d words\n", i+1, n)
	}
	fmt.Println("the group's context ends with Wait:", g.Context().Err())
	// Output:
	// chapter 1: 8 words
	// chapter 2: 6 words
	// the group's context ends with Wait: context canceled
}

// SetQueueLimit gives a pool backpressure: once the queue is full, Submit
// waits for room instead of queueing without end, and gives up, queueing
// nothing, when its context ends.
func ExamplePool_SetQueueLimit() {
	pool := future.NewPool(1)
	pool.SetQueueLimit(1) // one function may wait for the worker

	release := make(chan struct{})
	resize := func(name string) func(context.Context) (string, error) {
		return func(context.Context) (string, error) {
			<-release // a slow image resize
			return name + " resized", nil
		}
	}
	first := future.Submit(pool, context.Background(), resize("a.jpg"))  // runs
	second := future.Submit(pool, context.Background(), resize("b.jpg")) // waits in the queue

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	third := future.Submit(pool, ctx, resize("c.jpg")) // blocks until ctx ends
	fmt.Println(third.Exception())
	fmt.Println("skipped:", errors.Is(third.Exception(), future.ErrNotRun))

	close(release)
	for _, f := range []*future.Future[string]{first, second} {
		fmt.Println(f.Result())
	}
	// Output:
	// future: function not run: context deadline exceeded
	// skipped: true
	// a.jpg resized <nil>
	// b.jpg resized <nil>
}

// Wait returns when nothing is queued or running in the pool, counting the
// functions submitted while it waits: here a crawl that submits a function
// for each link it finds. It waits for the whole pool, whoever submitted
// the work; to wait for one request's work, use a Group.
func ExamplePool_Wait() {
	site := map[string][]string{
		"/":     {"/docs", "/blog"},
		"/docs": {"/docs/install", "/docs/api"},
		"/blog": {"/blog/2024", "/blog/2025"},
	}
	pool := future.NewPool(3)
	var mu sync.Mutex
	var visited []string
	var crawl func(page string) func(context.Context) (int, error)
	crawl = func(page string) func(context.Context) (int, error) {
		return func(context.Context) (int, error) {
			mu.Lock()
			visited = append(visited, page)
			mu.Unlock()
			for _, link := range site[page] {
				future.Submit(pool, context.Background(), crawl(link))
			}
			return len(site[page]), nil
		}
	}
	future.Submit(pool, context.Background(), crawl("/"))

	pool.Wait()
	slices.Sort(visited)
	fmt.Println(visited)
	// Output: [/ /blog /blog/2024 /blog/2025 /docs /docs/api /docs/install]
}

// rejectOrder fails an order with the stack of the code that rejected it:
// skip 1 leaves rejectOrder's own frame out.
func rejectOrder(order *future.Future[string], reason error) {
	order.SetExceptionWithTraceback(reason, future.CaptureTraceback(1))
}

func checkStock(order *future.Future[string]) {
	rejectOrder(order, errors.New("out of stock"))
}

// CaptureTraceback records a stack to attach to a failure; a helper that
// fails futures for its callers skips its own frame.
func ExampleCaptureTraceback() {
	order := future.New[string]()
	checkStock(order)

	fmt.Println(order.Exception())
	fmt.Println("rejected in", shortFuncName(order.Traceback().Frames()[0].Function))
	// Output:
	// out of stock
	// rejected in checkStock
}

// SetExceptionWithTraceback passes a failure on together with the stack
// where it happened: here a panic in a backend call, wrapped into the reply.
func ExampleFuture_SetExceptionWithTraceback() {
	row := future.Go(func() (string, error) {
		fields := strings.Split("ada,1815", ",")
		return fields[2], nil // the row has no email column: panics
	})
	reply := future.New[string]()
	row.AddDoneCallback(func(row *future.Future[string]) {
		email, err := row.Result()
		if err != nil {
			reply.SetExceptionWithTraceback(fmt.Errorf("load user: %w", err), row.Traceback())
			return
		}
		reply.SetResult("mailto:" + email)
	})

	_, err := reply.Result()
	fmt.Println(err)
	fmt.Println("the panic's stack:", reply.Traceback() == row.Traceback())
	// Output:
	// load user: future: panic: runtime error: index out of range [2] with length 2
	// the panic's stack: true
}

// shortFuncName trims a function name to its last element:
// "github.com/x/y.checkStock" becomes "checkStock".
func shortFuncName(name string) string {
	return name[strings.LastIndex(name, ".")+1:]
}
