package future

// Then returns a future completed with fn's result once f succeeds, with
// f's value as its argument (JavaScript's then, Java's thenApply). If f
// fails, fn is not run and the returned future fails with the same error and
// traceback. If fn returns an error, the returned future fails with it,
// without a traceback; if fn panics, it fails with a *PanicError carrying
// the panic's stack. To chain a step that itself returns a future, use
// [ContinueWithFuture].
//
// fn runs on the goroutine that completes f, or on the calling goroutine,
// before Then returns, if f is already done; if the returned future is
// completed by someone else first, fn is not run, and f lets go of it as
// for [ContinueWith]. Then never blocks and
// starts no goroutine; completing a chain of any length uses a constant
// amount of stack. It is safe for concurrent use and panics if f or fn is
// nil.
func Then[T, U any](f *Future[T], fn func(T) (U, error)) *Future[U] {
	if f == nil {
		panic("future: Then called with a nil future")
	}
	if fn == nil {
		panic("future: Then called with a nil function")
	}
	return continueWith[T, U](f, onSuccess[T, U](fn))
}

// Recover returns a future with f's outcome, except that if f fails, fn runs
// with f's error and the returned future completes with fn's result instead
// (JavaScript's catch, Java's exceptionally). If f succeeds, fn is not run
// and its value passes through. fn may recover by returning a value and a
// nil error, or fail; if it returns f's own error unchanged, f's traceback
// is kept, and any other error is recorded without one. If fn panics, the
// returned future fails with a *PanicError carrying the panic's stack.
//
// fn runs on the goroutine that completes f, or on the calling goroutine,
// before Recover returns, if f is already done; if the returned future is
// completed by someone else first, fn is not run, and f lets go of it as
// for [ContinueWith]. Recover never blocks and
// starts no goroutine; chains of any length use a constant amount of stack.
// It is safe for concurrent use and panics if f or fn is nil.
func Recover[T any](f *Future[T], fn func(error) (T, error)) *Future[T] {
	if f == nil {
		panic("future: Recover called with a nil future")
	}
	if fn == nil {
		panic("future: Recover called with a nil function")
	}
	return continueWith[T, T](f, onFailure[T](fn))
}

// onSuccess is Then's step: fn maps a value; a failure passes through whole.
type onSuccess[T, U any] func(T) (U, error)

func (fn onSuccess[T, U]) run(src *Future[T]) (U, error, *Traceback) {
	if src.err() != nil {
		var zero U
		return zero, src.err(), src.tb()
	}
	return callWith(fn, src.value)
}

// onFailure is Recover's step: fn maps an error; a success passes through.
type onFailure[T any] func(error) (T, error)

func (fn onFailure[T]) run(src *Future[T]) (T, error, *Traceback) {
	if src.err() == nil {
		return src.value, nil, nil
	}
	v, err, tb := callWith(fn, src.err())
	return v, err, inheritTraceback(err, tb, src)
}
