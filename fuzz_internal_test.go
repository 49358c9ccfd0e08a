package future

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

// FuzzDetach decodes its input into operations on a handful of futures,
// as FuzzFuture does, and after each one looks inside every future at its
// listeners, which the API does not show:
//   - A pending future holds exactly the callbacks registered on it and not
//     stopped, and, for every combinator (Combine, All, AllSettled, Any,
//     Race, WithTimeout) and continuation (ContinueWith, Then, Recover,
//     ContinueWithFuture) whose result is pending, exactly the listeners it
//     registered on it; once that result is done, however (Cancel
//     included), none of them. The one exception is documented: a
//     continuation whose result's hook was displaced by the next link of
//     a chain may stay until its source sweeps it. No AsCompleted listener
//     outlives its loop. A done future holds no listener at all.
//   - The list behind the inline slot stays compact: ids grow, tombstones
//     are counted, fewer than half the slots, and never the last one.
//   - OnDone's stop returns true only for the first call on a pending
//     future; then the callback never runs; exactly one of "it ran" and "a
//     stop returned true" holds once the future is done; and the callbacks
//     that were not stopped ran in the order they were registered.
//
// Everything runs on the test's goroutine: WithTimeout's timers are set an
// hour ahead (and stopped at the end) or already expired, so the outcome
// depends only on the input.
func FuzzDetach(f *testing.F) {
	// The seed corpus is in testdata/fuzz/FuzzDetach.
	f.Add([]byte{})
	f.Fuzz(fuzzDetach)
}

// dzMaxSteps bounds the operations decoded from one input, dzMaxFuts the
// futures operations pick from.
const (
	dzMaxSteps = 64
	dzMaxFuts  = 16
)

func fuzzDetach(t *testing.T, data []byte) {
	z := &dzFuzzer{t: t, data: data, owners: map[any]*dzOwner{}, fired: map[*Future[int]][]int{}}
	// A hang while fuzzing would only stall the workers: make it a crash
	// that saves the input.
	hang := time.AfterFunc(time.Minute, func() { panic(fmt.Sprintf("FuzzDetach: input %q hung", data)) })
	defer hang.Stop()
	for range 3 {
		z.add(New[int]())
	}
	for step := 0; step < dzMaxSteps && z.pos < len(z.data); step++ {
		op := dzOps[int(z.byte())%len(dzOps)]
		z.trace = append(z.trace, op.name)
		op.run(z)
		z.checkAll()
	}
	for _, o := range z.list {
		if o.timer {
			z.trace = append(z.trace, "Cancel a WithTimeout at the end")
			o.res.Cancel() // stops its timer, if still set
			z.checkAll()
		}
	}
}

var dzOps = []struct {
	name string
	run  func(z *dzFuzzer)
}{
	{"New", func(z *dzFuzzer) { z.add(New[int]()) }},
	{"OnDone", func(z *dzFuzzer) { z.onDone(z.pick(), z.byte()) }},
	{"AddDoneCallback", func(z *dzFuzzer) {
		x := z.pick()
		r := z.newReg(x, 0)
		x.AddDoneCallback(r.callback(z))
	}},
	{"Stop", func(z *dzFuzzer) {
		if b := z.byte(); len(z.regs) > 0 {
			z.stop(z.regs[int(b)%len(z.regs)])
		}
	}},
	{"Complete", func(z *dzFuzzer) { z.complete(z.pick(), z.byte()) }},
	{"CancelResult", func(z *dzFuzzer) {
		if b := z.byte(); len(z.list) > 0 {
			z.list[int(b)%len(z.list)].res.Cancel()
		}
	}},
	{"Race", dzCombinator("Race", Race[int])},
	{"Any", dzCombinator("Any", Any[int])},
	{"All", dzCombinator("All", All[int])},
	{"Combine", dzCombinator("Combine", Combine[int])},
	{"AllSettled", dzCombinator("AllSettled", AllSettled[int])},
	{"WithTimeout", func(z *dzFuzzer) {
		x, b := z.pick(), z.byte()
		d := []time.Duration{time.Hour, 0, -time.Second}[b%3]
		z.addResult(WithTimeout(x, d), &dzOwner{name: "WithTimeout", inputs: []*Future[int]{x}, timer: d > 0})
	}},
	{"Continue", func(z *dzFuzzer) { z.continueWith(z.pick(), z.byte()) }},
	{"ContinueWithFuture", func(z *dzFuzzer) { z.continueWithFuture(z.pick(), z.byte()) }},
	{"AsCompleted", func(z *dzFuzzer) { z.asCompleted(z.inputs()) }},
	{"Burst", func(z *dzFuzzer) { z.burst(z.pick(), z.byte(), z.byte()) }},
}

// dzCombinator is the operation that applies combine to inputs that the
// input picks.
func dzCombinator[R dzResult](name string, combine func(...*Future[int]) R) func(z *dzFuzzer) {
	return func(z *dzFuzzer) {
		ins := z.inputs()
		res := combine(ins...)
		z.own(res, &dzOwner{name: name, inputs: ins})
		if f, ok := any(res).(*Future[int]); ok {
			z.add(f) // a Future[int] can be an input in turn
		}
	}
}

// dzResult is the result of a combinator or continuation, of any type.
type dzResult interface {
	Done() bool
	Cancel() bool
}

type dzFuzzer struct {
	t     *testing.T
	data  []byte
	pos   int
	trace []string

	futs   []*Future[int] // what operations pick from
	all    []*Future[int] // every Future[int] made, whose listeners are checked
	owners map[any]*dzOwner
	list   []*dzOwner // the owners in the order they were made
	regs   []*dzReg   // callbacks, in the order they were registered
	fired  map[*Future[int]][]int
}

// dzOwner is a combinator or continuation: its result, and what it waits
// for while the result is pending.
type dzOwner struct {
	name   string
	res    dzResult
	inputs []*Future[int] // a combinator listens to each, once an occurrence
	src    *Future[int]   // a continuation listens to it until it is done
	flat   bool           // ContinueWithFuture: then to inner
	inner  *Future[int]
	// link: ContinueWith, Then or Recover, whose result's hook the next
	// link of a chain may displace; displaced records that it did, and the
	// link may then stay on its source until swept.
	link, displaced bool
	timer           bool // WithTimeout with a timer set
}

// dzReg is a callback registered by OnDone (stop set) or AddDoneCallback.
type dzReg struct {
	on           *Future[int]
	seq          int
	stop         func() bool
	ran, stopped bool
	stopArg      byte // OnDone: bit 0 says the callback calls the stop of regs[stopArg>>1]
}

func (z *dzFuzzer) byte() byte {
	if z.pos >= len(z.data) {
		return 0
	}
	b := z.data[z.pos]
	z.pos++
	return b
}

func (z *dzFuzzer) fail(format string, args ...any) {
	z.t.Helper()
	z.t.Fatalf("%s\nafter operations %v", fmt.Sprintf(format, args...), z.trace)
}

func (z *dzFuzzer) pick() *Future[int] { return z.futs[int(z.byte())%len(z.futs)] }

func (z *dzFuzzer) inputs() []*Future[int] {
	ins := make([]*Future[int], int(z.byte())%5)
	for i := range ins {
		ins[i] = z.pick()
	}
	return ins
}

func (z *dzFuzzer) add(f *Future[int]) {
	z.all = append(z.all, f)
	if len(z.futs) < dzMaxFuts {
		z.futs = append(z.futs, f)
	}
}

func (z *dzFuzzer) own(res dzResult, o *dzOwner) {
	o.res = res
	z.owners[res] = o
	z.list = append(z.list, o)
}

func (z *dzFuzzer) addResult(res *Future[int], o *dzOwner) {
	z.own(res, o)
	z.add(res)
}

func (z *dzFuzzer) newReg(x *Future[int], stopArg byte) *dzReg {
	r := &dzReg{on: x, seq: len(z.regs), stopArg: stopArg}
	z.regs = append(z.regs, r)
	return r
}

func (r *dzReg) callback(z *dzFuzzer) func(*Future[int]) {
	return func(f *Future[int]) {
		if f != r.on || r.ran || r.stopped || !f.Done() {
			z.fail("callback %d: ran on another future, twice, after its stop, or while pending", r.seq)
		}
		r.ran = true
		z.fired[f] = append(z.fired[f], r.seq)
		if r.stopArg&1 != 0 {
			z.stop(z.regs[int(r.stopArg>>1)%len(z.regs)])
		}
	}
}

func (z *dzFuzzer) onDone(x *Future[int], stopArg byte) {
	r := z.newReg(x, stopArg)
	stop := x.OnDone(r.callback(z))
	r.stop = stop
}

// stop calls r's stop, if r came from OnDone: it must return true only if
// r's future is pending and no stop returned true before.
func (z *dzFuzzer) stop(r *dzReg) {
	if r.stop == nil {
		return // AddDoneCallback, or an OnDone still running its callback at once
	}
	want := !r.on.Done() && !r.stopped
	if got := r.stop(); got != want {
		z.fail("stop of callback %d returned %v, want %v", r.seq, got, want)
	}
	r.stopped = r.stopped || want
}

var errDz = errors.New("dz")

func (z *dzFuzzer) complete(x *Future[int], b byte) {
	switch b % 3 {
	case 0:
		x.SetResult(int(b))
	case 1:
		x.SetException(errDz)
	default:
		x.Cancel()
	}
}

// continueWith registers ContinueWith, Then or Recover on x. A link on
// the pending result of another link, when that result has no other
// listener yet, takes its inline slot and displaces its hook.
func (z *dzFuzzer) continueWith(x *Future[int], b byte) {
	if o := z.owners[x]; o != nil && o.link && x.state.Load()&(stateDone|stateWaiters|stateHooked) == 0 {
		o.displaced = true
	}
	var res *Future[int]
	switch b % 3 {
	case 0:
		res = ContinueWith(x, func(f *Future[int]) (int, error) { return f.Result() })
	case 1:
		res = Then(x, func(v int) (int, error) { return v + 1, nil })
	default:
		res = Recover(x, func(error) (int, error) { return 0, nil })
	}
	z.addResult(res, &dzOwner{name: "ContinueWith", src: x, link: true})
}

// continueWithFuture registers ContinueWithFuture on x, whose function
// returns a future it picks, or fails.
func (z *dzFuzzer) continueWithFuture(x *Future[int], b byte) {
	o := &dzOwner{name: "ContinueWithFuture", src: x, flat: true}
	res := ContinueWithFuture(x, func(*Future[int]) (*Future[int], error) {
		if b%4 == 0 {
			return nil, errDz
		}
		inner := z.futs[int(b>>2)%len(z.futs)]
		if z.owners[inner] != o {
			o.inner = inner // not its own result
		}
		return inner, nil
	})
	z.addResult(res, o)
}

// asCompleted ranges over AsCompleted(ins) as long as an input is ready,
// completing inputs or breaking as the input says.
func (z *dzFuzzer) asCompleted(ins []*Future[int]) {
	ready := func() int {
		n := 0
		for _, in := range ins {
			if in.Done() {
				n++
			}
		}
		return n
	}
	if ready() == 0 {
		return // the loop would block
	}
	yields := 0
	for range AsCompleted(context.Background(), ins...) {
		yields++
		c := z.byte()
		if c%3 == 1 {
			z.complete(ins[int(c>>2)%len(ins)], c>>4)
		}
		if c%3 == 0 || yields < len(ins) && ready() == yields {
			break // as asked, or the next wait would block
		}
	}
}

// burst registers n callbacks on x with OnDone, and stops them in an order
// the input picks, checking x's list after each stop: the list grows past
// the slots an emptied list keeps, and compacts as it shrinks.
func (z *dzFuzzer) burst(x *Future[int], n, order byte) {
	regs := make([]*dzReg, 1+int(n)%130)
	for i := range regs {
		regs[i] = z.newReg(x, 0)
		regs[i].stop = x.OnDone(regs[i].callback(z))
	}
	switch order % 4 {
	case 0: // oldest first
	case 1: // newest first
		slices.Reverse(regs)
	case 2: // every other one, then the rest
		regs = append(everyOther(regs, 0), everyOther(regs, 1)...)
	default: // all but a few
		regs = everyOther(everyOther(regs, 1), 0)
	}
	for _, r := range regs {
		z.stop(r)
		z.checkList(x)
	}
}

func everyOther[E any](s []E, from int) []E {
	var out []E
	for i := from; i < len(s); i += 2 {
		out = append(out, s[i])
	}
	return out
}

// checkAll checks every Future[int]'s listeners and every callback.
func (z *dzFuzzer) checkAll() {
	z.t.Helper()
	for _, f := range z.all {
		z.checkList(f)
	}
	want := map[*Future[int]][]int{}
	for _, r := range z.regs {
		switch {
		case !r.on.Done() && r.ran:
			z.fail("callback %d ran while its future is pending", r.seq)
		case r.on.Done() && r.ran == r.stopped:
			z.fail("callback %d: ran %v, stop returned true %v; want exactly one", r.seq, r.ran, r.stopped)
		case r.ran:
			want[r.on] = append(want[r.on], r.seq)
		}
	}
	for f, seqs := range z.fired {
		if !slices.Equal(seqs, want[f]) {
			z.fail("callbacks ran in the order %v, want %v", seqs, want[f])
		}
	}
}

// checkList checks f's listeners.
func (z *dzFuzzer) checkList(f *Future[int]) {
	z.t.Helper()
	var live []listener[int]
	if f.first != nil {
		live = append(live, f.first)
	}
	if ls := f.rest; ls != nil {
		dead := 0
		for i, s := range ls.slots {
			if s.l == nil {
				dead++
			} else {
				live = append(live, s.l)
			}
			if s.id == 0 || s.id >= ls.next || i > 0 && s.id <= ls.slots[i-1].id {
				z.fail("slot %d has id %d (next %d): ids must grow from 1", i, s.id, ls.next)
			}
		}
		n := len(ls.slots)
		switch {
		case dead != ls.dead:
			z.fail("%d tombstones, %d counted", dead, ls.dead)
		case n > 0 && ls.slots[n-1].l == nil:
			z.fail("the last of %d slots is a tombstone", n)
		case dead > 0 && 2*dead >= n:
			z.fail("%d tombstones in %d slots: not compacted", dead, n)
		}
	}
	if f.Done() {
		if len(live) > 0 {
			z.fail("a done future holds %d listeners, the first a %T", len(live), live[0])
		}
		return
	}
	callbacks := 0
	count := map[*dzOwner]int{}
	for _, l := range live {
		if _, ok := l.(callback[int]); ok {
			callbacks++
			continue
		}
		if hook, ok := dzHookOf(l); ok {
			if hook != f {
				z.fail("the hook of another future (%T) is on a future", l)
			}
			continue
		}
		key, ok := dzResultOf(l)
		if !ok {
			z.fail("a pending future holds a %T", l)
		}
		o := z.owners[key]
		if o == nil {
			z.fail("a pending future holds a %T of a result not made here", l)
		}
		if o.res.Done() && !o.displaced {
			z.fail("%s left its %T on a pending input after its result was done", o.name, l)
		}
		count[o]++
	}
	want := 0
	for _, r := range z.regs {
		if r.on == f && !r.stopped {
			want++
		}
	}
	if callbacks != want {
		z.fail("a pending future holds %d callbacks, want %d", callbacks, want)
	}
	for _, o := range z.list {
		if !o.res.Done() && count[o] != o.listenersOn(f) {
			z.fail("%s has %d listeners on a pending future, want %d", o.name, count[o], o.listenersOn(f))
		}
	}
}

// listenersOn returns how many listeners o, whose result is pending, has
// on f, which is pending.
func (o *dzOwner) listenersOn(f *Future[int]) int {
	n := 0
	switch {
	case o.src == f:
		n = 1
	case o.src != nil:
		if o.inner == f && o.src.Done() {
			n = 1 // the relay
		}
	default:
		for _, in := range o.inputs {
			if in == f {
				n++
			}
		}
	}
	return n
}

// dzResultOf returns the result of the combinator or continuation that l
// belongs to.
func dzResultOf(l listener[int]) (any, bool) {
	switch l := l.(type) {
	case *combiner[int]:
		return &l.result, true
	case *settler[int]:
		return &l.result, true
	case *anyListener[int]:
		return &l.result, true
	case *racer[int]:
		return &l.result, true
	case *timeoutListener[int]:
		return &l.result, true
	case *link[int, int, whenDone[int, int]]:
		return &l.result, true
	case *link[int, int, onSuccess[int, int]]:
		return &l.result, true
	case *link[int, int, onFailure[int]]:
		return &l.result, true
	case *flatContinuation[int, int]:
		return &l.result, true
	case relay[int]:
		return l.dst, true
	}
	return nil, false
}

// dzHookOf returns the future whose own hook l is: the first listener its
// maker installed.
func dzHookOf(l listener[int]) (*Future[int], bool) {
	switch l := l.(type) {
	case *linkHook[int, int, whenDone[int, int]]:
		return &l.result, true
	case *linkHook[int, int, onSuccess[int, int]]:
		return &l.result, true
	case *linkHook[int, int, onFailure[int]]:
		return &l.result, true
	case onResult[int, *racer[int]]:
		return &l.d.result, true
	case onResult[int, *anyListener[int]]:
		return &l.d.result, true
	case onResult[int, *timeoutListener[int]]:
		return &l.d.result, true
	case onResult[int, *flatContinuation[int, int]]:
		return &l.d.result, true
	}
	return nil, false
}
