package future

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// taskContext is the context a task's function runs with: what
// context.WithCancel(parent) would give, canceled by the task when its
// future is done and when the function returns. It makes that child only
// when the function first needs one: for its Done channel, or for its error
// or values once it is canceled. A function that never waits on its context
// (a short computation on a pool, say) then costs the parent nothing, where
// a child made at once registers with a cancelable parent and leaves it
// again, under the parent's lock, which the workers of a pool and the
// functions of a group would all contend for.
//
// Until the child exists, the context answers as the child would: the
// parent's deadline and values, and the parent's error. Once it exists, it
// answers for everything, so context.Cause and the contexts derived from it
// (which find the child through Value) see a real child.
type taskContext struct {
	parent context.Context
	state  atomic.Uint32 // taskCanceled, taskChild
	mu     sync.Mutex    // serialises making child
	child  context.Context
	stop   context.CancelFunc
}

// The bits of taskContext.state.
const (
	taskCanceled uint32 = 1 << iota // cancel was called
	taskChild                       // child and stop are set, and never change
)

// made returns the child context, making it if need be.
func (c *taskContext) made() context.Context {
	if c.state.Load()&taskChild != 0 {
		return c.child
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state.Load()&taskChild == 0 {
		c.child, c.stop = context.WithCancel(c.parent)
		// Publish the child; a cancel that came first saw none to stop.
		if c.state.Or(taskChild)&taskCanceled != 0 {
			c.stop()
		}
	}
	return c.child
}

// cancel cancels the context: the child if it was made, or the one that
// will be. It takes no lock: made stops a child that it publishes after
// this.
func (c *taskContext) cancel() {
	if c.state.Load()&taskCanceled != 0 {
		return // canceled before: the task cancels once fn returns, and again as its future completes
	}
	if c.state.Or(taskCanceled)&taskChild != 0 {
		c.stop()
	}
}

func (c *taskContext) Deadline() (time.Time, bool) { return c.parent.Deadline() }

func (c *taskContext) Done() <-chan struct{} { return c.made().Done() }

func (c *taskContext) Err() error {
	if c.state.Load()&(taskCanceled|taskChild) == 0 && c.parent.Err() == nil {
		return nil
	}
	return c.made().Err()
}

func (c *taskContext) Value(key any) any {
	if c.state.Load()&(taskCanceled|taskChild) == 0 {
		return c.parent.Value(key)
	}
	return c.made().Value(key)
}

// String names the context as [context.WithCancel]'s child would be named.
func (c *taskContext) String() string { return contextName(c.parent) + ".WithCancel" }

// contextName names ctx as the context package's String methods do.
func contextName(ctx context.Context) string {
	if s, ok := ctx.(interface{ String() string }); ok {
		return s.String()
	}
	return "context"
}
