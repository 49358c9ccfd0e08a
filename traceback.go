package future

import (
	"fmt"
	"runtime"
	"strings"
)

// maxFrames bounds how many frames a Traceback records.
const maxFrames = 64

// Traceback is a goroutine's call stack, recorded where a failure happened:
// Go's counterpart of a Python traceback. [Future.SetException] records one for the
// caller, and a panic caught by Go or a continuation records the panicking
// stack. A Traceback is immutable and safe for concurrent use; a nil
// *Traceback means none was recorded and has no frames.
type Traceback struct {
	pcs []uintptr
}

// CaptureTraceback records the calling goroutine's stack, at most 64 frames.
// skip is the number of frames to leave out: 0 starts at the caller of
// CaptureTraceback, 1 at its caller, and so on. It panics if skip is
// negative.
func CaptureTraceback(skip int) *Traceback {
	if skip < 0 {
		panic("future: CaptureTraceback called with a negative skip")
	}
	return captureTraceback(skip + 1)
}

// captureTraceback is CaptureTraceback for internal callers: skip 0 is its
// caller.
func captureTraceback(skip int) *Traceback {
	var pcs [maxFrames]uintptr
	n := runtime.Callers(skip+2, pcs[:])
	return &Traceback{pcs: append([]uintptr(nil), pcs[:n]...)}
}

// Frames returns the recorded frames, innermost (where the failure happened)
// first. It returns nil for a nil Traceback.
func (t *Traceback) Frames() []runtime.Frame {
	if t == nil || len(t.pcs) == 0 {
		return nil
	}
	frames := make([]runtime.Frame, 0, len(t.pcs))
	it := runtime.CallersFrames(t.pcs)
	for {
		fr, more := it.Next()
		frames = append(frames, fr)
		if !more {
			return frames
		}
	}
}

// String formats the traceback one frame per line, innermost first, as
// "function (file:line)". It returns "" for a nil Traceback.
func (t *Traceback) String() string {
	var b strings.Builder
	for i, fr := range t.Frames() {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s (%s:%d)", fr.Function, fr.File, fr.Line)
	}
	return b.String()
}

// PanicError is the error of a future whose function panicked: the function
// given to [Go], [GoContext], [Submit], [Fork], [Flights.Do], a continuation
// such as [ContinueWith], and the like. Value is the value passed to panic.
// The panicking stack travels with the error: [PanicError.Traceback]
// returns it wherever the error is found, in a failed future's Exception,
// in [Group.Wait]'s error, or inside an errors.Join, with errors.As:
//
//	var pe *future.PanicError
//	if errors.As(err, &pe) {
//		log.Printf("%v\n%s", pe.Value, pe.Traceback())
//	}
//
// The failed future's own Traceback is the same stack.
type PanicError struct {
	// Value is the value the function panicked with.
	Value any

	stack *Traceback
}

// Error returns "future: panic: " followed by the panic value.
func (e *PanicError) Error() string {
	return fmt.Sprintf("future: panic: %v", e.Value)
}

// Traceback returns the stack of the goroutine that panicked, innermost
// frame (the one that called panic) first; nil for a PanicError made by
// hand, which records none. It never blocks and is safe for concurrent use.
func (e *PanicError) Traceback() *Traceback {
	return e.stack
}

// Unwrap returns Value if it is an error, so errors.Is and errors.As see
// through a PanicError; otherwise it returns nil.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// newPanicError wraps the value recovered from a panic. It must be called
// by the deferred function that recovered, so the panicking frames are still
// on the stack; it records them from the frame that panicked outward.
func newPanicError(r any) *PanicError {
	tb := captureTraceback(1)
	// Drop the frames of the deferred function and of the runtime's panic
	// machinery, so the first frame is the one that panicked.
	for i, pc := range tb.pcs {
		if fn := runtime.FuncForPC(pc - 1); fn != nil && fn.Name() == "runtime.gopanic" {
			j := i + 1
			for j < len(tb.pcs) && isRuntime(tb.pcs[j]) {
				j++
			}
			tb.pcs = tb.pcs[j:]
			break
		}
	}
	return &PanicError{Value: r, stack: tb}
}

func isRuntime(pc uintptr) bool {
	fn := runtime.FuncForPC(pc - 1)
	return fn != nil && strings.HasPrefix(fn.Name(), "runtime.")
}

// call runs fn, turning a panic into a *PanicError with its traceback.
func call[R any](fn func() (R, error)) (v R, err error, tb *Traceback) {
	defer func() {
		if r := recover(); r != nil {
			pe := newPanicError(r)
			err, tb = pe, pe.stack
		}
	}()
	v, err = fn()
	return v, err, nil
}

// callWith runs fn(a), turning a panic into a *PanicError with its traceback.
func callWith[A, R any](fn func(A) (R, error), a A) (v R, err error, tb *Traceback) {
	defer func() {
		if r := recover(); r != nil {
			pe := newPanicError(r)
			err, tb = pe, pe.stack
		}
	}()
	v, err = fn(a)
	return v, err, nil
}
