// Package future provides Future, a typed value that will exist later: the
// result of work still in progress that many goroutines can wait on, attach
// callbacks to, chain and combine.
//
// It is a Go translation of the Hazelcast Python client's hazelcast.future
// module (Future, ImmediateFuture, ImmediateExceptionFuture,
// combine_futures): typed with generics, safe for concurrent use, and built
// without a goroutine per waiter, callback or continuation.
//
// # Producers and consumers
//
// A future has two sides. The producer creates a pending future with New (or
// declares a zero Future) and completes it exactly once, with [Future.SetResult] on
// success or [Future.SetException] on failure. The first completion wins; later calls
// return false and change nothing, so racing producers need no coordination:
//
//	f := future.New[User]()
//	go func() {
//		u, err := db.LoadUser(id)
//		if err != nil {
//			f.SetException(err)
//			return
//		}
//		f.SetResult(u)
//	}()
//
// Go does much the same in one line: future.Go(func() (User, error) {
// return db.LoadUser(id) }), with one difference: an error the function
// returns is recorded without a traceback. Completed and Failed make futures
// that are already done, for results known at once.
//
// Consumers read the outcome from any number of goroutines:
//
//	u, err := f.Result()
//
// # Chaining and combining
//
// [ContinueWith] runs a function on a future's outcome, once it is done, and
// returns a future of the function's result; [ContinueWithFuture] does the
// same for a function that starts more asynchronous work, and flattens the
// future it returns; [Combine] gathers futures of one type into a future of
// all their values, in argument order, once every one is done:
//
//	name := future.ContinueWith(f, func(f *future.Future[User]) (string, error) {
//		u, err := f.Result() // f is done: this does not block
//		return u.Name, err
//	})
//	team := future.Combine(alice, bob, carol) // *Future[[]User]
//
// None of them blocks or starts a goroutine.
//
// # Blocking and non-blocking methods
//
// Result, Exception and Traceback block until the future is done.
// [Future.ResultContext] blocks until the future is done or a context ends, whichever
// is first; the future is unaffected by the context. IsSuccess, Done, Running
// and [Future.DoneChan] never block; DoneChan's channel works in a select statement.
// Producing (SetResult, SetException) does not wait for readers, but it runs
// the callbacks registered on the future before it returns.
//
// # Callbacks and where they run
//
// [Future.AddDoneCallback], ContinueWith, ContinueWithFuture, [Flatten] and Combine
// register work to run when a future is done. That work runs on the
// goroutine that completes the future, inside its SetResult, SetException,
// [Future.SetExceptionWithTraceback] or Cancel call, in the order it was registered,
// exactly once, with no lock held; if the future is already done, it runs at
// once on the registering goroutine.
// When a continuation completes its own future, that future's callbacks run
// before the next callback of the first one, just as nested calls would.
// No goroutine is started for any of it: only Go, [GoContext], a Pool's
// workers, Flights, a Batcher's batches and [Hedge] start goroutines, each
// to run a function (see "Cancellation, contexts and the pool", "Shared and
// hedged work" and "Batches").
//
// Completion is iterative: completing the head of a chain of a million
// continuations, or of deeply nested flattened futures or Combines, runs
// every link on the completing goroutine without growing its stack. A chain
// built from callbacks that call SetResult on the next future is ordinary
// nested calls, one stack frame per link; build long chains with
// ContinueWith instead.
//
// Keep callbacks short, as with any callback run on someone else's
// goroutine; hand long work to a goroutine of your own.
//
// # Failures, tracebacks and panics
//
// A failed future holds an error and, where one was recorded, a *Traceback:
// the stack where the failure happened. SetException and Failed record the
// caller's stack; SetExceptionWithTraceback passes one on. A panic in the
// function given to Go or to a continuation is recovered and fails that
// future with a *PanicError whose traceback is the panic's stack. A panic in
// a callback is recovered and logged through log/slog with its stack; the
// other callbacks still run. Misuse panics at once with a message starting
// "future: ": a nil error, callback, function or future argument. Completing
// a future twice is not misuse: the second call returns false.
//
// # Combinators beyond Hazelcast
//
// All (fail-fast), Any (first success), Race (first outcome) and [AllSettled]
// (every outcome, as [Outcome] values) gather many futures into one; with no
// inputs, Any and Race fail with [ErrNoFutures]. [AsCompleted] ranges over
// futures in the order they complete. Then runs a function on success only
// and [Recover] on failure only; [WithTimeout] bounds a future by a duration
// without changing it. Like Combine, they start no goroutine: their work
// runs on the goroutine that completes an input (or, for an expired
// WithTimeout, on the goroutine [time.AfterFunc] starts for its timer).
//
// # From Hazelcast to Go
//
//	Hazelcast (Python)                      future (Go)
//	Future()                                New[T]() or var f Future[T]
//	ImmediateFuture(v)                      Completed(v)
//	ImmediateExceptionFuture(e, tb)         Failed[T](e), or New and SetExceptionWithTraceback(e, tb)
//	f.set_result(v)                         f.SetResult(v)
//	f.set_exception(e)                      f.SetException(e)
//	f.set_exception(e, tb)                  f.SetExceptionWithTraceback(e, tb)
//	f.result()                              f.Result()  (value, error)
//	f.exception()                           f.Exception()
//	f.traceback()                           f.Traceback()
//	f.is_success(), f.done(), f.running()   f.IsSuccess(), f.Done(), f.Running()
//	f.add_done_callback(cb)                 f.AddDoneCallback(cb)
//	f.continue_with(fn, *args)              ContinueWith(f, fn), with args captured by fn
//	f.continue_with(fn returning a Future)  ContinueWithFuture(f, fn)
//	combine_futures(fs)                     Combine(fs...)
//	f.cancel()  (concurrent.futures)        f.Cancel()
//	executor.submit(fn)                     Submit(pool, ctx, fn), with pool := NewPool(limit)
//
// Go adds ResultContext and DoneChan for waiting with a context or in a
// select, Go and GoContext for running a function as a future, and Pool.Wait
// for executor.shutdown(wait=True).
//
// # Cancellation, contexts and the pool
//
// Cancel completes a pending future with [context.Canceled], so that whoever
// waits on it gets an answer at once. GoContext runs a function with a child
// of a request's context, and cancels that child when the context ends,
// when the future is completed by anyone else (Cancel included) and when the
// function returns; the future is the function's outcome, waiting for it even
// after the context ends, as errgroup does. A Pool made by [NewPool] runs
// submitted functions in submission order, at most its limit at once, each
// as by GoContext. A queued function whose context ends or whose future is
// canceled never runs, leaves the queue at once and its future fails at
// once (with an error wrapping [ErrNotRun] and the context's cause, for a
// context's end). [Submit] never blocks unless the pool's queue is bounded
// with [Pool.SetQueueLimit]; Wait returns when nothing is queued or running. The
// pool's workers exist only while it has work, so it needs no Close. A Group
// ties one request's functions together, on a pool or on goroutines of
// their own: the first failure cancels the rest, and its Wait returns once
// every one of its functions has returned. A function that never ran
// because the group's context ended first (the request's deadline passed
// while it was queued, say) is a failure too, so a nil from Wait means every
// function ran and succeeded.
//
// The package itself starts goroutines only in Go, GoContext, [Fork] without
// a pool, a Pool's workers, a Flights run, a Batcher's batch (one for each
// fetch) and Hedge's attempts; [Calls] starts none. The standard library
// starts two more kinds, each only when it fires: time.AfterFunc's
// goroutine completes an expiring WithTimeout, starts a Hedge's next
// attempt and dispatches a Batcher's batch when its wait is over, and a
// [context.AfterFunc] goroutine fails a Pool's queued functions when their
// context ends, for whatever reason, while every worker is busy, and fails
// the future of a Flights caller, a Batcher's load or a call in flight
// whose context ends (for a context type of its own that context.AfterFunc
// cannot hook into, that goroutine waits while the context has work
// queued or callers waiting).
//
// # Calls in flight to a remote peer
//
// Calls is the table of calls in flight that every client of a multiplexed
// protocol keeps (net/rpc's pending map, nats.go's response map, the
// Hazelcast client's invocation service), on futures. A caller starts a
// call under a correlation id; Start registers it, then sends the request,
// and returns its future. The connection's reader completes the call when
// the response with that id arrives, and closes the table when the
// connection ends:
//
//	var calls future.Calls[uint64, Response] // one per connection
//
//	// A caller:
//	id := nextID.Add(1)
//	resp, err := calls.Start(ctx, id, func() error {
//		return conn.WriteRequest(id, req)
//	}).Result()
//
//	// The reader:
//	for {
//		id, resp, err := conn.ReadResponse()
//		if err != nil {
//			calls.Close(err) // every call in flight fails at once
//			return
//		}
//		calls.Complete(id, resp) // false for a late response
//	}
//
// A call leaves the table as soon as it ends, whichever way (its response,
// an error response, its ctx, Close, Cancel), and the table keeps nothing
// of it, its ctx included. A call whose request was never sent (the table
// was closed, its ctx had ended, or it ended while waiting under
// SetLimit) fails with an error wrapping ErrNotRun: safe to retry. Complete
// runs the call's callbacks on the reader: keep them short, or hand the
// work to another goroutine, or a Pool, as any callback that blocks holds
// up every response behind it.
//
// # Shared and hedged work
//
// Flights coalesces concurrent calls for the same key into one run of a
// function, as golang.org/x/sync/singleflight does, but each caller gets a
// future of its own. A caller whose context ends, or who cancels its
// future, leaves alone; the run, whose context keeps the first caller's
// values but not its deadline, is canceled only when its last caller
// leaves, and a run every caller has left is never joined again. When the
// run ends, the callers still waiting get its outcome and nothing is kept:
//
//	var users future.Flights[int, User]
//	u, err := users.Do(ctx, id, func(ctx context.Context) (User, error) {
//		return db.LoadUser(ctx, id) // once for all the concurrent callers
//	}).Result()
//
// Hedge is the hedged request of "The Tail at Scale" (Dean and Barroso,
// 2013): attempt 0 starts at once, the next when delay has passed (or as
// soon as every attempt so far has failed), up to a number of attempts; the
// first success completes the future and cancels the attempts' context, so
// the others stop (and the winner's context ends once it has returned):
//
//	row := future.Hedge(ctx, 10*time.Millisecond, 2, func(ctx context.Context, attempt int) (Row, error) {
//		return replicas[attempt].Get(ctx, key)
//	})
//
// Where they differ from what Go and other ecosystems offer:
//
//	singleflight Group.DoChan     the function gets no context: if it uses the first caller's, that
//	                              caller's cancellation fails every caller. Flights.Do gives each
//	                              caller a future and fn a context of its own, canceled when every
//	                              caller has left; Forget is Group.Forget
//	Caffeine AsyncCache.get       coalesces too, but hands every caller the same CompletableFuture:
//	                              one caller's cancel fails it for all, without stopping the load;
//	                              a success stays cached (Flights caches nothing)
//	failsafe-go hedgepolicy       hedges after the delay only, and by default the first result,
//	                              success or error, ends it; Hedge ends early only on a success,
//	                              starts the next attempt at once when all running ones failed,
//	                              and joins the errors
//	gRPC hedgingPolicy            Hedge(ctx, hedgingDelay, maxAttempts, fn) treats every error as
//	                              non-fatal, but starts the next attempt early only when all running
//	                              ones failed (gRPC: on each non-fatal status); gRPC also caps
//	                              attempts at 5, throttles hedging when too many calls fail, and
//	                              ends at once on a fatal status (with Hedge, cancel ctx from fn)
//
// # Batches
//
// [Batcher] is DataLoader's batching (facebook/dataloader, graphql-java's
// java-dataloader, graph-gophers/dataloader, vikstrous/dataloadgen) on
// futures: many callers each load one key, one call of fetch serves a batch
// of them, dispatched when it holds maxKeys distinct keys or wait after its
// first (wait 0: as soon as its goroutine runs). Built on what Flights
// does, each caller gets a future of its own and leaves alone; a key no
// caller waits for leaves its batch before fetch sees it; fetch's context
// keeps the first caller's values but not its deadline, and is canceled
// when the batch's last caller leaves. Nothing is cached:
//
//	users := future.NewBatcher(100, 2*time.Millisecond, func(ctx context.Context, ids []int) (map[int]User, error) {
//		return db.UsersByID(ctx, ids) // once for the lot
//	})
//	u, err := users.Load(ctx, id).Result()
//
// Where it differs from the DataLoaders:
//
//	facebook/dataloader           batches one tick of the event loop (ours: wait, or 0); per-key
//	                              Error values in the result array (ours: a map, ErrNotFound for
//	                              a missing key, fetch's error fails the batch); a cache by default;
//	                              promises cannot be canceled
//	java-dataloader               load returns a CompletableFuture, batches go on dispatch(); with
//	                              its default cache the callers of a key share one future, so one
//	                              caller's cancel fails it for all; a mapped loader's missing key
//	                              is null
//	graph-gophers/dataloader v7   the batch function gets the first caller's ctx, cancellation and
//	                              deadline included, and must return one Result per key; a panic
//	                              fails the batch without its stack; an unbounded cache by default
//	vikstrous/dataloadgen         the same map-shaped fetch and ErrNotFound; fetch gets the first
//	                              caller's ctx; every key is cached for the loader's life; a caller
//	                              cannot leave a batch
//
// # Lifetimes: nothing outlives its request
//
// Futures often outlive the requests that use them: a server's shutdown
// future, a cached configuration, a shared connection's "closed" future. A
// request that hangs work on such a future takes it back when it is done
// with it, as it would with the stop function of context.AfterFunc:
//
//	stop := shutdown.OnDone(func(*future.Future[struct{}]) { stream.Close() })
//	defer stop() // the request is over: shutdown keeps nothing of it
//
// The package does the same with what it registers. Once its result is
// done, whoever completed it (Cancel included), a combinator (All, Any,
// Race, Combine, AllSettled) or WithTimeout leaves the inputs still pending,
// and WithTimeout stops its timer; a continuation whose result someone else
// completed leaves its source and drops its function; AsCompleted leaves
// its inputs when the loop ends early; ResultContext registers nothing; and
// a queued Pool function whose future is done before it starts leaves the
// queue, with its function and context, at once. A long-lived future holds
// only what is still registered on it: a million requests that each race it
// against their own work leave nothing behind. A completion that loses a
// race returns false only once the future is done.
//
// # Testing with testing/synctest
//
// Inside a testing/synctest bubble (Go 1.25 and later), a goroutine blocked
// in Result, ResultContext or on DoneChan, waiting for a future made in the
// bubble, is durably blocked: the bubble's fake clock advances, so
// WithTimeout, a ResultContext deadline and the sleeping functions of a
// Pool made in the bubble take no real time (a Pool shared with code outside
// the bubble runs them outside it: see [Pool]):
//
//	synctest.Test(t, func(t *testing.T) {
//		_, err := future.WithTimeout(lookup(ctx), 5*time.Second).Result()
//		// err is a timeout, 5s of fake time later, at once
//	})
//
// A future's done channel is made by the first goroutine that has to wait
// for it, as a context's Done channel is, and inside a bubble it belongs to
// the bubble. To wait inside a bubble for a future made and completed
// outside it (a fixture that several tests share), call DoneChan where the
// future is made: the future can then be polled, awaited and selected on
// inside the bubble and completed outside. Otherwise the bubble counts the
// future's readers as its own: it reports a deadlock while they wait, and
// completing the future from outside is a fatal error, as for any channel
// of the bubble. What the standard library binds to a bubble stays bound: a
// WithTimeout called inside a bubble sets a timer of the bubble, as
// [context.WithTimeout] does, so its input must then be completed inside the
// bubble too.
package future
