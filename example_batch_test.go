package future_test

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/gofutures/future"
)

// A GraphQL resolver asks for each post's author, one id at a time; the
// Batcher turns the lot into one query, made once 4 distinct ids are asked
// for or 100ms after the first (a service would batch more, say 100). Ids
// asked for twice are queried once; an id the database does not have fails
// its own load alone.
func ExampleBatcher() {
	db := map[int]string{1: "Ada Lovelace", 2: "Grace Hopper", 3: "Edsger Dijkstra"}
	users := future.NewBatcher(4, 100*time.Millisecond, func(ctx context.Context, ids []int) (map[int]string, error) {
		fmt.Println("SELECT name FROM users WHERE id IN", ids)
		found := make(map[int]string, len(ids))
		for _, id := range ids {
			if name, ok := db[id]; ok {
				found[id] = name
			}
		}
		return found, nil
	})

	// The resolver, once per post; the loads start before any is waited for.
	authors := []int{2, 1, 2, 3, 7}
	names := make([]*future.Future[string], len(authors))
	for i, id := range authors {
		names[i] = users.Load(context.Background(), id)
	}
	for i, f := range names {
		name, err := f.Result()
		fmt.Printf("post %d: %s %v\n", i, name, err)
	}
	// Output:
	// SELECT name FROM users WHERE id IN [2 1 3 7]
	// post 0: Grace Hopper <nil>
	// post 1: Ada Lovelace <nil>
	// post 2: Grace Hopper <nil>
	// post 3: Edsger Dijkstra <nil>
	// post 4:  future: key not found: 7
}

// A client disconnects while its request waits for a batch: its load fails
// at once with its own context's cause, and the other request still gets
// its value. The key only the leaver wanted is never fetched; had every
// caller of the batch left, the query would have been canceled.
func ExampleBatcher_Load() {
	var mu sync.Mutex
	var queried [][]string
	stock := future.NewBatcher(10, 100*time.Millisecond, func(ctx context.Context, skus []string) (map[string]int, error) {
		mu.Lock()
		queried = append(queried, skus)
		mu.Unlock()
		return map[string]int{"apple": 3, "pear": 0, "plum": 12}, nil
	})

	client, disconnect := context.WithCancelCause(context.Background())
	left := stock.Load(client, "pear")
	stayed := stock.Load(context.Background(), "plum")

	disconnect(fmt.Errorf("client went away"))
	_, err := left.Result()
	fmt.Println("pear:", err)

	n, err := stayed.Result()
	fmt.Println("plum:", n, err)
	mu.Lock()
	fmt.Println("queried:", queried)
	mu.Unlock()
	// Output:
	// pear: client went away
	// plum: 12 <nil>
	// queried: [[plum]]
}
