package future

// listLinks are an element's prev and next in a list, held in the element.
type listLinks[E any] struct{ prev, next *E }

// linked is the pointer type of a list's elements: each holds its links.
type linked[E any] interface {
	*E
	listLinks() *listLinks[E]
}

// list is a doubly linked FIFO of Es, through the links each holds: push,
// and the removal of any element, are O(1) and allocate nothing. Whatever
// guards a list guards its elements' links while they are in it.
type list[E any, P linked[E]] struct{ head, tail *E }

// push adds e, which must be in no list, at the tail.
func (q *list[E, P]) push(e *E) {
	P(e).listLinks().prev = q.tail
	if q.tail == nil {
		q.head = e
	} else {
		P(q.tail).listLinks().next = e
	}
	q.tail = e
}

// remove takes e, which must be in q, out of it; e keeps no link to the
// rest.
func (q *list[E, P]) remove(e *E) {
	l := P(e).listLinks()
	if l.prev == nil {
		q.head = l.next
	} else {
		P(l.prev).listLinks().next = l.next
	}
	if l.next == nil {
		q.tail = l.prev
	} else {
		P(l.next).listLinks().prev = l.prev
	}
	*l = listLinks[E]{}
}
