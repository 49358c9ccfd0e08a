package future_test

import (
	"fmt"

	"github.com/gofutures/future"
)

// A server-wide shutdown future outlives every request. Each request that
// must react to shutdown registers with OnDone and takes its callback back
// when it ends, so the shutdown future keeps nothing of finished requests.
func ExampleFuture_OnDone() {
	shutdown := future.New[struct{}]()

	serve := func(id int, finish bool) (stop func() bool) {
		stop = shutdown.OnDone(func(*future.Future[struct{}]) {
			fmt.Printf("request %d: closing its stream for shutdown\n", id)
		})
		if finish {
			// The request is over: nothing of it stays on shutdown.
			fmt.Printf("request %d: done, callback taken back: %v\n", id, stop())
		}
		return stop
	}

	serve(1, true)
	stop2 := serve(2, false) // still streaming when shutdown comes
	serve(3, true)

	shutdown.SetResult(struct{}{})
	fmt.Println("stop after shutdown:", stop2())
	// Output:
	// request 1: done, callback taken back: true
	// request 3: done, callback taken back: true
	// request 2: closing its stream for shutdown
	// stop after shutdown: false
}
