package future

import "testing"

// numberedJob is a job that only carries a number, for queue tests.
type numberedJob int

func (numberedJob) run()    {}
func (numberedJob) expire() {}

// TestJobQueueIsFIFO drives the ring buffer through growth while wrapped
// around, and through release of a large buffer, against a slice model.
func TestJobQueueIsFIFO(t *testing.T) {
	var q jobQueue
	var model []numberedJob
	next := numberedJob(0)
	push := func(k int) {
		for range k {
			q.push(queued{job: next})
			model = append(model, next)
			next++
		}
	}
	pop := func(k int) {
		for range k {
			got, ok := q.pop()
			if len(model) == 0 {
				if ok {
					t.Fatalf("pop from an empty queue returned %v", got.job)
				}
				return
			}
			if !ok || got.job != model[0] {
				t.Fatalf("pop = %v, %v; want %v", got.job, ok, model[0])
			}
			model = model[1:]
		}
	}
	for _, step := range []struct{ push, pop int }{
		{10, 7}, {12, 3}, {30, 25}, {100, 0}, {0, 50}, {9000, 9000}, {5, 100}, {17, 16}, {40, 41},
	} {
		push(step.push)
		pop(step.pop)
		if q.n != len(model) {
			t.Fatalf("queue holds %d jobs, want %d", q.n, len(model))
		}
	}
	if len(q.buf) > keepQueue {
		t.Errorf("an empty queue kept a buffer of %d", len(q.buf))
	}
}
