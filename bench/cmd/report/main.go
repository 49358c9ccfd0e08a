// Command report turns the output of run.sh into RESULTS.md and chart.svg:
// the median of each benchmark over its runs, the ratio of every library to
// the workload's baseline, the targets of issues 9, 8 and 14, the
// goroutines each library holds, W6 (a 1,000,000-link chain in a process of
// its own) and the tail-at-scale simulation (results/tail.md).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// result is the medians of one benchmark over its runs.
type result struct {
	ns, bytes, allocs, goroutines float64
	perFunc                       float64 // allocs/func, for the group workloads
	runs                          int
}

// key names a benchmark: BenchmarkW1/lib=future-2 is {"W1", "future"}.
type key struct{ workload, lib string }

// workloads are the timed comparisons, in the order the report shows them,
// each with what its baseline is, and the library that is the baseline
// (base; "baseline" if empty: the floor or the hand-rolled code): Flights
// is measured against singleflight and the groups against errgroup, the
// code they replace.
var workloads = []struct{ name, what, baseline, base string }{
	{"W1", "create, complete and read a future on one goroutine", "raw one-shot: `chan struct{}` + value (the floor)", ""},
	{"W2", "completion handed to a goroutine blocked reading it", "raw one-shot (the floor)", ""},
	{"W3", "1,000-link continuation chain built on a pending future, completed from its head", "minimal mutex + callback-slice future, recursive completion", ""},
	{"W4", "gather 1,000 pending futures into one result", "hand-rolled gather: a callback per input, a mutex and a counter", ""},
	{"W5", "1,000 goroutines blocked on one future, woken by one completion", "closing a channel the 1,000 goroutines wait on", ""},
	{"Go", "run a function on a new goroutine and wait for its result", "`go` + raw one-shot", ""},
	{"Pool", "one tiny task submitted, run and completed at limit 4, in batches of 1,000 each followed by a wait (issue 8)", "a goroutine per task behind a 4-slot semaphore, completing a future (what errgroup's SetLimit does)", ""},
	{"Flights", "a round of 1,000 concurrent callers, each on a goroutine of its own, asking for one of 10 keys and waiting for its value; each key's work runs once a round (issue 14)", "`singleflight.Group.DoChan` from golang.org/x/sync, the callers receiving from their channels", "singleflight"},
	{"Group", "one request's group: 1,000 tiny functions forked at most 4 at a time, a wait, the results read (issue 13); ours on a pool of 4 made once", "x/sync errgroup: `errgroup.WithContext` and `SetLimit(4)`, results written into a slice", "errgroup"},
	{"GroupNoPool", "the same group with no limit: a goroutine per function (issue 13)", "x/sync errgroup: `errgroup.WithContext`, no limit", "errgroup"},
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
var libs = []string{"baseline", "future", "workiva", "mo", "errgroup", "conc", "singleflight"}

var libNames = map[string]string{
	"baseline":     "baseline",
	"future":       "**future** (this module)",
	"workiva":      "Workiva/go-datastructures futures",
	"mo":           "samber/mo Future",
	"errgroup":     "x/sync errgroup",
	"conc":         "sourcegraph/conc",
	"singleflight": "x/sync singleflight (`DoChan`)",
}

// behind explains, for a workload and a peer, why that peer is as fast as or
// faster than future there; the report prints it only when it is.
var behind = map[key]string{
	{"W1", "workiva"}:           "`futures.Selectable` is a 64-byte struct with a mutex and no callbacks, the size of our Future[int] (value, failure, listeners, state, mutex, channel), with no callbacks to check on completion, though it boxes each value in an `interface{}`, a second allocation for any value that is not a small integer.",
	{"W2", "workiva"}:           "`futures.Selectable` blocks the same way our Result does (a channel made lazily under a mutex); it has no callbacks to look for on completion. The two are within the noise of a two-goroutine handoff on a shared 2-core machine.",
	{"W5", "workiva"}:           "W5 is dominated by starting and scheduling 1,000 goroutines, which every contender pays alike; the differences are within the noise.",
	{"W5", "mo"}:                "as for workiva: starting and scheduling 1,000 goroutines dominates W5.",
	{"Go", "errgroup"}:          "errgroup's Wait parks on the runtime semaphore inside a `sync.WaitGroup` and returns no value, where our Result blocks on the future's channel (the one DoneChan returns, so that a future can be used in a select), made when the reader finds the future pending: one channel allocation more per blocked reader, for a typed value and a panic turned into an error with its stack.",
	{"Go", "conc"}:              "as for errgroup: conc's WaitGroup parks on a semaphore and returns no value; our Result makes the future's channel.",
	{"Flights", "singleflight"}: "a singleflight caller gets a buffered channel; ours gets a Future of its own, which it can cancel without touching the others: the listener that takes a leaving caller out of the run is registered on, and fired from, that future, and Result makes the future's done channel when it has to wait. See the Flights target for what the profile says.",
	{"Group", "errgroup"}:       "See the Group targets above: the child context per function and the future.",
	{"Group", "conc"}:           "See the Group targets above: the child context per function and the future.",
	{"GroupNoPool", "errgroup"}: "See the GroupNoPool target above: the child context per function and the future.",
	{"Pool", "conc"}:            "conc's pool runs a `func()` with no result and no context: a task is the caller's closure handed to a worker over a channel (1 allocation, 48 B). Ours gives each task a Future for its result and a child context that Cancel and the end of the request reach (`context.WithCancel`: the context and its cancel function), 4 allocations and 208 B counting the caller's closure. The two are close enough that which leads changes from run to run.",
}

// missed explains, for a target, what stands between future and it; the
// report prints it only when the target is not met.
var missed = map[string]string{
	"Group ≤ 0.85× errgroup": "a CPU profile taken when the workload was added puts about 45% of the time in the child context each function gets " +
		"(`context.WithCancel` of the group's context: each child is added to and removed from the group context's children under its mutex, " +
		"which the pool's workers contend for); errgroup hands its functions the group's context itself. The rest is what a Future and a shared " +
		"pool carry per function: the task and its future (about 290 B in 4 allocations, against errgroup's 72 B in 2), the pool's lock taken to " +
		"queue, start and finish each task, and the group's lock taken at Fork and when each function ends. An experiment with the child context " +
		"parented on a context that cannot be canceled (not a fix: the child then misses the request's end) took about a quarter off and still missed.",
	"Group ≤ 1.0× conc":           "as for errgroup: the child context per function and the future; conc hands the caller's closure to a worker over a channel.",
	"GroupNoPool ≤ 1.0× errgroup": "both start a goroutine per function; ours also makes each function's child context (about a third of the CPU in a profile) and its future.",
	"W2 ≤ 1.1× the floor": "W2 is a handoff between two goroutines of about 500 ns, in which a future pays for bookkeeping the floor does not have: " +
		"a profile puts it at about 27 ns (Result and DoneChan 11 ns, the mutex that makes concurrent first readers agree on one channel 7 ns, " +
		"settle and its two atomic ors 9 ns), and the ratio moves between about 1.05× and 1.15× from run to run on this shared machine. " +
		"Two experiments did not move it: with the garbage collector off (GOGC=off) the ratio stayed at 1.11×, and blocking Result on a " +
		"sync.WaitGroup instead of a lazily made channel (80 B/op instead of 175) was no faster.",
	"W5 ≤ 1.05× closing a channel": "W5 is dominated by starting and scheduling 1,000 goroutines, the same for both; each waiter adds two atomic loads to a channel receive. A miss here is noise: compare the confidence interval in the benchstat section.",
	"Flights ≤ 1.0× singleflight.DoChan": "each Flights caller gets a whole Future, where a singleflight caller gets a bare channel. " +
		"Do costs less than DoChan (1,000 calls that find their futures done when they read them take about three quarters of singleflight's time), " +
		"but a caller that waits pays for what makes its future its own: the listener that takes it out of the run if it leaves, registered on its " +
		"future and fired when the run completes it (a lock pair each), and the done channel Result makes, under the future's lock, when it finds " +
		"the future pending: 16 atomic operations a caller, counting the channel's, where singleflight needs 6. Three experiments did not move the ratio: registering " +
		"the listener without the lock, making the done channel in Do, and GOGC=off (so it is not the 50 bytes more a caller allocates).",
	"W1 ≤ 0.85× the floor": "W1 is two allocations' worth of work; on a loaded machine its spread is wide: compare the confidence interval in the benchstat section.",
}

func main() {
	rawPath := flag.String("raw", "results/raw.txt", "the output of go test -bench")
	w6Path := flag.String("w6", "results/w6.txt", "the W6 outcomes, one \"lib outcome detail\" a line")
	tailPath := flag.String("tail", "results/tail.md", "the tail-at-scale table TestTailAtScale writes")
	machinePath := flag.String("machine", "results/machine.txt", "when and where the benchmarks ran, as run.sh records it")
	statPath := flag.String("benchstat", "results/benchstat.txt", "benchstat's summary of raw")
	loadPath := flag.String("load", "results/load.txt", "uptime before and after the benchmarks")
	out := flag.String("out", "RESULTS.md", "the report to write")
	svg := flag.String("svg", "chart.svg", "the chart to write")
	flag.Parse()

	results, cpu, err := parseRaw(*rawPath)
	check(err)
	w6, err := os.ReadFile(*w6Path)
	check(err)
	stat, err := os.ReadFile(*statPath)
	check(err)
	check(os.WriteFile(*svg, []byte(chart(results)), 0o644))
	load, _ := os.ReadFile(*loadPath) // optional
	tail, _ := os.ReadFile(*tailPath) // optional
	m := readMachine(*machinePath)
	check(os.WriteFile(*out, []byte(report(results, cpu, m, string(w6), string(stat), string(load), string(tail), *svg)), 0o644))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

// parseRaw reads go test -bench output and returns the median of every
// metric of every benchmark, and the cpu line.
func parseRaw(path string) (map[key]*result, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	samples := map[key]map[string][]float64{}
	cpu := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if c, ok := strings.CutPrefix(line, "cpu: "); ok {
			cpu = c
		}
		fields := strings.Fields(line)
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		name := strings.TrimPrefix(fields[0], "Benchmark")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i] // the GOMAXPROCS suffix
		}
		workload, lib, ok := strings.Cut(name, "/lib=")
		if !ok {
			continue
		}
		k := key{workload, lib}
		if samples[k] == nil {
			samples[k] = map[string][]float64{}
		}
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return nil, "", fmt.Errorf("%s: %q: %v", path, line, err)
			}
			samples[k][fields[i+1]] = append(samples[k][fields[i+1]], v)
		}
	}
	results := map[key]*result{}
	for k, m := range samples {
		results[k] = &result{
			ns: median(m["ns/op"]), bytes: median(m["B/op"]), allocs: median(m["allocs/op"]),
			goroutines: median(m["goroutines"]), perFunc: median(m["allocs/func"]), runs: len(m["ns/op"]),
		}
	}
	return results, cpu, sc.Err()
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	xs = slices.Clone(xs)
	slices.Sort(xs)
	if n := len(xs); n%2 == 0 {
		return (xs[n/2-1] + xs[n/2]) / 2
	}
	return xs[len(xs)/2]
}

// ratio is a library's ns/op over the baseline's in one workload (see
// baseOf).
func ratio(results map[key]*result, workload, lib string) float64 {
	r, base := results[key{workload, lib}], results[key{workload, baseOf(workload)}]
	if r == nil || base == nil {
		return math.NaN()
	}
	return r.ns / base.ns
}

// machine is when and where the benchmarks ran.
type machine struct{ date, mhz, cores, goVersion string }

// readMachine reads the "name: value" lines run.sh writes to path. What the
// file does not say (or all of it, if there is no file) is taken from the
// machine the report runs on, which is the right one when run.sh calls it.
func readMachine(path string) machine {
	m := machine{
		date:      time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		mhz:       cpuMHz(),
		cores:     strconv.Itoa(runtime.NumCPU()),
		goVersion: runtime.Version(),
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return m
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, value, ok := strings.Cut(line, ":")
		value = strings.TrimSpace(value)
		if !ok || value == "" {
			continue
		}
		switch strings.TrimSpace(name) {
		case "date":
			m.date = value
		case "mhz":
			m.mhz = value
		case "cores":
			m.cores = value
		case "go":
			m.goVersion = value
		}
	}
	return m
}

func report(results map[key]*result, cpu string, m machine, w6, stat, load, tail, svg string) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	runs := 0
	for _, r := range results {
		runs = max(runs, r.runs)
	}
	p("# Benchmark results\n\n")
	p("Written by `bench/run.sh` on %s; do not edit by hand. Every figure is the\n", m.date)
	p("median of %d rounds in one run of `run.sh`; in each round every library\n", runs)
	p("runs each workload in a fresh process, right after or before the other\n")
	p("contenders, in an order that rotates from round to round; ratios are of the\n")
	p("medians. At the end, `benchstat` compares\n")
	p("future with the baselines, with confidence intervals; the raw output of every\n")
	p("library is in [results/raw.txt](results/raw.txt).\n\n")
	mhz := ""
	if m.mhz != "" {
		mhz = ", " + m.mhz + " MHz"
	}
	p("Machine: %s%s, %s cores, %s/%s, %s.\n\n", cpu, mhz, m.cores, runtime.GOOS, runtime.GOARCH, m.goVersion)
	if load != "" {
		p("The machine is shared; its load while the benchmarks ran:\n\n```\n%s```\n\n", load)
	}
	p("![ns/op relative to each workload's baseline](%s)\n\n", svg)

	p("## Targets (issues 9, 8, 13 and 14)\n\n")
	p("| target | measured | met |\n|---|---|---|\n")
	var notMet []string
	target := func(what string, got float64, limit float64, format string) {
		if math.IsNaN(got) {
			p("| %s | not measured in this run | |\n", what)
			return
		}
		p("| %s | "+format+" | %s |\n", what, got, yes(got <= limit))
		if why, ok := missed[what]; ok && !(got <= limit) {
			notMet = append(notMet, fmt.Sprintf("- **%s** ("+format+"): %s\n", what, got, why))
		}
	}
	get := func(w, lib string) *result {
		if r := results[key{w, lib}]; r != nil {
			return r
		}
		return &result{ns: math.NaN(), bytes: math.NaN(), allocs: math.NaN(), goroutines: math.NaN(), perFunc: math.NaN()}
	}
	target("W1 ≤ 0.85× the floor", ratio(results, "W1", "future"), 0.85, "%.3f×")
	target("W1 ≤ 1 allocation per future", get("W1", "future").allocs, 1, "%.0f")
	target("W2 ≤ 1.1× the floor", ratio(results, "W2", "future"), 1.1, "%.3f×")
	target("W3 ≤ 1.0× the minimal recursive future", ratio(results, "W3", "future"), 1.0, "%.3f×")
	target("W3 ≤ 2 allocations per link", get("W3", "future").allocs/1000, 2, "%.3f")
	target("W3 holds 0 goroutines", get("Held/chain", "future").goroutines, 0, "%.0f")
	target("W4 ≤ 1.0× the hand-rolled gather", ratio(results, "W4", "future"), 1.0, "%.3f×")
	target("W4 allocations beyond the 1,000 inputs' own: O(1)", get("W4", "future").allocs-1000, 8, "%.0f")
	target("W5 ≤ 1.05× closing a channel", ratio(results, "W5", "future"), 1.05, "%.3f×")
	target("Pool ≤ 0.85× a goroutine per task behind a semaphore", ratio(results, "Pool", "future"), 0.85, "%.3f×")
	target("Pool ≤ 4 allocations per task, the caller's closure included", get("Pool", "future").allocs, 4, "%.0f")
	target("Flights ≤ 1.0× singleflight.DoChan", ratio(results, "Flights", "future"), 1.0, "%.3f×")
	target("Group ≤ 0.85× errgroup", ratio(results, "Group", "future"), 0.85, "%.3f×")
	target("Group ≤ 1.0× conc", get("Group", "future").ns/get("Group", "conc").ns, 1.0, "%.3f×")
	target("GroupNoPool ≤ 1.0× errgroup", ratio(results, "GroupNoPool", "future"), 1.0, "%.3f×")
	for _, op := range []string{"AddDoneCallback-done", "ResultContext-done", "Done", "IsSuccess"} {
		target(strings.TrimSuffix(op, "-done")+" on a done future: 0 allocations", get("Reads/"+op, "future").allocs, 0, "%.0f")
	}
	p("\n")
	if len(notMet) > 0 {
		p("Why a target is not met:\n\n%s\n", strings.Join(notMet, ""))
	}

	for _, w := range workloads {
		p("## %s: %s\n\nBaseline: %s.\n\n", w.name, w.what, w.baseline)
		if !measured(results, w.name) {
			p("No figures: this run's raw output has none for %s, which was added after it; the next run of `run.sh` measures it.\n\n", w.name)
			continue
		}
		perFunc := !math.IsNaN(get(w.name, "future").perFunc)
		if perFunc {
			p("| library | ns/op | B/op | allocs/op | allocs/func | × %s |\n|---|--:|--:|--:|--:|--:|\n", baseOf(w.name))
		} else {
			p("| library | ns/op | B/op | allocs/op | × %s |\n|---|--:|--:|--:|--:|\n", baseOf(w.name))
		}
		for _, lib := range libs {
			r := results[key{w.name, lib}]
			if r == nil {
				continue
			}
			if perFunc {
				p("| %s | %.1f | %.0f | %.0f | %.2f | %.2f× |\n", libNames[lib], r.ns, r.bytes, r.allocs, r.perFunc, ratio(results, w.name, lib))
			} else {
				p("| %s | %.1f | %.0f | %.0f | %.2f× |\n", libNames[lib], r.ns, r.bytes, r.allocs, ratio(results, w.name, lib))
			}
		}
		p("\n")
	}

	p("## Reads and callbacks\n\n| operation | library | ns/op | B/op | allocs/op |\n|---|---|--:|--:|--:|\n")
	for _, k := range sortedKeys(results, "Reads/") {
		r := results[k]
		p("| %s | %s | %.2f | %.0f | %.0f |\n", strings.TrimPrefix(k.workload, "Reads/"), k.lib, r.ns, r.bytes, r.allocs)
	}
	p("\n")

	p("## Goroutines held while work is pending\n\n")
	p("A pending 1,000-link chain of continuations, and 1,000 reactions to one\n")
	p("pending future (callbacks where the library has them; otherwise a goroutine\n")
	p("waiting in each). Counted with `runtime.NumGoroutine`.\n\n")
	p("| pending | library | goroutines |\n|---|---|--:|\n")
	for _, k := range sortedKeys(results, "Held/") {
		p("| %s | %s | %.0f |\n", strings.TrimPrefix(k.workload, "Held/"), k.lib, results[k].goroutines)
	}
	p("\n")

	p("## W6: a 1,000,000-link chain under `debug.SetMaxStack(64 << 20)`\n\n")
	p("Each library that has continuations, in a process of its own (`cmd/chain`),\n")
	p("so that a stack overflow is recorded rather than fatal to the run.\n\n")
	p("| library | outcome |\n|---|---|\n")
	for _, line := range strings.Split(strings.TrimSpace(w6), "\n") {
		if lib, outcome, ok := strings.Cut(line, " "); ok {
			p("| %s | %s |\n", lib, outcome)
		}
	}
	p("\n")

	if tail != "" {
		p("%s", tailSection(tail))
	}

	p("## Where future is not ahead\n\n")
	any := false
	for _, w := range workloads {
		ours := results[key{w.name, "future"}]
		for _, lib := range libs[2:] {
			r := results[key{w.name, lib}]
			if ours == nil || r == nil || r.ns > ours.ns {
				continue
			}
			any = true
			why := behind[key{w.name, lib}]
			if why == "" {
				why = "no explanation recorded yet."
			}
			p("- **%s, %s**: %.1f ns/op against our %.1f (%.2f×). %s\n", w.name, lib, r.ns, ours.ns, r.ns/ours.ns, why)
		}
	}
	if !any {
		p("future is ahead of every peer on every workload the peer supports.\n")
	}
	p("\nWhat the peers lack: errgroup and conc have no futures, so they gather\n")
	p("(W4) and wait (Held) with a goroutine per input; mo runs every future's\n")
	p("function on a goroutine of its own, keeps one continuation per future and\n")
	p("completes a chain by recursion; Workiva's `Selectable` has no callbacks or\n")
	p("continuations, and its `futures.Future` holds a goroutine and a timer per\n")
	p("future. A library missing from a table lacks that operation.\n\n")

	p("## benchstat\n\n```\n%s```\n", stat)
	return b.String()
}

// measured reports whether results hold any figure for workload.
func measured(results map[key]*result, workload string) bool {
	for k := range results {
		if k.workload == workload {
			return true
		}
	}
	return false
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

// cpuMHz returns the clock /proc/cpuinfo reports, as "2596", or "".
func cpuMHz() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "cpu MHz"); ok {
			if mhz, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimLeft(v, " \t:")), 64); err == nil {
				return fmt.Sprintf("%.0f", mhz)
			}
		}
	}
	return ""
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func sortedKeys(results map[key]*result, prefix string) []key {
	var ks []key
	for k := range results {
		if strings.HasPrefix(k.workload, prefix) {
			ks = append(ks, k)
		}
	}
	slices.SortFunc(ks, func(a, b key) int {
		if c := strings.Compare(a.workload, b.workload); c != 0 {
			return c
		}
		return slices.Index(libs, a.lib) - slices.Index(libs, b.lib)
	})
	return ks
}

// chart draws, for each workload, a bar per library: its ns/op relative to
// the workload's baseline, on a log scale from 1/8× to 32×.
func chart(results map[key]*result) string {
	colors := map[string]string{
		"baseline": "#9e9e9e", "future": "#1565c0", "workiva": "#ef6c00",
		"mo": "#6a1b9a", "errgroup": "#2e7d32", "conc": "#c62828",
		"singleflight": "#00838f",
	}
	const (
		left, barH, gap, groupGap, plotW = 150.0, 14.0, 3.0, 18.0, 520.0
		lo, hi                           = 0.125, 32.0
	)
	x := func(r float64) float64 {
		r = math.Min(math.Max(r, lo), hi)
		return left + plotW*math.Log2(r/lo)/math.Log2(hi/lo)
	}
	var body strings.Builder
	y := 40.0
	for _, w := range workloads {
		if !measured(results, w.name) {
			continue
		}
		fmt.Fprintf(&body, `<text x="8" y="%.0f" font-weight="bold">%s</text>`+"\n", y+barH-2, w.name)
		for _, lib := range libs {
			r := ratio(results, w.name, lib)
			if math.IsNaN(r) {
				continue
			}
			fmt.Fprintf(&body, `<text x="%.0f" y="%.0f" text-anchor="end">%s</text>`+"\n", left-6, y+barH-3, lib)
			fmt.Fprintf(&body, `<rect x="%.0f" y="%.0f" width="%.1f" height="%.0f" fill="%s"/>`+"\n", left, y, x(r)-left, barH, colors[lib])
			fmt.Fprintf(&body, `<text x="%.1f" y="%.0f">%.2f×</text>`+"\n", x(r)+4, y+barH-3, r)
			y += barH + gap
		}
		y += groupGap
	}
	height := y + 10
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" font-family="sans-serif" font-size="11">`+"\n", left+plotW+60, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="8" y="16" font-size="13" font-weight="bold">ns/op relative to each workload's baseline (log scale; shorter is faster)</text>`+"\n")
	for r := lo; r <= hi; r *= 2 {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="26" x2="%.1f" y2="%.0f" stroke="%s"/>`+"\n", x(r), x(r), height-8, map[bool]string{true: "#000", false: "#e0e0e0"}[r == 1])
		fmt.Fprintf(&b, `<text x="%.1f" y="34" text-anchor="middle" fill="#555">%g×</text>`+"\n", x(r), r)
	}
	b.WriteString(body.String())
	b.WriteString("</svg>\n")
	return b.String()
}
