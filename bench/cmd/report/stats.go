package main

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
)

// alpha is the significance level, benchstat's default: a difference is
// significant when benchstat's p-value is below it.
const alpha = 0.05

// Bootstrap parameters of the ratio intervals: fixed, so that the same raw
// results always give the same report.
const (
	resamples = 10_000
	seed1     = 2026
	seed2     = 15
)

// ratioStat is the ratio of two benchmarks' median ns/op, num over den,
// with its 95% bootstrap interval and benchstat's p-value for the
// difference (NaN where benchstat did not compare them).
type ratioStat struct {
	r, lo, hi, p float64
}

// ok reports whether the ratio was measured.
func (s ratioStat) ok() bool { return !math.IsNaN(s.r) }

// significant reports whether benchstat found the difference significant.
func (s ratioStat) significant() bool { return s.p < alpha }

// interval formats the 95% interval as "[0.93, 1.18]".
func (s ratioStat) interval() string {
	if math.IsNaN(s.lo) {
		return "—"
	}
	return fmt.Sprintf("[%.2f, %.2f]", s.lo, s.hi)
}

// pText formats the p-value as benchstat does, "p=0.002", or "—".
func (s ratioStat) pText() string {
	if math.IsNaN(s.p) {
		return "—"
	}
	return fmt.Sprintf("p=%.3f", s.p)
}

// ratioOf returns the ratio of the median ns/op of num and den (benchmark
// names as in results) with its interval and p-value.
func (rep *data) ratioOf(num, den string) ratioStat {
	a, b := rep.results[num], rep.results[den]
	if a == nil || b == nil || len(a.samples["ns/op"]) == 0 || len(b.samples["ns/op"]) == 0 {
		return ratioStat{math.NaN(), math.NaN(), math.NaN(), math.NaN()}
	}
	xs, ys := a.samples["ns/op"], b.samples["ns/op"]
	lo, hi := bootstrapRatio(xs, ys)
	return ratioStat{median(xs) / median(ys), lo, hi, rep.stat.p(num, den)}
}

// bootstrapRatio returns the 95% percentile bootstrap interval of
// median(xs)/median(ys): each of resamples rounds draws len(xs) samples
// from xs and len(ys) from ys, with replacement, and takes the ratio of
// their medians. With a single sample on either side there is no interval.
func bootstrapRatio(xs, ys []float64) (lo, hi float64) {
	if len(xs) < 2 || len(ys) < 2 {
		return math.NaN(), math.NaN()
	}
	rng := rand.New(rand.NewPCG(seed1, seed2))
	ratios := make([]float64, resamples)
	bx, by := make([]float64, len(xs)), make([]float64, len(ys))
	for i := range ratios {
		for j := range bx {
			bx[j] = xs[rng.IntN(len(xs))]
		}
		for j := range by {
			by[j] = ys[rng.IntN(len(ys))]
		}
		ratios[i] = median(bx) / median(by)
	}
	slices.Sort(ratios)
	return ratios[resamples*25/1000], ratios[resamples*975/1000-1]
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

// benchstat is what the report reads from benchstat's CSV output
// (-format csv): for each row and pair of columns, the p-value of the
// difference in sec/op, and each column's confidence interval of its
// median, as benchstat prints it ("± 18%").
type benchstat struct {
	pvals map[[3]string]float64 // row, base column, column
	cis   map[[2]string]string  // row, column
	// names maps a benchmark name as the report keys it (W1/lib=future) to
	// its row and column in benchstat's tables (W1, future).
	names func(name string) (row, col string)
}

// p returns the p-value benchstat gives for the difference between the
// benchmarks a and b, in either direction; NaN if it compared none.
func (s *benchstat) p(a, b string) float64 {
	if s == nil {
		return math.NaN()
	}
	ra, ca := s.names(a)
	rb, cb := s.names(b)
	if ra != rb {
		return math.NaN()
	}
	if p, ok := s.pvals[[3]string{ra, ca, cb}]; ok {
		return p
	}
	if p, ok := s.pvals[[3]string{ra, cb, ca}]; ok {
		return p
	}
	return math.NaN()
}

// ci returns benchstat's confidence interval of a benchmark's median
// sec/op, as "± 18%", or "".
func (s *benchstat) ci(name string) string {
	row, col := s.names(name)
	return s.cis[[2]string{row, col}]
}

// readBenchstat parses the CSV tables of one or more benchstat runs, which
// run.sh writes one after another into one file. Each table starts with a
// row of column names (",future,,baseline,,,,workiva,...": the first is
// the base the others are compared with) and a row of headings
// (",sec/op,CI,sec/op,CI,vs base,P,..."); its rows end at a blank line.
// Only the sec/op tables are read. A missing file gives no p-values.
func readBenchstat(path string, names func(string) (string, string)) (*benchstat, error) {
	s := &benchstat{pvals: map[[3]string]float64{}, cis: map[[2]string]string{}, names: names}
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var (
		cols     []string // the column each field belongs to
		headings []string
		inTable  bool
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			cols, headings, inTable = nil, nil, false
			continue
		}
		if !strings.Contains(line, ",") {
			continue // goos:, pkg: and the like
		}
		r := csv.NewReader(strings.NewReader(line))
		r.FieldsPerRecord = -1
		fields, err := r.Read()
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("%s: %q: %v", path, line, err)
		}
		switch {
		case fields[0] == "" && cols == nil:
			cols = make([]string, len(fields))
			for i, name := range fields {
				if name == "" && i > 0 {
					name = cols[i-1]
				}
				cols[i] = name
			}
		case fields[0] == "" && headings == nil:
			headings = fields
			inTable = len(headings) > 1 && headings[1] == "sec/op"
		case inTable:
			row := stripProcs(fields[0])
			base := cols[1]
			for i := 1; i < len(fields) && i < len(headings); i++ {
				switch headings[i] {
				case "CI":
					if fields[i] != "" {
						s.cis[[2]string{row, cols[i]}] = "± " + fields[i]
					}
				case "P":
					// "p=0.002 n=6"
					v, _, _ := strings.Cut(strings.TrimPrefix(fields[i], "p="), " ")
					if p, err := strconv.ParseFloat(v, 64); err == nil {
						s.pvals[[3]string{row, base, cols[i]}] = p
					}
				}
			}
		}
	}
	return s, sc.Err()
}

// stripProcs removes the GOMAXPROCS suffix of a benchmark name: W1-2 is W1.
func stripProcs(name string) string {
	if i := strings.LastIndexByte(name, '-'); i > 0 {
		if _, err := strconv.Atoi(name[i+1:]); err == nil {
			return name[:i]
		}
	}
	return name
}
