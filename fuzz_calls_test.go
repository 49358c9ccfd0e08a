package future_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gofutures/future"
)

// FuzzCalls runs FuzzFuture's model with a Calls table in it: operation
// bytes from fuzzCallsOpsFrom up start, answer, fail, cancel the context of
// and close calls, whose futures join the futures the other operations
// (FuzzFuture's fuzzOps: callbacks, continuations, Combine, Cancel,
// SetResult, reads) pick from, and whose callbacks' actions may end other
// calls. Besides FuzzFuture's checks, the model checks that:
//   - a call ends once, by whichever comes first; Complete and Fail return
//     true only for a call they ended; Len is the number of calls the model
//     has in flight, after every operation;
//   - a Start under an id in flight panics and changes nothing; one on a
//     closed table or a done ctx never calls send and fails with ErrNotRun
//     and the reason; a failing send fails its call with its error;
//   - Close fails exactly the calls in flight, all of them before any
//     callback runs, with ErrClosed and its error, and returns their
//     number; a second Close returns 0.
func FuzzCalls(f *testing.F) {
	f.Add([]byte{})
	s, c, fl, x, cl := byte(fuzzCallsOpsFrom), byte(fuzzCallsOpsFrom+1), byte(fuzzCallsOpsFrom+2), byte(fuzzCallsOpsFrom+3), byte(fuzzCallsOpsFrom+4)
	f.Add([]byte{s, 0, 0, 1, s, 1, 0, 1, 6, 3, 0, c, 0, 5, x, 1, fl, 0, 1})
	f.Add([]byte{s, 1, 0, 1, s, 0, 0, 1, 6, 4, 1, 1, 6, 3, 1, 4, cl, 2})
	f.Add([]byte{s, 2, 0, 1, s, 0, 3, 1, s, 0, 0, 0, 0, 12, 3, c, 1, 9})
	f.Fuzz(fuzzCalls)
}

// fuzzCallsOpsFrom is the first operation byte that picks a calls
// operation; the bytes below it pick from fuzzOps as in FuzzFuture.
const fuzzCallsOpsFrom = 200

// fzCall is a call in the model: its future, and what it was started with.
type fzCall struct {
	x      *fzFut
	id     int
	cancel context.CancelFunc // nil unless its ctx can be canceled
}

// fzCalls is the table in the model.
type fzCalls struct {
	c      future.Calls[int, int]
	calls  []*fzCall // in the order they were started
	nextID int
	closed bool
}

// inFlight returns the calls the model has in the table, oldest first:
// started and not yet done, by whatever.
func (m *fzCalls) inFlight() []*fzCall {
	var in []*fzCall
	for _, c := range m.calls {
		if !c.x.done {
			in = append(in, c)
		}
	}
	return in
}

// byID returns the call in flight under id, or else the latest call
// started under id, nil if none.
func (m *fzCalls) byID(id int) *fzCall {
	var latest *fzCall
	for i := len(m.calls) - 1; i >= 0; i-- {
		if c := m.calls[i]; c.id == id {
			if !c.x.done {
				return c
			}
			if latest == nil {
				latest = c
			}
		}
	}
	return latest
}

// pickID picks an id: one already used, or, now and then, one never used.
func (m *fzCalls) pickID(b byte) int {
	if len(m.calls) == 0 || b%8 == 7 {
		return m.nextID + 1000 // unknown to the table
	}
	return m.calls[int(b)%len(m.calls)].id
}

var fuzzCallsOps = []struct {
	name string
	run  func(z *fuzzer, m *fzCalls)
}{
	{"CallStart", func(z *fuzzer, m *fzCalls) { z.callStart(m, z.r.byte(), z.r.byte(), z.r.byte()) }},
	{"CallComplete", func(z *fuzzer, m *fzCalls) {
		id, v := m.pickID(z.r.byte()), int(z.r.byte())
		c := m.byID(id)
		want := c != nil && z.settle(c.x, v, nil, nil)
		z.check(m.c.Complete(id, v) == want, "Complete(%d) returned %v", id, !want)
	}},
	{"CallFail", func(z *fuzzer, m *fzCalls) {
		id, e := m.pickID(z.r.byte()), z.err(z.r.byte())
		c := m.byID(id)
		want := c != nil && z.settle(c.x, nil, &errCell{err: e}, nil)
		z.check(m.c.Fail(id, e) == want, "Fail(%d) returned %v", id, !want)
	}},
	{"CallCancelCtx", func(z *fuzzer, m *fzCalls) {
		b := z.r.byte()
		if len(m.calls) == 0 {
			return
		}
		c := m.calls[int(b)%len(m.calls)]
		if c.cancel == nil {
			return
		}
		cancel := c.cancel
		c.cancel = nil
		if c.x.done {
			cancel() // its AfterFunc was stopped when the call ended
			return
		}
		// The call fails on the goroutine context.AfterFunc starts; the
		// model is its while this goroutine waits.
		z.settle(c.x, nil, &errCell{err: context.Canceled}, nil)
		fired := make(chan struct{})
		c.x.h.addDoneCallback(func(any) { close(fired) })
		cancel()
		z.receive(fired, "a call whose ctx was canceled did not fail")
	}},
	{"CallClose", func(z *fuzzer, m *fzCalls) {
		e := z.err(z.r.byte())
		want := 0
		if !m.closed {
			m.closed = true
			closedErr := &errCell{check: func(err error) bool {
				return errors.Is(err, future.ErrClosed) && errors.Is(err, e) && !errors.Is(err, future.ErrNotRun)
			}}
			for _, c := range m.inFlight() {
				z.settle(c.x, nil, closedErr, nil)
				want++
			}
		}
		got := m.c.Close(e)
		z.check(got == want, "Close returned %d, want %d", got, want)
	}},
}

// callStart starts a call: with a ctx that cannot end, can, or has (a%3);
// with a send that fails if b%4 == 3; under a new id, or, if c%4 == 0, the
// id of an earlier call, which panics if that call is in flight.
func (z *fuzzer) callStart(m *fzCalls, a, b, c byte) {
	id := m.nextID
	if c%4 == 0 && len(m.calls) > 0 {
		id = m.calls[int(c/4)%len(m.calls)].id
	} else {
		m.nextID++
	}
	ctx := context.Background()
	var cancel context.CancelFunc
	switch a % 3 {
	case 1:
		ctx, cancel = context.WithCancel(ctx)
	case 2:
		ctx = z.canceled
	}
	var sendErr error
	if b%4 == 3 {
		sendErr = z.err(b / 4)
	}
	sent := false
	send := func() error { sent = true; return sendErr }

	dup := m.byID(id)
	if dup != nil && !dup.x.done && !m.closed && ctx.Err() == nil {
		before := m.c.Len()
		func() {
			defer func() {
				r := recover()
				z.check(r != nil && strings.HasPrefix(fmt.Sprint(r), "future: "), "Start under an id in flight: recovered %v", r)
			}()
			m.c.Start(ctx, id, send)
		}()
		z.check(!sent && m.c.Len() == before, "a Start that panicked changed the table")
		if cancel != nil {
			cancel()
		}
		return
	}
	f := m.c.Start(ctx, id, send)
	x := z.newInt(f)
	call := &fzCall{x: x, id: id, cancel: cancel}
	switch {
	case m.closed || ctx.Err() != nil:
		reason := context.Canceled
		if m.closed && ctx.Err() == nil {
			reason = future.ErrClosed
		}
		z.check(!sent, "send called for a call that cannot be sent")
		z.settle(x, nil, &errCell{check: func(err error) bool {
			return errors.Is(err, future.ErrNotRun) && errors.Is(err, reason)
		}}, nil)
		call.cancel = nil
		if cancel != nil {
			cancel()
		}
	case sendErr != nil:
		z.check(sent, "send not called")
		z.settle(x, nil, &errCell{err: sendErr}, nil)
	default:
		z.check(sent, "send not called")
	}
	m.calls = append(m.calls, call)
	z.add(x)
}

func fuzzCalls(t *testing.T, data []byte) {
	logs := captureLogs(t)
	z := newFuzzer(t, data)
	m := &fzCalls{}
	defer func() {
		// Cancel the contexts left, as a request would. Close has ended
		// every call first, on this goroutine: a context's AfterFunc would
		// run callbacks after the input's end.
		for _, c := range m.calls {
			if c.cancel != nil {
				c.cancel()
			}
		}
	}()
	for step := 0; step < fuzzMaxSteps && z.r.more(); step++ {
		b := z.r.byte()
		if b >= fuzzCallsOpsFrom {
			op := fuzzCallsOps[int(b-fuzzCallsOpsFrom)%len(fuzzCallsOps)]
			z.trace = append(z.trace, op.name)
			op.run(z, m)
		} else {
			op := fuzzOps[int(b)%len(fuzzOps)]
			z.trace = append(z.trace, op.name)
			op.run(z)
		}
		z.quiescent()
		n := len(m.inFlight())
		z.check(m.c.Len() == n, "Len() = %d, the model has %d calls in flight", m.c.Len(), n)
	}
	z.trace = append(z.trace, "CallClose at the end")
	fuzzCallsOps[4].run(z, m)
	z.quiescent()
	got := strings.Count(logs.String(), "future: callback panicked")
	z.check(got == z.panics, "%d callback panics logged, want %d", got, z.panics)
}
