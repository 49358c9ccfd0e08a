package workloads

import (
	"errors"
	"testing"

	"github.com/gofutures/future"
)

// The failure path (issue 15): what a failed future costs against a
// successful one and against making an error at all. A traceback is worth
// its cost only if it stays cheap.

// FailureOps are the failure path's benchmarks, each named by its op:
//
//	SetException            New, SetException of an existing error, Result
//	SetResult               New, SetResult, Result (W1Future)
//	errors.New              errors.New alone: the least a failure costs
//	CaptureTraceback        the stack SetException records, alone
//	CaptureTraceback-deep   the same, TracebackDepth frames further down
var FailureOps = []struct {
	Op  string
	Run func(*testing.B)
}{
	{"SetException", FailureFuture},
	{"SetResult", W1Future},
	{"errors.New", ErrorsNew},
	{"CaptureTraceback", CaptureTraceback},
	{"CaptureTraceback-deep", CaptureTracebackDeep},
}

// ErrFailure is the error the failure path fails with, made once, so that
// FailureFuture measures the future's part of a failure and not the error's.
var ErrFailure = errors.New("workloads: the backend failed")

// TracebackDepth is how many frames CaptureTracebackDeep adds below the
// benchmark's own few: a handler a few layers into a server.
const TracebackDepth = 32

// FailureFuture creates a future, fails it with SetException (which records
// the caller's stack) and reads it.
func FailureFuture(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		f := future.New[int]()
		f.SetException(ErrFailure)
		_, Sink.Err = f.Result()
	}
}

// ErrorsNew makes a new error, which escapes.
func ErrorsNew(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Sink.Err = errors.New("workloads: the backend failed")
	}
}

// CaptureTraceback records the calling goroutine's stack, as SetException
// does.
func CaptureTraceback(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Sink.Traceback = future.CaptureTraceback(0)
	}
}

// CaptureTracebackDeep records the stack TracebackDepth frames below the
// benchmark: the cost of a capture grows with the depth of the stack, up to
// the 64 frames a Traceback keeps.
func CaptureTracebackDeep(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Sink.Traceback = captureAt(TracebackDepth)
	}
}

// captureAt captures a traceback depth frames below its caller.
//
//go:noinline
func captureAt(depth int) *future.Traceback {
	if depth == 0 {
		return future.CaptureTraceback(0)
	}
	return captureAt(depth - 1)
}
