package main

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestVerdict(t *testing.T) {
	tests := []struct {
		name   string
		s      ratioStat
		limit  float64
		want   string
		wantOK bool
	}{
		{"inside, significant", ratioStat{0.56, 0.44, 0.71, 0.002}, 0.85, "yes", true},
		{"inside a limit above 1, not significant", ratioStat{1.0, 0.95, 1.05, 0.7}, 1.1, "yes", true},
		{"inside a limit of 1, not significant", ratioStat{0.9, 0.8, 0.99, 0.09}, 1.0, "not shown; not significant", false},
		{"straddles", ratioStat{1.05, 0.90, 1.23, 0.699}, 1.1, "not shown: the interval straddles it; not significant", false},
		{"outside", ratioStat{1.3, 1.2, 1.4, 0.002}, 1.1, "**no**", false},
		{"one round", ratioStat{1.0, math.NaN(), math.NaN(), math.NaN()}, 1.1, "not shown: one round", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := verdict(tt.s, tt.limit)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("verdict(%+v, %g) = %q, %v; want %q, %v", tt.s, tt.limit, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestBootstrapRatio(t *testing.T) {
	xs := []float64{100, 104, 98, 120, 101, 99}
	ys := []float64{200, 190, 210, 205, 198, 260}
	lo, hi := bootstrapRatio(xs, ys)
	lo2, hi2 := bootstrapRatio(xs, ys)
	if lo != lo2 || hi != hi2 {
		t.Fatalf("not deterministic: [%g, %g] then [%g, %g]", lo, hi, lo2, hi2)
	}
	r := median(xs) / median(ys)
	if !(lo <= r && r <= hi) || lo <= 0 || hi >= 1 {
		t.Errorf("interval [%g, %g] around %g", lo, hi, r)
	}
	if lo, _ := bootstrapRatio(xs[:1], ys); !math.IsNaN(lo) {
		t.Errorf("one sample gave an interval")
	}
}

func TestReadBenchstat(t *testing.T) {
	const csv = `goos: linux
,future,,baseline,,,,workiva,,,
,sec/op,CI,sec/op,CI,vs base,P,sec/op,CI,vs base,P
W1-2,4.29e-08,18%,7.6e-08,46%,+77.11%,p=0.002 n=6,5.9e-08,20%,+38.11%,p=0.009 n=6
geomean,1.5e-07,,2.0e-07,,+29.79%,,1.8e-07,,+17.90%,

,future,,baseline,,,
,B/op,CI,B/op,CI,vs base,P
W1-2,64,0%,112,0%,+75.00%,p=0.500 n=6

,SetException,,SetResult,,,
,sec/op,CI,sec/op,CI,vs base,P
Failure-2,8.6e-07,5%,1.0e-07,3%,-88%,p=0.004 n=6
`
	path := filepath.Join(t.TempDir(), "benchstat.csv")
	if err := os.WriteFile(path, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := readBenchstat(path, splitName)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		a, b string
		want float64
	}{
		{"W1/lib=future", "W1/lib=baseline", 0.002},
		{"W1/lib=baseline", "W1/lib=future", 0.002}, // either direction
		{"W1/lib=future", "W1/lib=workiva", 0.009},
		{"Failure/op=SetResult", "Failure/op=SetException", 0.004},
	} {
		if got := s.p(c.a, c.b); got != c.want {
			t.Errorf("p(%s, %s) = %g, want %g (the B/op table must not count)", c.a, c.b, got, c.want)
		}
	}
	if got := s.p("W1/lib=baseline", "W1/lib=workiva"); !math.IsNaN(got) {
		t.Errorf("p of a pair benchstat did not compare = %g, want NaN", got)
	}
	if got := s.ci("W1/lib=baseline"); got != "± 46%" {
		t.Errorf("ci = %q", got)
	}
}
