package future_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gofutures/future"
)

// FuzzFuture decodes its input into a sequence of operations on a handful of
// futures, runs them on one goroutine, and checks every observation against
// a small sequential model of the contract:
//   - The first completion wins; later ones return false and change nothing.
//   - Each future's listeners (callbacks, continuations, Combine, the relay
//     of a flattened future) fire once each, in the order they were added,
//     after the future is done, before the outermost call that completed it
//     returns, and before a nested SetResult/SetException returns for the
//     future it completed. A listener added to a done future fires at once.
//   - Every read (Result, ResultContext, Exception, Traceback, IsSuccess,
//     Done, Running, DoneChan) agrees with the model; so do the outcomes of
//     continuations, flattened futures and Combine, tracebacks included; a
//     panicking callback is logged with its stack, a panicking continuation
//     fails its future with a *PanicError carrying the panic's stack.
//   - Functions forked into a Group (on a pool or not, or a zero Group)
//     succeed, fail or panic, at once or when the input releases them; the
//     first whose own completion fails its future fails the group: the
//     group's context ends with that cause before the future is done, later
//     functions never run and fail with ErrNotRun and the cause, and a
//     released function sees the cause. A forked future completed by
//     anything else (Cancel, SetResult: any operation can pick it) does not
//     fail the group. Wait returns the first failure, twice, once every
//     function that ran has returned, and ends the group's context.
//   - OnDone registers a callback as AddDoneCallback does. Its stop, called
//     at any point (before the completion, from a callback during the
//     future's run or another's, after, twice), returns true only the first
//     time and only while the future is pending; a stopped callback never
//     runs, the others fire in order as if it had never been registered,
//     and once the future is done exactly one of "the callback ran" and "a
//     stop returned true" holds.
//   - Race, Any, All, AllSettled, WithTimeout (an hour ahead, or already
//     expired) and AsCompleted (ranged until it runs out, is broken off or
//     its context is canceled) decide as documented, and once their result
//     is done (Cancel included) they leave the inputs still pending:
//     completing those later changes nothing, and the inputs' other
//     listeners fire in order, none lost. FuzzDetach checks from inside
//     that no listener of theirs stays behind.
//
// Forked functions run on goroutines of their own, so the model waits for
// each to finish before the next operation (a released function's
// listeners, run on its goroutine, are the model's while it waits): the
// outcome of an input does not depend on scheduling.
//
// A future's listeners fire as one run. Nothing happens between two of them
// except what user code in the first one does (a callback or continuation
// function completing another future runs that future's listeners there and
// then, as SetResult promises) and, when the first one is a continuation,
// Combine or flattened future that completed its own future, that future's
// run. That run comes depth first, right after the listener that completed
// it, as recursion would: the order the package promises. A breadth-first
// drain (after the whole current run, from a work list) fails the model.
// Every future that gets listeners gets a "sentinel"
// callback first, which tells the model when its run starts: the model
// checks the order against the schedule and every outcome against the order,
// including outcomes that depend on it (a callback completing a future that
// a continuation also completes).
//
// Operations live in the fuzzOps table: to cover a new operation, add an
// entry that updates the model first and then calls the API.
func FuzzFuture(f *testing.F) {
	// The seed corpus is in testdata/fuzz/FuzzFuture, one scenario a file.
	f.Add([]byte{})
	f.Fuzz(fuzzFuture)
}

func fuzzFuture(t *testing.T, data []byte) {
	logs := captureLogs(t)
	// A hang while fuzzing would only stall the workers: make it a crash
	// that saves the input. (Every wait of the model is bounded by
	// patience, but a wrong model or a bug can block an AsCompleted loop
	// or a Result.)
	hang := time.AfterFunc(time.Minute, func() { panic(fmt.Sprintf("FuzzFuture: input %q hung", data)) })
	defer hang.Stop()
	z := newFuzzer(t, data)
	for step := 0; step < fuzzMaxSteps && z.r.more(); step++ {
		b := z.r.byte()
		op := fuzzOps[int(b)%len(fuzzOps)]
		switch {
		case b >= fuzzLifetimeOpsFrom:
			op = fuzzLifetimeOps[int(b-fuzzLifetimeOpsFrom)%len(fuzzLifetimeOps)]
		case b >= fuzzGroupOpsFrom:
			op = fuzzGroupOps[int(b-fuzzGroupOpsFrom)%len(fuzzGroupOps)]
		}
		z.trace = append(z.trace, op.name)
		op.run(z)
		z.quiescent()
	}
	for _, x := range z.timers {
		// Stop the timers still set, as a request would, so that a fuzzing
		// process does not pile up timers due in an hour.
		if !x.done {
			z.trace = append(z.trace, fmt.Sprintf("Cancel %v at the end", x))
			z.cancel(x)
			z.quiescent()
		}
	}
	if z.grp != nil && !z.grp.waited {
		z.trace = append(z.trace, "Wait at the end")
		z.groupWait()
	}
	got := strings.Count(logs.String(), "future: callback panicked")
	if got != z.panics {
		z.fail("%d callback panics logged, want %d", got, z.panics)
	}
	if z.panics > 0 && !strings.Contains(logs.String(), "fuzzPanic") {
		z.fail("the callback panic log has no stack")
	}
}

// fuzzMaxSteps bounds the operations decoded from one input.
const fuzzMaxSteps = 64

// fuzzMaxPool bounds the futures that operations pick from; futures made
// beyond it are still modelled and checked, but never picked.
const fuzzMaxPool = 16

// fuzzOps is the table of operations. Each reads its arguments from z.r.
// Adding an entry changes how existing corpus entries decode, which is fine:
// they stay valid inputs.
var fuzzOps = []struct {
	name string
	run  func(z *fuzzer)
}{
	{"New", func(z *fuzzer) { z.add(z.newInt(future.New[int]())) }},
	{"Completed", func(z *fuzzer) {
		v := int(z.r.byte())
		x := z.newInt(future.Completed(v))
		x.done, x.val = true, v
		z.add(x)
	}},
	{"Failed", func(z *fuzzer) {
		e := z.err(z.r.byte())
		x := z.newInt(newFailed(e))
		x.done, x.err, x.tb = true, &errCell{err: e}, tbFrom(".newFailed")
		z.add(x)
	}},
	{"SetResult", func(z *fuzzer) { z.setResult(z.pick(z.r.byte()), int(z.r.byte())) }},
	{"SetException", func(z *fuzzer) { z.setException(z.pick(z.r.byte()), z.err(z.r.byte())) }},
	{"SetExceptionWithTraceback", func(z *fuzzer) {
		x, e, b := z.pick(z.r.byte()), z.err(z.r.byte()), z.r.byte()
		z.setExceptionWithTraceback(x, e, z.tbs[int(b)%len(z.tbs)])
	}},
	{"AddDoneCallback", func(z *fuzzer) { z.addCallback(z.pick(z.r.byte()), z.action()) }},
	{"ContinueWith", func(z *fuzzer) {
		x, b := z.pick(z.r.byte()), z.r.byte()
		z.continueWith(x, b, z.action())
	}},
	{"ContinueWithFuture", func(z *fuzzer) {
		x, b := z.pick(z.r.byte()), z.r.byte()
		z.continueWithFuture(x, b, z.action())
	}},
	{"Flatten", func(z *fuzzer) { z.flatten(z.r.byte(), z.r.byte()) }},
	{"Combine", func(z *fuzzer) { z.combine(z.inputs()) }},
	{"Read", func(z *fuzzer) { z.observe(z.pick(z.r.byte()), true) }},
	{"Cancel", func(z *fuzzer) { z.cancel(z.pick(z.r.byte())) }},
}

// fuzzGroupOpsFrom is the first operation byte that picks from
// fuzzGroupOps instead of fuzzOps. No input of the seed corpus written
// before groups has an operation byte this high, so they all decode as
// they did.
const fuzzGroupOpsFrom = 240

// fuzzGroupOps are the operations on groups, on operation bytes 240 to
// 243.
var fuzzGroupOps = []struct {
	name string
	run  func(z *fuzzer)
}{
	{"Fork", func(z *fuzzer) { z.fork(z.r.byte(), z.r.byte(), false) }},
	{"ForkGated", func(z *fuzzer) { z.fork(z.r.byte(), z.r.byte(), true) }},
	{"Release", func(z *fuzzer) {
		b := z.r.byte()
		if z.grp != nil && len(z.grp.gated) > 0 {
			z.release(z.grp, int(b)%len(z.grp.gated))
		}
	}},
	{"Wait", func(z *fuzzer) { z.groupWait() }},
}

// fuzzLifetimeOpsFrom is the first operation byte that picks from
// fuzzLifetimeOps instead of fuzzGroupOps. The seed corpus written before
// them uses only 240 to 243 of the top bytes, so every seed decodes as it
// did.
const fuzzLifetimeOpsFrom = fuzzGroupOpsFrom + 4

// fuzzLifetimeOps are the operations on what outlives a request: OnDone and
// its stop, and the combinators that let go of their inputs once their
// result is done. The 12 top bytes pick them in turn, so the first four
// have two bytes each.
var fuzzLifetimeOps = []struct {
	name string
	run  func(z *fuzzer)
}{
	{"OnDone", func(z *fuzzer) {
		x, act := z.pick(z.r.byte()), z.action()
		z.onDone(x, act, z.r.byte())
	}},
	{"Stop", func(z *fuzzer) {
		if b := z.r.byte(); len(z.regs) > 0 {
			z.stop(z.regs[int(b)%len(z.regs)])
		}
	}},
	{"Race", func(z *fuzzer) { z.race(z.inputs()) }},
	{"Any", func(z *fuzzer) { z.anyOf(z.inputs()) }},
	{"All", func(z *fuzzer) { z.allOf(z.inputs()) }},
	{"AllSettled", func(z *fuzzer) { z.allSettled(z.inputs()) }},
	{"WithTimeout", func(z *fuzzer) {
		x := z.pickInt(z.r.byte())
		z.withTimeout(x, z.r.byte())
	}},
	{"AsCompleted", func(z *fuzzer) { z.asCompleted(z.inputs()) }},
}

// fzReader hands out the fuzz input a byte at a time, then zeros.
type fzReader struct {
	data []byte
	pos  int
}

func (r *fzReader) more() bool { return r.pos < len(r.data) }

func (r *fzReader) byte() byte {
	if r.pos >= len(r.data) {
		return 0
	}
	b := r.data[r.pos]
	r.pos++
	return b
}

// fuzzer runs the operations and holds the model.
type fuzzer struct {
	t        *testing.T
	r        *fzReader
	trace    []string // operations run so far, for failure messages
	pool     []*fzFut // what operations pick from
	ints     []*fzFut // the Future[int]s of pool
	all      []*fzFut // every future made
	errs     []error
	tbs      []*future.Traceback
	canceled context.Context
	panics   int // callback panics that must have been logged
	conts    []*fzCont
	ids      int
	grp      *fzGroup      // the group Fork forks into; nil before the first
	regs     []*fzCallback // the OnDone registrations, for Stop
	timers   []*fzFut      // WithTimeout results with a timer set
}

func newFuzzer(t *testing.T, data []byte) *fuzzer {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	z := &fuzzer{
		t:        t,
		r:        &fzReader{data: data},
		errs:     []error{&boomError{"e0"}, &boomError{"e1"}, &boomError{"e2"}, errBoom},
		tbs:      []*future.Traceback{nil, future.CaptureTraceback(0)},
		canceled: ctx,
	}
	for range 3 {
		z.add(z.newInt(future.New[int]()))
	}
	t.Cleanup(func() {
		// A failed run may leave gated functions behind: let them go.
		if z.grp != nil {
			for _, r := range z.grp.gated {
				close(r.gate)
			}
		}
	})
	return z
}

func (z *fuzzer) fail(format string, args ...any) {
	z.t.Helper()
	z.t.Fatalf("%s\nafter operations %v", fmt.Sprintf(format, args...), z.trace)
}

func (z *fuzzer) check(ok bool, format string, args ...any) {
	z.t.Helper()
	if !ok {
		z.fail(format, args...)
	}
}

func (z *fuzzer) err(b byte) error { return z.errs[int(b)%len(z.errs)] }

func (z *fuzzer) pick(b byte) *fzFut { return z.pool[int(b)%len(z.pool)] }

func (z *fuzzer) pickInt(b byte) *fzFut { return z.ints[int(b)%len(z.ints)] }

// inputs picks up to 4 Future[int]s, for a combinator.
func (z *fuzzer) inputs() []*fzFut {
	ins := make([]*fzFut, int(z.r.byte())%5)
	for i := range ins {
		ins[i] = z.pickInt(z.r.byte())
	}
	return ins
}

// fzFut is one future and its model.
type fzFut struct {
	id   int
	h    fzHandle // nil while the call making it has not returned
	zero any      // the zero value of its type

	done bool
	val  any
	err  *errCell // nil on success
	tb   *tbCell  // nil when no traceback is expected

	ls      []*fzListener // added while pending; ls[0] is always the sentinel
	started bool          // the sentinel has run: ls is being fired
	next    int           // index in ls of the next listener to fire

	// Depth first only: a listener of this future completed child, whose
	// run comes before this future's next listener; parent is the future
	// whose run resumes when this one's ends.
	child, parent *fzFut

	// onSettle, if set, runs when the model settles the future: a
	// combinator's result detaches from its inputs still pending.
	onSettle func()
}

func (x *fzFut) String() string { return fmt.Sprintf("future %d", x.id) }

func (z *fuzzer) newInt(f *future.Future[int]) *fzFut {
	z.ids++
	return &fzFut{id: z.ids, h: fzTyped[int]{f, func(v int) int { return v }}, zero: 0, val: 0}
}

func (z *fuzzer) newInts(f *future.Future[[]int]) *fzFut {
	z.ids++
	return &fzFut{id: z.ids, h: fzTyped[[]int]{f, func(v int) []int { return []int{v} }}, zero: []int(nil), val: []int(nil)}
}

func (z *fuzzer) add(x *fzFut) {
	z.all = append(z.all, x)
	if len(z.pool) < fuzzMaxPool {
		z.pool = append(z.pool, x)
		if _, ok := x.zero.(int); ok {
			z.ints = append(z.ints, x)
		}
	}
}

// errCell and tbCell model an outcome's error and traceback. Some are known
// up front (an error the test made); others only by a property (a panic's
// error and stack): the first observation checks the property and pins the
// value, and every later observation, through any future the outcome was
// passed on to, must be that same value.
type errCell struct {
	err   error
	check func(error) bool
}

type tbCell struct {
	tb     *future.Traceback
	pinned bool
	check  func(*future.Traceback) bool
}

// tbFrom expects a traceback whose innermost frame's function name ends in
// suffix.
func tbFrom(suffix string) *tbCell {
	return &tbCell{check: func(tb *future.Traceback) bool {
		fs := tb.Frames()
		return len(fs) > 0 && strings.HasSuffix(fs[0].Function, suffix)
	}}
}

func panicCells(v any) (*errCell, *tbCell) {
	e := &errCell{check: func(err error) bool {
		pe, ok := err.(*future.PanicError)
		return ok && pe.Value == v
	}}
	return e, tbFrom(".fuzzPanic")
}

func (z *fuzzer) matchErr(x *fzFut, c *errCell, got error) {
	z.t.Helper()
	if c.err == nil {
		z.check(got != nil && c.check(got), "%v: error %v is not the one expected", x, got)
		c.err = got
		return
	}
	z.check(got == c.err, "%v: error %v, want %v", x, got, c.err)
}

func (z *fuzzer) matchTb(x *fzFut, c *tbCell, got *future.Traceback) {
	z.t.Helper()
	switch {
	case c == nil:
		z.check(got == nil, "%v: traceback %v, want none", x, got)
	case !c.pinned:
		z.check(got != nil && c.check(got), "%v: unexpected traceback:\n%v", x, got)
		c.tb, c.pinned = got, true
	default:
		z.check(got == c.tb, "%v: traceback is not the one passed on", x)
	}
}

// observe reads x through the API and compares with the model. Intrusive
// reads (DoneChan, ResultContext) register a channel on a pending future,
// which changes the path completion takes, so only the Read operation and
// callbacks use them.
func (z *fuzzer) observe(x *fzFut, intrusive bool) {
	z.t.Helper()
	h := x.h
	z.check(h.done() == x.done, "%v: Done() = %v, model says %v", x, h.done(), x.done)
	z.check(h.running() == !x.done, "%v: Running() disagrees with Done()", x)
	z.check(h.isSuccess() == (x.done && x.err == nil), "%v: IsSuccess() = %v", x, h.isSuccess())
	if intrusive {
		select {
		case <-h.doneChan():
			z.check(x.done, "%v: DoneChan closed while pending", x)
		default:
			z.check(!x.done, "%v: DoneChan open while done", x)
		}
		v, err := h.resultContext(z.canceled)
		if !x.done {
			z.check(errors.Is(err, context.Canceled) && reflect.ValueOf(v).IsZero(),
				"%v: ResultContext(canceled) on a pending future = %v, %v", x, v, err)
			return
		}
		z.checkOutcome(x, v, err)
	}
	if !x.done {
		return
	}
	v, err := h.result()
	z.checkOutcome(x, v, err)
	z.check(h.exception() == err, "%v: Exception() differs from Result()'s error", x)
	z.matchTb(x, x.tb, h.traceback())
}

func (z *fuzzer) checkOutcome(x *fzFut, v any, err error) {
	z.t.Helper()
	if x.err == nil {
		z.check(err == nil && reflect.DeepEqual(v, x.val), "%v: Result() = %v, %v; want %v, nil", x, v, err, x.val)
		return
	}
	z.check(reflect.ValueOf(v).IsZero(), "%v: a failed future's value is %v, want the zero value", x, v)
	z.matchErr(x, x.err, err)
}

// settle is the model of a completion: the first one wins.
func (z *fuzzer) settle(x *fzFut, v any, err *errCell, tb *tbCell) bool {
	if x.done {
		return false
	}
	x.done = true
	if err != nil {
		v = x.zero
	}
	x.val, x.err, x.tb = v, err, tb
	if x.onSettle != nil {
		x.onSettle()
	}
	return true
}

// settleBy is settle done by a listener of owner, in owner's run: depth
// first, the run of x comes next, and owner's run waits for it.
func (z *fuzzer) settleBy(owner, x *fzFut, v any, err *errCell, tb *tbCell) {
	if z.settle(x, v, err, tb) && len(x.ls) > 0 && owner != nil {
		owner.child, x.parent = x, owner
	}
}

// completed checks what a SetResult or SetException call that won promises
// on return: x's listeners have all fired.
func (z *fuzzer) completed(x *fzFut, want, got bool) {
	z.t.Helper()
	z.check(got == want, "%v: completion returned %v, model says %v", x, got, want)
	if got && len(x.ls) > 0 {
		z.check(x.started && x.next == len(x.ls), "%v: %d of %d listeners fired when the completion returned", x, x.next, len(x.ls))
	}
}

func (z *fuzzer) setResult(x *fzFut, v int) {
	want := z.settle(x, x.h.value(v), nil, nil)
	z.completed(x, want, x.h.setResult(v))
}

func (z *fuzzer) setException(x *fzFut, e error) {
	want := z.settle(x, nil, &errCell{err: e}, tbFrom(".setException"))
	z.completed(x, want, x.h.setException(e))
}

// cancel is the model of Cancel: a completion with context.Canceled and no
// traceback.
func (z *fuzzer) cancel(x *fzFut) {
	want := z.settle(x, nil, &errCell{err: context.Canceled}, nil)
	z.completed(x, want, x.h.cancel())
}

func (z *fuzzer) setExceptionWithTraceback(x *fzFut, e error, tb *future.Traceback) {
	var c *tbCell
	if tb != nil {
		c = &tbCell{tb: tb, pinned: true}
	}
	want := z.settle(x, nil, &errCell{err: e}, c)
	z.completed(x, want, x.h.setExceptionWithTraceback(e, tb))
}

// quiescent checks, after a top-level operation, that everything it set off
// has happened, and reads every future.
func (z *fuzzer) quiescent() {
	z.t.Helper()
	for _, x := range z.all {
		if x.done && len(x.ls) > 0 {
			z.check(x.started && x.next == len(x.ls), "%v is done but only %d of its %d listeners fired", x, x.next, len(x.ls))
		}
		z.check(x.done || !x.started, "%v: listeners fired while pending", x)
		z.check(x.child == nil && x.parent == nil, "%v: a run never finished", x)
		z.observe(x, false)
	}
	for _, c := range z.conts {
		z.check(!c.src.done || c.ran || c.skipped, "continuation of %v never ran", c.src)
	}
	for i, c := range z.regs {
		if c.on.done {
			z.check(c.ran != c.stopped, "%v: OnDone registration %d: callback ran %v, stop returned true %v; want exactly one", c.on, i, c.ran, c.stopped)
		} else {
			z.check(!c.ran, "%v: OnDone callback %d ran while pending", c.on, i)
		}
	}
}

// Listeners.

type fzListenerKind int

const (
	lSentinel fzListenerKind = iota
	lCallback
	lCont  // ContinueWith or ContinueWithFuture: its fn is user code
	lRelay // a flattened future waiting for its inner future: invisible
	lInput // a combinator (Combine, Race, ...) waiting for an input: invisible
)

type fzListener struct {
	kind  fzListenerKind
	cb    *fzCallback
	cont  *fzCont
	relay *fzFut // the future a relay completes
	// input is what a combinator's listener does when the input fires, in
	// owner's run; of is the combinator's result, which detaches it.
	input func(in, owner *fzFut)
	of    *fzFut
}

// ensureSentinel makes sure a pending x's first listener is its sentinel,
// before anything else is added to it.
func (z *fuzzer) ensureSentinel(x *fzFut) {
	if x.done || len(x.ls) > 0 {
		return
	}
	x.ls = append(x.ls, &fzListener{kind: lSentinel})
	x.h.addDoneCallback(func(self any) { z.runSentinel(x, self) })
}

func (z *fuzzer) runSentinel(x *fzFut, self any) {
	z.check(self == x.h.ptr(), "%v: callback got another future", x)
	z.check(x.done, "%v: callbacks ran, but the model says it is pending", x)
	z.check(!x.started, "%v: callbacks ran twice", x)
	x.started, x.next = true, 1
	z.observe(x, false)
	z.advance(x)
}

// advance fires the listeners at x.next that run no user code, as the
// implementation does right after the previous listener returns, and stops
// at the next one that runs user code, which reports itself.
func (z *fuzzer) advance(x *fzFut) {
	for x.child == nil && x.next < len(x.ls) {
		l := x.ls[x.next]
		switch l.kind {
		case lRelay:
			x.next++
			z.settleBy(x, l.relay, x.val, x.err, x.tb)
		case lInput:
			x.next++
			l.input(x, x)
		case lCont:
			if !l.cont.res.done {
				return
			}
			x.next++ // fn is not run for a result that is already done
			l.cont.skipped = true
		default:
			return
		}
	}
	if x.child == nil && x.next == len(x.ls) && x.parent != nil {
		p := x.parent // x's run is over: its parent's goes on
		x.parent, p.child = nil, nil
		z.advance(p)
	}
}

// inRun checks that x's listener at x.next may fire now: not while x waits
// for the run of a future one of its listeners completed.
func (z *fuzzer) inRun(x *fzFut) {
	z.t.Helper()
	z.check(x.child == nil, "%v: a listener fired before the callbacks of %v, which the one before it completed", x, x.child)
}

// fzAction is what a callback or continuation does besides checking.
type fzAction struct {
	kind   byte
	target byte
	val    byte
}

const (
	actNone byte = iota
	actSetResult
	actSetException
	actAddCallback      // to its own, done, future: runs at once
	actAddCallbackOther // to any future
	actContinueWith     // on any future
	actRead
	actPanic // callbacks only
	actKinds
)

func (z *fuzzer) action() fzAction {
	return fzAction{kind: z.r.byte() % actKinds, target: z.r.byte(), val: z.r.byte()}
}

func (z *fuzzer) do(a fzAction, self *fzFut) {
	switch a.kind {
	case actSetResult:
		z.setResult(z.pick(a.target), int(a.val))
	case actSetException:
		z.setException(z.pick(a.target), z.err(a.val))
	case actAddCallback:
		z.addCallback(self, fzAction{})
	case actAddCallbackOther:
		z.addCallback(z.pick(a.target), fzAction{})
	case actContinueWith:
		z.continueWith(z.pick(a.target), a.val, fzAction{})
	case actRead:
		z.observe(z.pick(a.target), true)
	}
}

// fzTurn is when a callback or continuation may fire.
type fzTurn struct {
	immediate bool // added to a done future: fires at once
	expectNow bool // immediate and not yet fired
	ran       bool
}

// takeTurn checks that a callback or continuation of x, which is listener
// mine, may fire now, and records that it did.
func (z *fuzzer) takeTurn(x *fzFut, t *fzTurn, mine func(*fzListener) bool, self any) {
	z.t.Helper()
	z.check(self == x.h.ptr(), "%v: a listener got another future", x)
	z.check(!t.ran, "%v: a listener fired twice", x)
	t.ran = true
	if t.immediate {
		z.check(t.expectNow, "%v: a listener added to it when done fired late", x)
		t.expectNow = false
		return
	}
	z.check(x.started, "%v: a listener fired before the first one", x)
	z.inRun(x)
	z.check(x.next < len(x.ls) && mine(x.ls[x.next]), "%v: listeners fired out of order", x)
	x.next++
}

type fzCallback struct {
	fzTurn
	on  *fzFut
	act fzAction
	// OnDone only: its stop, whether a call of it returned true, and
	// stopArg, whose bit 0 says that the callback, after its action, calls
	// the stop of registration stopArg>>1 (maybe its own).
	stop    func() bool
	stopped bool
	stopArg byte
}

func (z *fuzzer) addCallback(x *fzFut, act fzAction) {
	z.register(&fzCallback{on: x, act: act}, func(cb func(any)) { x.h.addDoneCallback(cb) })
}

// onDone registers a callback with OnDone, which may call a stop when it
// runs (see stopArg); Stop calls the stop later.
func (z *fuzzer) onDone(x *fzFut, act fzAction, stopArg byte) {
	c := &fzCallback{on: x, act: act, stopArg: stopArg}
	z.register(c, func(cb func(any)) { c.stop = x.h.onDone(cb) })
	z.regs = append(z.regs, c) // once c.stop is set
}

// register models c's registration on its future, which add makes.
func (z *fuzzer) register(c *fzCallback, add func(cb func(any))) {
	x := c.on
	z.ensureSentinel(x)
	if x.done {
		c.immediate, c.expectNow = true, true
	} else {
		x.ls = append(x.ls, &fzListener{kind: lCallback, cb: c})
	}
	add(func(self any) { z.runCallback(c, self) })
	z.check(!c.expectNow, "%v: a callback added to a done future did not run at once", x)
}

// stop calls the stop of the OnDone registration c: it removes c, and
// returns true, only if c's future is pending and no stop removed c
// before. The model drops c from the future's listeners, which fire in
// order without it.
func (z *fuzzer) stop(c *fzCallback) {
	want := !c.on.done && !c.stopped
	if want {
		c.stopped = true
		c.on.ls = slices.DeleteFunc(c.on.ls, func(l *fzListener) bool { return l.cb == c })
	}
	got := c.stop()
	z.check(got == want, "%v: stop returned %v, model says %v", c.on, got, want)
}

func (z *fuzzer) runCallback(c *fzCallback, self any) {
	x := c.on
	z.takeTurn(x, &c.fzTurn, func(l *fzListener) bool { return l.cb == c }, self)
	z.check(!c.stopped, "%v: a callback ran after its stop returned true", x)
	z.observe(x, true)
	z.do(c.act, x)
	if c.stopArg&1 != 0 && len(z.regs) > 0 {
		z.stop(z.regs[int(c.stopArg>>1)%len(z.regs)])
	}
	if !c.immediate {
		z.advance(x)
	}
	if c.act.kind == actPanic {
		z.panics++
		fuzzPanic("callback bug")
	}
}

// newFailed is a named frame for Failed's traceback to start at.
func newFailed(err error) *future.Future[int] { return future.Failed[int](err) }

// fuzzPanic panics from a frame the tracebacks and logs must show.
func fuzzPanic(v any) { panic(v) }

// Continuations.

type fzCont struct {
	fzTurn
	src, res *fzFut
	flat     bool
	behavior byte
	act      fzAction
	skipped  bool // res was done when its turn came, so fn did not run
}

func (z *fuzzer) addCont(x *fzFut, flat bool, behavior byte, act fzAction) *fzCont {
	z.ensureSentinel(x)
	c := &fzCont{src: x, flat: flat, behavior: behavior, act: act}
	c.res = &fzFut{zero: 0, val: 0}
	z.ids++
	c.res.id = z.ids
	if x.done {
		c.immediate, c.expectNow = true, true
	} else {
		x.ls = append(x.ls, &fzListener{kind: lCont, cont: c})
	}
	z.conts = append(z.conts, c)
	return c
}

func (z *fuzzer) contStart(c *fzCont, self any) {
	x := c.src
	z.takeTurn(x, &c.fzTurn, func(l *fzListener) bool { return l.cont == c }, self)
	z.check(c.immediate || !c.res.done, "%v: continuation ran though its result was done", x)
	z.observe(x, true)
	z.do(c.act, x)
}

// contEnd settles the model of c's result and moves on in its source's run.
// It runs just before fn returns or panics.
func (z *fuzzer) contEnd(c *fzCont, v any, err *errCell, tb *tbCell) {
	z.settleBy(c.owner(), c.res, v, err, tb)
	if !c.immediate {
		z.advance(c.src)
	}
}

// passOn models the rule that an error a continuation returns keeps the
// traceback of its source when it is the source's own error.
func passOn(src *fzFut, e error) (*errCell, *tbCell) {
	if src.err != nil && src.err.err == e {
		return src.err, src.tb
	}
	return &errCell{err: e}, nil
}

// owner is the future in whose run c fires: its source, unless it fired at
// once when it was added.
func (c *fzCont) owner() *fzFut {
	if c.immediate {
		return nil
	}
	return c.src
}

func (z *fuzzer) finishCont(c *fzCont, f *future.Future[int]) {
	c.res.h = fzTyped[int]{f, func(v int) int { return v }}
	z.check(!c.expectNow, "%v: continuation on a done future did not run at once", c.src)
	z.add(c.res)
}

func intOf(v any) int {
	switch v := v.(type) {
	case int:
		return v
	case []int:
		n := 0
		for _, e := range v {
			n += e
		}
		return n
	case []future.Outcome[int]:
		n := 0
		for _, o := range v {
			n += o.Value
		}
		return n
	}
	panic("unreachable")
}

// continueWith: behavior picks fn: pass the outcome on, recover from a
// failure, fail with a new error, or panic.
func (z *fuzzer) continueWith(x *fzFut, b byte, act fzAction) {
	c := z.addCont(x, false, b%4, act)
	delta, e := int(b>>2), z.err(b>>4)
	f := x.h.continueWith(func(self any) (int, error) {
		z.contStart(c, self)
		v, err := x.h.result()
		switch c.behavior {
		case 0:
			if x.err == nil {
				z.contEnd(c, intOf(x.val)+delta, nil, nil)
			} else {
				ec, tc := passOn(x, err)
				z.contEnd(c, nil, ec, tc)
			}
			return intOf(v) + delta, err
		case 1:
			z.contEnd(c, delta, nil, nil)
			return delta, nil
		case 2:
			ec, tc := passOn(x, e)
			z.contEnd(c, nil, ec, tc)
			return delta, e
		default:
			ec, tc := panicCells(delta)
			z.contEnd(c, nil, ec, tc)
			fuzzPanic(delta)
			return 0, nil
		}
	})
	z.finishCont(c, f)
}

// continueWithFuture: behavior picks fn: return a future of the pool,
// return an already completed future, return nil and no error, return an
// error, or panic.
func (z *fuzzer) continueWithFuture(x *fzFut, b byte, act fzAction) {
	c := z.addCont(x, true, b%5, act)
	arg := b >> 3
	f := x.h.continueWithFuture(func(self any) (*future.Future[int], error) {
		z.contStart(c, self)
		switch c.behavior {
		case 0:
			inner := z.pickInt(arg)
			if inner == c.res {
				// Its own future, which would wait for itself: it fails.
				z.contEnd(c, nil, selfFutureCell(), nil)
				return inner.h.ptr().(*future.Future[int]), nil
			}
			z.ensureSentinel(inner)
			z.subscribeRelay(c.owner(), inner, c.res) // fn returns, then the relay subscribes
			if !c.immediate {
				z.advance(c.src)
			}
			return inner.h.ptr().(*future.Future[int]), nil
		case 1:
			z.contEnd(c, int(arg), nil, nil)
			return future.Completed(int(arg)), nil
		case 2:
			z.contEnd(c, nil, nilFutureCell(), nil)
			return nil, nil
		case 3:
			err := z.err(arg)
			if x.err != nil {
				err = x.err.err
			}
			ec, tc := passOn(x, err)
			z.contEnd(c, nil, ec, tc)
			return nil, err
		default:
			ec, tc := panicCells(int(arg))
			z.contEnd(c, nil, ec, tc)
			fuzzPanic(int(arg))
			return nil, nil
		}
	})
	z.finishCont(c, f)
}

func selfFutureCell() *errCell {
	return &errCell{check: func(err error) bool {
		return strings.HasPrefix(err.Error(), "future: ") && strings.Contains(err.Error(), "own future")
	}}
}

func nilFutureCell() *errCell {
	return &errCell{check: func(err error) bool {
		return strings.HasPrefix(err.Error(), "future: ") && strings.Contains(err.Error(), "nil future")
	}}
}

// subscribeRelay models a flattened future waiting for inner.
func (z *fuzzer) subscribeRelay(owner, inner, dst *fzFut) {
	if inner.done {
		z.settleBy(owner, dst, inner.val, inner.err, inner.tb)
		return
	}
	inner.ls = append(inner.ls, &fzListener{kind: lRelay, relay: dst})
}

// flatten flattens an already done outer future: one holding a future of
// the pool, one holding nil, or a failed one.
func (z *fuzzer) flatten(b, arg byte) {
	res := &fzFut{zero: 0, val: 0}
	z.ids++
	res.id = z.ids
	var f *future.Future[int]
	switch b % 3 {
	case 0:
		inner := z.pickInt(arg)
		z.ensureSentinel(inner)
		z.subscribeRelay(nil, inner, res)
		f = future.Flatten(future.Completed(inner.h.ptr().(*future.Future[int])))
	case 1:
		z.settle(res, nil, nilFutureCell(), nil)
		f = future.Flatten(future.Completed[*future.Future[int]](nil))
	default:
		e := z.err(arg)
		outer := future.Failed[*future.Future[int]](e)
		z.settle(res, nil, &errCell{err: e}, &tbCell{tb: outer.Traceback(), pinned: true})
		f = future.Flatten(outer)
	}
	res.h = fzTyped[int]{f, func(v int) int { return v }}
	z.add(res)
}

// Combine.

type fzComb struct {
	res     *fzFut
	inputs  []*fzFut
	pending int
	failed  *fzFut
}

func (z *fuzzer) combine(ins []*fzFut) {
	res := z.newInts(nil)
	c := &fzComb{res: res, inputs: ins, pending: len(ins)}
	if len(ins) == 0 {
		z.settle(res, []int{}, nil, nil)
	}
	z.subscribeEach(res, ins, func(in, owner *fzFut) { z.combineFire(c, in, owner) })
	res.h = fzTyped[[]int]{future.Combine(futs(ins)...), func(v int) []int { return []int{v} }}
	z.add(res)
}

func (z *fuzzer) combineFire(c *fzComb, in, owner *fzFut) {
	if in.err != nil && c.failed == nil {
		c.failed = in
	}
	c.pending--
	if c.pending > 0 {
		return
	}
	if c.failed != nil {
		z.settleBy(owner, c.res, nil, c.failed.err, c.failed.tb)
		return
	}
	vs := make([]int, len(c.inputs))
	for i, in := range c.inputs {
		vs[i] = in.val.(int)
	}
	z.settleBy(owner, c.res, vs, nil, nil)
}

// Combinators that let go of their inputs.
//
// Each combinator's result listens to its inputs with an invisible
// listener (lInput) that fires in the input's run, in the order of its
// registration; subscribeEach models the registration, which stops once
// the result is done, and the detachment: once the result is done,
// whoever completed it, its listeners leave the inputs still pending.
// Which listeners a future keeps is not visible from outside (FuzzDetach
// looks at it from inside), but what is must follow: the other listeners
// of the inputs fire in order, none twice, none lost (an unsubscribe
// that took another registration would be seen), and completing an input
// after the result is done changes nothing.

// newResult returns the model of a combinator's Future[int], whose handle
// the caller sets once the call that makes it has returned.
func (z *fuzzer) newResult() *fzFut {
	z.ids++
	return &fzFut{id: z.ids, zero: 0, val: 0}
}

// futs returns the futures of ins.
func futs(ins []*fzFut) []*future.Future[int] {
	fs := make([]*future.Future[int], len(ins))
	for i, in := range ins {
		fs[i] = in.h.ptr().(*future.Future[int])
	}
	return fs
}

// subscribeEach models a combinator registering fire on each of ins in
// argument order, firing at once on those already done, until res is done;
// and, once res is done, leaving the inputs still pending.
func (z *fuzzer) subscribeEach(res *fzFut, ins []*fzFut, fire func(in, owner *fzFut)) {
	for _, in := range ins {
		z.ensureSentinel(in)
	}
	res.onSettle = func() { z.detach(res, ins) }
	for _, in := range ins {
		if res.done {
			break
		}
		if in.done {
			fire(in, nil)
		} else {
			in.ls = append(in.ls, &fzListener{kind: lInput, input: fire, of: res})
		}
	}
}

// detach removes the listeners of of from ins still pending. A done input
// keeps them: they fire in its run, and change nothing.
func (z *fuzzer) detach(of *fzFut, ins []*fzFut) {
	for _, in := range ins {
		if !in.done {
			in.ls = slices.DeleteFunc(in.ls, func(l *fzListener) bool { return l.of == of })
		}
	}
}

// pinErr returns the error of in, a failed input, reading it from the
// future if the model knows it only by a property.
func (z *fuzzer) pinErr(in *fzFut) error {
	if in.err.err == nil {
		z.check(in.h.done(), "%v: failed in the model, pending in fact", in)
		z.matchErr(in, in.err, in.h.exception())
	}
	return in.err.err
}

func noFuturesCell() *errCell { return &errCell{err: future.ErrNoFutures} }

// race models Race: the first input to fire decides, with its traceback.
func (z *fuzzer) race(ins []*fzFut) {
	res := z.newResult()
	if len(ins) == 0 {
		z.settle(res, nil, noFuturesCell(), tbFrom(".Race[...]"))
	}
	z.subscribeEach(res, ins, func(in, owner *fzFut) { z.settleBy(owner, res, in.val, in.err, in.tb) })
	res.h = fzTyped[int]{future.Race(futs(ins)...), func(v int) int { return v }}
	z.add(res)
}

// anyOf models Any: the first success decides; if every input fails, the
// result fails once the last does, with their errors joined in argument
// order and no traceback.
func (z *fuzzer) anyOf(ins []*fzFut) {
	res := z.newResult()
	if len(ins) == 0 {
		z.settle(res, nil, noFuturesCell(), tbFrom(".Any[...]"))
	}
	pending := len(ins)
	z.subscribeEach(res, ins, func(in, owner *fzFut) {
		if in.err == nil {
			z.settleBy(owner, res, in.val, nil, nil)
			return
		}
		if pending--; pending == 0 {
			errs := make([]error, len(ins))
			for i, in := range ins {
				errs[i] = z.pinErr(in)
			}
			z.settleBy(owner, res, nil, &errCell{check: func(err error) bool {
				j, ok := err.(interface{ Unwrap() []error })
				return ok && slices.Equal(j.Unwrap(), errs)
			}}, nil)
		}
	})
	res.h = fzTyped[int]{future.Any(futs(ins)...), func(v int) int { return v }}
	z.add(res)
}

// allOf models All: the values in argument order once every input
// succeeded, or the first failure, with its traceback, at once.
func (z *fuzzer) allOf(ins []*fzFut) {
	res := z.newInts(nil)
	if len(ins) == 0 {
		z.settle(res, []int{}, nil, nil)
	}
	pending := len(ins)
	z.subscribeEach(res, ins, func(in, owner *fzFut) {
		if in.err != nil {
			z.settleBy(owner, res, nil, in.err, in.tb)
			return
		}
		if pending--; pending == 0 {
			vs := make([]int, len(ins))
			for i, in := range ins {
				vs[i] = in.val.(int)
			}
			z.settleBy(owner, res, vs, nil, nil)
		}
	})
	res.h = fzTyped[[]int]{future.All(futs(ins)...), func(v int) []int { return []int{v} }}
	z.add(res)
}

// allSettled models AllSettled: every input's outcome, in argument order,
// once the last is done.
func (z *fuzzer) allSettled(ins []*fzFut) {
	z.ids++
	res := &fzFut{id: z.ids, zero: []future.Outcome[int](nil), val: []future.Outcome[int](nil)}
	if len(ins) == 0 {
		z.settle(res, []future.Outcome[int]{}, nil, nil)
	}
	pending := len(ins)
	z.subscribeEach(res, ins, func(in, owner *fzFut) {
		if pending--; pending == 0 {
			outs := make([]future.Outcome[int], len(ins))
			for i, in := range ins {
				outs[i].Value = in.val.(int)
				if in.err != nil {
					outs[i].Err = z.pinErr(in)
				}
			}
			z.settleBy(owner, res, outs, nil, nil)
		}
	})
	f := future.AllSettled(futs(ins)...)
	res.h = fzTyped[[]future.Outcome[int]]{f, func(v int) []future.Outcome[int] { return []future.Outcome[int]{{Value: v}} }}
	z.add(res)
}

// withTimeout models WithTimeout with an hour, which never passes while
// the input runs (the result then has x's outcome, and its timer is
// stopped once it is done: fuzzFuture cancels the pending ones at the
// end), or with no time at all (the result of a pending x fails at once).
func (z *fuzzer) withTimeout(x *fzFut, b byte) {
	d := []time.Duration{time.Hour, 0, -time.Second}[b%3]
	res := z.newResult()
	if d <= 0 && !x.done {
		z.settle(res, nil, &errCell{check: func(err error) bool {
			return errors.Is(err, context.DeadlineExceeded) && strings.HasPrefix(err.Error(), "future: timed out after "+d.String())
		}}, nil)
	} else {
		z.subscribeEach(res, []*fzFut{x}, func(in, owner *fzFut) { z.settleBy(owner, res, in.val, in.err, in.tb) })
	}
	if !res.done {
		z.timers = append(z.timers, res)
	}
	res.h = fzTyped[int]{future.WithTimeout(x.h.ptr().(*future.Future[int]), d), func(v int) int { return v }}
	z.add(res)
}

// asCompleted ranges over AsCompleted(ins) and checks that it yields the
// inputs in the order the model sees them complete, each once. After each
// yield a byte of input says what the body does: break, cancel the
// context (nothing more is yielded), or complete one of the inputs and go
// on. The loop also breaks where its next wait would block, since nothing
// else runs; if no input is done when it starts, its context is canceled
// first, and it must yield nothing. Whichever way the loop ends, its
// listeners leave the inputs still pending.
func (z *fuzzer) asCompleted(ins []*fzFut) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fs := futs(ins)
	seq := future.AsCompleted(ctx, fs...) // registers nothing yet
	var queue []int                       // indices of done inputs not yet yielded
	ready := 0
	for _, in := range ins {
		if in.done {
			ready++
		}
	}
	canceled := len(ins) > 0 && ready == 0
	if canceled {
		cancel()
	} else {
		// What ranging does first: a listener on each input, in argument
		// order, which the done ones fire at once.
		for _, in := range ins {
			z.ensureSentinel(in)
		}
		loop := z.newResult() // only an identity, for detach
		defer z.detach(loop, ins)
		for i, in := range ins {
			if in.done {
				queue = append(queue, i)
			} else {
				in.ls = append(in.ls, &fzListener{kind: lInput, of: loop, input: func(*fzFut, *fzFut) { queue = append(queue, i) }})
			}
		}
	}
	yields, broke := 0, false
	for i, f := range seq {
		z.check(!canceled, "AsCompleted yielded input %d after its context was canceled", i)
		z.check(len(queue) > 0 && queue[0] == i, "AsCompleted yielded input %d; the model expects one of %v first", i, queue)
		queue = queue[1:]
		z.check(f == fs[i] && f.Done(), "AsCompleted yielded input %d as another future, or pending", i)
		yields++
		c := z.r.byte()
		switch c % 4 {
		case 0:
			broke = true
		case 1:
			cancel()
			canceled = true
		case 2:
			z.setResult(ins[int(c>>2)%len(ins)], int(c))
		default:
			z.setException(ins[int(c>>2)%len(ins)], z.err(c>>4))
		}
		if !canceled && len(queue) == 0 && yields < len(ins) {
			broke = true // the next wait would block
		}
		if broke {
			break
		}
	}
	if !broke && !canceled {
		z.check(yields == len(ins), "AsCompleted ended after %d of %d inputs", yields, len(ins))
	}
}

// fzHandle hides the type parameter, so the model can hold a Future[int]
// and a Combine's Future[[]int] alike.
type fzHandle interface {
	ptr() any
	value(v int) any // what SetResult(v) stores
	done() bool
	running() bool
	isSuccess() bool
	doneChan() <-chan struct{}
	result() (any, error)
	resultContext(ctx context.Context) (any, error)
	exception() error
	traceback() *future.Traceback
	addDoneCallback(cb func(self any))
	setResult(v int) bool
	setException(err error) bool
	setExceptionWithTraceback(err error, tb *future.Traceback) bool
	cancel() bool
	continueWith(fn func(self any) (int, error)) *future.Future[int]
	continueWithFuture(fn func(self any) (*future.Future[int], error)) *future.Future[int]
	onDone(cb func(self any)) (stop func() bool)
}

type fzTyped[T any] struct {
	f    *future.Future[T]
	wrap func(int) T
}

func (h fzTyped[T]) ptr() any                  { return h.f }
func (h fzTyped[T]) value(v int) any           { return h.wrap(v) }
func (h fzTyped[T]) done() bool                { return h.f.Done() }
func (h fzTyped[T]) running() bool             { return h.f.Running() }
func (h fzTyped[T]) isSuccess() bool           { return h.f.IsSuccess() }
func (h fzTyped[T]) doneChan() <-chan struct{} { return h.f.DoneChan() }
func (h fzTyped[T]) exception() error          { return h.f.Exception() }
func (h fzTyped[T]) traceback() *future.Traceback {
	return h.f.Traceback()
}

func (h fzTyped[T]) result() (any, error) {
	v, err := h.f.Result()
	return v, err
}

func (h fzTyped[T]) resultContext(ctx context.Context) (any, error) {
	v, err := h.f.ResultContext(ctx)
	return v, err
}

func (h fzTyped[T]) addDoneCallback(cb func(any)) {
	h.f.AddDoneCallback(func(f *future.Future[T]) { cb(f) })
}

func (h fzTyped[T]) onDone(cb func(any)) func() bool {
	return h.f.OnDone(func(f *future.Future[T]) { cb(f) })
}

func (h fzTyped[T]) setResult(v int) bool        { return h.f.SetResult(h.wrap(v)) }
func (h fzTyped[T]) setException(err error) bool { return h.f.SetException(err) }

func (h fzTyped[T]) setExceptionWithTraceback(err error, tb *future.Traceback) bool {
	return h.f.SetExceptionWithTraceback(err, tb)
}

func (h fzTyped[T]) cancel() bool { return h.f.Cancel() }

func (h fzTyped[T]) continueWith(fn func(any) (int, error)) *future.Future[int] {
	return future.ContinueWith(h.f, func(f *future.Future[T]) (int, error) { return fn(f) })
}

func (h fzTyped[T]) continueWithFuture(fn func(any) (*future.Future[int], error)) *future.Future[int] {
	return future.ContinueWithFuture(h.f, func(f *future.Future[T]) (*future.Future[int], error) { return fn(f) })
}

// Groups.

// fzGroup is a Group and its model.
type fzGroup struct {
	g     *future.Group
	first *errCell // the first failure, nil while none
	// waiting: Wait has been called; waited: it has returned. gated are
	// the functions waiting for the input to release them, in the order
	// they were forked.
	waiting, waited bool
	gated           []*fzGated
	// ran counts the functions that started and returned those that
	// returned; the model knows how many must have started.
	ran, returned atomic.Int32
	wantRan       int32
}

// fzGated is a forked function that waits until the input releases it,
// ignoring its context: then it fails with e, or, if fail is false,
// returns v, or its context's cause if that has ended.
type fzGated struct {
	x        *fzFut
	gate     chan struct{}
	finished chan struct{}
	fail     bool
	v        int
	e        error
}

// group returns the group to fork into: a new one if there is none, or if
// the last was waited for and a asks for a new one. Bits of a pick its kind:
// on a pool (one large enough that no function ever waits in its queue, so
// that a gated function never holds up another), a zero Group, or NewGroup
// without a pool.
func (z *fuzzer) group(a byte) *fzGroup {
	if z.grp != nil && !(z.grp.waited && a&0x10 != 0) {
		return z.grp
	}
	grp := new(fzGroup)
	switch {
	case a&0x20 != 0:
		grp.g = future.NewGroup(context.Background(), future.NewPool(fuzzMaxSteps+1))
	case a&0x40 != 0:
		grp.g = new(future.Group)
	default:
		grp.g = future.NewGroup(context.Background(), nil)
	}
	z.grp = grp
	return grp
}

// fail records c as grp's failure if it is the first.
func (grp *fzGroup) fail(c *errCell) {
	if grp.first == nil {
		grp.first = c
	}
}

// cause is the cause of grp's context once it has ended.
func (grp *fzGroup) cause() error {
	if grp.first != nil {
		return grp.first.err
	}
	return context.Canceled
}

// fork forks a function into the group that a picks. At once, it returns
// v (a%3 == 0), fails with error v, or panics with v; gated, it waits to be
// released, and is canceled at once if a&4. A function forked into a
// group that failed or was waited for never runs: it fails with
// ErrNotRun and the group's failure, or, after a Wait that returned nil,
// with ErrNotRun and not context.Canceled (see Fork).
func (z *fuzzer) fork(a, v byte, gated bool) {
	grp := z.group(a)
	x := &fzFut{zero: 0, val: 0}
	z.ids++
	x.id = z.ids
	skipped := grp.first != nil || grp.waited
	var r *fzGated
	var fn func(context.Context) (int, error)
	counted := func(fn func(context.Context) (int, error)) func(context.Context) (int, error) {
		return func(ctx context.Context) (int, error) {
			grp.ran.Add(1)
			defer grp.returned.Add(1)
			return fn(ctx)
		}
	}
	switch {
	case gated:
		r = &fzGated{x: x, gate: make(chan struct{}), finished: make(chan struct{}), fail: a%2 == 1, v: int(v), e: z.err(v)}
		started := make(chan struct{})
		fn = counted(func(ctx context.Context) (int, error) {
			defer close(r.finished)
			close(started)
			<-r.gate
			switch {
			case r.fail:
				return 0, r.e
			case ctx.Err() != nil:
				return 0, context.Cause(ctx)
			}
			return r.v, nil
		})
		defer func() {
			if !skipped {
				z.receive(started, "a gated function did not start")
				grp.gated = append(grp.gated, r)
				if a&4 != 0 {
					z.cancel(x)
				}
			}
		}()
	case a%3 == 0:
		fn = counted(func(context.Context) (int, error) { return int(v), nil })
	case a%3 == 1:
		fn = counted(func(context.Context) (int, error) { return 0, z.err(v) })
	default:
		fn = counted(func(context.Context) (int, error) { fuzzPanic(int(v)); return 0, nil })
	}
	switch {
	case skipped && grp.waited && grp.first == nil:
		// After a Wait that returned nil: not run, and not for a cause
		// a caller would take for its client's going away.
		z.settle(x, nil, &errCell{check: func(err error) bool {
			return errors.Is(err, future.ErrNotRun) && !errors.Is(err, context.Canceled)
		}}, nil)
	case skipped:
		cause := grp.cause()
		z.settle(x, nil, &errCell{check: func(err error) bool {
			return errors.Is(err, future.ErrNotRun) && errors.Is(err, cause)
		}}, nil)
	case gated:
		grp.wantRan++
	default:
		grp.wantRan++
		switch a % 3 {
		case 0:
			z.settle(x, int(v), nil, nil)
		case 1:
			c := &errCell{err: z.err(v)}
			z.settle(x, nil, c, nil)
			grp.fail(c)
		default:
			ec, tc := panicCells(int(v))
			z.settle(x, nil, ec, tc)
			grp.fail(ec)
		}
	}
	f := future.Fork(grp.g, fn)
	x.h = fzTyped[int]{f, func(v int) int { return v }}
	z.add(x)
	switch {
	case skipped:
		z.check(f.Done(), "%v: forked after its group ended, but pending", x)
	case !gated:
		z.receive(f.DoneChan(), "a forked function did not finish")
	}
	z.checkGroup(grp)
}

// release lets the gated function grp.gated[i] return, and waits until it
// has, with the callbacks its completion runs.
func (z *fuzzer) release(grp *fzGroup, i int) {
	r := grp.gated[i]
	grp.gated = append(grp.gated[:i], grp.gated[i+1:]...)
	x := r.x
	if x.done {
		// Completed by another operation: the function's outcome is
		// discarded and fails nothing.
		close(r.gate)
		z.receive(r.finished, "a released function did not return")
		z.checkGroup(grp)
		return
	}
	switch {
	case r.fail:
		c := &errCell{err: r.e}
		z.settle(x, nil, c, nil)
		grp.fail(c)
	case grp.first != nil:
		z.settle(x, nil, grp.first, nil) // it returns the cause it sees
	default:
		z.settle(x, r.v, nil, nil)
	}
	// Not in the model: a callback that fires after every listener the
	// model added, and after the futures they completed have run theirs.
	fired := make(chan struct{})
	x.h.addDoneCallback(func(any) { close(fired) })
	close(r.gate)
	z.receive(fired, "a released function's future was not completed")
	z.checkGroup(grp)
}

// groupWait calls Wait, then releases the gated functions in the order
// they were forked while it waits, and checks what Wait promises: it
// returns the first failure, twice, only once every function that ran has
// returned, and ends the group's context.
func (z *fuzzer) groupWait() {
	grp := z.group(0)
	type waited struct {
		err           error
		ran, returned int32 // as Wait returned
	}
	wait := func() <-chan waited {
		ch := make(chan waited, 1)
		var w waited
		id, done := background(func() {
			w.err = grp.g.Wait()
			w.ran, w.returned = grp.ran.Load(), grp.returned.Load()
		})
		// Release nothing before Wait waits (or has returned): a Wait that
		// returned too early must be seen to.
		parkedOrDone(z.t, id, "(*Group).Wait", done)
		go func() { <-done; ch <- w }()
		return ch
	}
	first := wait()
	grp.waiting = true
	for len(grp.gated) > 0 {
		z.release(grp, 0)
	}
	var w waited
	select {
	case w = <-first:
	case <-time.After(patience):
		z.fail("Wait did not return in time")
	}
	if grp.first == nil {
		z.check(w.err == nil, "Wait returned %v, want nil", w.err)
	} else {
		z.matchGroupErr(grp, w.err)
	}
	z.check(w.ran == grp.wantRan && w.returned == w.ran,
		"Wait returned with %d functions started and %d returned; want %d and %[1]d", w.ran, w.returned, grp.wantRan)
	grp.waited = true
	z.checkGroup(grp)
	select {
	case again := <-wait():
		z.check(again.err == w.err, "a second Wait returned %v, the first %v", again.err, w.err)
	case <-time.After(patience):
		z.fail("a second Wait did not return in time")
	}
}

// checkGroup checks the group's context against the model.
func (z *fuzzer) checkGroup(grp *fzGroup) {
	z.t.Helper()
	ctx := grp.g.Context()
	switch {
	case grp.first != nil:
		z.check(ctx.Err() != nil, "the group failed but its context has not ended")
		z.matchGroupErr(grp, context.Cause(ctx))
	case grp.waited:
		z.check(context.Cause(ctx) == context.Canceled, "after Wait, the group's cause is %v", context.Cause(ctx))
	case grp.waiting:
		// Wait may have returned, and ended the context, already.
		z.check(ctx.Err() == nil || context.Cause(ctx) == context.Canceled, "while Wait waits, the group's cause is %v", context.Cause(ctx))
	default:
		z.check(ctx.Err() == nil, "the group's context ended (%v) with no failure", context.Cause(ctx))
	}
}

// matchGroupErr checks that err is grp's first failure.
func (z *fuzzer) matchGroupErr(grp *fzGroup, err error) {
	z.t.Helper()
	c := grp.first
	if c.err == nil {
		z.check(err != nil && c.check(err), "the group's failure %v is not the one expected", err)
		c.err = err
		return
	}
	z.check(err == c.err, "the group's failure is %v, want %v", err, c.err)
}

// receive waits until ch is closed, failing the run if it is not in time.
func (z *fuzzer) receive(ch <-chan struct{}, what string) {
	z.t.Helper()
	select {
	case <-ch:
	case <-time.After(patience):
		z.fail("%s in time", what)
	}
}

// FuzzBatcher decodes its input into loads, leaves and dispatches on a
// Batcher (maxKeys 3, wait 10ms, on the fake clock of a synctest bubble) and
// checks them against a model of batches: fetch sees exactly the keys of
// its batch that some caller still waits for, once each, in the order they
// were first loaded, when the batch fills or its wait ends, never for an
// empty batch; a key whose fetch is held joins it; each caller gets its own
// leaving's error or its key's outcome (its value, ErrNotFound for a key the
// fetch leaves out, the fetch's error or panic); a held fetch's context ends
// when its last caller leaves, and not before.
func FuzzBatcher(f *testing.F) {
	f.Add([]byte{0, 1, 0, 2, 5})
	f.Add([]byte{0, 1, 3, 0, 0, 2, 0, 3, 6, 0})
	f.Add([]byte{1, 0, 4, 0, 0, 6, 1, 5, 2, 0, 0, 0, 7, 0})
	f.Add([]byte{0, 0, 8, 0, 3, 0, 6, 2, 0, 0, 7, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		synctest.Test(t, func(t *testing.T) { fuzzBatcher(t, data) })
	})
}

// fuzzBatch is the model's batch: its keys in first-load order, with the
// callers still waiting for each.
type fuzzBatch struct {
	keys    []int
	start   time.Duration // when its first key was loaded
	waiting map[int]int
	ctx     context.Context // fetch's, once dispatched
	release chan struct{}   // closed to let a held fetch return
	mode    byte            // how fetch answers: see fuzzBatcher
}

func (b *fuzzBatch) live() []int {
	var ks []int
	for _, k := range b.keys {
		if b.waiting[k] > 0 {
			ks = append(ks, k)
		}
	}
	return ks
}

// fuzzLoad is one Load: its future, key and batch, and how it left.
type fuzzLoad struct {
	f      *future.Future[int]
	key    int
	batch  *fuzzBatch
	cancel context.CancelCauseFunc // nil for a context that cannot end
	left   error                   // the error it left with, nil while it waits
}

func fuzzBatcher(t *testing.T, data []byte) {
	const maxKeys, wait = 3, 10 * time.Millisecond
	var (
		mu      sync.Mutex // guards fetched and mode against the fetch goroutines
		fetched []fetchCall
		mode    byte // the mode of the next batch dispatched
		held    = make(chan *fuzzBatch, 64)
		t0      = time.Now()
	)
	var pending *fuzzBatch
	var running []*fuzzBatch // dispatched, fetch held
	var loads []*fuzzLoad
	byKey := map[int]*fuzzBatch{} // the batch a load of the key joins
	b := future.NewBatcher(maxKeys, wait, func(ctx context.Context, keys []int) (map[int]int, error) {
		mu.Lock()
		fetched = append(fetched, fetchCall{time.Since(t0), slices.Clone(keys)})
		m := mode
		mu.Unlock()
		if m&4 != 0 {
			release := make(chan struct{})
			held <- &fuzzBatch{ctx: ctx, release: release}
			<-release
		}
		switch m & 3 {
		case 1:
			return nil, errBoom
		case 2:
			panic("fuzz fetch")
		}
		vs := map[int]int{}
		for _, k := range keys {
			if k != 3 { // key 3 is never found
				vs[k] = 10 * k
			}
		}
		vs[99] = 990 // not asked for
		return vs, nil
	})
	expectFetch := func(bt *fuzzBatch, at time.Duration) {
		t.Helper()
		synctest.Wait()
		mu.Lock()
		got := fetched
		fetched = nil
		mu.Unlock()
		want := bt.live()
		if len(want) == 0 {
			require.Empty(t, got, "an empty batch was fetched")
			return
		}
		require.Equal(t, []fetchCall{{at, want}}, got, "fetch of batch %v", bt.keys)
		for _, k := range want {
			delete(byKey, k)
		}
		bt.mode = mode
		if bt.mode&4 != 0 {
			h := <-held
			bt.ctx, bt.release = h.ctx, h.release
			running = append(running, bt)
			for _, k := range want {
				byKey[k] = bt // held: loads of its keys join it
			}
			return
		}
		finished(t, bt, loads)
	}
	leave := func(l *fuzzLoad, err error) {
		t.Helper()
		synctest.Wait()
		require.True(t, l.f.Done())
		require.ErrorIs(t, l.f.Exception(), err)
		l.left = err
		bt := l.batch
		bt.waiting[l.key]--
		if bt.waiting[l.key] == 0 && byKey[l.key] == bt {
			delete(byKey, l.key)
		}
		if bt.ctx != nil && len(bt.live()) == 0 {
			require.Error(t, bt.ctx.Err(), "the last one out cancels fetch's context")
		} else if bt.ctx != nil {
			require.NoError(t, bt.ctx.Err(), "fetch's context lives while a caller of the batch waits")
		}
	}
	r := &fzReader{data: data}
	for step := 0; step < 64 && r.more(); step++ {
		switch op := r.byte() % 9; op {
		case 0, 1: // Load, with a context that cannot end or one that can
			k := int(r.byte() % 5)
			l := &fuzzLoad{key: k}
			ctx := context.Background()
			if op == 1 {
				ctx, l.cancel = context.WithCancelCause(ctx)
			}
			l.f = b.Load(ctx, k)
			loads = append(loads, l)
			bt := byKey[k]
			if bt == nil {
				if pending == nil {
					pending = &fuzzBatch{start: time.Since(t0), waiting: map[int]int{}}
				}
				bt = pending
				// A key that left the batch and comes back goes to its end.
				bt.keys = append(slices.DeleteFunc(bt.keys, func(x int) bool { return x == k }), k)
				byKey[k] = bt
			}
			l.batch = bt
			bt.waiting[k]++
			if bt == pending && len(bt.live()) == maxKeys {
				pending = nil
				expectFetch(bt, time.Since(t0))
			}
		case 2, 3: // Cancel a load, or cancel its context
			if len(loads) == 0 {
				continue
			}
			l := loads[int(r.byte())%len(loads)]
			if l.left != nil || l.f.Done() {
				continue
			}
			if op == 2 || l.cancel == nil {
				require.True(t, l.f.Cancel())
				leave(l, context.Canceled)
			} else {
				l.cancel(errBoom)
				leave(l, errBoom)
			}
			if pending != nil && len(pending.live()) == 0 {
				pending = nil // undone: the next key starts a new batch
			}
		case 4, 5, 6, 7: // the wait passes; the next fetch answers in mode op&3 (held if the byte says)
			mu.Lock()
			mode = byte(op&3) | r.byte()&4
			mu.Unlock()
			time.Sleep(wait)
			if pending != nil {
				bt := pending
				pending = nil
				expectFetch(bt, bt.start+wait)
			}
			synctest.Wait()
			mu.Lock()
			require.Empty(t, fetched, "an empty batch was fetched")
			mu.Unlock()
		case 8: // a held fetch returns
			if len(running) == 0 {
				continue
			}
			i := int(r.byte()) % len(running)
			bt := running[i]
			running = slices.Delete(running, i, i+1)
			for k, other := range byKey {
				if other == bt {
					delete(byKey, k)
				}
			}
			close(bt.release)
			finished(t, bt, loads)
		}
	}
	for _, bt := range running {
		close(bt.release)
	}
	for _, l := range loads {
		if l.left == nil && l.f.Running() {
			l.f.Cancel()
		}
	}
	synctest.Wait()
}

// finished checks, once bt's fetch has returned, that every load of bt
// still waiting got its key's outcome in bt's mode.
func finished(t *testing.T, bt *fuzzBatch, loads []*fuzzLoad) {
	t.Helper()
	synctest.Wait()
	if bt.ctx != nil {
		require.Error(t, bt.ctx.Err(), "fetch's context ends when it returns")
	}
	for _, l := range loads {
		if l.batch != bt || l.left != nil {
			continue
		}
		require.True(t, l.f.Done(), "load of %d not answered", l.key)
		v, err := l.f.Result()
		switch {
		case bt.mode&3 == 1:
			require.ErrorIs(t, err, errBoom)
		case bt.mode&3 == 2:
			var pe *future.PanicError
			require.ErrorAs(t, err, &pe)
		case l.key == 3:
			require.ErrorIs(t, err, future.ErrNotFound)
		default:
			require.NoError(t, err)
			require.Equal(t, 10*l.key, v)
		}
		l.left = errors.New("answered")
	}
}
