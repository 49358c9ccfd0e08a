package future_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/gofutures/future"
)

func TestMain(m *testing.M) {
	watchdog()
	goleak.VerifyTestMain(m)
}

// watchdog ends the test binary with a failure, and every goroutine's
// stack, once FUTURE_TEST_WATCHDOG (a duration) has passed. scripts/
// mutation.sh sets it so that a mutant that makes a test hang fails the run
// instead of being killed from outside as a timeout.
func watchdog() {
	d, err := time.ParseDuration(os.Getenv("FUTURE_TEST_WATCHDOG"))
	if err != nil {
		return
	}
	time.AfterFunc(d, func() {
		buf := make([]byte, 1<<20)
		os.Stderr.Write(buf[:runtime.Stack(buf, true)])
		fmt.Fprintf(os.Stderr, "FAIL: tests still running after FUTURE_TEST_WATCHDOG=%v\n", d)
		os.Exit(1)
	})
}

// full reports whether the tests run at their full sizes: FUTURE_FULL=1 in
// the environment, as .ci/run sets. By default (and with -short) the tests
// that make a million calls or links, the heavy stress test and the
// linearizability check run smaller, so that `go test -race ./...` stays
// well under a minute on 2 cores; they check the same things.
var full = os.Getenv("FUTURE_FULL") == "1"

// sized returns n at full size (FUTURE_FULL=1, without -short), small
// otherwise.
func sized(small, n int) int {
	if full && !testing.Short() {
		return n
	}
	return small
}

// patience bounds every wait in the tests: generous, so a loaded machine
// never fails a correct test, yet a hang fails instead of stalling CI.
const patience = 10 * time.Second

// await returns f's outcome, failing the test if f is not done in time.
func await[T any](t testing.TB, f *future.Future[T]) (T, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), patience)
	defer cancel()
	v, err := f.ResultContext(ctx)
	require.NotErrorIs(t, err, context.DeadlineExceeded, "future not done in time")
	return v, err
}

// receive waits for a value on ch, failing the test if none comes in time.
func receive[T any](t testing.TB, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(patience):
		require.FailNow(t, "nothing received in time")
		panic("unreachable")
	}
}

// endedWith returns a context that has already ended with cause.
func endedWith(cause error) context.Context {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(cause)
	return ctx
}

// errBoom is the failure most tests use.
type boomError struct{ msg string }

func (e *boomError) Error() string { return e.msg }

var errBoom = &boomError{"boom"}

// logBuffer collects what slog's default logger writes while a test runs.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// captureLogs points slog's default logger at a buffer until the test ends.
// Tests that use it must not run in parallel.
func captureLogs(t *testing.T) *logBuffer {
	t.Helper()
	b := new(logBuffer)
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(b, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
	return b
}
