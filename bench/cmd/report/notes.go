package main

import "strings"

// workloads are the timed comparisons, in the order the report shows them,
// each with what its baseline is, and the library that is the baseline
// (base; "baseline" if empty: the floor or the hand-rolled code): Flights
// is measured against singleflight and the groups against errgroup, the
// code they replace.
var workloads = []struct{ name, what, baseline, base, short string }{
	{"W1", "create, complete and read a future on one goroutine", "raw one-shot: `chan struct{}` + value (the floor)", "", "create, complete and read one future; 1× = raw one-shot (chan struct{} + value)"},
	{"W2", "completion handed to a goroutine blocked reading it", "raw one-shot (the floor)", "", "hand a completion to a goroutine blocked reading it; 1× = raw one-shot"},
	{"W3", "1,000-link continuation chain built on a pending future, completed from its head", "minimal mutex + callback-slice future, recursive completion", "", "complete a 1,000-link continuation chain; 1× = minimal mutex + callback future"},
	{"W4", "gather 1,000 pending futures into one result", "hand-rolled gather: a callback per input, a mutex and a counter", "", "gather 1,000 pending futures; 1× = hand-rolled gather (callbacks, mutex, counter)"},
	{"W5", "1,000 goroutines blocked on one future, woken by one completion", "closing a channel the 1,000 goroutines wait on", "", "wake 1,000 goroutines blocked on one future; 1× = closing a channel"},
	{"Go", "run a function on a new goroutine and wait for its result", "`go` + raw one-shot", "", "run a function on a new goroutine, wait for its result; 1× = go + raw one-shot"},
	{"Pool", "one tiny task submitted, run and completed at limit 4, in batches of 1,000 each followed by a wait (issue 8); future submits with context.Background(), future-request with a cancelable context, as a service passes its request's", "a goroutine per task behind a 4-slot semaphore, completing a future (what errgroup's SetLimit does)", "", "one tiny task at limit 4, batches of 1,000; 1× = goroutine per task behind a semaphore"},
	{"Flights", "a round of 1,000 concurrent callers, each on a goroutine of its own, asking for one of 10 keys and waiting for its value; each key's work runs once a round (issue 14)", "`singleflight.Group.DoChan` from golang.org/x/sync, the callers receiving from their channels", "singleflight", "1,000 concurrent callers over 10 keys, one run per key; 1× = singleflight.DoChan"},
	{"Group", "one request's group: 1,000 tiny functions forked at most 4 at a time, a wait, the results read (issue 13); ours on a pool of 4 made once", "x/sync errgroup: `errgroup.WithContext` and `SetLimit(4)`, results written into a slice", "errgroup", "one request forks 1,000 tiny functions, 4 at a time; 1× = errgroup with SetLimit(4)"},
	{"GroupNoPool", "the same group with no limit: a goroutine per function (issue 13)", "x/sync errgroup: `errgroup.WithContext`, no limit", "errgroup", "the same group, a goroutine per function; 1× = errgroup, no limit"},
	{"Batch", "a round of 1,000 concurrent goroutines each loading one of 100 keys through a fresh loader (maxKeys 100, the same wait for all) and waiting for its value; one fetch of the 100 keys a round (issue 25)", "vikstrous/dataloadgen `Loader.LoadThunk`, the fastest Go DataLoader we know", "dataloadgen", "1,000 goroutines loading one of 100 keys, one batch; 1× = dataloadgen"},
	{"BatchDistinct", "the same with 10,000 distinct keys a round: each goroutine loads 10 keys of its own, then waits for each; 100 full batches a round (issue 25)", "vikstrous/dataloadgen `Loader.LoadThunk`", "dataloadgen", "1,000 goroutines loading 10 distinct keys each, 100 batches; 1× = dataloadgen"},
}

// baseOf returns the library a workload's ratios are taken against.
func baseOf(workload string) string {
	for _, w := range workloads {
		if w.name == workload && w.base != "" {
			return w.base
		}
	}
	return "baseline"
}

// libs are the libraries in the order the tables and the chart show them.
var libs = []string{"baseline", "future", "future-request", "workiva", "mo", "errgroup", "errgroup-fork", "conc", "conc-results", "ants", "singleflight", "dataloadgen", "dataloader"}

var libNames = map[string]string{
	"baseline":       "baseline",
	"future":         "**future** (this module)",
	"future-request": "**future** with a request context (`context.WithCancel`)",
	"workiva":        "Workiva/go-datastructures futures",
	"mo":             "samber/mo Future",
	"errgroup":       "x/sync errgroup",
	"errgroup-fork":  "x/sync errgroup doing what Fork does: a Future and a context (`context.WithCancel`) per function",
	"conc":           "sourcegraph/conc",
	"conc-results":   "sourcegraph/conc result pool (`pool.NewWithResults`)",
	"ants":           "panjf2000/ants v2",
	"singleflight":   "x/sync singleflight (`DoChan`)",
	"dataloadgen":    "vikstrous/dataloadgen (`LoadThunk`)",
	"dataloader":     "graph-gophers/dataloader v7 (`Load`)",
}

// behind explains, for a workload and a peer, why that peer is as fast as or
// faster than future there; the report prints it only when it is.
var behind = map[key]string{
	{"W1", "workiva"}:                "`futures.Selectable` is a 64-byte struct with a mutex and no callbacks, the size of our Future[int] (value, failure, listeners, state, mutex, channel), with no callbacks to check on completion, though it boxes each value in an `interface{}`, a second allocation for any value that is not a small integer.",
	{"W2", "workiva"}:                "`futures.Selectable` blocks the way our Result does when its one yield (runtime.Gosched) has not seen the completion (a channel made lazily under a mutex by the first reader) and has no callbacks to look for on completion; it takes its mutex to complete and boxes the value, where ours uses two atomic ors. See the W2 targets for the profile.",
	{"W5", "workiva"}:                "W5 is dominated by starting and scheduling 1,000 goroutines, which every contender pays alike; the differences are within the noise.",
	{"W5", "mo"}:                     "as for workiva: starting and scheduling 1,000 goroutines dominates W5.",
	{"Go", "errgroup"}:               "errgroup's Wait parks on the runtime semaphore inside a `sync.WaitGroup` and returns no value, where our Result yields once and, if the function has not finished by then, blocks on the future's channel (the one DoneChan returns, so that a future can be used in a select), made when the reader finds the future pending: one channel allocation more per blocked reader, for a typed value and a panic turned into an error with its stack.",
	{"Go", "conc"}:                   "as for errgroup: conc's WaitGroup parks on a semaphore and returns no value; our Result makes the future's channel when its yield was not enough.",
	{"Flights", "singleflight"}:      "a singleflight caller gets a buffered channel; ours gets a Future of its own, which it can cancel without touching the others: Do makes the future and its done channel, and hooks on the future the listener that takes a leaving caller out of the run. Either way, a waiting caller makes two allocations. See the Flights target for what the profile says.",
	{"Group", "errgroup"}:            "See the Group targets above: the pool's lock per function, and each task's cache lines moving between cores.",
	{"Group", "conc"}:                "See the Group targets above: the pool's lock per function, and each task's cache lines moving between cores.",
	{"Batch", "dataloadgen"}:         "a dataloadgen load of a key already in the batch returns the key's cached thunk: no allocation, and every caller of the batch waits on one channel, closed once. Each of our callers gets a Future of its own, which it can cancel alone: an allocation (the future, 80 bytes for an int), its done channel when the caller has to block, and a completion each.",
	{"BatchDistinct", "dataloadgen"}: "per new key, dataloadgen makes one closure and the batch's callers share its channel; ours makes the caller's future and the key's flight (its callers, its batch) and enters the key in the map of keys in flight; a caller's later futures are usually done when it reads them (a batch settles all its futures before any callback), so it seldom needs their channels.",
	{"GroupNoPool", "errgroup"}:      "See the GroupNoPool target above: a goroutine per function in both, and a future and a context per function in ours (compare errgroup-fork).",
	{"Pool", "conc"}:                 "conc's pool runs a `func()` with no result and no context: a task is the caller's closure handed to a worker over a channel (1 allocation, 48 B). Ours gives each task a Future for its result and a context of its own that Cancel and the end of the request reach (made lazily: it becomes a child of the request's context only if the function waits on it), 3 allocations and 256 B counting the caller's closure. The two are close enough that which leads changes from run to run.",
}

// missed explains, for a target, what stands between future and it; the
// report prints it only when the target is not met.
var missed = map[string]string{
	"Group ≤ 0.85× errgroup": "on one processor (-cpu=1) ours takes about half of errgroup's time on this workload (386 against 746 µs a group, " +
		"medians of 3, bench/, 2026-12-06, the 2-core Xeon of this run), so what stands between them is the cost of running on two. A CPU profile " +
		"(3 s, the same day) puts about a third of the time in the pool's mutex, spinning included: the submitter takes it to queue each function " +
		"and a worker to take it and to count it finished; with four workers on two processors, the lock's cache line and each task's move between " +
		"the cores for every function, and a worker that finds the lock held parks. The changes of 2026-12-06 shortened what is done under the lock (a worker " +
		"taking a job writes nothing into the job behind it, a request's watch lives inside the pool, the queued flag is cleared outside the lock) " +
		"and took the group's lock out of Fork: the run of 2026-12-05 measured 1.00×. What is left is a queue that the workers do not serialise " +
		"on, not attempted. Allocations: 3 a function (the caller's closure, the task with its future, the function's context) against errgroup's 2; " +
		"errgroup-fork, errgroup doing what Fork does beyond it, is the like-for-like row.",
	"Group ≤ 1.0× conc": "as for errgroup: the pool's lock, taken twice a function, and each task's cache lines moving between the submitting core and the running one; conc hands each closure to a worker over a channel.",
	"GroupNoPool ≤ 1.0× errgroup": "Fork's contract puts this target out of reach. Without a pool both start a goroutine per function, about half of the CPU of " +
		"either in a profile (newproc, gfget, schedule), and Fork gives each function what errgroup's Go does not: a Future of its own and a context " +
		"of its own, canceled when that future is completed by anything else (API.md, Groups). The errgroup-fork row is errgroup doing just that " +
		"(a future.New and a context.WithCancel per function): ours is faster than it, and slower than bare errgroup, with 4 allocations a function " +
		"against 2 (the task with its future and the function's context, beside the two closures both make). Keeping the context inside the task " +
		"would save one, but a done future would then keep its request's context reachable, which the retention tests (issue 12) forbid; reusing " +
		"goroutines would break \"a goroutine per function\". The changes of 2026-12-06 made the pool-less task 64 bytes smaller (112 B), not the ratio 1.",
	"W2 ≤ 1.1× the floor": "Result yields its processor once before it parks (runtime.Gosched), so a reader whose completer is runnable on its own processor never makes the channel; when the completer runs elsewhere, the hand-off takes the parking path, profiled here before the yield was added. " +
		"W2 is a hand-off between two goroutines of 500 to 850 ns on the shared 2-core machines it has run on, about 85% of it the runtime's parking, " +
		"readying and scheduling and the channel's make, close and receive, which the floor pays too. A CPU profile of W2 in bench/ (3 s a library, on a shared 2-core " +
		"Intel Xeon, 2026-12-05) puts the future's own code at about 15% of an op: the reader makes the done channel in " +
		"makeDoneChan (9%: make(chan) 7%, the mutex and the compare-and-swap that publish it 2%), the completer's settle (12.5%: close 10%, " +
		"its two atomic ors 2%), New (3%). Beyond the floor that is about 25 to 30 ns: the mutex and the compare-and-swap, the two ors, and the " +
		"reader's load of the outcome's cache line after it wakes. The floor makes its channel in New, before the hand-off; ours makes it on " +
		"the reader's side, once the reader has the future. Two experiments did not move the ratio: with the garbage collector off (GOGC=off) " +
		"it stayed at 1.11×, and blocking Result on a sync.WaitGroup instead of a lazily made channel (80 B/op instead of 175) was no faster.",
	"W2 ≤ 1.0× Workiva's Selectable": "when our reader's yield does not catch the completion, ours parks as `Selectable` does, which is built the same way: its first reader makes the channel under a mutex (make(chan) 5.5% " +
		"of an op in the same profile, the mutex 1.5%), and Fill takes the mutex to close it (close 10.4%, the lock pair 2%) after boxing the " +
		"value in an `interface{}` (2.7%; an allocation for an int from 256 up). Ours adds a compare-and-swap to publish the channel but " +
		"completes without the mutex and boxes nothing. The profile had ours at 843 ns/op and Selectable at 907, on a machine where run.sh's " +
		"intervals for W2 are ±15 to 25%: the code differs by a few tens of nanoseconds in several hundred, and showing which is faster " +
		"needs more rounds or a quieter machine.",
	"W5 ≤ 1.05× closing a channel": "W5 is dominated by starting and scheduling 1,000 goroutines, the same for both; each waiter adds two atomic loads to a channel receive. Its intervals, from rounds of about half a millisecond on a shared 2-core machine, are wider than the 5% the target allows: this run cannot show it either way.",
	"Flights ≤ 1.0× singleflight.DoChan": "the two do the same work for a caller, and this machine cannot tell them apart. A waiting caller of either makes two " +
		"allocations (ours: its future, 80 bytes for an int, and the future's done channel; singleflight's: a buffered channel, whose buffer is " +
		"allocated apart because a Result holds pointers), takes the group's lock once to join, parks once and is woken once. Ours adds three " +
		"atomic read-modify-writes a caller (the hooked state, and the claim and the end of the completion) and a listener fired on completion; " +
		"singleflight makes its channel and sends to the callers while it holds the group's lock. A CPU profile of a round each (bench/, " +
		"2026-12-06) puts Do at 18% of the CPU against DoChan's 18%, the run's handing of its outcome to the callers at 13% against 11%, and " +
		"the callers' wait at 13% against 11%; the rest, starting, scheduling and parking 1,000 goroutines a round, is the same for both. " +
		"Alternating the two in fresh processes (10 each, three times, perf stat), the CPU time of a round differed by -3.6%, -0.5% and " +
		"+2.3%: less than the round-to-round spread, so a run of 6 rounds shows at best that the two are even, not that ours is faster.",
	"W1 ≤ 0.85× the floor": "W1 is two allocations' worth of work; on a loaded machine its spread is wide: compare the intervals in the W1 table.",
}

// tailSection embeds the table TestTailAtScale writes beside Dean and
// Barroso's figures.
func tailSection(table string) string {
	var lines []string
	for _, line := range strings.Split(strings.TrimSpace(table), "\n") {
		if !strings.HasPrefix(line, "<!--") {
			lines = append(lines, line)
		}
	}
	return `## Tail at scale

The hedged request of Dean and Barroso ("The Tail at Scale", CACM 56(2),
2013) with ` + "`future.Hedge`" + `, on a simulated backend
([tail_test.go](tail_test.go), written to [results/tail.md](results/tail.md)).
It runs on fake time in a ` + "`testing/synctest`" + ` bubble with a seeded generator,
so its figures are exact, the same on every machine, and independent of the
benchmark run above.

` + strings.Join(lines, "\n") + `

Their figures, for comparison:

- **Fan-out.** Their illustration: a server that answers in 10 ms but
  takes 1 s at its 99th percentile slows one request in 100 when a request
  asks one server, and 63% of requests when it asks 100 and waits for all
  of them. This backend is that illustration (1 - 0.99^100 = 63.4%;
  the simulation, 63.68%).
- **Hedging.** In a Google benchmark reading 1,000 keys from a BigTable
  spread over 100 servers, a hedge sent after 10 ms cut the 99.9th
  percentile from 1,800 ms to 74 ms, for 2% more requests. They recommend a
  hedge once a request has been outstanding longer than the 95th
  percentile, which limits the extra load to about 5%.

Why ours differ:

- **The backend is bimodal and memoryless.** Every call is 10 ms or 1 s,
  independently, so a hedge either answers at 20 ms or is slow too, with
  probability 1%. Their servers' latencies spread over a range, and slow
  replies come from transient causes (queueing, garbage collection,
  background work) that a second replica usually does not share at that
  moment: their hedged tail (74 ms) is how long a second copy usually
  takes, ours the chance that both copies are slow.
- **Fewer calls are hedged.** 99% of our calls take exactly the 95th
  percentile, so only the 1% that are slow outlast it: 1% more calls, not
  their 2% (or the 5% the 95th percentile implies for a smooth
  distribution). The hedge is due at the 95th percentile plus 1 µs:
  at the percentile itself it would tie with every fast reply at one fake
  instant, and which went first would be up to the scheduler.
- **With 2 attempts the fan-out's p99.9 stays at 1 s.** A request of 100
  keys meets a key whose two copies are both slow with probability
  1 - (1 - 0.0001)^100, about 1% (0.81% here): the p99 falls to 20 ms, the
  p99.9 stays at 1 s. A third attempt, for 0.01% more calls, brings it to
  30 ms. With their 1,000 keys this model would need the third attempt even
  for the p99 (1 - (1 - 0.0001)^1000 is 9.5%).
- **No load.** The simulated backend has no queue, so hedges cost nothing
  but the calls; on a real one, extra requests add load, which is why the
  delay is a high percentile and why the losing attempt is canceled
  (` + "`Hedge`" + ` cancels its context at once).

`
}
