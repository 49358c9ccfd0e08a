package bench

import (
	"sync"
	"testing"
	"time"

	"github.com/gofutures/future"
	"github.com/gofutures/future/internal/workloads"
)

// The floors: the least that any code keeping a contract of API.md can
// do, written as plainly as possible, to tell what the contract costs from
// what our implementation of it costs. Neither is a library: each keeps
// only the part of the contract that fixes its cost and drops the rest
// (contexts, leaving, panics, Cancel), so each is faster than anything
// that keeps the whole contract could be.

// floorPool is the plainest pool that keeps Submit's contract as far as
// W7 exercises it: Submit never blocks, functions start in submission
// order, at most limit at a time, on workers that exist only while there
// is work, each function completing a future of its own. A mutex, a FIFO
// of closures and a count of workers.
type floorPool struct {
	mu      sync.Mutex
	idle    sync.Cond
	queue   []func()
	head    int
	workers int
	active  int
	limit   int
}

func newFloorPool(limit int) *floorPool {
	p := &floorPool{limit: limit}
	p.idle.L = &p.mu
	return p
}

// submit queues fn, starting a worker if fewer than limit run, and
// returns its future at once.
func (p *floorPool) submit(fn func() (int, error)) *future.Future[int] {
	f := new(future.Future[int])
	p.mu.Lock()
	p.queue = append(p.queue, func() {
		v, err := fn()
		if err != nil {
			f.SetException(err)
			return
		}
		f.SetResult(v)
	})
	p.active++
	start := p.workers < p.limit
	if start {
		p.workers++
	}
	p.mu.Unlock()
	if start {
		go p.work()
	}
	return f
}

// work runs queued functions in order until the queue is empty, then
// exits.
func (p *floorPool) work() {
	p.mu.Lock()
	for p.head < len(p.queue) {
		fn := p.queue[p.head]
		p.queue[p.head] = nil
		p.head++
		if p.head == len(p.queue) {
			p.queue, p.head = p.queue[:0], 0
		}
		p.mu.Unlock()
		fn()
		p.mu.Lock()
		if p.active--; p.active == 0 {
			p.idle.Broadcast()
		}
	}
	p.workers--
	p.mu.Unlock()
}

// wait blocks until nothing is queued or running.
func (p *floorPool) wait() {
	p.mu.Lock()
	for p.active > 0 {
		p.idle.Wait()
	}
	p.mu.Unlock()
}

// poolFloor is W7 on floorPool.
func poolFloor(b *testing.B) {
	p := newFloorPool(workloads.PoolLimit)
	workloads.Batches(b, func(i int) {
		f := p.submit(func() (int, error) { return workloads.TinyTask(i) })
		workloads.Sink.Bool = f.Done()
	}, p.wait)
}

// floorLoader is the plainest batcher that keeps Load's contract as far as
// the Batch workloads exercise it: each Load gets a future of its own (as
// API.md fixes: Load returns a *Future[V] that its caller may complete
// alone), keys are batched up to maxKeys or wait, and fetch sees each key
// of a batch once. A caller is one allocation, its future and links in
// one; a key's first caller stands for the key in the map and the batch.
// It keeps no context, lets no caller leave, and recovers no panic.
//
// P pads each caller: struct{} for the floor itself; [8]*int makes a
// caller 160 bytes, the size of a new key's allocation in a Batcher, so
// that floor-padded tells how much of a gap to the floor is those bytes.
type floorLoader[P any] struct {
	mu      sync.Mutex
	m       map[int]*floorCaller[P]
	pending *floorBatch[P]
	maxKeys int
	wait    time.Duration
	fetch   func(keys []int) map[int]int
}

type floorCaller[P any] struct {
	pad  P // first, so that a zero-size P adds nothing
	f    future.Future[int]
	key  int
	next *floorCaller[P] // the key's next caller
	tail *floorCaller[P] // in a key's first caller: its last caller
}

type floorBatch[P any] struct {
	l     *floorLoader[P]
	keys  []*floorCaller[P] // each key's first caller
	timer *time.Timer
}

func newFloorLoader[P any](maxKeys int, wait time.Duration, fetch func(keys []int) map[int]int) *floorLoader[P] {
	return &floorLoader[P]{m: make(map[int]*floorCaller[P], maxKeys), maxKeys: maxKeys, wait: wait, fetch: fetch}
}

func (l *floorLoader[P]) load(key int) *future.Future[int] {
	c := &floorCaller[P]{key: key}
	var full *floorBatch[P]
	l.mu.Lock()
	if first := l.m[key]; first != nil {
		first.tail.next, first.tail = c, c
	} else {
		c.tail = c
		l.m[key] = c
		p := l.pending
		if p == nil {
			p = &floorBatch[P]{l: l, keys: make([]*floorCaller[P], 0, l.maxKeys)}
			p.timer = time.AfterFunc(l.wait, p.dispatch)
			l.pending = p
		}
		p.keys = append(p.keys, c)
		if len(p.keys) == l.maxKeys {
			l.pending, full = nil, p
		}
	}
	l.mu.Unlock()
	if full != nil && full.timer.Stop() {
		go full.dispatch()
	}
	return &c.f
}

func (p *floorBatch[P]) dispatch() {
	l := p.l
	l.mu.Lock()
	if l.pending == p {
		l.pending = nil
	}
	l.mu.Unlock()
	keys := make([]int, len(p.keys))
	for i, c := range p.keys {
		keys[i] = c.key
	}
	m := l.fetch(keys)
	l.mu.Lock()
	for _, c := range p.keys {
		delete(l.m, c.key)
	}
	l.mu.Unlock()
	for _, first := range p.keys {
		v := m[first.key]
		for c := first; c != nil; {
			next := c.next
			c.f.SetResult(v)
			c = next
		}
	}
}
