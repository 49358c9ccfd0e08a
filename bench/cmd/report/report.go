package main

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// where is the machine the figures come from, as one phrase.
func (d *data) where() string {
	mhz := ""
	if d.m.mhz != "" {
		mhz = ", " + d.m.mhz + " MHz"
	}
	return fmt.Sprintf("%s%s, %s cores, %s/%s, %s", d.cpu, mhz, d.m.cores, runtime.GOOS, runtime.GOARCH, d.m.goVersion)
}

// get returns the result of workload's benchmark for lib, nil if none.
func (d *data) get(workload, lib string) *result { return d.results[nameOf(workload, lib)] }

// measured reports whether the results hold any figure for workload.
func (d *data) measured(workload string) bool {
	for name := range d.results {
		if row, _ := splitName(name); row == workload {
			return true
		}
	}
	return false
}

// ratio returns lib's ns/op over den's in workload.
func (d *data) ratio(workload, lib, den string) ratioStat {
	return d.ratioOf(nameOf(workload, lib), nameOf(workload, den))
}

// target is a goal of issues 9, 8, 12, 13, 14 and 15: a ratio of future's
// ns/op to another contender's in one workload (lib, against), or a count
// (value) that must not exceed limit.
type target struct {
	what         string
	workload, vs string // a ratio of future (or lib) to vs in workload
	lib          string // the numerator, if not future
	value        func(d *data) float64
	limit        float64
	format       string
}

var targets = []target{
	{what: "W1 ≤ 0.85× the floor", workload: "W1", vs: "baseline", limit: 0.85},
	{what: "W1 ≤ 1 allocation per future", value: allocs("W1", 1), limit: 1},
	{what: "W2 ≤ 1.1× the floor", workload: "W2", vs: "baseline", limit: 1.1},
	{what: "W2 ≤ 1.0× Workiva's Selectable", workload: "W2", vs: "workiva", limit: 1.0},
	{what: "W3 ≤ 1.0× the minimal recursive future", workload: "W3", vs: "baseline", limit: 1.0},
	{what: "W3 ≤ 2 allocations per link", value: allocs("W3", 1000), limit: 2, format: "%.3f"},
	{what: "W3 holds 0 goroutines", value: func(d *data) float64 { return d.get("Held/chain", "future").med("goroutines") }, limit: 0},
	{what: "W4 ≤ 1.0× the hand-rolled gather", workload: "W4", vs: "baseline", limit: 1.0},
	{what: "W4 allocations beyond the 1,000 inputs' own: O(1)", value: func(d *data) float64 { return d.get("W4", "future").med("allocs/op") - 1000 }, limit: 8},
	{what: "W5 ≤ 1.05× closing a channel", workload: "W5", vs: "baseline", limit: 1.05},
	{what: "W3 within 3% of the code before issue 12 (lib=before)", workload: "W3", vs: "before", limit: 1.03},
	{what: "W5 within 3% of the code before issue 12 (lib=before)", workload: "W5", vs: "before", limit: 1.03},
	{what: "Pool ≤ 0.85× a goroutine per task behind a semaphore", workload: "Pool", vs: "baseline", limit: 0.85},
	{what: "Pool with a request context ≤ 1.0× the semaphore", workload: "Pool", lib: "future-request", vs: "baseline", limit: 1.0},
	{what: "Pool ≤ 4 allocations per task, the caller's closure included", value: allocs("Pool", 1), limit: 4},
	{what: "Flights ≤ 1.0× singleflight.DoChan", workload: "Flights", vs: "singleflight", limit: 1.0},
	{what: "Group ≤ 0.85× errgroup", workload: "Group", vs: "errgroup", limit: 0.85},
	{what: "Group ≤ 1.0× conc", workload: "Group", vs: "conc", limit: 1.0},
	{what: "GroupNoPool ≤ 1.0× errgroup", workload: "GroupNoPool", vs: "errgroup", limit: 1.0},
	{what: "Batch ≤ 1.0× dataloadgen", workload: "Batch", vs: "dataloadgen", limit: 1.0},
	{what: "Batch ≤ 1.0× graph-gophers/dataloader", workload: "Batch", vs: "dataloader", limit: 1.0},
	{what: "BatchDistinct ≤ 1.0× dataloadgen", workload: "BatchDistinct", vs: "dataloadgen", limit: 1.0},
	{what: "BatchDistinct ≤ 1.0× graph-gophers/dataloader", workload: "BatchDistinct", vs: "dataloader", limit: 1.0},
}

// ours returns the numerator of t's ratio.
func (t target) ours() string {
	if t.lib != "" {
		return t.lib
	}
	return "future"
}

// allocs returns future's allocations per op in workload over per.
func allocs(workload string, per float64) func(d *data) float64 {
	return func(d *data) float64 { return d.get(workload, "future").med("allocs/op") / per }
}

// verdict says whether a ratio target is met: only when the 95% interval
// of the ratio lies inside it and, for a target that claims future is
// faster (a limit of 1.0 or less), benchstat finds the difference
// significant. It is missed when the whole interval lies outside it, and
// not shown otherwise.
func verdict(s ratioStat, limit float64) (text string, met bool) {
	ns := ""
	if !math.IsNaN(s.p) && !s.significant() {
		ns = "; not significant"
	}
	switch {
	case math.IsNaN(s.lo):
		return "not shown: one round", false
	case s.hi <= limit && (limit > 1 || s.significant()):
		return "yes", true
	case s.lo > limit:
		return "**no**" + ns, false
	case s.hi <= limit:
		return "not shown" + ns, false
	default:
		return "not shown: the interval straddles it" + ns, false
	}
}

// against says how future compares with another contender: faster,
// slower, or not significantly different, with the p-value.
func against(s ratioStat, lib string) string {
	switch {
	case math.IsNaN(s.p):
		return "—"
	case !s.significant():
		return "not significant, " + s.pText()
	case s.r < 1:
		return "future faster, " + s.pText()
	default:
		return lib + " faster, " + s.pText()
	}
}

func (d *data) report(w6, load, tail, svg string) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	runs := 0
	for _, r := range d.results {
		runs = max(runs, r.runs())
	}
	p("# Benchmark results\n\n")
	p("Written by `bench/run.sh` on %s; do not edit by hand. Every figure is the\n", d.m.date)
	p("median of %d rounds in one run of `run.sh`; in each round every library\n", runs)
	p("runs each workload in a fresh process, right after or before the other\n")
	p("contenders, in an order that rotates from round to round; ratios are of the\n")
	p("medians. The raw output of every library is in [results/raw.txt](results/raw.txt),\n")
	p("benchstat's comparisons in [results/benchstat.txt](results/benchstat.txt)\n")
	p("(and, as the report reads them, [results/benchstat.csv](results/benchstat.csv)).\n\n")
	p("Machine: %s.\n\n", d.where())
	if load != "" {
		p("The machine is shared; its load while the benchmarks ran:\n\n```\n%s```\n\n", load)
	}
	p("**How to read the figures.** An interval is a 95%% interval. For one\n")
	p("library's ns/op it is benchstat's (a distribution-free interval of the\n")
	p("median). For a ratio of medians it is a percentile bootstrap: %s\n", thousands(resamples))
	p("resamples, each drawing as many rounds as were run, with replacement, from\n")
	p("each of the two libraries independently and taking the ratio of their\n")
	p("medians (a PCG generator with the fixed seed %d, %d, so the same raw\n", seed1, seed2)
	p("results give the same report). A p-value is benchstat's (a Mann-Whitney U\n")
	p("test); a difference is significant when it is below %.2f, and \"not\n", alpha)
	p("significant\" otherwise. A target is met only when the ratio's interval\n")
	p("lies inside it and, for a target that says future is faster (a limit of\n")
	p("1.0× or less), the difference is significant; it is missed when the whole\n")
	p("interval lies outside it, and \"not shown\" otherwise: this run can tell\n")
	p("neither way. With %d rounds, a ratio's interval on this shared machine is\n", runs)
	p("often ±15%% or more: a target within that of 1.0× is rarely shown either way.\n\n")
	p("![ns/op relative to each workload's baseline, with 95%% intervals and the targets](%s)\n\n", svg)

	p("## Targets (issues 9, 8, 12, 13, 14 and 15)\n\n")
	p("| target | measured | 95%% interval | p | met |\n|---|--:|---|---|---|\n")
	var notMet []string
	for _, t := range targets {
		if t.value != nil {
			v := t.value(d)
			if math.IsNaN(v) {
				p("| %s | not measured in this run | | | |\n", t.what)
				continue
			}
			format := t.format
			if format == "" {
				format = "%.0f"
			}
			p("| %s | "+format+" | | | %s |\n", t.what, v, yes(v <= t.limit))
			continue
		}
		s := d.ratio(t.workload, t.ours(), t.vs)
		if !s.ok() {
			p("| %s | not measured in this run | | | |\n", t.what)
			continue
		}
		text, met := verdict(s, t.limit)
		p("| %s | %.3f× | %s | %s | %s |\n", t.what, s.r, s.interval(), s.pText(), text)
		if why, ok := missed[t.what]; ok && !met {
			notMet = append(notMet, fmt.Sprintf("- **%s** (%.3f×, %s): %s\n", t.what, s.r, s.interval(), why))
		}
	}
	for _, op := range []string{"AddDoneCallback-done", "ResultContext-done", "Done", "IsSuccess"} {
		v := d.get("Reads/"+op, "future").med("allocs/op")
		what := strings.TrimSuffix(op, "-done") + " on a done future: 0 allocations"
		if math.IsNaN(v) {
			p("| %s | not measured in this run | | | |\n", what)
			continue
		}
		p("| %s | %.0f | | | %s |\n", what, v, yes(v <= 0))
	}
	p("\n")
	if len(notMet) > 0 {
		p("Why a target is not met or not shown:\n\n%s\n", strings.Join(notMet, ""))
	}

	for _, w := range workloads {
		d.workloadSection(p, w.name, w.what, w.baseline)
	}
	d.beforeSection(p)
	d.failureSection(p)
	d.memorySection(p)

	p("## Reads and callbacks\n\n| operation | library | ns/op | 95%% interval | B/op | allocs/op |\n|---|---|--:|--:|--:|--:|\n")
	for _, name := range d.sortedNames("Reads/") {
		r := d.results[name]
		row, lib := splitName(name)
		p("| %s | %s | %.2f | %s | %.0f | %.0f |\n", strings.TrimPrefix(row, "Reads/"), lib, r.med("ns/op"), d.stat.ci(name), r.med("B/op"), r.med("allocs/op"))
	}
	p("\n")

	p("## Goroutines held while work is pending\n\n")
	p("A pending 1,000-link chain of continuations, and 1,000 reactions to one\n")
	p("pending future (callbacks where the library has them; otherwise a goroutine\n")
	p("waiting in each). Counted with `runtime.NumGoroutine`.\n\n")
	p("| pending | library | goroutines |\n|---|---|--:|\n")
	for _, name := range d.sortedNames("Held/") {
		row, lib := splitName(name)
		p("| %s | %s | %.0f |\n", strings.TrimPrefix(row, "Held/"), lib, d.results[name].med("goroutines"))
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

	d.notAheadSection(p)
	d.citableSection(p)
	return b.String()
}

// beforeSection compares today's future with an earlier commit's on W1-W5,
// when run.sh measured one (BEFORE).
func (d *data) beforeSection(p func(string, ...any)) {
	if d.get("W3", "before") == nil && d.get("W5", "before") == nil {
		return
	}
	p("## Before and after (issue 12)\n\n")
	p("The future contender of W1-W5 at commit %s (lib=before: the core before\n", d.m.before)
	p("listener removal, lazily made task contexts and the rest of issue 12), built with\n")
	p("its own bench/ and run in the same rotation as today's code.\n\n")
	p("| workload | before ns/op | 95%% interval | today ns/op | 95%% interval | today ÷ before [95%% interval] | today against before | allocs/op before → today |\n")
	p("|---|--:|--:|--:|--:|--:|---|--:|\n")
	for _, w := range []string{"W1", "W2", "W3", "W4", "W5"} {
		old, now := d.get(w, "before"), d.get(w, "future")
		if old == nil || now == nil {
			continue
		}
		s := d.ratio(w, "future", "before")
		p("| %s | %s | %s | %s | %s | %.3f× %s | %s | %.0f → %.0f |\n", w,
			ns(old.med("ns/op")), d.stat.ci(nameOf(w, "before")), ns(now.med("ns/op")), d.stat.ci(nameOf(w, "future")),
			s.r, s.interval(), against(s, "before"), old.med("allocs/op"), now.med("allocs/op"))
	}
	p("\n")
}

// workloadSection writes one workload's table: every contender, its ns/op
// with its interval, its ratio to the baseline, and how future compares
// with it.
func (d *data) workloadSection(p func(string, ...any), workload, what, baseline string) {
	p("## %s: %s\n\nBaseline: %s.\n\n", workload, what, baseline)
	if !d.measured(workload) {
		noFigures(p, workload)
		return
	}
	base := baseOf(workload)
	ours := d.get(workload, "future")
	perFunc := !math.IsNaN(ours.med("allocs/func"))
	extra, extraHead := "", ""
	if perFunc {
		extra, extraHead = "--:|", " allocs/func |"
	}
	p("| library | ns/op | 95%% interval | B/op | allocs/op |%s × %s [95%% interval] | future ÷ this [95%% interval] | future against this |\n", extraHead, base)
	p("|---|--:|--:|--:|--:|%s--:|--:|---|\n", extra)
	for _, lib := range libs {
		r := d.get(workload, lib)
		if r == nil {
			continue
		}
		name := nameOf(workload, lib)
		cells := fmt.Sprintf("| %s | %s | %s | %.0f | %.0f |", libNames[lib], ns(r.med("ns/op")), d.stat.ci(name), r.med("B/op"), r.med("allocs/op"))
		if perFunc {
			cells += fmt.Sprintf(" %.2f |", r.med("allocs/func"))
		}
		if lib == base {
			cells += " 1 |"
		} else {
			s := d.ratio(workload, lib, base)
			cells += fmt.Sprintf(" %.2f× %s |", s.r, s.interval())
		}
		if lib == "future" {
			cells += " | |"
		} else {
			s := d.ratio(workload, "future", lib)
			cells += fmt.Sprintf(" %.2f× %s | %s |", s.r, s.interval(), against(s, lib))
		}
		p("%s\n", cells)
	}
	p("\n")
}

// noFigures says that this run measured none of what.
func noFigures(p func(string, ...any), what string) {
	p("No figures: this run's raw output has none for %s, which was added after it; the next run of `run.sh` measures it.\n\n", what)
}

// ns formats a duration in nanoseconds with about four significant digits.
func ns(v float64) string {
	switch {
	case math.IsNaN(v):
		return "—"
	case v >= 1e6:
		return fmt.Sprintf("%.3f ms", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.1f µs", v/1e3)
	case v >= 100:
		return fmt.Sprintf("%.0f ns", v)
	default:
		return fmt.Sprintf("%.2f ns", v)
	}
}

// failureOps are the failure path's benchmarks, in the order shown.
var failureOps = []struct{ op, what string }{
	{"SetException", "`New`, `SetException` of an existing error, `Result`: the failure path"},
	{"SetResult", "`New`, `SetResult`, `Result`: the success path (W1)"},
	{"errors.New", "`errors.New` alone: the least a failure costs"},
	{"CaptureTraceback", "`CaptureTraceback(0)` alone: the stack `SetException` records, at the benchmark's depth"},
	{"CaptureTraceback-deep", "`CaptureTraceback(0)` 32 frames deeper"},
	{"workiva-SetError", "Workiva's `Selectable`: `NewSelectable`, `SetError`, `GetResult` (records no stack)"},
}

func (d *data) failureSection(p func(string, ...any)) {
	p("## The failure path (issue 15)\n\n")
	if !d.measured("Failure") {
		noFigures(p, "the failure path")
		return
	}
	p("A failed future records the stack of the `SetException` call (program counters\n")
	p("only, symbolized when `Traceback` is read). Every `SetException` pays for the\n")
	p("capture, which walks the stack: its cost grows with the depth of the caller.\n\n")
	p("| operation | ns/op | 95%% interval | B/op | allocs/op | SetException ÷ this [95%% interval] | p |\n|---|--:|--:|--:|--:|--:|---|\n")
	for _, o := range failureOps {
		name := "Failure/op=" + o.op
		r := d.results[name]
		if r == nil {
			continue
		}
		ratio, pv := "", ""
		if o.op != "SetException" {
			s := d.ratioOf("Failure/op=SetException", name)
			ratio, pv = fmt.Sprintf("%.2f× %s", s.r, s.interval()), s.pText()
		}
		p("| %s | %s | %s | %.0f | %.0f | %s | %s |\n", o.what, ns(r.med("ns/op")), d.stat.ci(name), r.med("B/op"), r.med("allocs/op"), ratio, pv)
	}
	shallow, deep := d.results["Failure/op=CaptureTraceback"].med("ns/op"), d.results["Failure/op=CaptureTraceback-deep"].med("ns/op")
	fail, ok := d.results["Failure/op=SetException"].med("ns/op"), d.results["Failure/op=SetResult"].med("ns/op")
	p("\nA failure costs %s more than a success here, of which the capture is %s;\n", ns(fail-ok), ns(shallow))
	p("each frame deeper adds about %s (32 frames deeper: %s).\n\n", ns((deep-shallow)/32), ns(deep))
}

// memoryCases are the memory workloads, in the order shown.
var memoryCases = []struct{ name, what string }{
	{"pending", "a pending future (1,000,000 of them kept)"},
	{"callback", "with one callback"},
	{"continuation", "with one continuation (its own future included)"},
	{"waiters", "with 10 goroutines blocked reading it"},
}

// memoryLibs are the contenders of the memory workloads.
var memoryLibs = []struct{ lib, name string }{
	{"baseline", "raw one-shot"},
	{"future", "**future**"},
	{"workiva", "Workiva `Selectable`"},
	{"mo", "samber/mo `Future`"},
}

// notApplicable says, in a few words, why a library is missing from a
// memory workload.
var notApplicable = map[key]string{
	{"callback", "baseline"}:     "no callbacks",
	{"continuation", "baseline"}: "no continuations",
	{"callback", "workiva"}:      "no callbacks",
	{"continuation", "workiva"}:  "no continuations",
	{"callback", "mo"}:           "no callbacks",
}

// key names a case and a library.
type key struct{ workload, lib string }

func (d *data) memorySection(p func(string, ...any)) {
	p("## Memory per future (issue 15)\n\n")
	if !d.measured("Memory/pending") {
		noFigures(p, "the memory workloads")
		return
	}
	p("Heap bytes per future, `Future[int]` or the library's equivalent, read with\n")
	p("`runtime.ReadMemStats` after `runtime.GC()` before and after making N pending\n")
	p("futures that are kept alive ([internal/workloads/memory.go](../internal/workloads/memory.go)):\n")
	p("N is 1,000,000 for the pending futures, fewer for the others (see `run.sh`),\n")
	p("one process per library. Goroutines are not counted: not their stacks,\n")
	p("which are not heap, nor their g structs, which the runtime reuses from\n")
	p("goroutines that ended before. What is counted, for every library alike, is\n")
	p("the runtime's record of each goroutine blocked on a channel (a sudog): the\n")
	p("raw one-shot's row shows how much that is. A pending mo `Future` is made\n")
	p("the only way one can be completed from outside: its function, which it\n")
	p("keeps, hands `resolve` out over a channel.\n\n")
	p("| kept |")
	for _, l := range memoryLibs {
		p(" %s |", l.name)
	}
	p("\n|---|")
	for range memoryLibs {
		p("--:|")
	}
	p("\n")
	for _, c := range memoryCases {
		p("| %s |", c.what)
		for _, l := range memoryLibs {
			r := d.get("Memory/"+c.name, l.lib)
			switch why, ok := notApplicable[key{c.name, l.lib}]; {
			case ok:
				p(" n/a: %s |", why)
			case r == nil:
				p(" — |")
			default:
				p(" %.0f B |", r.med("B/future"))
			}
		}
		p("\n")
	}
	p("\nn/a: the library lacks the operation. mo's `Then`, `Catch` and `Finally`\n")
	p("each make a new `Future` (the continuation case), and it has no callback\n")
	p("that does not; Workiva's `Selectable` has neither callbacks nor\n")
	p("continuations.\n\n")
}

// notAheadSection lists, for each workload, the peers whose median is at
// least as fast as future's, with how sure that is and why.
func (d *data) notAheadSection(p func(string, ...any)) {
	p("## Where future is not ahead\n\n")
	p("Every peer whose median ns/op is at most ours, with the interval of our\n")
	p("ratio to it and benchstat's verdict.\n\n")
	any := false
	for _, w := range workloads {
		ours := d.get(w.name, "future")
		for _, lib := range libs[2:] {
			if lib == "future-request" {
				continue // ours too
			}
			r := d.get(w.name, lib)
			if ours == nil || r == nil || r.med("ns/op") > ours.med("ns/op") {
				continue
			}
			any = true
			s := d.ratio(w.name, "future", lib)
			sig := "significant"
			if !s.significant() {
				sig = "not significant"
			}
			why := behind[key{w.name, lib}]
			if why == "" {
				why = "no explanation recorded yet."
			}
			p("- **%s, %s** (%s, %s): %s against our %s, future ÷ %s %.2f× %s. %s\n",
				w.name, lib, sig, s.pText(), ns(r.med("ns/op")), ns(ours.med("ns/op")), lib, s.r, s.interval(), why)
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
}

// citableSection writes one line for each figure the README uses, each
// with the machine and the run it comes from.
func (d *data) citableSection(p func(string, ...any)) {
	p("## Figures the README cites\n\n")
	p("One line a figure, each with the run and the machine it comes from, for\n")
	p("the README and the package documentation to quote (and link, by the\n")
	p("line's anchor); they quote no figure that is not here.\n\n")
	runs := d.results[nameOf("W1", "future")].runs()
	mhz := ""
	if d.m.mhz != "" {
		mhz = " " + d.m.mhz + " MHz"
	}
	src := fmt.Sprintf("run of %s, %d rounds; %s%s, %s cores, %s", d.m.date, runs, d.cpu, mhz, d.m.cores, d.m.goVersion)
	line := func(id, format string, args ...any) {
		p("- <a id=\"%s\"></a>**%s**: %s (%s).\n", id, id, fmt.Sprintf(format, args...), src)
	}
	ratioLine := func(s ratioStat, vs string) string {
		sig := "significant"
		if !s.significant() {
			sig = "not significant"
		}
		return fmt.Sprintf("%.2f× %s (95%% interval %s; %s, %s)", s.r, vs, s.interval(), s.pText(), sig)
	}
	for _, w := range workloads {
		ours, base := d.get(w.name, "future"), d.get(w.name, baseOf(w.name))
		if ours == nil || base == nil {
			continue
		}
		s := d.ratio(w.name, "future", baseOf(w.name))
		line(w.name, "%s: future %s/op against %s, %s", w.short, ns(ours.med("ns/op")), ns(base.med("ns/op")), ratioLine(s, "the 1×"))
	}
	if r, sf := d.get("Flights", "future"), d.get("Flights", "singleflight"); r != nil && sf != nil {
		line("Flights-caller", "a Flights caller allocates %.1f times, a singleflight.DoChan caller %.1f (the caller's goroutine and closures included)",
			r.med("allocs/caller"), sf.med("allocs/caller"))
	}
	if s := d.ratio("W2", "future", "workiva"); s.ok() {
		line("W2-workiva", "W2, the hand-off: future %s", ratioLine(s, "Workiva's Selectable"))
	}
	if r := d.results["Failure/op=SetException"]; r != nil {
		ok := d.results["Failure/op=SetResult"]
		tb := d.results["Failure/op=CaptureTraceback"]
		deep := d.results["Failure/op=CaptureTraceback-deep"]
		line("failure", "New+SetException+Result %s/op (%.0f allocations), New+SetResult+Result %s, errors.New %s",
			ns(r.med("ns/op")), r.med("allocs/op"), ns(ok.med("ns/op")), ns(d.results["Failure/op=errors.New"].med("ns/op")))
		line("traceback", "CaptureTraceback %s at the benchmark's depth, %s 32 frames deeper", ns(tb.med("ns/op")), ns(deep.med("ns/op")))
	}
	for _, c := range memoryCases {
		var parts []string
		for _, l := range memoryLibs {
			if r := d.get("Memory/"+c.name, l.lib); r != nil {
				parts = append(parts, fmt.Sprintf("%s %.0f B", strings.Trim(l.name, "*"), r.med("B/future")))
			}
		}
		if len(parts) > 0 {
			line("memory-"+c.name, "heap per future, %s: %s", c.what, strings.Join(parts, ", "))
		}
	}
	p("- <a id=\"tail\"></a>**tail**: the tail-at-scale figures are exact, on fake time, the same on every machine: see [Tail at scale](#tail-at-scale).\n\n")
}

// thousands formats n with commas: 10,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

// sortedNames returns the names of the benchmarks under prefix, by row and
// then in the order of libs.
func (d *data) sortedNames(prefix string) []string {
	var names []string
	for name := range d.results {
		if strings.HasPrefix(name, prefix) {
			names = append(names, name)
		}
	}
	slices.SortFunc(names, func(a, b string) int {
		ra, la := splitName(a)
		rb, lb := splitName(b)
		if c := strings.Compare(ra, rb); c != 0 {
			return c
		}
		return slices.Index(libs, la) - slices.Index(libs, lb)
	})
	return names
}
