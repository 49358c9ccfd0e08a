package future_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofutures/future"
)

// TestLinearizable checks that a Future is linearizable: in every history of
// concurrent calls on one future, each call takes effect at a single instant
// between its call and its return, and the calls, taken in the order of those
// instants, do what a sequential model says. The histories are random, run on
// real goroutines (under -race in CI), and checked with porcupine.
//
// A history is 3 or 4 clients, each a goroutine making 1 to 3 random calls
// on one fresh future after a common start: SetResult, SetException, Cancel,
// Result, Done, IsSuccess, and OnDone, whose stop the client calls right
// after it, at its end, or never. Client 0 never calls Result and ends with a
// completion, so every Result returns.
//
// The model's state is pending, or done with an outcome (value, error), a
// comparable struct:
//   - SetResult, SetException and Cancel return true if and only if the future
//     is pending, and then complete it (Cancel with context.Canceled);
//   - Result answers only once the future is done, with its outcome; Done
//     and IsSuccess report the state;
//   - OnDone and stop are two calls: OnDone reports whether cb ran at once on
//     the calling goroutine, which it must if and only if the future is done;
//     stop reports true if and only if the future is pending.
//
// What the model cannot see is checked once every client has returned: each
// callback ran at most once, exactly one of "it ran" and "its stop returned
// true" holds, and a callback that ran saw the future done with its final
// outcome.
//
// Values, errors and callbacks are numbered across a history, so an outcome
// tells which completion won. Timestamps come from the monotonic clock, not a
// shared counter, whose atomics would order the clients for the race detector
// and hide races between them.
//
// The broken subtests run the same histories against deliberately broken
// fakes and must catch them: the check can fail.
func TestLinearizable(t *testing.T) {
	t.Parallel()
	seed := linSeed(t)

	t.Run("Future", func(t *testing.T) {
		t.Parallel()
		histories := sized(2_000, 10_000)
		overlapped := 0
		for i := range histories {
			h := runLinHistory(future.New[int](), linRand(seed, i))
			if h.failed() {
				t.Fatalf("history %d of seed %d: %s", i, seed, h.report(os.TempDir()))
			}
			if h.overlapped() {
				overlapped++
			}
		}
		t.Logf("%d histories linearizable, %d of them with calls that overlapped", histories, overlapped)
		assert.Positive(t, overlapped, "no history ran calls at the same time: the check saw no concurrency")
	})

	broken := []struct {
		name    string
		subject func() linSubject
		// caught reports whether h, a failed history, failed by the check
		// meant to catch the fake.
		caught func(h linHistory) bool
	}{
		{
			"SetResult always wins",
			func() linSubject { return linLiar{future.New[int]()} },
			func(h linHistory) bool { return h.check == porcupine.Illegal },
		},
		{
			"stop keeps the callback",
			func() linSubject { return linLeakyStop{future.New[int]()} },
			// porcupine accepts it: stop's answer alone is plausible.
			func(h linHistory) bool { return h.check == porcupine.Ok && len(h.problems) > 0 },
		},
	}
	for _, tt := range broken {
		t.Run("broken/"+tt.name, func(t *testing.T) {
			t.Parallel()
			const most = 2_000
			for i := range most {
				h := runLinHistory(tt.subject(), linRand(seed, i))
				if !h.failed() {
					continue
				}
				report := h.report(t.TempDir())
				require.True(t, tt.caught(h), "caught for the wrong reason: %s", report)
				t.Logf("caught in history %d: %s", i, report)
				if h.check == porcupine.Illegal {
					assert.Contains(t, report, "visualization in ", "a failure writes a visualization")
				}
				return
			}
			t.Fatalf("%d histories and the broken fake was never caught", most)
		})
	}
}

// linSeed returns the seed of the histories' plans, FUTURE_LINEARIZE_SEED if
// set. The same seed replays the same plans, not the same schedules.
func linSeed(t *testing.T) uint64 {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("FUTURE_LINEARIZE_SEED"); s != "" {
		var err error
		seed, err = strconv.ParseUint(s, 10, 64)
		require.NoError(t, err, "FUTURE_LINEARIZE_SEED")
	}
	t.Logf("seed %d (FUTURE_LINEARIZE_SEED=%d replays these plans)", seed, seed)
	return seed
}

// linRand is the source of history i's plan.
func linRand(seed uint64, i int) *rand.Rand {
	return rand.New(rand.NewPCG(seed, uint64(i)))
}

// linSubject is what a history runs against: a *future.Future[int], or a
// broken fake of one.
type linSubject interface {
	SetResult(v int) bool
	SetException(err error) bool
	Cancel() bool
	Result() (int, error)
	Done() bool
	IsSuccess() bool
	OnDone(cb func(*future.Future[int])) (stop func() bool)
}

// linLiar's SetResult claims every win, even one it lost.
type linLiar struct{ *future.Future[int] }

func (l linLiar) SetResult(v int) bool {
	l.Future.SetResult(v)
	return true
}

// linLeakyStop's stop reports whether the future is pending, but never takes
// the callback back.
type linLeakyStop struct{ *future.Future[int] }

func (l linLeakyStop) OnDone(cb func(*future.Future[int])) func() bool {
	l.AddDoneCallback(cb)
	return func() bool { return !l.Done() }
}

// linOp is a method of the future, or stop.
type linOp uint8

const (
	linSetResult linOp = iota
	linSetException
	linCancel
	linResult
	linDone
	linIsSuccess
	linOnDone
	linStop
)

var linOpNames = [...]string{"SetResult", "SetException", "Cancel", "Result", "Done", "IsSuccess", "OnDone", "stop"}

// Which calls a plan draws from.
var (
	linCompletions = []linOp{linSetResult, linSetException, linCancel}
	linNonBlocking = []linOp{linSetResult, linSetException, linCancel, linDone, linIsSuccess, linOnDone}
	linAll         = append(slices.Clone(linNonBlocking), linResult)
)

// linInput is a call: porcupine's Operation.Input.
type linInput struct {
	op  linOp
	v   int   // SetResult's value
	err error // SetException's error
	cb  int   // OnDone's and stop's callback
}

// linOutput is what a call returned: porcupine's Operation.Output. ok is the
// bool that SetResult, SetException, Cancel, Done, IsSuccess and stop return,
// and for OnDone whether cb ran at once, on the calling goroutine, before
// OnDone returned. v and err are Result's.
type linOutput struct {
	ok  bool
	v   int
	err error
}

// linState is the model's state: pending, or done with an outcome.
type linState struct {
	done bool
	v    int
	err  error
}

// linError is SetException's error, numbered so that outcomes tell which
// call won.
type linError struct{ n int }

func (e *linError) Error() string { return "e" + strconv.Itoa(e.n) }

// linCanceled is how the model records an error that is context.Canceled,
// which is all the contract says of Cancel's error.
func linCanceled(err error) error {
	if errors.Is(err, context.Canceled) {
		return context.Canceled
	}
	return err
}

var linModel = porcupine.Model{
	Init: func() any { return linState{} },
	Step: func(state, input, output any) (bool, any) {
		s, in, out := state.(linState), input.(linInput), output.(linOutput)
		switch in.op {
		case linSetResult, linSetException, linCancel:
			if s.done || !out.ok {
				return s.done && !out.ok, s
			}
			switch in.op {
			case linSetResult:
				return true, linState{done: true, v: in.v}
			case linSetException:
				return true, linState{done: true, err: in.err}
			default:
				return true, linState{done: true, err: context.Canceled}
			}
		case linResult:
			return s.done && out.v == s.v && out.err == s.err, s
		case linDone, linOnDone:
			return out.ok == s.done, s
		case linIsSuccess:
			return out.ok == (s.done && s.err == nil), s
		case linStop:
			return out.ok == !s.done, s
		}
		panic(fmt.Sprintf("linModel: unknown operation %d", in.op))
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(linInput), output.(linOutput)
		call := linOpNames[in.op] + "()"
		switch in.op {
		case linSetResult:
			call = fmt.Sprintf("SetResult(%d)", in.v)
		case linSetException:
			call = fmt.Sprintf("SetException(%v)", in.err)
		case linOnDone, linStop:
			call = fmt.Sprintf("%s(cb%d)", linOpNames[in.op], in.cb)
		}
		switch in.op {
		case linResult:
			return fmt.Sprintf("%s -> %d, %v", call, out.v, out.err)
		case linOnDone:
			if out.ok {
				return call + " -> ran at once"
			}
			return call + " -> registered"
		}
		return fmt.Sprintf("%s -> %t", call, out.ok)
	},
	DescribeState: func(state any) string {
		switch s := state.(linState); {
		case !s.done:
			return "pending"
		case s.err == nil:
			return fmt.Sprintf("succeeded with %d", s.v)
		default:
			return fmt.Sprintf("failed with %v", s.err)
		}
	},
}

// linAction is a client's call, after a runtime.Gosched if yield is set, to
// vary the interleavings.
type linAction struct {
	in    linInput
	yield bool
}

// linPlan draws a history: its clients' calls and how many callbacks they
// register.
func linPlan(r *rand.Rand) (clients [][]linAction, callbacks int) {
	clients = make([][]linAction, 3+r.IntN(2))
	n := 0 // numbers values and errors
	for c := range clients {
		var acts, atEnd []linAction
		calls := 1 + r.IntN(3)
		for k := range calls {
			ops := linAll
			switch {
			case c == 0 && k == calls-1:
				ops = linCompletions
			case c == 0:
				ops = linNonBlocking
			}
			n++
			in := linInput{op: ops[r.IntN(len(ops))]}
			switch in.op {
			case linSetResult:
				in.v = n
			case linSetException:
				in.err = &linError{n}
			case linOnDone:
				in.cb = callbacks
				callbacks++
			}
			acts = append(acts, linAction{in, r.IntN(4) == 0})
			if in.op != linOnDone {
				continue
			}
			stop := linAction{linInput{op: linStop, cb: in.cb}, r.IntN(4) == 0}
			switch r.IntN(3) {
			case 0:
				acts = append(acts, stop)
			case 1:
				atEnd = append(atEnd, stop)
			} // else never stopped
		}
		clients[c] = append(acts, atEnd...)
	}
	return clients, callbacks
}

// linCallback is an OnDone callback and what it saw.
type linCallback struct {
	// Written by the client that registers it. The callback reads owner on
	// whatever goroutine runs it: registration must happen before the run.
	owner   uint64 // the client's goroutine
	inCall  bool   // the client is inside OnDone
	stop    func() bool
	stopped bool // stop returned true

	// Written by the callback.
	runs    int
	atOnce  bool // it ran on its owner, inside OnDone
	sawDone bool
	v       int
	err     error
}

func (cb *linCallback) run(f *future.Future[int]) {
	cb.runs++
	cb.atOnce = goid() == cb.owner && cb.inCall // inCall only on the owner: no race
	cb.sawDone = f.Done()
	if cb.sawDone {
		cb.v, cb.err = f.Result()
		cb.err = linCanceled(cb.err)
	}
}

// linHistory is a history that ran, and what checking it found.
type linHistory struct {
	ops      []porcupine.Operation
	check    porcupine.CheckResult // porcupine's verdict
	problems []string              // what the model cannot see
}

func (h linHistory) failed() bool { return h.check != porcupine.Ok || len(h.problems) > 0 }

// runLinHistory runs the history that r plans against s, and checks it.
func runLinHistory(s linSubject, r *rand.Rand) linHistory {
	clients, callbacks := linPlan(r)
	cbs := make([]linCallback, callbacks)
	ops := make([][]porcupine.Operation, len(clients))
	start := make(chan struct{})
	finished := make(chan struct{}, len(clients))
	epoch := time.Now()
	for c, acts := range clients {
		go func() {
			defer func() { finished <- struct{}{} }()
			ops[c] = runLinClient(c, s, acts, cbs, epoch, start)
		}()
	}
	close(start)

	var h linHistory
	timeout := time.NewTimer(patience)
	defer timeout.Stop()
	for range clients {
		select {
		case <-finished:
		case <-timeout.C:
			s.Cancel() // let any blocked Result return
			h.problems = append(h.problems, fmt.Sprintf("the clients did not return within %v", patience))
			h.check = porcupine.Unknown
			return h
		}
	}

	for c := range ops {
		for i := range ops[c] {
			if in := ops[c][i].Input.(linInput); in.op == linOnDone {
				ops[c][i].Output = linOutput{ok: cbs[in.cb].atOnce}
			}
		}
		h.ops = append(h.ops, ops[c]...)
	}
	// Client 0's completion has returned, so the future is done and the
	// winner has run the callbacks.
	if !s.Done() {
		h.problems = append(h.problems, "the future is pending after every client returned")
		h.check = porcupine.CheckOperationsTimeout(linModel, h.ops, patience)
		return h
	}
	v, err := s.Result()
	err = linCanceled(err)
	for i, cb := range cbs {
		switch {
		case cb.runs > 1:
			h.problems = append(h.problems, fmt.Sprintf("cb%d ran %d times", i, cb.runs))
		case cb.runs == 1 && cb.stopped:
			h.problems = append(h.problems, fmt.Sprintf("cb%d ran, and its stop returned true", i))
		case cb.runs == 0 && !cb.stopped:
			h.problems = append(h.problems, fmt.Sprintf("cb%d never ran, and no stop returned true", i))
		}
		if cb.runs > 0 && !cb.sawDone {
			h.problems = append(h.problems, fmt.Sprintf("cb%d saw the future pending", i))
		}
		if cb.runs > 0 && cb.sawDone && (cb.v != v || cb.err != err) {
			h.problems = append(h.problems, fmt.Sprintf("cb%d saw %d, %v; the future ended with %d, %v", i, cb.v, cb.err, v, err))
		}
	}
	h.check = porcupine.CheckOperationsTimeout(linModel, h.ops, patience)
	return h
}

// runLinClient makes client c's calls on s once start is closed, and
// returns them timed from epoch.
func runLinClient(c int, s linSubject, acts []linAction, cbs []linCallback, epoch time.Time, start <-chan struct{}) []porcupine.Operation {
	me := goid()
	ops := make([]porcupine.Operation, 0, len(acts))
	<-start
	for _, a := range acts {
		if a.yield {
			runtime.Gosched()
		}
		var cb *linCallback
		switch a.in.op {
		case linOnDone:
			cb = &cbs[a.in.cb]
			cb.owner, cb.inCall = me, true
		case linStop:
			cb = &cbs[a.in.cb]
		}
		call := time.Since(epoch)
		out := linCall(s, a.in, cb)
		ret := time.Since(epoch)
		if a.in.op == linOnDone {
			cb.inCall = false
		}
		ops = append(ops, porcupine.Operation{ClientId: c, Input: a.in, Call: int64(call), Output: out, Return: int64(ret)})
	}
	return ops
}

// linCall makes the call in on s; cb is the callback of OnDone and stop.
func linCall(s linSubject, in linInput, cb *linCallback) linOutput {
	switch in.op {
	case linSetResult:
		return linOutput{ok: s.SetResult(in.v)}
	case linSetException:
		return linOutput{ok: s.SetException(in.err)}
	case linCancel:
		return linOutput{ok: s.Cancel()}
	case linResult:
		v, err := s.Result()
		return linOutput{v: v, err: linCanceled(err)}
	case linDone:
		return linOutput{ok: s.Done()}
	case linIsSuccess:
		return linOutput{ok: s.IsSuccess()}
	case linOnDone:
		cb.stop = s.OnDone(cb.run)
		return linOutput{} // ok, whether cb ran at once, is known once the history is over
	case linStop:
		cb.stopped = cb.stop()
		return linOutput{ok: cb.stopped}
	}
	panic(fmt.Sprintf("linCall: unknown operation %d", in.op))
}

// overlapped reports whether two clients' calls ran at the same time.
func (h linHistory) overlapped() bool {
	for i, a := range h.ops {
		for _, b := range h.ops[i+1:] {
			if a.ClientId != b.ClientId && a.Call <= b.Return && b.Call <= a.Return {
				return true
			}
		}
	}
	return false
}

// report describes a failed history: porcupine's verdict, with a
// visualization written in dir if it found the history not linearizable,
// the other problems, and the calls in the order they were made.
func (h linHistory) report(dir string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "porcupine: %s", h.check)
	if h.check == porcupine.Illegal {
		if path, err := linVisualize(h.ops, dir); err != nil {
			fmt.Fprintf(&b, " (no visualization: %v)", err)
		} else {
			fmt.Fprintf(&b, ", visualization in %s", path)
		}
	}
	for _, p := range h.problems {
		fmt.Fprintf(&b, "\n\t%s", p)
	}
	ops := slices.Clone(h.ops)
	slices.SortFunc(ops, func(a, b porcupine.Operation) int { return cmp.Compare(a.Call, b.Call) })
	for _, op := range ops {
		fmt.Fprintf(&b, "\n\tclient %d [%6d, %6d] ns %s", op.ClientId, op.Call, op.Return, linModel.DescribeOperation(op.Input, op.Output))
	}
	return b.String()
}

// linVisualize writes porcupine's visualization of ops to a new file in dir
// and returns its path.
func linVisualize(ops []porcupine.Operation, dir string) (string, error) {
	_, info := porcupine.CheckOperationsVerbose(linModel, ops, patience)
	f, err := os.CreateTemp(dir, "future-linearize-*.html")
	if err != nil {
		return "", err
	}
	defer f.Close()
	if err := porcupine.Visualize(linModel, info, f); err != nil {
		return "", err
	}
	return filepath.Abs(f.Name())
}
