// Command spread turns the output of spread.sh into SPREAD.md: for each
// workload (Pool, which is W7, Group, Flights, Batch and the Calls ones)
// and contender, the median of its rounds with the lowest and highest
// round and how far the farthest round lies from the median; and for each
// of ours against each peer, the ratio of the two processes of every round
// (which ran back to back), as the median of those ratios with their
// lowest and highest. Each interval is the whole range of the rounds, not
// a confidence interval of a median: it covers every process measured, so
// a process that landed in a slow mode widens it instead of being averaged
// away.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// sample is one process's figures for one benchmark, by unit.
type sample map[string]float64

// runs holds the samples of every benchmark ("Pool/lib=future"), by round.
type runs struct {
	rounds  int
	samples map[string]map[int]sample
	header  []string // the # lines that are not round markers
}

func parse(r io.Reader) (*runs, error) {
	rs := &runs{samples: map[string]map[int]sample{}}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if n, ok := strings.CutPrefix(line, "# round "); ok {
			k, err := strconv.Atoi(n)
			if err != nil {
				return nil, fmt.Errorf("%q: %v", line, err)
			}
			rs.rounds = k
			continue
		}
		if h, ok := strings.CutPrefix(line, "# "); ok {
			rs.header = append(rs.header, h)
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i] // the -GOMAXPROCS suffix
		}
		s := sample{}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%q: %v", line, err)
			}
			s[f[i+1]] = v
		}
		if rs.samples[name] == nil {
			rs.samples[name] = map[int]sample{}
		}
		rs.samples[name][rs.rounds] = s
	}
	return rs, sc.Err()
}

// stats are the median, lowest and highest of xs.
type stats struct{ med, lo, hi float64 }

func of(xs []float64) stats {
	if len(xs) == 0 {
		return stats{math.NaN(), math.NaN(), math.NaN()}
	}
	xs = slices.Clone(xs)
	slices.Sort(xs)
	n := len(xs)
	med := xs[n/2]
	if n%2 == 0 {
		med = (xs[n/2-1] + xs[n/2]) / 2
	}
	return stats{med, xs[0], xs[n-1]}
}

// spread is how far the farthest round lies from the median, as a
// fraction of the median.
func (s stats) spread() float64 { return math.Max(s.hi-s.med, s.med-s.lo) / s.med }

// values returns the figures of name in unit, round by round.
func (rs *runs) values(name, unit string) []float64 {
	var xs []float64
	for _, s := range rs.samples[name] {
		if v, ok := s[unit]; ok {
			xs = append(xs, v)
		}
	}
	return xs
}

// ratios returns a's figure over b's in unit for every round that measured
// both.
func (rs *runs) ratios(a, b, unit string) []float64 {
	var xs []float64
	for round, sa := range rs.samples[a] {
		if sb, ok := rs.samples[b][round]; ok && sb[unit] > 0 {
			xs = append(xs, sa[unit]/sb[unit])
		}
	}
	return xs
}

// workload is what the report says about one workload.
type workload struct {
	name, title string
	libs        []string // in the order of the table
	ours        []string // the libs whose ratios to every other lib are given
	units       []string // beside ns/op
}

var workloads = []workload{
	{"Pool", "Pool (W7): one tiny task at limit 4, batches of 1,000 each followed by a wait",
		[]string{"future", "future-request", "future-bounded", "before", "before-request", "conc", "conc-results", "errgroup", "ants", "baseline", "floor"},
		[]string{"future", "future-request"}, []string{"B/op", "allocs/op"}},
	{"Group", "Group: one request forks 1,000 tiny functions at limit 4, then waits (one op is one group)",
		[]string{"future", "errgroup", "errgroup-fork", "conc"},
		[]string{"future"}, []string{"allocs/func"}},
	{"Flights", "Flights: a round of 1,000 concurrent callers over 10 keys",
		[]string{"future", "singleflight"},
		[]string{"future"}, []string{"allocs/caller"}},
	{"Batch", "Batch: 1,000 concurrent goroutines each load one of 100 keys (one op is a round)",
		[]string{"future", "floor", "floor-padded", "dataloadgen", "dataloader"},
		[]string{"future", "floor"}, []string{"ns/load", "allocs/load"}},
	{"BatchDistinct", "BatchDistinct: 1,000 concurrent goroutines each load 10 keys of their own (one op is a round)",
		[]string{"future", "floor", "floor-padded", "dataloadgen", "dataloader"},
		[]string{"future", "floor"}, []string{"ns/load", "allocs/load"}},
	{"CallsRoundtrip", "CallsRoundtrip: 64 callers, one responder, context.Background() (one op is a call)",
		[]string{"future", "map"},
		[]string{"future"}, []string{"B/op", "allocs/op"}},
	{"CallsRoundtripCtx", "CallsRoundtripCtx: the same, each caller's ctx cancelable",
		[]string{"future", "map", "map-watched"},
		[]string{"future"}, []string{"B/op", "allocs/op"}},
	{"CallsStorm", "CallsStorm: every call's ctx ends before its answer",
		[]string{"future", "map", "map-watched"},
		[]string{"future"}, []string{"B/op", "allocs/op"}},
}

var names = map[string]string{
	"future":         "ours, context.Background()",
	"future-request": "ours, a cancelable context per Submit",
	"future-bounded": "ours, SetQueueLimit(16): Submit blocks as the peers' do",
	"before":         "ours before",
	"before-request": "ours before, cancelable context",
	"conc":           "conc plain pool",
	"conc-results":   "conc result pool",
	"errgroup":       "errgroup",
	"errgroup-fork":  "errgroup with a future and context per function",
	"ants":           "ants v2",
	"baseline":       "goroutine + semaphore",
	"floor":          "floor: the plainest batcher giving each Load a future of its own, with no context, leaving or panic handling (bench/floor_test.go)",
	"floor-padded":   "the floor with each caller padded to 160 bytes, the size of a Batcher's new key",
	"singleflight":   "singleflight",
	"dataloadgen":    "vikstrous/dataloadgen",
	"dataloader":     "graph-gophers/dataloader v7",
	"map":            "map[uint64]chan int under a mutex, as net/rpc and nats.go",
	"map-watched":    "that map with a context.AfterFunc per call, so a call leaves when its ctx ends",
}

func label(workload, lib string) string {
	if workload == "Pool" && lib == "floor" {
		return "floor: a plain never-blocking pool, a future per task but no context or panic handling (bench/floor_test.go)"
	}
	if workload == "Group" && lib == "conc" {
		return "conc (conc result pool with a context, one per group)"
	}
	if lib == "future" && workload != "Pool" && workload != "Group" && workload != "Flights" {
		return "future (ours)"
	}
	if n, ok := names[lib]; ok {
		return fmt.Sprintf("%s (%s)", lib, n)
	}
	return lib
}

func report(w io.Writer, rs *runs, load string) {
	fmt.Fprintf(w, "# Pool, Group, Flights, Batch and Calls over %d rounds of fresh processes\n\n", rs.rounds)
	fmt.Fprintln(w, "Written by `bench/spread.sh` (`cmd/spread`); do not edit.")
	for _, h := range rs.header {
		fmt.Fprintf(w, "%s  \n", h)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Each round ran every contender once, each in a fresh process, one after "+
		"another, in an order that rotates from round to round. A figure is the median "+
		"over the rounds with, in brackets, the lowest and the highest round; spread is "+
		"how far the farthest round lies from the median. A ratio is computed round by "+
		"round, from the two processes of that round, which ran minutes apart at most; "+
		"it is given as the median of those ratios with the lowest and highest: the "+
		"interval covers every round, not a confidence interval of the median.")
	for _, wl := range workloads {
		var libs []string
		for _, lib := range wl.libs {
			if len(rs.samples[wl.name+"/lib="+lib]) > 0 {
				libs = append(libs, lib)
			}
		}
		if len(libs) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n## %s\n\n", wl.title)
		fmt.Fprintf(w, "| contender | rounds | ns/op | spread |")
		for _, u := range wl.units {
			fmt.Fprintf(w, " %s |", u)
		}
		fmt.Fprintf(w, "\n|---|---|---|---|%s\n", strings.Repeat("---|", len(wl.units)))
		for _, lib := range libs {
			name := wl.name + "/lib=" + lib
			s := of(rs.values(name, "ns/op"))
			fmt.Fprintf(w, "| %s | %d | %s [%s, %s] | ±%.0f%% |", label(wl.name, lib), len(rs.samples[name]),
				num(s.med), num(s.lo), num(s.hi), 100*s.spread())
			for _, u := range wl.units {
				fmt.Fprintf(w, " %s |", num(of(rs.values(name, u)).med))
			}
			fmt.Fprintln(w)
		}
		var ours []string
		for _, o := range wl.ours {
			if slices.Contains(libs, o) {
				ours = append(ours, o)
			}
		}
		fmt.Fprintf(w, "\nTime ratios, the column's ÷ the row's, round by round: median [lowest, highest].\n\n|  |")
		for _, o := range ours {
			fmt.Fprintf(w, " %s ÷ |", o)
		}
		fmt.Fprintf(w, "\n|---|%s\n", strings.Repeat("---|", len(ours)))
		for _, lib := range libs {
			if lib == ours[0] {
				continue
			}
			fmt.Fprintf(w, "| %s |", lib)
			for _, o := range ours {
				if o == lib {
					fmt.Fprint(w, " |")
					continue
				}
				r := of(rs.ratios(wl.name+"/lib="+o, wl.name+"/lib="+lib, "ns/op"))
				fmt.Fprintf(w, " %.2f× [%.2f, %.2f] |", r.med, r.lo, r.hi)
			}
			fmt.Fprintln(w)
		}
	}
	targets(w, rs)
	if load != "" {
		fmt.Fprintf(w, "\n## Load\n\n```\n%s```\n", load)
	}
}

// targets checks the issues' time targets (26 for W7, 25 for Batch, 24
// for Calls), each by the median of its rounds and by every round.
func targets(w io.Writer, rs *runs) {
	fmt.Fprintf(w, "\n## The issues' targets\n\n| target | median | highest | met by the median | met by every round |\n|---|---|---|---|---|\n")
	row := func(what string, xs []float64, limit float64) {
		if len(xs) == 0 {
			return
		}
		s := of(xs)
		fmt.Fprintf(w, "| %s | %.2f | %.2f | %s | %s |\n", what, s.med, s.hi, yes(s.med <= limit), yes(s.hi <= limit))
	}
	for _, t := range []struct {
		what, a, b string
		limit      float64
	}{
		{"25: Batch, future ÷ dataloadgen ≤ 1.0", "Batch/lib=future", "Batch/lib=dataloadgen", 1.0},
		{"25: Batch, future ÷ dataloader ≤ 1.0", "Batch/lib=future", "Batch/lib=dataloader", 1.0},
		{"25: BatchDistinct, future ÷ dataloadgen ≤ 1.0", "BatchDistinct/lib=future", "BatchDistinct/lib=dataloadgen", 1.0},
		{"25: BatchDistinct, future ÷ dataloader ≤ 1.0", "BatchDistinct/lib=future", "BatchDistinct/lib=dataloader", 1.0},
		{"25 (floor): Batch, floor ÷ dataloadgen ≤ 1.0", "Batch/lib=floor", "Batch/lib=dataloadgen", 1.0},
		{"25 (floor): BatchDistinct, floor ÷ dataloadgen ≤ 1.0", "BatchDistinct/lib=floor", "BatchDistinct/lib=dataloadgen", 1.0},
		{"24: CallsRoundtrip, future ÷ map ≤ 0.9", "CallsRoundtrip/lib=future", "CallsRoundtrip/lib=map", 0.9},
		{"24: CallsRoundtripCtx, future ÷ map ≤ 0.9", "CallsRoundtripCtx/lib=future", "CallsRoundtripCtx/lib=map", 0.9},
		{"24: CallsStorm, future ÷ map ≤ 1.0", "CallsStorm/lib=future", "CallsStorm/lib=map", 1.0},
		{"24 (floor): CallsRoundtripCtx, future ÷ map-watched ≤ 0.9", "CallsRoundtripCtx/lib=future", "CallsRoundtripCtx/lib=map-watched", 0.9},
		{"24 (floor): CallsStorm, future ÷ map-watched ≤ 1.0", "CallsStorm/lib=future", "CallsStorm/lib=map-watched", 1.0},
	} {
		row(t.what, rs.ratios(t.a, t.b, "ns/op"), t.limit)
	}
	if len(rs.samples["Pool/lib=future"]) == 0 {
		return
	}
	row("26: W7, future ÷ conc ≤ 1.0", rs.ratios("Pool/lib=future", "Pool/lib=conc", "ns/op"), 1.0)
	row("26: W7, future ÷ errgroup ≤ 0.85", rs.ratios("Pool/lib=future", "Pool/lib=errgroup", "ns/op"), 0.85)
	row("26: W7, future-request ÷ conc ≤ 1.0", rs.ratios("Pool/lib=future-request", "Pool/lib=conc", "ns/op"), 1.0)
	for _, lib := range []string{"future", "future-request", "future-bounded", "floor", "before"} {
		if xs := rs.values("Pool/lib="+lib, "ns/op"); len(xs) > 0 {
			s := of(xs)
			fmt.Fprintf(w, "| 26: W7, %s: every round within ±10%% of the median | ±%.0f%% | | | %s |\n", lib, 100*s.spread(), yes(s.spread() <= 0.10))
		}
	}
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

// num formats a figure with three significant digits or more.
func num(v float64) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

func main() {
	rawPath := flag.String("raw", "results/spread-raw.txt", "the output of spread.sh's rounds")
	loadPath := flag.String("load", "results/spread-load.txt", "uptime at each round")
	flag.Parse()
	f, err := os.Open(*rawPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "spread:", err)
		os.Exit(1)
	}
	defer f.Close()
	rs, err := parse(f)
	if err != nil {
		fmt.Fprintln(os.Stderr, "spread:", err)
		os.Exit(1)
	}
	load, _ := os.ReadFile(*loadPath) // optional
	report(os.Stdout, rs, string(load))
}
