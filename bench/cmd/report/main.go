// Command report turns the output of run.sh into RESULTS.md and chart.svg:
// for each benchmark the median over its rounds; for each workload the
// ratio of every library to the workload's baseline and to future, with a
// 95% bootstrap interval of the ratio of medians and benchstat's p-value;
// the targets of issues 9, 8, 13, 14 and 15, each met only when its
// interval lies inside it; the failure path, the memory a pending future
// holds, the goroutines each library holds, W6 (a 1,000,000-link chain in a
// process of its own), the tail-at-scale simulation (results/tail.md), and
// one citable line for each figure the README uses.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// result is the samples of one benchmark, one per round, by unit ("ns/op",
// "B/op", "allocs/op", and the custom metrics: "goroutines", "allocs/func",
// "ns/caller", "allocs/caller", "B/future").
type result struct {
	samples map[string][]float64
}

// med returns the median of r's samples of unit, NaN if there are none.
func (r *result) med(unit string) float64 {
	if r == nil {
		return math.NaN()
	}
	return median(r.samples[unit])
}

// runs returns how many rounds measured r.
func (r *result) runs() int {
	if r == nil {
		return 0
	}
	return len(r.samples["ns/op"])
}

// data is everything the report is made from.
type data struct {
	results map[string]*result // by name: BenchmarkW1/lib=future-2 is W1/lib=future
	cpu     string
	m       machine
	stat    *benchstat
}

// nameOf returns the name of workload's benchmark for lib.
func nameOf(workload, lib string) string { return workload + "/lib=" + lib }

// splitName splits a benchmark name into benchstat's row and column: the
// value of its last "key=value" element is the column, the rest the row
// (W1/lib=future is W1 and future; Failure/op=SetResult is Failure and
// SetResult).
func splitName(name string) (row, col string) {
	i := strings.LastIndexByte(name, '/')
	if i < 0 {
		return name, ""
	}
	_, v, ok := strings.Cut(name[i+1:], "=")
	if !ok {
		return name, ""
	}
	return name[:i], v
}

func main() {
	rawPath := flag.String("raw", "results/raw.txt", "the output of go test -bench")
	w6Path := flag.String("w6", "results/w6.txt", "the W6 outcomes, one \"lib outcome detail\" a line")
	tailPath := flag.String("tail", "results/tail.md", "the tail-at-scale table TestTailAtScale writes")
	machinePath := flag.String("machine", "results/machine.txt", "when and where the benchmarks ran, as run.sh records it")
	statPath := flag.String("benchstat", "results/benchstat.csv", "benchstat's comparisons of raw, in its CSV format (-format csv)")
	loadPath := flag.String("load", "results/load.txt", "uptime before and after the benchmarks")
	out := flag.String("out", "RESULTS.md", "the report to write")
	svg := flag.String("svg", "chart.svg", "the chart to write")
	flag.Parse()

	results, cpu, err := parseRaw(*rawPath)
	check(err)
	stat, err := readBenchstat(*statPath, splitName)
	check(err)
	d := &data{results: results, cpu: cpu, m: readMachine(*machinePath), stat: stat}
	w6, err := os.ReadFile(*w6Path)
	check(err)
	load, _ := os.ReadFile(*loadPath) // optional
	tail, _ := os.ReadFile(*tailPath) // optional
	check(os.WriteFile(*svg, []byte(d.chart()), 0o644))
	check(os.WriteFile(*out, []byte(d.report(string(w6), string(load), string(tail), *svg)), 0o644))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

// parseRaw reads go test -bench output and returns the samples of every
// benchmark, and the cpu line.
func parseRaw(path string) (map[string]*result, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	results := map[string]*result{}
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
		name := stripProcs(strings.TrimPrefix(fields[0], "Benchmark"))
		r := results[name]
		if r == nil {
			r = &result{samples: map[string][]float64{}}
			results[name] = r
		}
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return nil, "", fmt.Errorf("%s: %q: %v", path, line, err)
			}
			r.samples[fields[i+1]] = append(r.samples[fields[i+1]], v)
		}
	}
	return results, cpu, sc.Err()
}

// machine is when and where the benchmarks ran.
type machine struct{ date, mhz, cores, goVersion, before string }

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
		case "before":
			m.before = value
		}
	}
	return m
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
