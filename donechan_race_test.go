package future_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gofutures/future"
)

// The done channel is published lock-free against completion (see
// makeDoneChan): race readers making it against a completer and against a
// registration that changes the state word, many times, and check that every
// reader gets the same channel, that it is closed, and that the callback ran.
func TestDoneChanRacesCompletion(t *testing.T) {
	t.Parallel()
	const rounds, readers = 300, 4
	for range rounds {
		f := future.New[int]()
		var start, wg sync.WaitGroup
		var called atomic.Bool
		chans := make([]<-chan struct{}, readers)
		start.Add(1)
		for i := range readers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				start.Wait()
				chans[i] = f.DoneChan()
			}()
		}
		wg.Add(2)
		go func() {
			defer wg.Done()
			start.Wait()
			f.AddDoneCallback(func(*future.Future[int]) { called.Store(true) })
		}()
		go func() {
			defer wg.Done()
			start.Wait()
			f.SetResult(1)
		}()
		start.Done()
		wg.Wait()
		for _, ch := range chans {
			require.Equal(t, chans[0], ch, "readers got different channels")
		}
		assert.Equal(t, chans[0], f.DoneChan(), "a later call got another channel")
		receive(t, chans[0])
		assert.True(t, called.Load(), "the callback did not run")
	}
}
