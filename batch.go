package future

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrNotFound is the error, wrapped with the key, of a [Batcher.Load] whose
// key is missing from the map its batch's fetch returned. Test for it with
// errors.Is.
var ErrNotFound = errors.New("future: key not found")

// Batcher batches loads of single keys into calls of one function that
// fetches many, as DataLoader does (facebook/dataloader, graphql-java's
// java-dataloader, Go's graph-gophers/dataloader and vikstrous/dataloadgen),
// with futures: each [Batcher.Load] gets a [Future] of its own, a caller
// whose context ends leaves without disturbing the others, and a running
// fetch is canceled only when every caller of its batch has left.
//
// A Batcher caches nothing: once a batch's fetch has returned, a Load of
// one of its keys starts a new batch. For a per-request cache, keep the
// futures Load returns.
//
// Make a Batcher with [NewBatcher]; a Batcher must not be copied after first
// use. Load is safe for concurrent use.
//
// In a [testing/synctest] bubble, use a Batcher made for the bubble, not
// one shared with code outside it: a batch's timer and goroutine belong to
// the bubble of the Load that made the batch, or to none, so a Load in the
// bubble that joins a batch made outside it waits for the outside, and the
// bubble reports a deadlock (or the runtime a fatal error), as for any
// future completed outside its bubble.
type Batcher[K comparable, V any] struct {
	// table holds each key that is in a batch not yet answered, with its
	// callers, while some caller waits for it; a Load of such a key joins
	// it.
	table[K, V]
	maxKeys int
	wait    time.Duration
	fetch   func(ctx context.Context, keys []K) (map[K]V, error)
	// pending is the batch that a Load of a new key joins, nil if none;
	// mu guards it.
	pending *batch[K, V]
}

// NewBatcher returns a Batcher whose batches call fetch with at most maxKeys
// keys. A batch is dispatched when it holds maxKeys distinct keys, or wait
// after its first key, whichever comes first; with wait 0 it is dispatched
// as soon as the goroutine that will call fetch gets to run, so that loads
// made meanwhile join it. Each dispatched batch calls fetch once, on a
// goroutine of its own (that of [time.AfterFunc], or one started by the
// Load that made or filled the batch): none per key or per caller.
//
// fetch gets the batch's keys, each once, in the order they were first
// loaded, and returns the value of each key it found. Its error fails every
// caller of the batch, with no traceback; a panic fails them with a
// [*PanicError] carrying the panic's stack; a key missing from the map fails
// its callers with an error wrapping [ErrNotFound]; keys that were not asked
// for are ignored. fetch's context carries the values of the context of the
// batch's first Load, but not its deadline or cancellation (as
// [context.WithoutCancel]); it is canceled when every caller of every key of
// the batch has left (the last one out), and when fetch returns.
//
// NewBatcher panics if maxKeys < 1, wait < 0 or fetch is nil.
func NewBatcher[K comparable, V any](maxKeys int, wait time.Duration, fetch func(ctx context.Context, keys []K) (map[K]V, error)) *Batcher[K, V] {
	if maxKeys < 1 {
		panic(fmt.Sprintf("future: NewBatcher called with maxKeys %d; it must be at least 1", maxKeys))
	}
	if wait < 0 {
		panic(fmt.Sprintf("future: NewBatcher called with a negative wait %v", wait))
	}
	if fetch == nil {
		panic("future: NewBatcher called with a nil fetch function")
	}
	// Room for a batch's keys in the table from the start, so that the
	// first batch does not grow the map under the lock key by key.
	b := &Batcher[K, V]{maxKeys: maxKeys, wait: wait, fetch: fetch}
	b.m = make(map[K]*flight[K, V], min(maxKeys, batchRoom))
	return b
}

// Load returns a future of key's value, fetched in a batch with other keys.
// If key is already in a batch whose fetch has not returned (pending, or
// being fetched), Load joins it: fetch sees each key once. Otherwise key
// joins the pending batch, which Load starts if there is none, and which
// Load dispatches if key fills it to maxKeys. Load never blocks: it waits
// only for the Batcher's lock, which no one holds for longer than a pass
// over one batch's keys (a dispatch copies them for fetch), and never
// while user code runs.
//
// The future is the caller's own. When ctx ends first it fails with
// [context.Cause] of ctx, with no traceback, and no other caller is
// affected; a completion of it by anyone ([Future.Cancel], say) likewise
// concerns it alone. A caller whose future is done has left, and the batch
// keeps nothing of it, with one exception: a key's place in its batch lives
// in the allocation of the key's first caller (so that a new key costs one
// allocation), and until the batch is answered, or the key leaves a batch
// not yet dispatched, the batch keeps that caller's done future, with its
// outcome, reachable, though not its context. A key that every caller has
// left leaves its batch: if the batch has not been dispatched, fetch never
// sees the key, and a batch left with no key is not dispatched; a later
// Load of the key starts afresh. If ctx is already done, Load joins
// nothing: its future has already failed with context.Cause(ctx).
//
// Callbacks registered on the future run as on any future: on the batch's
// goroutine once fetch returns, or on the goroutine that completed the
// future first: the one that called Cancel, or, when ctx ends, the goroutine
// [context.AfterFunc] starts. A done future keeps neither fetch's result nor
// any context alive.
//
// A Load from fetch of a key of the same batch joins it, so waiting for that
// future from fetch deadlocks. Load panics if b or ctx is nil, if b was
// not made by [NewBatcher], or if key cannot be compared (an interface
// holding a slice, say), as a map would. A key not equal to itself (a NaN)
// joins no other Load, as it would find no entry in a map.
func (b *Batcher[K, V]) Load(ctx context.Context, key K) *Future[V] {
	if b == nil {
		panic("future: Load called on a nil *Batcher")
	}
	if b.fetch == nil {
		panic("future: Load called on a Batcher not made by NewBatcher")
	}
	if ctx == nil {
		panic("future: Batcher.Load called with a nil context")
	}
	checkKey(key, "Batcher.Load")
	if ctx.Err() != nil {
		f := new(Future[V])
		f.fail(context.Cause(ctx), nil)
		return f
	}
	// A caller that loads several keys and then reads each future in turn
	// often finds the later ones done when it gets to them (a batch makes
	// every future of its keys done before any callback runs): the done
	// channel is made only for a reader that has to block.
	c, own, watched := newCaller[K, V](ctx, false, !b.joined.Load())
	var start, full *batch[K, V]
	b.mu.Lock()
	f, started := b.flightFor(key, own)
	if started {
		p := b.pending
		if p == nil {
			// Room for the keys a batch is likely to get, so that it
			// does not regrow under the lock with each key.
			p = &batch[K, V]{b: b, first: ctx, keys: make([]*flight[K, V], 0, min(b.maxKeys, batchRoom))}
			b.pending = p
			if b.wait > 0 && b.maxKeys > 1 {
				p.timer = time.AfterFunc(b.wait, p.dispatch)
			} else {
				start = p // dispatched as soon as its goroutine runs
			}
		}
		f.batch, f.slot = p, len(p.keys)
		p.keys = append(p.keys, f)
		p.n++
		if p.n == b.maxKeys {
			b.pending = nil // full: the next new key starts a new batch
			if p.timer != nil {
				full = p
			}
		}
	}
	f.join(c)
	b.mu.Unlock()
	if start != nil {
		go start.dispatch()
	}
	if full != nil && full.timer.Stop() {
		go full.dispatch() // the timer's goroutine will not: this one does
	}
	if watched {
		c.watch(ctx)
	}
	return &c.result
}

// batchRoom is the most keys a new batch makes room for at once: a Batcher
// with a larger maxKeys grows its batches' keys as they come.
const batchRoom = 128

// batch is a Batcher's batch of keys: pending while Loads may add keys to
// it, then dispatched to its goroutine, which calls fetch and answers the
// callers of its keys.
type batch[K comparable, V any] struct {
	b *Batcher[K, V]
	// first is the ctx of the Load that made the batch, whose values
	// fetch's context carries. Written before the batch's goroutine
	// starts and never after.
	first context.Context
	// keys holds the batch's keys in the order they were first loaded.
	// Until fetch is called, a key that every caller has left is nil here
	// (and the slice is compacted when such holes are most of it); from
	// then on it is the keys fetch got. b.mu guards it.
	keys []*flight[K, V]
	// n is the number of keys with callers; b.mu guards it.
	n int
	// fetching is set, under b.mu, once the batch's goroutine has taken
	// the keys for fetch.
	fetching bool
	// cancel cancels fetch's context; set under b.mu with fetching.
	cancel context.CancelFunc
	// timer dispatches the batch wait after its first key, if wait > 0
	// and maxKeys > 1. Set when the batch is made and never after.
	timer *time.Timer
}

// dispatch runs on the batch's goroutine: it seals the batch, calls fetch
// with the keys that still have callers, unless none has, and answers their
// callers.
func (p *batch[K, V]) dispatch() {
	b := p.b
	ctx, cancel := context.WithCancel(context.WithoutCancel(p.first))
	keys := make([]K, 0, min(b.maxKeys, batchRoom)) // made before the lock is taken
	b.mu.Lock()
	if b.pending == p {
		b.pending = nil
	}
	if p.n == 0 {
		b.mu.Unlock() // every key left: nothing to fetch
		cancel()
		return
	}
	p.compact()
	for _, f := range p.keys {
		keys = append(keys, f.key)
	}
	p.fetching, p.cancel = true, cancel
	b.mu.Unlock()

	returned := false
	defer func() {
		if !returned {
			// fetch called runtime.Goexit: the goroutine is ending, but the
			// callers must not wait forever.
			p.finish(nil, errGoexit, captureTraceback(0))
		}
	}()
	m, err, tb := callWith(func(ctx context.Context) (map[K]V, error) { return b.fetch(ctx, keys) }, ctx)
	returned = true
	p.finish(m, err, tb)
}

// finish ends the batch with fetch's outcome: fetch's context is canceled
// and the keys freed before any caller sees it, so a caller that loads a
// key again on seeing it starts a new batch. Then the callers still waiting
// get their key's outcome, and their callbacks run, key by key, even if
// one of them calls runtime.Goexit.
func (p *batch[K, V]) finish(m map[K]V, err error, tb *Traceback) {
	p.cancel()
	b := p.b
	b.mu.Lock()
	for _, f := range p.keys {
		b.detach(f)
		f.ended.Store(true)
	}
	b.mu.Unlock()
	keys := p.keys
	p.keys = nil
	answerKeys(keys, m, err, tb)
}

// answerKeys answers the callers of every key, which have ended: first
// each caller's future is made done with its key's outcome, and each key
// lets go of all but the callers whose callbacks are to run; then the
// callbacks run, key by key. If a callback calls runtime.Goexit, the
// deferred call runs those of the keys after it before the goroutine ends
// (runCallbacks does the same for the key's other callers).
func answerKeys[K comparable, V any](keys []*flight[K, V], m map[K]V, err error, tb *Traceback) {
	var zero V
	for _, f := range keys {
		// The key has ended: its list of callers is this goroutine's.
		if head := f.callers.head; head != nil {
			var v V
			ok := false
			if err == nil && f.key == f.key { // a key not equal to itself is found in no map, and may not hash
				v, ok = m[f.key]
			}
			switch {
			case err != nil:
				head = settleCallers(head, zero, err, tb)
			case !ok:
				head = settleCallers(head, zero, fmt.Errorf("%w: %v", ErrNotFound, f.key), nil)
			default:
				head = settleCallers(head, v, nil, nil)
			}
			f.callers.head, f.callers.tail = head, nil // runKeyCallbacks's
		}
		f.release()
	}
	runKeyCallbacks(keys)
}

// runKeyCallbacks runs runCallbacks for each key in turn, the rest too if
// a callback calls runtime.Goexit (see each), and lets go of its callers.
func runKeyCallbacks[K comparable, V any](keys []*flight[K, V]) {
	each(len(keys), func(i int) {
		callers := keys[i].callers.head
		keys[i].callers.head = nil
		runCallbacks(callers)
	})
}

// left is called, under b.mu, when the last caller of f, a key of p, has
// left. Before fetch is called, the key leaves the batch, and a batch left
// empty is undone; once fetch runs, the last key out cancels its context.
// It returns what to call once b.mu is let go, or nil.
func (p *batch[K, V]) left(f *flight[K, V]) func() {
	p.n--
	if p.fetching {
		if p.n == 0 {
			return p.cancel
		}
		return nil
	}
	p.keys[f.slot] = nil
	if p.n > 0 {
		if len(p.keys) > 16 && p.n < len(p.keys)/4 {
			p.compact()
		}
		return nil
	}
	p.keys = nil
	if p.b.pending == p {
		p.b.pending = nil
	}
	if p.timer != nil {
		return p.stopTimer
	}
	return nil // wait 0: its goroutine, on its way, will find it empty
}

// stopTimer stops an empty batch's timer, so that it lets go of the batch.
func (p *batch[K, V]) stopTimer() { p.timer.Stop() }

// compact removes the holes keys that left made in p.keys, in a slice
// with no room to spare. b.mu must be held.
func (p *batch[K, V]) compact() {
	if len(p.keys) == p.n {
		return
	}
	keys := make([]*flight[K, V], 0, p.n)
	for _, f := range p.keys {
		if f != nil {
			f.slot = len(keys)
			keys = append(keys, f)
		}
	}
	p.keys = keys
}
