package bench

import "github.com/samber/mo"

// MoPromise is a pending mo.Future with the function that completes it. A
// mo.Future is completed only from inside its function, which runs on a
// goroutine of its own: that goroutine hands resolve out, and ends.
type MoPromise struct {
	F       *mo.Future[int]
	Resolve func(int)
}

// NewMoPromise returns a pending MoPromise.
func NewMoPromise() MoPromise {
	resolves := make(chan func(int), 1)
	f := mo.NewFuture(func(resolve func(int), _ func(error)) { resolves <- resolve })
	return MoPromise{f, <-resolves}
}

// ChainMo builds n Then links that add one on a pending mo.Future.
func ChainMo(n int) (head MoPromise, tail *mo.Future[int]) {
	head = NewMoPromise()
	tail = head.F
	for range n {
		tail = tail.Then(func(v int) (int, error) { return v + 1, nil })
	}
	return head, tail
}
