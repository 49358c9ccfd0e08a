package future

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// tag is a listener that names itself; swept is what sweep sees when the
// tag is inside a sweepTag.
type tag struct {
	n     int
	swept *bool
}

func (*tag) fire(*Future[int]) drainer { return nil }

// sweepTag is a tag that sweep can drop once *swept is true.
type sweepTag struct{ tag }

func (s *sweepTag) swept() bool { return *s.tag.swept }

// checkListeners checks ls against the listeners a model says are live,
// in order, and the invariants the list keeps: no tombstone at the end,
// dead counts the tombstones, fewer than half the slots are tombstones,
// ids grow, and an emptied list keeps at most keepSlots of room.
func checkListeners(t *testing.T, step string, ls *listeners[int], live []int) {
	t.Helper()
	var got []int
	dead := 0
	for i, s := range ls.slots {
		if i > 0 && s.id <= ls.slots[i-1].id {
			t.Fatalf("%s: ids do not grow at slot %d: %d after %d", step, i, s.id, ls.slots[i-1].id)
		}
		if s.l == nil {
			dead++
			continue
		}
		switch l := s.l.(type) {
		case *tag:
			got = append(got, l.n)
		case *sweepTag:
			got = append(got, l.n)
		}
	}
	if !slices.Equal(got, live) {
		t.Fatalf("%s: listeners %v, want %v", step, got, live)
	}
	if dead != ls.dead {
		t.Fatalf("%s: %d tombstones, counted %d", step, dead, ls.dead)
	}
	if n := len(ls.slots); n > 0 && ls.slots[n-1].l == nil {
		t.Fatalf("%s: the last of %d slots is a tombstone", step, n)
	}
	if dead > 0 && 2*dead >= len(ls.slots) {
		t.Fatalf("%s: %d of %d slots are tombstones, want fewer than half", step, dead, len(ls.slots))
	}
	if len(ls.slots) == 0 && cap(ls.slots) > keepSlots {
		t.Fatalf("%s: an empty list keeps room for %d slots, want at most %d", step, cap(ls.slots), keepSlots)
	}
}

// TestListenersModel drives a list through random additions and removals,
// by id and by listener, checking it against a model after every step.
func TestListenersModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 2026))
	never := false
	for round := range 200 {
		ls := &listeners[int]{next: 1}
		ids := map[int]uint64{}
		tags := map[int]*tag{}
		var live []int
		burst := 1 + rng.IntN(300)
		for n := range burst {
			tg := &tag{n: n, swept: &never}
			ids[n], tags[n] = ls.add(tg), tg
			live = append(live, n)
			checkListeners(t, "add", ls, live)
		}
		for len(live) > 0 {
			i := rng.IntN(len(live))
			if rng.IntN(4) == 0 {
				i = len(live) - 1 // the newest: a trailing removal
			}
			n := live[i]
			var ok bool
			if rng.IntN(2) == 0 {
				ok = ls.removeID(ids[n])
			} else {
				ok = ls.removeListener(tags[n])
			}
			if !ok {
				t.Fatalf("round %d: removing listener %d found nothing", round, n)
			}
			if ls.removeID(ids[n]) {
				t.Fatalf("round %d: listener %d removed twice", round, n)
			}
			live = slices.Delete(live, i, i+1)
			checkListeners(t, "remove", ls, live)
		}
	}
}

// TestListenersGiveBackABurst checks that a list that a burst of listeners
// grew shrinks once most of them are gone, even while some stay.
func TestListenersGiveBackABurst(t *testing.T) {
	never := false
	ls := &listeners[int]{next: 1}
	var ids []uint64
	for n := range 4096 {
		ids = append(ids, ls.add(&tag{n: n, swept: &never}))
	}
	for _, id := range ids[:4096-8] { // the oldest go, the 8 newest stay
		ls.removeID(id)
	}
	if len(ls.slots) != 8 || cap(ls.slots) > 4*keepSlots {
		t.Fatalf("8 listeners left of 4096 keep %d slots with room for %d; want 8 slots and room for at most %d", len(ls.slots), cap(ls.slots), 4*keepSlots)
	}

	// Newest first: every removal is at the end, so nothing is compacted
	// on the way, and the emptied list lets go of its room.
	ls = &listeners[int]{next: 1}
	ids = ids[:0]
	for n := range 4096 {
		ids = append(ids, ls.add(&tag{n: n, swept: &never}))
	}
	for i := len(ids) - 1; i >= 0; i-- {
		ls.removeID(ids[i])
		if ls.dead != 0 {
			t.Fatalf("a removal at the end left %d tombstones", ls.dead)
		}
	}
	if ls.slots != nil {
		t.Fatalf("an emptied list that held 4096 listeners keeps room for %d", cap(ls.slots))
	}

	// The newest 3,000 go (at the end: no compaction), then the oldest
	// 600: the compaction that follows keeps under a quarter of the room,
	// which it gives back (no more than twice the slots are kept).
	ls = &listeners[int]{next: 1}
	ids = ids[:0]
	for n := range 4096 {
		ids = append(ids, ls.add(&tag{n: n, swept: &never}))
	}
	for i := len(ids) - 1; i >= 4096-3000; i-- {
		ls.removeID(ids[i])
	}
	for _, id := range ids[:600] {
		ls.removeID(id)
	}
	if live := 4096 - 3000 - 600; len(ls.slots)-ls.dead != live || cap(ls.slots) > 2*len(ls.slots) {
		t.Fatalf("%d live listeners in %d slots keep room for %d; want %d, and no more than twice the slots", len(ls.slots)-ls.dead, len(ls.slots), cap(ls.slots), live)
	}
}

// TestListenersSweepBeforeGrowing checks that a list whose listeners stop
// mattering without being removed (continuations completed by someone
// else) reuses its room instead of growing.
func TestListenersSweepBeforeGrowing(t *testing.T) {
	ls := &listeners[int]{next: 1}
	keep := false
	ls.add(&tag{n: -1, swept: &keep}) // one listener that matters, for good
	for n := range 10_000 {
		gone := false
		ls.add(&sweepTag{tag{n: n, swept: &gone}})
		gone = true // its result was completed by someone else
	}
	if cap(ls.slots) > keepSlots {
		t.Fatalf("1 live listener and 10,000 swept ones keep room for %d slots, want at most %d", cap(ls.slots), keepSlots)
	}
	if ls.slots[0].l.(*tag).n != -1 {
		t.Fatalf("the listener that matters is gone: first slot holds %v", ls.slots[0].l)
	}
}
