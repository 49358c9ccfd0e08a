package main

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// colors are the libraries' colours in the chart.
var colors = map[string]string{
	"future": "#1565c0", "future-request": "#64b5f6", "workiva": "#ef6c00", "mo": "#6a1b9a",
	"errgroup": "#2e7d32", "errgroup-fork": "#81c784", "conc": "#c62828", "conc-results": "#ef9a9a", "ants": "#6d4c41", "singleflight": "#00838f",
	"dataloadgen": "#8d6e63", "dataloader": "#afb42b",
	"baseline": "#757575",
}

// chart draws, for each workload, a bar per library but the workload's
// baseline: its median ns/op over the baseline's, on a linear axis from 0,
// with the ratio's 95% bootstrap interval as a whisker, "n.s." where
// benchstat finds no significant difference from the baseline, and
// future's target where it is set against the baseline. Below, a legend
// says what each workload is and what its 1× is.
func (d *data) chart() string {
	const (
		width                       = 980.0
		left, plotW                 = 190.0, 500.0
		barH, gap, groupGap, header = 13.0, 4.0, 10.0, 16.0
		xmax                        = 3.0
		lineH                       = 15.0
	)
	x := func(r float64) float64 { return left + plotW*math.Min(math.Max(r, 0), xmax)/xmax }
	var body strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&body, format+"\n", args...) }
	y := 74.0
	top := y
	drawn := map[string]bool{} // the libraries with a bar, for the legend
	for _, wl := range workloads {
		if !d.measured(wl.name) {
			continue
		}
		base := baseOf(wl.name)
		head := fmt.Sprintf(`<text x="8" y="%.0f"><tspan font-weight="bold">%s</tspan><tspan x="100" fill="#555">1× = %s</tspan>`, y+11, wl.name, esc(oneX(wl.short)))
		for _, t := range targets {
			if t.workload == wl.name && t.vs == base {
				text, _ := verdict(d.ratio(wl.name, t.ours(), base), t.limit)
				text, _, _ = strings.Cut(strings.ReplaceAll(text, "*", ""), ":")
				text, _, _ = strings.Cut(text, ";")
				head += fmt.Sprintf(`<tspan dx="14" fill="#d50000">%s's target ≤ %g×: %s</tspan>`, t.ours(), t.limit, esc(text))
			}
		}
		w("%s</text>", head)
		y += header
		for _, lib := range libs {
			if lib == base || d.get(wl.name, lib) == nil {
				continue
			}
			s := d.ratio(wl.name, lib, base)
			if !s.ok() {
				continue // the baseline was not measured
			}
			drawn[lib] = true
			w(`<text x="%.0f" y="%.0f" text-anchor="end">%s</text>`, left-6, y+barH-2, lib)
			w(`<rect x="%.0f" y="%.0f" width="%.1f" height="%.0f" fill="%s" fill-opacity="0.85"/>`, left, y, x(s.r)-left, barH, colors[lib])
			end := x(s.r)
			if s.r > xmax {
				w(`<text x="%.1f" y="%.0f" fill="white" text-anchor="end" font-weight="bold">»</text>`, x(xmax)-2, y+barH-2)
			}
			if !math.IsNaN(s.lo) {
				mid := y + barH/2
				w(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`, x(s.lo), mid, x(s.hi), mid)
				for _, v := range []float64{s.lo, s.hi} {
					if v <= xmax {
						w(`<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`, x(v), y+2, x(v), y+barH-2)
					}
				}
				end = math.Max(end, x(s.hi))
			}
			if lib == "future" {
				for _, t := range targets {
					if t.workload == wl.name && t.vs == base {
						w(`<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="#d50000" stroke-width="2" stroke-dasharray="3,2"/>`, x(t.limit), y-2, x(t.limit), y+barH+2)
						end = math.Max(end, x(t.limit))
					}
				}
			}
			label := fmt.Sprintf("%.2f×", s.r)
			if !math.IsNaN(s.lo) {
				label += fmt.Sprintf(" [%.2f, %.2f]", s.lo, s.hi)
			}
			if !math.IsNaN(s.p) && !s.significant() {
				label += fmt.Sprintf(" not significant (p=%.2f)", s.p)
			}
			w(`<text x="%.1f" y="%.0f">%s</text>`, end+5, y+barH-2, esc(label))
			y += barH + gap
		}
		y += groupGap
	}
	bottom := y

	var b strings.Builder
	// The legend: the libraries' colours, the marks, the workloads.
	legendY := bottom + 10
	var legend strings.Builder
	lx := 8.0
	for _, lib := range libs[1:] {
		if !drawn[lib] {
			continue
		}
		fmt.Fprintf(&legend, `<rect x="%.0f" y="%.0f" width="10" height="10" fill="%s"/><text x="%.0f" y="%.0f">%s</text>`+"\n", lx, legendY, colors[lib], lx+14, legendY+9, lib)
		lx += 14 + 7*float64(len(lib)) + 18
	}
	ly := legendY + 26
	for _, line := range []string{
		"Bar: the median ns/op over the workload's 1× (shorter is faster); » : beyond 3×, the label gives the value.",
		"Whisker and [lo, hi]: the ratio's 95% bootstrap interval (10,000 resamples of the rounds).",
		"Not significant: benchstat finds no significant difference from 1× (Mann-Whitney U, p ≥ 0.05).",
		"Red dashes: future's target against 1×, met only when the interval lies inside it; the verdict is beside the workload's name.",
	} {
		fmt.Fprintf(&legend, `<text x="8" y="%.0f">%s</text>`+"\n", ly, esc(line))
		ly += lineH
	}
	ly += 6
	fmt.Fprintf(&legend, `<text x="8" y="%.0f" font-weight="bold">Workloads</text>`+"\n", ly)
	ly += lineH
	for _, wl := range workloads {
		if !d.measured(wl.name) {
			continue
		}
		fmt.Fprintf(&legend, `<text x="8" y="%.0f"><tspan font-weight="bold">%s</tspan><tspan x="96">%s</tspan></text>`+"\n", ly, wl.name, esc(wl.short))
		ly += lineH
	}
	height := ly + 8

	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="11">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="8" y="18" font-size="14" font-weight="bold">ns/op relative to each workload's baseline (1×), median of %d rounds, with 95%% intervals</text>`+"\n", d.results[nameOf("W1", "future")].runs())
	fmt.Fprintf(&b, `<text x="8" y="34" fill="#555">%s; %s. Linear axis from 0.</text>`+"\n", esc(d.m.date), esc(d.where()))
	for r := 0.0; r <= xmax; r += 0.5 {
		stroke := "#e0e0e0"
		if r == 1 {
			stroke = "#000"
		}
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="%s"/>`+"\n", x(r), top-12, x(r), bottom-groupGap+2, stroke)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" text-anchor="middle" fill="#555">%g×</text>`+"\n", x(r), top-16, r)
	}
	b.WriteString(body.String())
	b.WriteString(legend.String())
	b.WriteString("</svg>\n")
	return b.String()
}

// oneX returns what a workload's 1× is, from its short description
// ("...; 1× = raw one-shot").
func oneX(short string) string {
	_, what, _ := strings.Cut(short, "1× = ")
	return what
}

func esc(s string) string { return html.EscapeString(s) }
