package future_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofutures/future"
)

func TestCaptureTraceback(t *testing.T) {
	t.Parallel()
	tb := future.CaptureTraceback(0)
	frames := tb.Frames()
	require.NotEmpty(t, frames)
	assert.Equal(t, "github.com/gofutures/future_test.TestCaptureTraceback", frames[0].Function)

	tb = captureFromHelper()
	assert.Equal(t, "github.com/gofutures/future_test.TestCaptureTraceback", tb.Frames()[0].Function, "skip 1 starts at the caller's caller")

	lines := strings.Split(future.CaptureTraceback(0).String(), "\n")
	require.Greater(t, len(lines), 1, "one frame per line")
	assert.Regexp(t, `^github\.com/gofutures/future_test\.TestCaptureTraceback \(.*traceback_test\.go:\d+\)$`, lines[0])
}

func captureFromHelper() *future.Traceback {
	return future.CaptureTraceback(1)
}

func TestNilTraceback(t *testing.T) {
	t.Parallel()
	var tb *future.Traceback
	assert.Nil(t, tb.Frames())
	assert.Equal(t, "", tb.String())
}

func TestPanicError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		value     any
		wantMsg   string
		wantUnwrp error
	}{
		{"string", "oops", "future: panic: oops", nil},
		{"int", 42, "future: panic: 42", nil},
		{"error", errBoom, "future: panic: boom", errBoom},
		{"nil error value", error(nil), "future: panic: <nil>", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pe := &future.PanicError{Value: tt.value}
			assert.Equal(t, tt.wantMsg, pe.Error())
			assert.Equal(t, tt.wantUnwrp, pe.Unwrap())
			if tt.wantUnwrp != nil {
				assert.True(t, errors.Is(pe, tt.wantUnwrp))
			}
		})
	}
}
